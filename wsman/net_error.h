/* libcurl failures turned into one-line errors that name the cause and the fix. */
#ifndef NANOSH_NET_ERROR_H
#define NANOSH_NET_ERROR_H
#include <curl/curl.h>
#include "base/error.h"

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
    int never_answered;      /* no reply has come from this host yet */
    long os_errno;           /* CURLINFO_OS_ERRNO of a failed connect */
    int too_large;           /* the write callback refused the reply */
    size_t reply_max;
    int nomem;
    const char *cert_names;  /* names in the server's certificate, "" or NULL: unknown */
} ws_net_ctx;

ws_rc ws_net_error(CURLcode cc, const ws_net_ctx *ctx, ws_error *err);

/* Whether libcurl refused the certificate because it is for another name. */
int ws_net_is_name_mismatch(CURLcode cc, const char *errbuf);

/* The DNS names and addresses of a certificate in libcurl's CURLINFO_CERTINFO form
 * ("Cert:" PEM among the fields), for a message: "a.example, b.example". Characters
 * outside printable ASCII become '?'; "" when there are none. */
void ws_net_cert_names(const struct curl_slist *fields, char *out, size_t size);

/* A dropped connection: the request may or may not have reached the server. */
int ws_net_is_dropped(CURLcode cc);

#endif
