/* The list pull -r copies (see remote_list.h). */
#include "shell/push/remote_list.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t remote_rel_depth(const char *rel)
{
    size_t n = rel && *rel ? 1 : 0;
    for (const char *p = rel; p && *p; p++)
        n += *p == '\\';
    return n;
}

static ws_rc grow(remote_entry **v, size_t n, size_t *cap, char ***why, ws_error *err)
{
    if (n < *cap)
        return WS_OK;
    size_t cap2 = *cap ? *cap * 2 : 64;
    remote_entry *v2 = realloc(*v, cap2 * sizeof *v2);
    if (!v2)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory listing the remote directory");
    *v = v2;
    if (why) {
        char **w2 = realloc(*why, cap2 * sizeof *w2);
        if (!w2)
            return ws_error_set(err, WS_E_NOMEM, NULL,
                                "out of memory listing the remote directory");
        *why = w2;
    }
    *cap = cap2;
    return WS_OK;
}

static ws_rc check_depth(const char *rel, ws_error *err)
{
    if (remote_rel_depth(rel) > REMOTE_LIST_DEPTH_MAX)
        return ws_error_set(err, WS_E_PROTOCOL, "pull a directory further down, or check "
                            "the host for a junction that loops",
                            "the remote directory is more than %d levels deep",
                            REMOTE_LIST_DEPTH_MAX);
    return WS_OK;
}

ws_rc remote_list_add(remote_list *l, const char *rel, unsigned long long size,
                      ws_error *err)
{
    if (l->nfiles >= REMOTE_LIST_MAX)
        return ws_error_set(err, WS_E_PROTOCOL, "pull a directory further down, in parts",
                            "the remote directory holds more than %d files",
                            REMOTE_LIST_MAX);
    ws_rc rc = check_depth(rel, err);
    if (rc == WS_OK)
        rc = grow(&l->files, l->nfiles, &l->cap_files, NULL, err);
    if (rc != WS_OK)
        return rc;
    char *copy = strdup(rel);
    if (!copy)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory listing the remote directory");
    l->files[l->nfiles].rel = copy;
    l->files[l->nfiles].size = size;
    l->nfiles++;
    return WS_OK;
}

ws_rc remote_list_add_unreadable(remote_list *l, const char *rel, const char *why,
                                 ws_error *err)
{
    if (l->nunreadable >= REMOTE_LIST_MAX)
        return ws_error_set(err, WS_E_PROTOCOL, "pull a directory further down, in parts",
                            "more than %d directories of the remote directory cannot be read",
                            REMOTE_LIST_MAX);
    ws_rc rc = check_depth(rel, err);
    if (rc == WS_OK)
        rc = grow(&l->unreadable, l->nunreadable, &l->cap_unreadable, &l->why, err);
    if (rc != WS_OK)
        return rc;
    char *copy = strdup(rel), *reason = strdup(why ? why : "cannot be read");
    if (!copy || !reason) {
        free(copy);
        free(reason);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory listing the remote directory");
    }
    l->unreadable[l->nunreadable].rel = copy;
    l->unreadable[l->nunreadable].size = 0;
    l->why[l->nunreadable] = reason;
    l->nunreadable++;
    return WS_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const remote_entry *)a)->rel, ((const remote_entry *)b)->rel);
}

void remote_list_sort(remote_list *l)
{
    if (l->nfiles > 1)
        qsort(l->files, l->nfiles, sizeof *l->files, by_name);
}

void remote_list_free(remote_list *l)
{
    for (size_t i = 0; i < l->nfiles; i++)
        free(l->files[i].rel);
    for (size_t i = 0; i < l->nunreadable; i++) {
        free(l->unreadable[i].rel);
        free(l->why[i]);
    }
    free(l->files);
    free(l->unreadable);
    free(l->why);
    memset(l, 0, sizeof *l);
}

int remote_rel_check(const char *rel, char *why, size_t why_len)
{
    const char *p = rel;
    if (!p || !*p) {
        snprintf(why, why_len, "an empty name");
        return -1;
    }
    for (;;) {
        size_t n = strcspn(p, "\\");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            snprintf(why, why_len, "an empty, '.' or '..' component");
            return -1;
        }
        if (n > 255) {
            snprintf(why, why_len, "a component longer than 255 bytes");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 || c == 0x7f || c == '/' || c == ':') {
                snprintf(why, why_len, "a '/', ':' or control character in a name");
                return -1;
            }
        }
        p += n;
        if (!*p)
            return 0;
        p++;
    }
}
