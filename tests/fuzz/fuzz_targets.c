/* libFuzzer target: targets as a user or a script types them. The first line is a
 * resource URI whose "?name=value&..." query becomes percent-decoded selectors
 * (wsman/envelope.c, DSP0226 7.2); the envelope built from it must serialize. The second
 * line is a Windows target path mapped to an SMB share and path (shell/push/smb_path.c),
 * and the third, when present, the share the caller named. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/buf.h"
#include "shell/push/smb_path.h"
#include "wsman/soap.h"

/* The next line of data as a NUL-terminated copy, or NULL at the end. */
static char *next_line(const char **p, const char *end)
{
    if (*p >= end)
        return NULL;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, *p, n);
        s[n] = '\0';
    }
    *p = nl ? nl + 1 : end;
    return s;
}

static void resource_uri(const char *uri)
{
    ws_header h = {.to = "http://127.0.0.1:5985/wsman",
                   .action = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
                   .resource_uri = uri};
    ws_envelope env;
    ws_error err = {0};
    ws_buf out = WS_BUF_INIT;

    if (ws_envelope_new(&h, &env, &err) == WS_OK) {
        if (ws_envelope_serialize(&env, &out, &err) != WS_OK && err.rc == WS_OK)
            abort();   /* a failure must say why */
        ws_envelope_free(&env);
    } else if (!err.what[0]) {
        abort();
    }
    ws_buf_free(&out);
    ws_error_clear(&err);
}

static void share_path(const char *path, const char *share)
{
    smb_target t;
    ws_error err = {0};

    if (smb_target_map(path, share, &t, &err) == WS_OK) {
        /* The mapping never climbs out of the share, and both fields are terminated. */
        if (memchr(t.share, '\0', sizeof t.share) == NULL || memchr(t.path, '\0', sizeof t.path) == NULL)
            abort();
        if (!strcmp(t.path, "..") || !strncmp(t.path, "../", 3) || strstr(t.path, "/../"))
            abort();
        char *url = smb_url("127.0.0.1", t.share, t.path);
        free(url);
    }
    ws_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *uri = next_line(&p, end), *path = next_line(&p, end), *share = next_line(&p, end);

    if (uri)
        resource_uri(uri);
    if (path)
        share_path(path, share);
    free(uri);
    free(path);
    free(share);
    return 0;
}
