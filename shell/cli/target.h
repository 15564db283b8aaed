/* The host argument as users write it: [user@]host[:port], [user@][v6addr][:port], or a
 * URL as evil-winrm's -U and pywinrm take it: http(s)://[user@]host[:port][/path]. */
#ifndef NANOSH_SHELL_CLI_TARGET_H
#define NANOSH_SHELL_CLI_TARGET_H
#include <stddef.h>

typedef struct target_spec {
    char *user;      /* NULL: none given */
    char *host;      /* without brackets */
    int port;        /* 0: none given */
    int https;       /* -1: no scheme given; 0: http://; 1: https:// */
    char *path;      /* the URL's endpoint path, e.g. "/wsman"; NULL: none given */
} target_spec;

/* Splits [user@]host[:port] / [user@][v6addr][:port]. Allocates *user (NULL when absent)
 * and *host. Returns 0, or -1 with a reason in why. */
int options_parse_target(const char *arg, char **user, char **host, int *port,
                         char *why, size_t whylen);

/* The same, and URLs: the scheme sets https, the path is the WS-Management endpoint
 * (RFC 3986 section 3; %XX in the user is decoded, so DOM%5Cadmin@ is DOM\admin).
 * Returns 0 with t filled (free with target_spec_free), or -1 with a reason in why. */
int target_parse(const char *arg, target_spec *t, char *why, size_t whylen);
void target_spec_free(target_spec *t);

#endif
