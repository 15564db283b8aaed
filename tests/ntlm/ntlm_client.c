/* Drives the NTLM mechanism for an external acceptor over a line protocol on stdin/stdout:
 *   out NEGOTIATE <hex>   in CHALLENGE <hex>   out AUTHENTICATE <hex>
 *   in WRAP <hex>   -> out WRAPPED <hex of signature || sealed>
 *   in UNWRAP <hex> -> out PLAIN <hex> | ERROR <rc name>: <what>
 * Usage: ntlm_client USER [HOST [CERT.der]], with NTLM_TEST_PASSWORD or NTLM_TEST_NT_HASH
 * in the environment. Used by test_ntlm_interop.py. */
#include "auth/ntlm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_hex(const char *tag, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;

    printf("%s ", tag);
    for (i = 0; i < len; i++)
        printf("%02x", p[i]);
    printf("\n");
    fflush(stdout);
}

/* Reads "TAG hex" into out; returns the tag (static) or NULL at EOF or on bad input. */
static const char *get_line(ws_buf *out)
{
    static char tag[32];
    char *line = NULL, *sp;
    size_t cap = 0, i, n;
    ssize_t len = getline(&line, &cap, stdin);

    ws_buf_reset(out);
    if (len <= 0 || !(sp = strchr(line, ' '))) {
        free(line);
        return NULL;
    }
    snprintf(tag, sizeof(tag), "%.*s", (int)(sp - line), line);
    n = strcspn(sp + 1, "\r\n");
    for (i = 0; i + 1 < n; i += 2) {
        unsigned v;
        unsigned char c;
        if (sscanf(sp + 1 + i, "%2x", &v) != 1)
            break;
        c = (unsigned char)v;
        ws_buf_append(out, &c, 1);
    }
    free(line);
    return tag;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(65536);

    *len = f && buf ? fread(buf, 1, 65536, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *pw = getenv("NTLM_TEST_PASSWORD"), *hash_text = getenv("NTLM_TEST_NT_HASH");
    unsigned char hash[16], *cert = NULL;
    size_t cert_len = 0, sig_len;
    ws_error err = {0};
    ws_buf in = WS_BUF_INIT, out = WS_BUF_INIT;
    ws_auth *a;
    ws_auth_conn conn = {argc > 2 ? argv[2] : "localhost", NULL, 0};
    const char *tag;
    int done = 0, rc = 1;

    if (argc < 2 || (hash_text && ws_ntlm_parse_nt_hash(hash_text, hash, &err) != WS_OK)) {
        fprintf(stderr, "usage: ntlm_client USER [HOST [CERT.der]] (%s)\n", err.what);
        return 2;
    }
    if (argc > 3) {
        cert = read_file(argv[3], &cert_len);
        conn.server_cert_der = cert;
        conn.server_cert_len = cert_len;
    }
    a = ws_auth_ntlm_new(argv[1], hash_text ? NULL : pw, hash_text ? hash : NULL, "Negotiate", &err);
    if (!a || a->ops->reset(a, &conn, &err) != WS_OK || a->ops->step(a, NULL, 0, &out, &done, &err) != WS_OK)
        goto fail;
    put_hex("NEGOTIATE", out.data, out.len);
    if (!(tag = get_line(&in)) || strcmp(tag, "CHALLENGE") != 0)
        goto done;
    ws_buf_reset(&out);
    if (a->ops->step(a, (unsigned char *)in.data, in.len, &out, &done, &err) != WS_OK || !done)
        goto fail;
    put_hex("AUTHENTICATE", out.data, out.len);
    while ((tag = get_line(&in))) {
        ws_buf_reset(&out);
        if (strcmp(tag, "WRAP") == 0) {
            if (a->ops->wrap(a, (unsigned char *)in.data, in.len, &out, &sig_len, &err) != WS_OK)
                goto fail;
            put_hex("WRAPPED", out.data, out.len);
        } else if (strcmp(tag, "UNWRAP") == 0) {
            if (a->ops->unwrap(a, (unsigned char *)in.data, in.len, 16, &out, &err) == WS_OK)
                put_hex("PLAIN", out.data, out.len);
            else
                printf("ERROR %s: %s\n", ws_rc_name(err.rc), err.what);
            fflush(stdout);
        }
    }
done:
    rc = 0;
fail:
    if (rc) {
        printf("ERROR %s: %s\n", ws_rc_name(err.rc), err.what);
        fflush(stdout);
    }
    ws_auth_free(a);
    ws_buf_wipe(&in);
    ws_buf_wipe(&out);
    free(cert);
    return rc;
}
