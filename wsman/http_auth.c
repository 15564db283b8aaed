/* WWW-Authenticate parsing (RFC 7235 4.1, 2.1) and scheme choice. */
#include "wsman/http_auth.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_tchar(int ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Is the text at p "token =" (an auth-param) rather than the start of a new challenge? */
static int at_auth_param(const char *p, const char *end)
{
    while (p < end && is_tchar((unsigned char)*p))
        p++;
    p = skip_ws(p, end);
    return p < end && *p == '=' && !(p + 1 < end && p[1] == '=');
}

/* Skips one auth-param or token68, honouring quoted strings, up to the next top-level comma. */
static const char *skip_item(const char *p, const char *end)
{
    int quoted = 0;
    for (; p < end; p++) {
        if (quoted && *p == '\\' && p + 1 < end)
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == ',')
            break;
    }
    return p;
}

int ws_challenges_add(ws_challenges *cs, const char *value, size_t len)
{
    const char *p = value, *end = value + len;

    while (p < end) {
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        const char *s = p;
        while (p < end && is_tchar((unsigned char)*p))
            p++;
        if (p == s) {            /* not a scheme: skip the junk up to the next comma */
            p = skip_item(p, end);
            continue;
        }
        size_t slen = (size_t)(p - s);
        /* The parameters run until a comma followed by something that is not a param. */
        const char *ps = skip_ws(p, end), *pe = ps;
        while (pe < end) {
            pe = skip_item(pe, end);
            if (pe >= end || !at_auth_param(skip_ws(pe + 1, end), end))
                break;
            pe++;
        }
        const char *te = pe;
        while (te > ps && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        if (cs->n < WS_MAX_CHALLENGES && slen < sizeof cs->c[0].scheme) {
            ws_challenge *c = &cs->c[cs->n];
            memcpy(c->scheme, s, slen);
            c->scheme[slen] = '\0';
            c->token = NULL;
            if (te > ps && !(c->token = strndup(ps, (size_t)(te - ps))))
                return -1;
            cs->n++;
        }
        p = pe;
    }
    return 0;
}

void ws_challenges_free(ws_challenges *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        free(cs->c[i].token);
    cs->n = 0;
}

const ws_challenge *ws_challenges_find(const ws_challenges *cs, const char *scheme)
{
    for (size_t i = 0; i < cs->n; i++)
        if (strcasecmp(cs->c[i].scheme, scheme) == 0)
            return &cs->c[i];
    return NULL;
}

void ws_challenges_list(const ws_challenges *cs, char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < cs->n && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", cs->c[i].scheme);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (cs->n == 0)
        snprintf(buf, size, "none");
}

const ws_challenge *ws_challenges_choose(const ws_challenges *cs, const ws_auth *a)
{
    const ws_challenge *c = ws_challenges_find(cs, a->scheme);
    if (!c && ws_auth_can(a, WS_AUTH_NTLM_TOKENS)) {
        if (!(c = ws_challenges_find(cs, "NTLM")))
            c = ws_challenges_find(cs, "Negotiate");
    }
    return c;
}
