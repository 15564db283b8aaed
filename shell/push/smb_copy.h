/* The SMB room: copying files to and from a Windows share with libsmbclient.
 *
 *   smb_loader  libsmbclient through dlopen, only when SMB is used (start-up stays lean)
 *   smb_path    a Windows target path to its share (C$, ADMIN$, --share) and smb:// URL
 *   smb_errors  libsmbclient's errno to messages that say what to do
 *   smb_copy    one connection per host; put (temp name, SHA-256, verify, rename), get,
 *               stat, mkdir
 *
 * No process-global state: each smb_conn has its own SMBCCTX with its credentials as the
 * context's user data (never smbc_init). Functions return ws_error values and print
 * nothing. SMB2 or later; signing and encryption as the server requires (Samba's client
 * defaults "client signing/smb encrypt = default" follow the server's demand). */
#ifndef NANOSH_SHELL_SMB_COPY_H
#define NANOSH_SHELL_SMB_COPY_H
#include "base/error.h"
#include <sys/stat.h>

typedef struct smb_conn smb_conn;

typedef struct smb_creds {
    const char *user;       /* "DOMAIN\user" or "user" */
    const char *secret;     /* the password, or the NT hash as 32 hex digits */
    int nt_hash;            /* secret is an NT hash (pass-the-hash) */
} smb_creds;

/* The result of one copy. */
typedef struct smb_xfer {
    unsigned long long bytes;     /* bytes sent or received */
    unsigned char sha256[32];     /* SHA-256 of those bytes */
    int exists;                   /* the target existed and force was not set */
} smb_xfer;

/* Loads libsmbclient and makes a context for host:port (port 0: 445). timeout_ms bounds
 * each connect and request. The secret is copied; the copy is wiped at close. Nothing
 * goes on the network until the first operation. */
ws_rc smb_conn_open(smb_conn **out, const char *host, unsigned port, const smb_creds *creds,
                    int timeout_ms, ws_error *err);
void smb_conn_close(smb_conn *c);

/* Copies local file to share/path: written to a temporary name in the target's directory
 * while its SHA-256 is computed, its size read back, then renamed over path. An existing
 * path is replaced only with force, else WS_E_IO with x->exists set. After a failure the
 * temporary name is removed. */
ws_rc smb_put(smb_conn *c, const char *local, const char *share, const char *path, int force,
              smb_xfer *x, ws_error *err);
/* Copies share/path to the local file through a temporary file, fsync and rename
 * (shell/localfs/safe_file.h). An existing local file is replaced only with force. */
ws_rc smb_get(smb_conn *c, const char *share, const char *path, const char *local, int force,
              smb_xfer *x, ws_error *err);
/* *exists = 0 and WS_OK when share/path does not exist; else its stat in *st. */
ws_rc smb_stat_path(smb_conn *c, const char *share, const char *path, struct stat *st,
                    int *exists, ws_error *err);
ws_rc smb_mkdir(smb_conn *c, const char *share, const char *path, ws_error *err);

#endif
