/* libsmbclient's errno values as error values that say what happened and what to do. */
#ifndef NANOSH_SHELL_SMB_ERRORS_H
#define NANOSH_SHELL_SMB_ERRORS_H
#include "base/error.h"
#include "shell/push/xfer.h"

/* Where a failed call went, for the message. */
typedef struct smb_where {
    const char *host;
    unsigned port;
    const char *share;
    const char *path;     /* inside the share; may be "" */
} smb_where;

/* Sets err from errno e after op ("open", "write", ...) on where, and *kind (may be
 * NULL) to what push and pull report; returns err's rc. */
ws_rc smb_errno_error(ws_error *err, xfer_kind *kind, int e, const char *op,
                      const smb_where *where);

/* Whether errno e means the connection broke or a request timed out (kind unreachable). */
int smb_errno_connection_lost(int e);

/* The share itself could not be opened with errno e: a refused logon or tree connect
 * (EACCES, EPERM) is an authentication error, with the remote-UAC fix for admin shares;
 * everything else as smb_errno_error. */
ws_rc smb_connect_error(ws_error *err, xfer_kind *kind, int e, const char *user,
                        const smb_where *where);

#endif
