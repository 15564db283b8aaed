/* Mechanism-independent parts of ws_auth. */
#include "auth/auth.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ops->destroy wipes and releases the mechanism's state; the handle itself is freed here. */
void ws_auth_free(ws_auth *a)
{
    if (!a)
        return;
    if (a->ops && a->ops->destroy)
        a->ops->destroy(a);
    free(a->user);
    free(a);
}

void ws_auth_set_user(ws_auth *a, const char *user)
{
    free(a->user);
    a->user = user && *user ? strdup(user) : NULL;
}

int ws_host_is_ip_literal(const char *host)
{
    unsigned char addr[16];
    char tmp[64];
    size_t n = strlen(host);

    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof tmp) {
        memcpy(tmp, host + 1, n - 2);
        tmp[n - 2] = '\0';
        host = tmp;
    }
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}
