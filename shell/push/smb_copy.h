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
#include "shell/push/remote_list.h"
#include "shell/push/xfer.h"
#include <sys/stat.h>

typedef struct smb_conn smb_conn;

typedef struct smb_creds {
    const char *user;       /* "DOMAIN\user" or "user" */
    const char *secret;     /* the password, or the NT hash as 32 hex digits */
    int nt_hash;            /* secret is an NT hash (pass-the-hash) */
} smb_creds;

/* How push learns the SHA-256 of what the server holds. sha256 NULL: the partial copy
 * is read back over SMB and hashed here. Else it is asked for the hash of share/path
 * (e.g. Get-FileHash over WinRM), which costs a round trip instead of a second transfer. */
typedef struct smb_hasher {
    ws_rc (*sha256)(void *ud, const char *share, const char *path, char out[65],
                    ws_error *err);
    void *ud;
} smb_hasher;

/* Loads libsmbclient and makes a context for host:port (port 0: 445). timeout_ms bounds
 * each connect and request. The secret is copied; the copy is wiped at close. Nothing
 * goes on the network until the first operation. */
ws_rc smb_conn_open(smb_conn **out, const char *host, unsigned port, const smb_creds *creds,
                    int timeout_ms, ws_error *err);
void smb_conn_close(smb_conn *c);

/* Copies the local file to share/path (shell/push/xfer.h): the bytes go to the partial
 * copy beside it (continued from where it ends with o->resume), the server's SHA-256 of
 * it is checked (hasher, may be NULL), then it is renamed over path. A path that holds
 * the same bytes is left alone (XFER_UNCHANGED); one that holds others is replaced only
 * with o->force, else XFER_E_EXISTS. Directories on the way are made. */
ws_rc smb_put(smb_conn *c, const char *local, const char *share, const char *path,
              const smb_hasher *hasher, const xfer_opts *o, xfer_result *r, xfer_kind *kind,
              ws_error *err);
/* Copies share/path to the local file through a partial file beside it
 * (shell/localfs/part_file.h: O_EXCL|O_NOFOLLOW, or continued with o->resume), then
 * fsync and rename. The SHA-256 of what arrived is checked against hasher's (may be
 * NULL: then only the size, and SMB's own signing, vouch for the bytes). */
ws_rc smb_get(smb_conn *c, const char *share, const char *path, const char *local,
              const smb_hasher *hasher, const xfer_opts *o, xfer_result *r, xfer_kind *kind,
              ws_error *err);
/* *exists = 0 and WS_OK when share/path does not exist; else its stat in *st. */
ws_rc smb_stat_path(smb_conn *c, const char *share, const char *path, struct stat *st,
                    int *exists, ws_error *err);
ws_rc smb_mkdir(smb_conn *c, const char *share, const char *path, ws_error *err);

/* Lists the regular files under share/path, every level down (pull -r), into out
 * (empty on entry; freed by the caller with remote_list_free): smbc_opendir/readdir,
 * names as '\'-separated paths relative to path, sizes 0 (readdir does not say).
 * *what is 'D' (out filled), 'F' (path is a file) or 'N' (nothing there), as
 * winrm_list's. A directory below that cannot be opened goes to out->unreadable with
 * the reason; the listing goes on. Bounded by remote_list.h's limits. */
ws_rc smb_list(smb_conn *c, const char *share, const char *path, char *what,
               remote_list *out, xfer_kind *kind, ws_error *err);

#endif
