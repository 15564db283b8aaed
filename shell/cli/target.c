/* Parsing the host argument: [user@]host[:port] and http(s):// URLs. */
#include "shell/cli/target.h"
#include "shell/cli/options.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int options_parse_target(const char *arg, char **user, char **host, int *port,
                         char *why, size_t whylen)
{
    const char *at = strrchr(arg, '@');    /* user@REALM@host: the last @ ends the user */
    const char *h = at ? at + 1 : arg;
    const char *hend, *portstr = NULL;

    *user = NULL;
    *host = NULL;
    *port = 0;
    if (at && at == arg) {
        snprintf(why, whylen, "empty user name before '@'");
        return -1;
    }
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        if (!close) {
            snprintf(why, whylen, "missing ']' after the IPv6 address");
            return -1;
        }
        hend = close;
        h++;
        if (close[1] == ':')
            portstr = close + 2;
        else if (close[1] != '\0') {
            snprintf(why, whylen, "unexpected text after ']'; write [address]:port");
            return -1;
        }
    } else {
        const char *colon = strchr(h, ':');
        if (colon && strchr(colon + 1, ':'))
            hend = h + strlen(h);          /* a bare IPv6 address: no port */
        else if (colon) {
            hend = colon;
            portstr = colon + 1;
        } else
            hend = h + strlen(h);
    }
    if (hend == h) {
        snprintf(why, whylen, "no host name");
        return -1;
    }
    if (portstr && options_parse_port(portstr, port) < 0) {
        snprintf(why, whylen, "bad port '%s'; a port is a number from 1 to 65535", portstr);
        return -1;
    }
    *host = strndup(h, (size_t)(hend - h));
    if (at)
        *user = strndup(arg, (size_t)(at - arg));
    if (!*host || (at && !*user)) {
        free(*host);
        free(*user);
        *host = *user = NULL;
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3986 section 2.1: %XX in the user part; a NUL byte or a bad escape is refused. */
static int percent_decode(char *s)
{
    char *out = s;
    for (const char *p = s; *p; p++) {
        if (*p != '%') {
            *out++ = *p;
            continue;
        }
        int hi = hex_value((unsigned char)p[1]), lo = hi < 0 ? -1 : hex_value((unsigned char)p[2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        *out++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *out = '\0';
    return 0;
}

/* The endpoint path: printable ASCII without spaces; no query or fragment, which no
 * WinRM listener uses (MS-WSMV 2.1: the listener is one URL prefix). */
static int check_path(const char *path, char *why, size_t whylen)
{
    for (const char *p = path; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '?' || c == '#') {
            snprintf(why, whylen, "a WinRM endpoint has no query or fragment ('%c')", c);
            return -1;
        }
        if (c <= ' ' || c >= 0x7f) {
            snprintf(why, whylen, "the URL path holds a space or a control or non-ASCII "
                     "character; write it percent-encoded");
            return -1;
        }
    }
    return 0;
}

int target_parse(const char *arg, target_spec *t, char *why, size_t whylen)
{
    memset(t, 0, sizeof *t);
    t->https = -1;
    const char *sep = strstr(arg, "://");
    if (!sep)
        return options_parse_target(arg, &t->user, &t->host, &t->port, why, whylen);

    size_t scheme_len = (size_t)(sep - arg);
    if (scheme_len == 5 && strncasecmp(arg, "https", 5) == 0)
        t->https = 1;
    else if (scheme_len == 4 && strncasecmp(arg, "http", 4) == 0)
        t->https = 0;
    else {
        snprintf(why, whylen, "unknown URL scheme '%.*s'; WinRM URLs start with http:// or "
                 "https://", (int)(scheme_len < 32 ? scheme_len : 32), arg);
        return -1;
    }
    const char *authority = sep + 3;
    const char *slash = strchr(authority, '/');
    size_t alen = slash ? (size_t)(slash - authority) : strlen(authority);
    char *auth_part = strndup(authority, alen);
    if (!auth_part) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    int rc = options_parse_target(auth_part, &t->user, &t->host, &t->port, why, whylen);
    free(auth_part);
    if (rc < 0)
        return -1;
    if (t->user && percent_decode(t->user) < 0) {
        snprintf(why, whylen, "bad %%-escape in the user name");
        target_spec_free(t);
        return -1;
    }
    if (slash && slash[1]) {
        if (check_path(slash, why, whylen) < 0) {
            target_spec_free(t);
            return -1;
        }
        t->path = strdup(slash);
        if (!t->path) {
            snprintf(why, whylen, "out of memory");
            target_spec_free(t);
            return -1;
        }
    }
    return 0;
}

void target_spec_free(target_spec *t)
{
    free(t->user);
    free(t->host);
    free(t->path);
    memset(t, 0, sizeof *t);
    t->https = -1;
}
