/* libFuzzer target: the multipart/encrypted reply framing (wsman/encrypted.c,
 * MS-WSMV 2.2.9.1). Input: the HTTP Content-Type value, a newline, then the body.
 * ws_enc_parse splits it; ws_enc_unwrap also checks the protocol and the
 * OriginalContent Length with a test mechanism whose unwrap copies the bytes after
 * the signature, so the fuzzer reaches every check without real cryptography. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wsman/encrypted.h"

static ws_rc copy_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                         ws_buf *out, ws_error *err)
{
    (void)a;
    if (sig_len > len)
        return ws_error_set(err, WS_E_CRYPTO, "", "signature longer than the data");
    if (ws_buf_append(out, in + sig_len, len - sig_len) < 0)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    return WS_OK;
}

static const ws_auth_ops copy_ops = {"fuzzcopy", NULL, NULL, NULL, copy_unwrap, NULL, NULL};
static const ws_auth_ops gss_ops = {"negotiate", NULL, NULL, NULL, copy_unwrap, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t ctlen = (size_t)(nl - (const char *)data);
    char *ct = malloc(ctlen + 1);
    if (!ct)
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    /* The body in its own allocation, so reads past its end are caught. */
    size_t blen = size - ctlen - 1;
    char *body = malloc(blen ? blen : 1);
    if (!body) {
        free(ct);
        return 0;
    }
    memcpy(body, nl + 1, blen);

    ws_error err = {0};
    ws_enc_parts parts;
    (void)ws_enc_is_encrypted(ct);
    if (ws_enc_parse(ct, body, blen, "fuzz", &parts, &err) == WS_OK) {
        /* Every span must lie inside the body. */
        const char *w = (const char *)parts.wrapped;
        if (w < body || parts.wrapped_len > blen || w + parts.wrapped_len > body + blen
            || parts.sig_len > parts.wrapped_len || parts.protocol < body
            || parts.protocol + parts.protocol_len > body + blen)
            abort();
    }
    ws_error_clear(&err);

    ws_auth a = {.ops = &copy_ops, .scheme = "Negotiate", .enc_protocol = WS_ENC_SPNEGO};
    ws_buf out = WS_BUF_INIT;
    if (ws_enc_unwrap(&a, ct, body, blen, "fuzz", &out, &err) == WS_OK && out.len > blen)
        abort();
    ws_error_clear(&err);
    ws_buf_free(&out);

    a.ops = &gss_ops;
    a.enc_protocol = WS_ENC_KERBEROS;
    a.caps = WS_AUTH_KERBEROS_WRAP;   /* either Kerberos protocol string is taken */
    ws_enc_unwrap(&a, ct, body, blen, "fuzz", &out, &err);
    ws_error_clear(&err);
    ws_buf_free(&out);

    free(body);
    free(ct);
    return 0;
}
