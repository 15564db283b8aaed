/* Path text for push and pull: Windows paths on the remote side (backslashes, drive
 * letters, names Windows accepts), local names on this side, and how a share path maps
 * back to a Windows path. Pure functions, no I/O. */
#ifndef NANOSH_SHELL_PUSH_PATH_H
#define NANOSH_SHELL_PUSH_PATH_H
#include "base/error.h"
#include <stddef.h>

/* A remote path as typed, with '/' turned into '\' and runs of separators folded
 * (a leading "\\" of a UNC path kept). *is_dir is set when it ends in a separator (the
 * separator is dropped unless it is the root, "C:\"). Refuses "..", empty text and
 * invalid UTF-8. Returns a malloc'd string, or NULL with err set. */
char *push_remote_normalize(const char *typed, int *is_dir, ws_error *err);

/* Whether a Windows path is absolute: "X:\..." or "\\server\...". */
int push_remote_is_absolute(const char *win);

/* dir + '\' + name (no doubled separator after "C:\"). malloc'd, NULL when out of memory. */
char *push_remote_join(const char *dir, const char *name);
/* dir + '/' + name for local paths. malloc'd, NULL when out of memory. */
char *push_local_join(const char *dir, const char *name);

/* The last component of a Windows path (after the last '\' or '/'); "" when it ends
 * in one. Points into path. */
const char *push_remote_base(const char *path);
/* The last component of a local path, trailing '/' ignored ("a/b/" -> "b"); written to
 * out (size n). 0, or -1 when it is empty, "." or ".." (no name to give the copy). */
int push_local_base(const char *path, char *out, size_t n);

/* Whether name can be a file or directory name on Windows: valid UTF-8, no control
 * characters, none of < > : " / \ | ? *, not ending in a space or a dot, not "." or
 * "..". 0, or -1 with why (size n) saying what is wrong. */
int push_windows_name_ok(const char *name, char *why, size_t n);

/* The Windows path of share/path for the admin shares: "X$" -> "X:\path",
 * "ADMIN$" -> "C:\Windows\path" (shell/push/smb_path.h maps the other way). malloc'd,
 * '/' turned into '\'; NULL for any other share (or out of memory). */
char *push_share_to_windows(const char *share, const char *path);

#endif
