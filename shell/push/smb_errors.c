/* errno from libsmbclient to error values (see smb_errors.h). libsmbclient maps
 * NTSTATUS to errno (Samba lib/util/errmap_unix.c): ACCESS_DENIED and LOGON_FAILURE
 * both arrive as EACCES or EPERM, so smb_connect_error tells them apart by the step. */
#include "shell/push/smb_errors.h"
#include <errno.h>
#include <string.h>

#define UAC_FIX "check the user and password; for C$/ADMIN$ as a local account that is not " \
    "the built-in Administrator, set LocalAccountTokenFilterPolicy=1 (remote UAC)"

static ws_rc unreachable(ws_error *err, ws_rc rc, int e, const smb_where *w)
{
    return ws_error_set(err, rc, "File and Printer Sharing firewall group closed? "
                        "Open TCP port 445, or use WinRM",
                        "cannot reach the share on %s:%u: %s", w->host, w->port, strerror(e));
}

/* The connection broke, or a request got no answer within the SMB timeout
 * (--connect-timeout), once the share had been reached: the partial copy stays
 * (smb_put.c, smb_get.c), so --resume continues from where it broke. */
static ws_rc broken(ws_error *err, ws_rc rc, int e, const char *op, const smb_where *w)
{
    return ws_error_set(err, rc, "run the same command with --resume to continue once the "
                        "host answers again", "SMB %s of \\\\%s\\%s\\%s failed: the connection "
                        "to %s:%u broke (%s)", op, w->host, w->share, w->path, w->host, w->port,
                        strerror(e));
}

int smb_errno_connection_lost(int e)
{
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNRESET
           || e == ECONNABORTED || e == ENETRESET || e == EPIPE || e == ENOTCONN
           || e == ETIMEDOUT;
}

static xfer_kind kind_of(int e)
{
    if (smb_errno_connection_lost(e))
        return XFER_E_UNREACHABLE;
    switch (e) {
    case EACCES: case EPERM:
        return XFER_E_DENIED;
    case ENOENT: case ENOTDIR:
        return XFER_E_NOTFOUND;
    case ENOSPC: case EDQUOT:
        return XFER_E_DISKFULL;
    case EEXIST:
        return XFER_E_EXISTS;
    default:
        return XFER_E_OTHER;
    }
}

/* The path as Windows shows it: libsmbclient's URLs take '/', a UNC path takes '\'. */
static const char *backslashed(const char *path, char *buf, size_t cap)
{
    size_t i = 0;
    for (; path[i] && i + 1 < cap; i++)
        buf[i] = path[i] == '/' ? '\\' : path[i];
    buf[i] = '\0';
    return buf;
}

ws_rc smb_errno_error(ws_error *err, xfer_kind *kind, int e, const char *op,
                      const smb_where *where)
{
    char path[1024];
    smb_where shown = *where;
    shown.path = backslashed(where->path, path, sizeof path);
    const smb_where *w = &shown;
    if (kind)
        *kind = kind_of(e);
    if (smb_errno_connection_lost(e) && strcmp(op, "connect") != 0)
        return broken(err, e == ETIMEDOUT ? WS_E_TIMEOUT : WS_E_CONNECT, e, op, w);
    switch (e) {
    case ECONNABORTED: case ENETRESET: case EPIPE: case ENOTCONN:
    case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: case ECONNRESET:
        return unreachable(err, WS_E_CONNECT, e, w);
    case ETIMEDOUT:
        return unreachable(err, WS_E_TIMEOUT, e, w);
    case EACCES: case EPERM:
        return ws_error_set(err, WS_E_IO, "check the file's permissions and that it is not "
                            "in use or read-only", "access denied to \\\\%s\\%s\\%s (%s)",
                            w->host, w->share, w->path, op);
    case ENOENT: case ENOTDIR:
        return ws_error_set(err, WS_E_IO, "check the path; create the directory first",
                            "path not found: \\\\%s\\%s\\%s (%s)", w->host, w->share, w->path, op);
    case ENOSPC: case EDQUOT:
        return ws_error_set(err, WS_E_IO, "free space on the remote disk",
                            "remote disk full writing \\\\%s\\%s\\%s", w->host, w->share, w->path);
    case EEXIST:
        return ws_error_set(err, WS_E_IO, "add --force to replace it",
                            "remote file \\\\%s\\%s\\%s exists", w->host, w->share, w->path);
    case EBUSY: case ETXTBSY:
        return ws_error_set(err, WS_E_IO, "stop what holds the file open, then retry",
                            "remote file \\\\%s\\%s\\%s is in use", w->host, w->share, w->path);
    default:
        return ws_error_set(err, WS_E_IO, "", "SMB %s of \\\\%s\\%s\\%s failed: %s", op,
                            w->host, w->share, w->path, strerror(e));
    }
}

ws_rc smb_connect_error(ws_error *err, xfer_kind *kind, int e, const char *user,
                        const smb_where *w)
{
    if (kind)
        *kind = XFER_E_LOGON;
    if (e == EACCES || e == EPERM)
        return ws_error_set(err, WS_E_AUTH, UAC_FIX, "logon to \\\\%s\\%s as %s refused: "
                            "wrong user or password, or no access to the share",
                            w->host, w->share, user);
    if (e == ENOENT || e == ENODEV) /* no such share: WinRM may still reach the path */
        return ws_error_set(err, WS_E_IO, "check the share name (admin shares: C$, ADMIN$)",
                            "no share %s on %s", w->share, w->host);
    ws_rc rc = smb_errno_error(err, kind, e, "connect", w);
    if (kind && *kind != XFER_E_UNREACHABLE)
        *kind = XFER_E_LOGON;      /* the share cannot be used at all */
    return rc;
}
