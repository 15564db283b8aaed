/* Where a Windows target path lives on SMB: the share and the path inside it, and the
 * smb:// URL libsmbclient takes. Pure functions, no I/O. */
#ifndef NANOSH_SHELL_SMB_PATH_H
#define NANOSH_SHELL_SMB_PATH_H
#include "base/error.h"
#include <stddef.h>

enum { SMB_SHARE_MAX = 81, SMB_PATH_MAX = 1024 };

typedef struct smb_target {
    char share[SMB_SHARE_MAX];  /* "C$", "ADMIN$" or the caller's share */
    char path[SMB_PATH_MAX];    /* inside the share, '/'-separated, no leading '/'; may be "" */
    int is_dir;                 /* the target ended in a separator: a directory */
} smb_target;

/* Maps a target path to its share. With share (the caller's --share) not NULL/empty,
 * that share wins and the path is taken relative to it (a drive prefix is dropped).
 * Else through the admin shares: C:\dir\f -> C$ "dir/f"; C:\Windows\... -> ADMIN$
 * (the share of %SystemRoot%) with the path below Windows. Both separators are taken;
 * ".." components are refused. WS_OK, or WS_E_USAGE with a fix. */
ws_rc smb_target_map(const char *target, const char *share, smb_target *out, ws_error *err);

/* "smb://HOST/SHARE/PATH" with each component percent-encoded (RFC 3986 unreserved
 * bytes and '/' stay, so UTF-8 names pass through libsmbclient's decoder intact); an
 * IPv6 literal gets brackets. Returns a malloc'd string, or NULL when out of memory. */
char *smb_url(const char *host, const char *share, const char *path);

#endif
