/* WinRM message encryption with a Kerberos context (MS-WSMV 2.2.9.1.2, RFC 4121 4.2.4).
 * wrap: gss_wrap_iov with HEADER | DATA | PADDING and no TRAILER buffer, so the trailer
 * is folded into the header (the layout SSPI's EncryptMessage produces). The result is
 * header || sealed data || padding, and the header length is the signature length. With
 * AES (RFC 4121) the padding is empty; with RC4-HMAC (RFC 4757) it is one or more bytes
 * that travel after the data and count in the sealed length.
 * unwrap: gss_unwrap_iov with one STREAM buffer (signature || sealed data) and a DATA
 * buffer that receives the plaintext: MIT then undoes the rotated (RRC) trailer of the
 * AES layout and strips the RC4 padding, which a HEADER + DATA split would leave in. */
#include <stdlib.h>
#include <string.h>
#include "auth/gss_int.h"

static ws_rc crypto_fail(ws_auth *a, OM_uint32 major, OM_uint32 minor, const char *doing, ws_error *err)
{
    ws_gss *g = a->state;
    ws_gss_failure f = { doing, NULL, g->target_text, g->host_is_ip, 1 };

    return ws_gss_fail(err, WS_E_CRYPTO, major, minor, &f, NULL);
}

ws_rc ws_gss_wrap(ws_auth *a, const unsigned char *in, size_t len,
                  ws_buf *out, size_t *sig_len, ws_error *err)
{
    ws_gss *g = a->state;
    gss_iov_buffer_desc iov[3];
    OM_uint32 major, minor, tmp;
    int conf = 0;
    unsigned char *data = NULL;
    ws_rc rc = WS_OK;

    if (!a->established)
        return ws_error_set(err, WS_E_USAGE, "", "Kerberos wrap before the handshake finished");
    data = malloc(len ? len : 1);
    if (!data)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    if (len)
        memcpy(data, in, len);
    memset(iov, 0, sizeof iov);
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.value = data;
    iov[1].buffer.length = len;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;

    major = gss_wrap_iov(&minor, g->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
    if (GSS_ERROR(major)) {
        rc = crypto_fail(a, major, minor, "encrypting a message", err);
        goto out;
    }
    if (!conf) {
        rc = ws_error_set(err, WS_E_CRYPTO, "check the server's Kerberos encryption types",
                          "the Kerberos context cannot encrypt (no confidentiality)");
        goto out;
    }
    if (ws_buf_append(out, iov[0].buffer.value, iov[0].buffer.length)
        || ws_buf_append(out, data, len)
        || ws_buf_append(out, iov[2].buffer.value, iov[2].buffer.length)) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory");
        goto out;
    }
    *sig_len = iov[0].buffer.length;
out:
    gss_release_iov_buffer(&tmp, iov, 3);
    free(data);
    return rc;
}

ws_rc ws_gss_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                    ws_buf *out, ws_error *err)
{
    ws_gss *g = a->state;
    gss_iov_buffer_desc iov[2];
    OM_uint32 major, minor;
    int conf = 0;
    gss_qop_t qop = 0;
    unsigned char *copy = NULL;
    ws_rc rc = WS_OK;

    if (!a->established)
        return ws_error_set(err, WS_E_USAGE, "", "Kerberos unwrap before the handshake finished");
    if (sig_len == 0 || sig_len > len)
        return ws_error_set(err, WS_E_CRYPTO, "reconnect; if it persists, something alters the traffic",
                            "encrypted message with a bad signature length (%zu of %zu bytes)", sig_len, len);
    copy = malloc(len);
    if (!copy)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    memcpy(copy, in, len);
    memset(iov, 0, sizeof iov);
    iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
    iov[0].buffer.value = copy;
    iov[0].buffer.length = len;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;

    major = gss_unwrap_iov(&minor, g->ctx, &conf, &qop, iov, 2);
    /* Any supplementary bit (replay, gap, out of order) is an attack on a request/reply
     * protocol: refuse it like a bad signature (RFC 2743 1.2.1.1). */
    if (major != GSS_S_COMPLETE) {
        rc = crypto_fail(a, major, minor, "decrypting a message", err);
        goto out;
    }
    if (!conf) {
        rc = ws_error_set(err, WS_E_CRYPTO, "check the server's encryption settings",
                          "the server sent a signed but unencrypted message");
        goto out;
    }
    if (ws_buf_append(out, iov[1].buffer.value, iov[1].buffer.length))
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory");
out:
    free(copy);
    return rc;
}
