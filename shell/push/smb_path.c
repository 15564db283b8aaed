/* Target path to share mapping (see smb_path.h). */
#include "shell/push/smb_path.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_sep(char c) { return c == '\\' || c == '/'; }

/* Copies src into dst as '/'-joined components: separators collapsed, "." dropped.
 * -1 on ".." (no climbing out of a share) or when it does not fit. */
static int normalise(const char *src, char *dst, size_t cap, int *is_dir)
{
    size_t n = 0;
    *is_dir = *src != '\0' && is_sep(src[strlen(src) - 1]);
    while (*src) {
        while (is_sep(*src))
            src++;
        size_t len = strcspn(src, "\\/");
        if (len == 0)
            break;
        if (len == 2 && src[0] == '.' && src[1] == '.')
            return -1;
        if (!(len == 1 && src[0] == '.')) {
            if (n + (n > 0) + len >= cap)
                return -1;
            if (n > 0)
                dst[n++] = '/';
            memcpy(dst + n, src, len);
            n += len;
        }
        src += len;
    }
    dst[n] = '\0';
    return 0;
}

static int has_drive(const char *p)
{
    return isalpha((unsigned char)p[0]) && p[1] == ':';
}

/* "Windows" or "Windows/..." (case-insensitive, as NTFS is): the ADMIN$ share's root. */
static const char *below_windows(const char *path)
{
    if (strncasecmp(path, "Windows", 7) != 0 || (path[7] != '\0' && path[7] != '/'))
        return NULL;
    return path[7] ? path + 8 : path + 7;
}

ws_rc smb_target_map(const char *target, const char *share, smb_target *out, ws_error *err)
{
    memset(out, 0, sizeof *out);
    if (!target || !*target)
        return ws_error_set(err, WS_E_USAGE, "give a target such as C:\\Temp\\",
                            "empty remote target path");
    int drive = has_drive(target);
    char path[SMB_PATH_MAX];
    if (normalise(drive ? target + 2 : target, path, sizeof path, &out->is_dir) != 0)
        return ws_error_set(err, WS_E_USAGE, "give an absolute path without '..'",
                            "remote target %s: '..' or too long", target);
    const char *rest = path;
    if (share && *share) {
        if (strlen(share) >= sizeof out->share || strpbrk(share, "\\/"))
            return ws_error_set(err, WS_E_USAGE, "give a share name such as C$ or data",
                                "bad share name %s", share);
        snprintf(out->share, sizeof out->share, "%s", share);
    } else if (!drive) {
        return ws_error_set(err, WS_E_USAGE, "give a path with a drive, such as C:\\Temp\\, "
                            "or the share to use", "remote target %s has no drive letter", target);
    } else if (toupper((unsigned char)target[0]) == 'C' && below_windows(path)) {
        /* ADMIN$ is %SystemRoot%, C:\Windows on every Windows nanosh targets. */
        rest = below_windows(path);
        snprintf(out->share, sizeof out->share, "ADMIN$");
    } else {
        snprintf(out->share, sizeof out->share, "%c$", toupper((unsigned char)target[0]));
    }
    snprintf(out->path, sizeof out->path, "%s", rest);
    if (out->path[0] == '\0')
        out->is_dir = 1;          /* a share's root */
    return WS_OK;
}

/* Appends s percent-encoded, keeping '/' when keep_slash. */
static size_t encode(char *dst, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p) || (keep_slash && *p == '/')) {
            dst[n++] = (char)*p;
        } else {
            dst[n++] = '%';
            dst[n++] = hex[*p >> 4];
            dst[n++] = hex[*p & 15];
        }
    }
    return n;
}

char *smb_url(const char *host, const char *share, const char *path)
{
    size_t cap = 16 + strlen(host) + 3 * (strlen(share) + strlen(path));
    char *url = malloc(cap);
    if (!url)
        return NULL;
    int v6 = strchr(host, ':') != NULL;
    size_t n = (size_t)snprintf(url, cap, "smb://%s%s%s/", v6 ? "[" : "", host, v6 ? "]" : "");
    n += encode(url + n, share, 0);
    if (*path) {
        url[n++] = '/';
        n += encode(url + n, path, 1);
    }
    url[n] = '\0';
    return url;
}
