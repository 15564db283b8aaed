/* Inside the SMB room: one connection's state and the steps smb_copy.c, smb_put.c and
 * smb_get.c share. Not for use outside shell/push/. */
#ifndef NANOSH_SHELL_SMB_CONN_H
#define NANOSH_SHELL_SMB_CONN_H
#include "shell/push/smb_copy.h"
#include "shell/push/smb_errors.h"
#include "shell/push/smb_loader.h"
#include "shell/push/smb_path.h"

/* One request's worth: libsmbclient splits it into the server's max write/read size. */
enum { SMB_CHUNK = 1 << 20 };

struct smb_conn {
    smb_api api;
    SMBCCTX *ctx;
    char host[256];
    unsigned port;
    char domain[64], user[128], secret[256];   /* secret wiped at close */
    char ready_share[SMB_SHARE_MAX];            /* the share last opened successfully */
    xfer_kind kind;                             /* the kind of the last failure */
};

/* Opens the share once per connection, so that a refused logon reads as one and not as
 * a denied file. */
ws_rc smb_ready(smb_conn *c, const char *share, ws_error *err);
/* The URL of share/path on c's host; NULL with WS_E_NOMEM in err. */
char *smb_conn_url(const smb_conn *c, const char *share, const char *path, ws_error *err);
smb_where smb_where_of(const smb_conn *c, const char *share, const char *path);

#endif
