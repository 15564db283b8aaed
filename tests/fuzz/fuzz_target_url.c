/* libFuzzer target: the host argument (shell/cli/target.c): [user@]host[:port],
 * [user@][v6]:port and http(s)://[user@]host[:port][/path] URLs as evil-winrm and pywinrm
 * take them (RFC 3986 3; %XX in the user). Each line of an input is one argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "shell/cli/target.h"

static void one(const char *arg)
{
    target_spec t;
    char why[256];
    why[0] = '\0';
    if (target_parse(arg, &t, why, sizeof why) == 0) {
        if (!t.host || !t.host[0] || t.port < 0 || t.port > 65535 || t.https < -1 || t.https > 1)
            abort();
        if (t.path && t.path[0] != '/')
            abort();
        if ((t.https >= 0) != (strstr(arg, "://") != NULL))
            abort();
        if (t.user && !t.user[0] && !strstr(arg, "://"))
            abort();
        target_spec_free(&t);
        if (t.user || t.host || t.path || t.https != -1)
            abort();
    } else if (!why[0] || !memchr(why, '\0', sizeof why)) {
        abort();               /* a refusal says why */
    }
    char *user, *host;
    int port;
    why[0] = '\0';
    if (options_parse_target(arg, &user, &host, &port, why, sizeof why) == 0) {
        if (!host || port < 0 || port > 65535)
            abort();
        free(user);
        free(host);
    } else if (!why[0] || user || host) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = strndup((const char *)data, size);
    if (!text)
        return 0;
    for (char *line = text; line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        one(line);
        line = next;
    }
    free(text);
    return 0;
}
