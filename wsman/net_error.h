/* libcurl failures turned into one-line errors that name the cause and the fix. */
#ifndef NANOSH_NET_ERROR_H
#define NANOSH_NET_ERROR_H
#include <curl/curl.h>
#include "../auth/error.h"

typedef struct ws_net_ctx {
    const char *host;        /* as the user gave it */
    const char *hostport;    /* "host:port", IPv6 in brackets */
    int port;
    int https;
    const char *cacert;      /* NULL: system store */
    const char *errbuf;      /* CURLOPT_ERRORBUFFER text, may be empty */
    long timeout_ms;         /* the bound this request had */
    int deadline_capped;     /* that bound came from the overall deadline */
    int connected;           /* the TCP connection was established */
    long os_errno;           /* CURLINFO_OS_ERRNO of a failed connect */
    int too_large;           /* the write callback refused the reply */
    size_t reply_max;
    int nomem;
} ws_net_ctx;

ws_rc ws_net_error(CURLcode cc, const ws_net_ctx *ctx, ws_error *err);

/* A dropped connection: the request may or may not have reached the server. */
int ws_net_is_dropped(CURLcode cc);

#endif
