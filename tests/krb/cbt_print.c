/* Prints, for the DER certificate in a file, what nanosh binds to over TLS: the
 * tls-server-end-point application data (RFC 5929 4.1) and the MD5 that NTLM puts in
 * MsvAvChannelBindings (MS-NLMP 2.2.2.1), one hex line each; for test_cbt_pss.sh. */
#include <stdio.h>
#include <stdlib.h>
#include "auth/cbt.h"
#include "auth/ntlm_msg.h"

static void print_hex(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        printf("%02x", p[i]);
    putchar('\n');
}

int main(int argc, char **argv)
{
    unsigned char der[65536], md5[16];
    ws_buf app = WS_BUF_INIT;
    ws_error err = {0};
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
    size_t len = f ? fread(der, 1, sizeof der, f) : 0;

    if (f)
        fclose(f);
    if (!len) {
        fprintf(stderr, "usage: cbt_print CERT.der\n");
        return 2;
    }
    if (ws_cbt_app_data(der, len, &app, &err) != WS_OK ||
        ntlm_cert_channel_bindings_md5(der, len, md5, &err) != WS_OK) {
        fprintf(stderr, "cbt_print: %s\n", err.what);
        ws_buf_free(&app);
        return 1;
    }
    print_hex((const unsigned char *)app.data, app.len);
    print_hex(md5, sizeof md5);
    ws_buf_free(&app);
    return 0;
}
