/* libFuzzer target: WWW-Authenticate header values (wsman/http_auth.c,
 * ws_challenges_add, RFC 7235). Each input line is one header value, as a 401 may
 * carry several; then the lookups the transport makes and base64 decoding of the
 * offered tokens (ws_base64_decode). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wsman/http_auth.h"

static const ws_auth_ops ntlm_ops = {"ntlm", NULL, NULL, NULL, NULL, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ws_challenges cs = {0};
    const char *p = (const char *)data, *end = p + size;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        /* Each value in its own allocation, so reads past its end are caught. */
        char *v = malloc(n ? n : 1);
        if (!v)
            break;
        memcpy(v, p, n);
        int rc = ws_challenges_add(&cs, v, n);
        free(v);
        if (rc < 0)
            break;
        p = nl ? nl + 1 : end;
    }
    if (cs.n > WS_MAX_CHALLENGES)
        abort();

    char list[256];
    ws_challenges_list(&cs, list, sizeof list);
    if (strlen(list) >= sizeof list)
        abort();
    char tiny[4];
    ws_challenges_list(&cs, tiny, sizeof tiny);

    ws_auth a = {.ops = &ntlm_ops, .scheme = "NTLM", .caps = WS_AUTH_NTLM_TOKENS};
    (void)ws_challenges_choose(&cs, &a);
    for (size_t i = 0; i < cs.n; i++) {
        if (strlen(cs.c[i].scheme) >= sizeof cs.c[i].scheme)
            abort();
        (void)ws_challenges_find(&cs, cs.c[i].scheme);
        if (cs.c[i].token) {
            ws_buf tok = WS_BUF_INIT;
            size_t tlen = strlen(cs.c[i].token);
            if (ws_base64_decode(cs.c[i].token, tlen, &tok) == 0 && tok.len > tlen / 4 * 3)
                abort();
            ws_buf_free(&tok);
        }
    }
    ws_challenges_free(&cs);
    return 0;
}
