/* One SMB put through shell/push/smb_copy, for bench/smb_put.sh: HOST PORT SHARE LOCAL
 * REMOTE, user in SMB_USER, password on stdin (never argv or the environment). Exits 0
 * after a verified put; prints only an error line. */
#include "shell/push/smb_copy.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char pw[256];
    if (argc != 6 || !getenv("SMB_USER") || !fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "usage: SMB_USER=u smb_put HOST PORT SHARE LOCAL REMOTE < password\n");
        return 2;
    }
    pw[strcspn(pw, "\n")] = '\0';
    smb_creds creds = { getenv("SMB_USER"), pw, 0 };
    smb_conn *c = NULL;
    xfer_result x;
    xfer_kind kind;
    const xfer_opts forced = {.force = 1};
    ws_error err = {0};
    ws_rc rc = smb_conn_open(&c, argv[1], (unsigned)atoi(argv[2]), &creds, 20000, &err);
    OPENSSL_cleanse(pw, sizeof pw);
    if (rc == WS_OK)
        rc = smb_put(c, argv[4], argv[3], argv[5], NULL, &forced, &x, &kind, &err);
    smb_conn_close(c);
    if (rc != WS_OK)
        fprintf(stderr, "smb_put: %s; %s\n", err.what, err.fix);
    return rc == WS_OK ? 0 : 1;
}
