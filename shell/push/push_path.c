/* Path text for push and pull (see push_path.h). */
#include "shell/push/push_path.h"
#include "base/utf8.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_sep(char c) { return c == '\\' || c == '/'; }

char *push_remote_normalize(const char *typed, int *is_dir, ws_error *err)
{
    *is_dir = 0;
    if (!typed || !*typed) {
        ws_error_set(err, WS_E_USAGE, "give a path such as C:\\Temp\\", "empty remote path");
        return NULL;
    }
    if (!ws_utf8_valid(typed)) {
        ws_error_set(err, WS_E_USAGE, "give the remote path in UTF-8",
                     "remote path is not valid UTF-8");
        return NULL;
    }
    size_t len = strlen(typed);
    char *out = malloc(len + 2);    /* "C:" becomes "C:\" */
    if (!out) {
        ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    *is_dir = is_sep(typed[len - 1]);
    size_t n = 0;
    const char *p = typed;
    if (is_sep(p[0]) && is_sep(p[1])) {        /* \\server\share: keep the UNC prefix */
        out[n++] = '\\';
        out[n++] = '\\';
        p += 2;
    } else if (is_sep(p[0])) {
        out[n++] = '\\';
    }
    while (*p) {
        while (is_sep(*p))
            p++;
        size_t c = strcspn(p, "\\/");
        if (c == 0)
            break;
        if (c == 2 && p[0] == '.' && p[1] == '.') {
            free(out);
            ws_error_set(err, WS_E_USAGE, "give the path without '..'",
                         "remote path %s climbs with '..'", typed);
            return NULL;
        }
        if (n > 0 && out[n - 1] != '\\')
            out[n++] = '\\';
        memcpy(out + n, p, c);
        n += c;
        p += c;
    }
    /* "C:" alone and "C:\" both mean the drive's root, a directory. */
    if (n == 2 && isalpha((unsigned char)out[0]) && out[1] == ':') {
        out[n++] = '\\';
        *is_dir = 1;
    }
    out[n] = '\0';
    if (n == 0 || strcmp(out, "\\\\") == 0) {     /* nothing, or "\\" with no server */
        free(out);
        ws_error_set(err, WS_E_USAGE, "give a path such as C:\\Temp\\", "remote path %s names "
                     "no file or directory", typed);
        return NULL;
    }
    return out;
}

int push_remote_is_absolute(const char *win)
{
    if (isalpha((unsigned char)win[0]) && win[1] == ':' && is_sep(win[2]))
        return 1;
    return is_sep(win[0]) && is_sep(win[1]);
}

static char *join(const char *dir, const char *name, char sep)
{
    size_t d = strlen(dir), m = strlen(name);
    char *out = malloc(d + 1 + m + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, d);
    if (d > 0 && !is_sep(dir[d - 1]))
        out[d++] = sep;
    memcpy(out + d, name, m + 1);
    return out;
}

char *push_remote_join(const char *dir, const char *name) { return join(dir, name, '\\'); }

char *push_local_join(const char *dir, const char *name)
{
    size_t d = strlen(dir), m = strlen(name);
    char *out = malloc(d + 1 + m + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, d);
    if (d > 0 && dir[d - 1] != '/')
        out[d++] = '/';
    memcpy(out + d, name, m + 1);
    return out;
}

const char *push_remote_base(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (is_sep(*p))
            base = p + 1;
    return base;
}

int push_local_base(const char *path, char *out, size_t n)
{
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t len = end - start;
    if (len == 0 || len >= n || (len == 1 && path[start] == '.')
        || (len == 2 && path[start] == '.' && path[start + 1] == '.'))
        return -1;
    memcpy(out, path + start, len);
    out[len] = '\0';
    return 0;
}

int push_windows_name_ok(const char *name, char *why, size_t n)
{
    size_t len = strlen(name);
    if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        snprintf(why, n, "an empty, '.' or '..' name");
        return -1;
    }
    if (!ws_utf8_valid(name)) {
        snprintf(why, n, "the name is not valid UTF-8");
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(why, n, "the name holds a control character");
            return -1;
        }
        if (strchr("<>:\"/\\|?*", *p)) {
            snprintf(why, n, "Windows names cannot hold '%c'", *p);
            return -1;
        }
    }
    if (name[len - 1] == ' ' || name[len - 1] == '.') {
        snprintf(why, n, "Windows drops a trailing space or dot from names");
        return -1;
    }
    return 0;
}

char *push_share_to_windows(const char *share, const char *path)
{
    const char *root;
    char drive[4];
    if (strcasecmp(share, "ADMIN$") == 0) {
        root = "C:\\Windows";
    } else if (isalpha((unsigned char)share[0]) && share[1] == '$' && share[2] == '\0') {
        snprintf(drive, sizeof drive, "%c:", toupper((unsigned char)share[0]));
        root = drive;
    } else {
        return NULL;
    }
    size_t r = strlen(root), m = strlen(path);
    char *out = malloc(r + 1 + m + 1);
    if (!out)
        return NULL;
    memcpy(out, root, r);
    out[r] = '\\';
    size_t k = r + 1;
    while (*path == '/' || *path == '\\')
        path++;
    for (const char *p = path; *p; p++)
        out[k++] = *p == '/' ? '\\' : *p;
    out[k] = '\0';
    return out;
}
