/* Reading a whole file or stdin into memory. */
#include "shell/localfs/readfile.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ws_rc readfile_all(const char *path, const char *what, char **out, size_t *len, ws_error *err)
{
    int use_stdin = strcmp(path, "-") == 0;
    const char *name = use_stdin ? "standard input" : path;
    FILE *f = use_stdin ? stdin : fopen(path, "re");
    *out = NULL;
    *len = 0;
    if (!f)
        return ws_error_set(err, WS_E_IO, "check the path", "cannot open %s (%s): %s", name, what,
                            strerror(errno));

    char *buf = NULL;
    size_t cap = 0, n = 0;
    ws_rc rc = WS_OK;
    for (;;) {
        if (cap - n < 2) {
            if (cap >= READFILE_MAX) {
                rc = ws_error_set(err, WS_E_IO, "keep it under 64 MiB", "%s (%s) is too large",
                                  name, what);
                break;
            }
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == WS_OK && ferror(f))
        rc = ws_error_set(err, WS_E_IO, "check the file", "cannot read %s (%s): %s", name, what,
                          strerror(errno));
    if (!use_stdin)
        fclose(f);
    if (rc != WS_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return WS_OK;
}
