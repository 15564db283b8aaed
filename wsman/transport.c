/* HTTP transport on libcurl: one kept-alive connection per target (requests go out
 * one at a time), the Authorization handshake, message encryption, timeouts and error
 * mapping. PROTOCOL.md 1.1 (headers, keep-alive), 1.3 (read timeout > OperationTimeout),
 * 3.3 (status codes), 4 (encryption, connection-bound security contexts). */
#include "wsman/transport.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "base/clock.h"
#include "wsman/encrypted.h"
#include "wsman/global.h"
#include "wsman/http_auth.h"
#include "wsman/net_error.h"
#include "wsman/trace.h"

/* Bytes of one reply, framing included.  nanosh asks for MaxEnvelopeSize 150 KiB, 4 MiB
 * at most (wsman/limits.c), and a service must not answer with more (DSP0226 6.2,
 * MS-WSMV 3.1.4.1.7), so 8 MiB is room enough; a hostile or broken server's endless
 * body stops here (docs/reliability.md). */
#define REPLY_MAX ((size_t)8 << 20)
#define AUTH_MAX_LEGS 4                        /* NTLM needs 2 after the probe, Kerberos 1-2 */
#define DEFAULT_CONNECT_TIMEOUT_MS 30000L


#define SOAP_CONTENT_TYPE "application/soap+xml;charset=UTF-8"
#define TRACE_PLAIN_MAX 8192                   /* bytes of decrypted SOAP in the trace */
#define POST_SEALED 0x100                      /* internal flag: the body is sealed */

/* libcurl 7.80 calls CURLOPT_PREREQFUNCTION once the connection (and its TLS session)
 * exists, before the request is sent: the first token of an HTTPS handshake, which
 * needs the server's certificate for channel bindings, is made there. */
#if LIBCURL_VERSION_NUM >= 0x075000
#define HAVE_PREREQ 1
#else
#define HAVE_PREREQ 0
#endif

struct ws_transport {
    CURL *curl;
    char *url;
    char *host;
    char *hostport;          /* for messages: "host:port", IPv6 in brackets */
    char *cacert;
    int port, https, allow_unencrypted;
    int encrypt;             /* MS-WSMV 2.2.9.1: seal every authenticated message */
    int fresh_connect;       /* the next request must not reuse the connection */
    FILE *debug;
    long connect_timeout_ms, operation_timeout_ms;
    long long deadline;      /* CLOCK_MONOTONIC ms, 0: none */
    ws_auth *auth;
    const char *scheme;      /* HTTP scheme in use: auth->scheme or what the server offered */
    ws_buf authz;            /* "Authorization: Basic ..." for per-request schemes; wiped */
    int conn_auth;           /* the mechanism authenticates connections (RFC 4559) */
    int conn_ready;          /* ... and the current connection is authenticated */
    int conn_alive;          /* the last transfer left its connection open */
    unsigned long requests;
    unsigned long connections;
    CURLcode last_cc;
    char errbuf[CURL_ERROR_SIZE];

    /* Per transfer, used and filled by the callbacks. */
    const char *send;
    size_t send_len, send_pos;
    int may_resend, resend_refused;
    int sealed;              /* the body is sealed with the keys of one connection ... */
    long sealed_port;        /* ... the one with this local port */
    int sealed_refused;      /* it was kept from going out on another connection */
    int sealed_sent;         /* ... after it had gone out on the old one */
    int connects;            /* connections (re)used by this transfer so far */
    long local_port;         /* of the last transfer's connection */
    struct curl_slist *headers;   /* the request's header list */
    int token_at_connect;    /* make the first handshake token once connected */
    int token_done;          /* ... the mechanism's *done after that step */
    ws_rc token_rc;          /* ... and the outcome, with the message in token_err */
    ws_error *token_err;
    struct curl_slist *token_header;   /* its Authorization line in headers */
    ws_buf *reply;
    int too_large, nomem, reconnected, reused;
    unsigned long replies;   /* HTTP replies received, over every connection */
    ws_challenges challenges;
    char content_type[160];
    ws_buf cert;             /* DER leaf certificate of the connection (RFC 5929) */
};

ws_rc ws_global_init(ws_error *err)
{
    /* OpenSSL's own atexit handler frees every table it built (about 0.7 M
     * instructions, 3 % of a one-shot) just before the kernel drops the whole address
     * space. Ask for none; this must come before libcurl's first OpenSSL call. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
    /* libxml2 builds its global tables on first use; two threads parsing their first
     * replies at once would race on them (ThreadSanitizer, tests/run/test_run.sh). */
    xmlInitParser();
    CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK)
        return ws_error_set(err, WS_E_NOMEM, "", "cannot initialise libcurl: %s",
                            curl_easy_strerror(cc));
    return WS_OK;
}

void ws_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- callbacks ---- */

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    ws_transport *tp = ud;
    size_t n = size * nitems, left = tp->send_len - tp->send_pos;
    if (n > left)
        n = left;
    memcpy(buf, tp->send + tp->send_pos, n);
    tp->send_pos += n;
    return n;
}

/* libcurl rewinds the body to send it again on a fresh connection when a reused one
 * turns out to be dead. Whether the server ran it is unknown: allow that only for
 * requests that are safe to repeat. */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    ws_transport *tp = ud;
    if (origin != SEEK_SET || offset < 0 || (curl_off_t)tp->send_len < offset)
        return CURL_SEEKFUNC_CANTSEEK;
    /* A sealed body is good only on the connection whose keys sealed it: on a fresh,
     * unauthenticated one the server refuses it, or never answers (OMI). The caller
     * authenticates the new connection and seals the message again. */
    if (tp->sealed) {
        tp->sealed_refused = 1;
        tp->sealed_sent |= tp->send_pos > 0;
        return CURL_SEEKFUNC_CANTSEEK;
    }
    if (tp->send_pos > 0 && !tp->may_resend) {
        tp->resend_refused = 1;
        return CURL_SEEKFUNC_CANTSEEK;
    }
    tp->send_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    ws_transport *tp = ud;
    size_t n = size * nmemb;
    if (tp->reply->len + n > REPLY_MAX) {
        tp->too_large = 1;
        return 0;
    }
    if (ws_buf_append(tp->reply, data, n) < 0) {
        tp->nomem = 1;
        return 0;
    }
    return n;
}

/* Keeps the leaf certificate of the connection for channel bindings (PROTOCOL.md 6),
 * when the mechanism takes them. The SSL pointer is only valid during the transfer,
 * hence the header callback. */
static void grab_certificate(ws_transport *tp)
{
    const struct curl_tlssessioninfo *ti = NULL;
    if (!tp->auth || !ws_auth_can(tp->auth, WS_AUTH_CHANNEL_BINDING))
        return;
    if (curl_easy_getinfo(tp->curl, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
        ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
        return;
    X509 *x = SSL_get0_peer_certificate((SSL *)ti->internals);
    int len = x ? i2d_X509(x, NULL) : -1;
    if (len <= 0)
        return;
    unsigned char *der = malloc((size_t)len), *p = der;
    if (der && i2d_X509(x, &p) == len) {
        ws_buf_reset(&tp->cert);
        if (ws_buf_append(&tp->cert, der, (size_t)len) < 0)
            ws_buf_free(&tp->cert);
    }
    free(der);
}

static int header_is(const char *line, size_t len, const char *name, const char **value,
                     size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *value = v;
    *vlen = (size_t)(end - v);
    return 1;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    ws_transport *tp = ud;
    size_t len = size * nmemb;
    const char *v;
    size_t vlen;

    /* A new status line (after 100 Continue or a proxy CONNECT): forget earlier headers.
     * Past a proxy's CONNECT reply the TLS session with the server exists. */
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        if (tp->https)
            grab_certificate(tp);
        ws_challenges_free(&tp->challenges);
        tp->content_type[0] = '\0';
    } else if (header_is(line, len, "WWW-Authenticate", &v, &vlen)) {
        if (ws_challenges_add(&tp->challenges, v, vlen) < 0) {
            tp->nomem = 1;
            return 0;
        }
    } else if (header_is(line, len, "Content-Type", &v, &vlen)) {
        snprintf(tp->content_type, sizeof tp->content_type, "%.*s", (int)vlen, v);
    }
    return len;
}

#if HAVE_PREREQ
static ws_rc first_token(ws_transport *tp, ws_error *err);

/* Runs on every connection a transfer uses, new or reused, once TLS is up. */
static int on_connected(void *ud, char *remote_ip, char *local_ip, int remote_port,
                        int local_port)
{
    ws_transport *tp = ud;
    (void)remote_ip, (void)local_ip, (void)remote_port;
    tp->connects++;
    if (tp->sealed && (local_port != tp->sealed_port || tp->connects > 1)) {
        /* libcurl replaced the connection (a dead one in its cache, or a retry after
         * the old one dropped): see on_seek. */
        tp->sealed_refused = 1;
        tp->sealed_sent |= tp->connects > 1;
        return CURL_PREREQFUNC_ABORT;
    }
    if (!tp->token_at_connect)
        return CURL_PREREQFUNC_OK;
    if (tp->https)
        grab_certificate(tp);
    tp->token_rc = first_token(tp, tp->token_err);
    return tp->token_rc == WS_OK ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}
#endif

/* Sockets are close-on-exec: a child (`!cmd`) must not inherit the authenticated
 * connection (DESIGN.md, Security). SOCK_CLOEXEC sets it atomically. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)ud, (void)purpose;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- set-up ---- */

/* http(s)://host:port/path with IPv6 literals bracketed and zone ids escaped (RFC 6874). */
static ws_rc build_url(ws_transport *tp, const ws_target *t, ws_error *err)
{
    ws_buf url = WS_BUF_INIT, hp = WS_BUF_INIT;
    const char *path = t->path && *t->path ? t->path : "/wsman";
    int v6 = strchr(t->host, ':') && t->host[0] != '[';
    int ok = ws_buf_appends(&url, tp->https ? "https://" : "http://") == 0;

    if (v6) {
        ok = ok && ws_buf_append(&url, "[", 1) == 0;
        for (const char *p = t->host; ok && *p; p++)
            ok = (*p == '%' ? ws_buf_appends(&url, "%25") : ws_buf_append(&url, p, 1)) == 0;
        ok = ok && ws_buf_append(&url, "]", 1) == 0;
        ok = ok && ws_buf_appendf(&hp, "[%s]:%d", t->host, tp->port) == 0;
    } else {
        ok = ok && ws_buf_appends(&url, t->host) == 0;
        ok = ok && ws_buf_appendf(&hp, "%s:%d", t->host, tp->port) == 0;
    }
    ok = ok && ws_buf_appendf(&url, ":%d%s%s", tp->port, path[0] == '/' ? "" : "/", path) == 0;
    if (!ok) {
        ws_buf_free(&url);
        ws_buf_free(&hp);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building the URL");
    }
    tp->url = ws_buf_steal(&url);
    tp->hostport = ws_buf_steal(&hp);
    return WS_OK;
}

static ws_rc setup_curl(ws_transport *tp, int insecure, FILE *debug, ws_error *err)
{
    CURL *h = tp->curl;
    CURLcode cc = CURLE_OK;
#define SET(opt, val) do { if (cc == CURLE_OK) cc = curl_easy_setopt(h, opt, val); } while (0)
    SET(CURLOPT_URL, tp->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_POST, 1L);
    /* NTLM and Negotiate authenticate the TCP connection: keep exactly one, HTTP/1.1. */
    SET(CURLOPT_MAXCONNECTS, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, "nanosh/" PACKAGE_VERSION);
    SET(CURLOPT_CONNECTTIMEOUT_MS, tp->connect_timeout_ms);
    SET(CURLOPT_ERRORBUFFER, tp->errbuf);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, tp);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_SEEKDATA, tp);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, tp);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, tp);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
#if HAVE_PREREQ
    SET(CURLOPT_PREREQFUNCTION, on_connected);
    SET(CURLOPT_PREREQDATA, tp);
#endif
    /* HTTPS is verified unless the user asked for -k (DESIGN.md, Security). */
    SET(CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    if (tp->cacert)
        SET(CURLOPT_CAINFO, tp->cacert);
    /* Proxies: libcurl reads http_proxy, https_proxy and no_proxy itself; nothing here
     * overrides them. Redirects are not followed: WinRM never sends one. */
    if (debug) {
        SET(CURLOPT_DEBUGFUNCTION, ws_trace_curl);
        SET(CURLOPT_DEBUGDATA, debug);
        SET(CURLOPT_VERBOSE, 1L);
    }
#undef SET
    if (cc != CURLE_OK)
        return ws_error_set(err, WS_E_USAGE, "", "cannot configure libcurl: %s",
                            curl_easy_strerror(cc));
    return WS_OK;
}

static void plan_security(ws_transport *tp);

ws_rc ws_transport_new(const ws_target *t, const ws_conn_opts *o, ws_auth *auth,
                       ws_transport **out, ws_error *err)
{
    static const ws_conn_opts defaults;
    ws_transport *tp = NULL;
    ws_rc rc;

    *out = NULL;
    if (!o)
        o = &defaults;
    if (!t || !t->host || !*t->host || strpbrk(t->host, "/?#@ \t\r\n")) {
        rc = ws_error_set(err, WS_E_USAGE, "give a host name, an IPv4 address or an IPv6 address",
                          "invalid host '%s'", t && t->host ? t->host : "");
        goto fail;
    }
    if (t->port < 0 || t->port > 65535) {
        rc = ws_error_set(err, WS_E_USAGE, "give a port between 1 and 65535",
                          "invalid port %d", t->port);
        goto fail;
    }
    if (o->cacert && access(o->cacert, R_OK) != 0) {
        rc = ws_error_set(err, WS_E_IO, "check the path given to --cacert",
                          "cannot read the CA file %s", o->cacert);
        goto fail;
    }
    if (!(tp = calloc(1, sizeof *tp)))
        goto nomem;
    tp->https = t->https;
    tp->port = t->port ? t->port : t->https ? 5986 : 5985;
    tp->allow_unencrypted = o->allow_unencrypted;
    tp->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                       : DEFAULT_CONNECT_TIMEOUT_MS;
    tp->operation_timeout_ms = o->operation_timeout_ms > 0 ? o->operation_timeout_ms
                                                           : WS_DEFAULT_OPERATION_TIMEOUT_MS;
    tp->deadline = o->deadline_ms > 0 ? ws_now_ms() + o->deadline_ms : 0;
    if (!(tp->host = strdup(t->host)) || (o->cacert && !(tp->cacert = strdup(o->cacert))))
        goto nomem;
    if ((rc = build_url(tp, t, err)) != WS_OK)
        goto fail;
    tp->debug = o->debug;
    if (auth) {
        tp->auth = auth;
        plan_security(tp);
        auth = NULL;
    }
    if (!(tp->curl = curl_easy_init()))
        goto nomem;
    if ((rc = setup_curl(tp, o->insecure, o->debug, err)) != WS_OK)
        goto fail;
    *out = tp;
    return WS_OK;
nomem:
    rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory creating the transport");
fail:
    ws_auth_free(auth);   /* ours even on failure, as documented for ws_client_new */
    ws_transport_free(tp);
    return rc;
}

void ws_transport_free(ws_transport *tp)
{
    if (!tp)
        return;
    if (tp->curl)
        curl_easy_cleanup(tp->curl);
    ws_auth_free(tp->auth);
    ws_buf_wipe(&tp->authz);
    ws_buf_free(&tp->cert);
    ws_challenges_free(&tp->challenges);
    free(tp->url);
    free(tp->host);
    free(tp->hostport);
    free(tp->cacert);
    free(tp);
}

const char *ws_transport_url(const ws_transport *tp)
{
    return tp->url;
}

unsigned long ws_transport_requests(const ws_transport *tp)
{
    return tp->requests;
}

/* ---- one HTTP exchange ---- */

static void wipe_headers(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        ws_wipe(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static int add_header(struct curl_slist **l, const char *h)
{
    struct curl_slist *n = curl_slist_append(*l, h);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

/* The bound of one request: the caller's, or OperationTimeout plus a margin so that a
 * Receive that legitimately waits the full OperationTimeout is not cut (PROTOCOL.md 1.3);
 * never past the overall deadline. */
static ws_rc request_timeout(ws_transport *tp, long timeout_ms, long *out, int *capped,
                             ws_error *err)
{
    long t = timeout_ms > 0 ? timeout_ms : tp->operation_timeout_ms + WS_READ_MARGIN_MS;
    *capped = 0;
    if (tp->deadline) {
        long long left = tp->deadline - ws_now_ms();
        if (left <= 0)
            return ws_error_set(err, WS_E_TIMEOUT, "raise --timeout",
                                "the time allowed for the operation ran out before the next request to %s (timed out)",
                                tp->hostport);
        if (left < t) {
            t = (long)left;
            *capped = 1;
        }
    }
    *out = t;
    return WS_OK;
}

/* A certificate for another name: which names it has, for the message. libcurl gathers
 * the chain (CURLINFO_CERTINFO) before its name check fails, so a second handshake
 * that sends nothing learns them; only this error path pays for it. */
static void mismatched_names(ws_transport *tp, char *out, size_t size)
{
    struct curl_certinfo *ci = NULL;
    char errbuf[CURL_ERROR_SIZE];

    memcpy(errbuf, tp->errbuf, sizeof errbuf);
    curl_easy_setopt(tp->curl, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(tp->curl, CURLOPT_CONNECT_ONLY, 1L);
    if (curl_easy_perform(tp->curl) != CURLE_OK &&
        curl_easy_getinfo(tp->curl, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
        ci->num_of_certs > 0)
        ws_net_cert_names(ci->certinfo[0], out, size);
    curl_easy_setopt(tp->curl, CURLOPT_CONNECT_ONLY, 0L);
    curl_easy_setopt(tp->curl, CURLOPT_CERTINFO, 0L);
    memcpy(tp->errbuf, errbuf, sizeof errbuf);
}

/* POSTs body with the given Content-Type and Authorization header lines (NULL: SOAP,
 * none). Sets *status; transport failures come back as errors, every HTTP status as
 * WS_OK. */
static ws_rc perform(ws_transport *tp, const char *body, size_t len, const char *ctype,
                     const char *authz, unsigned flags, long timeout_ms, ws_buf *reply,
                     long *status, ws_error *err)
{
    struct curl_slist *hdrs = NULL;
    curl_socket_t sock = CURL_SOCKET_BAD;
    long t, nconn = 0, reqsize = 0, os_errno = 0;
    curl_off_t connect_us = 0;
    int capped;
    ws_rc rc;

    *status = 0;
    if ((rc = request_timeout(tp, timeout_ms, &t, &capped, err)) != WS_OK)
        return rc;
    /* PROTOCOL.md 1.1; "Expect:" with no value stops libcurl's 100-continue wait. */
    if (add_header(&hdrs, ctype ? ctype : "Content-Type: " SOAP_CONTENT_TYPE) < 0 ||
        add_header(&hdrs, "Accept-Encoding: identity") < 0 ||
        add_header(&hdrs, "Connection: Keep-Alive") < 0 ||
        add_header(&hdrs, "Expect:") < 0 ||
        ((flags & WS_POST_UNAUTHENTICATED) &&
         add_header(&hdrs, "WSMANIDENTIFY: unauthenticated") < 0) ||
        (authz && add_header(&hdrs, authz) < 0)) {
        wipe_headers(hdrs);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a request");
    }
    ws_buf_reset(reply);
    tp->send = body ? body : "";
    tp->send_len = body ? len : 0;
    tp->send_pos = 0;
    tp->may_resend = !!(flags & WS_POST_IDEMPOTENT);
    tp->resend_refused = 0;
    tp->sealed = !!(flags & POST_SEALED);
    tp->sealed_port = tp->local_port;
    tp->sealed_refused = tp->sealed_sent = tp->connects = 0;
    tp->headers = hdrs;
    tp->token_header = NULL;
    tp->reply = reply;
    tp->too_large = tp->nomem = tp->reconnected = 0;
    tp->errbuf[0] = '\0';
    ws_challenges_free(&tp->challenges);
    tp->content_type[0] = '\0';

    curl_easy_setopt(tp->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(tp->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)tp->send_len);
    curl_easy_setopt(tp->curl, CURLOPT_FRESH_CONNECT, tp->fresh_connect ? 1L : 0L);
    tp->fresh_connect = 0;
    curl_easy_setopt(tp->curl, CURLOPT_TIMEOUT_MS, t);
    curl_easy_setopt(tp->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     tp->connect_timeout_ms < t ? tp->connect_timeout_ms : t);
    CURLcode cc = tp->last_cc = curl_easy_perform(tp->curl);
    curl_easy_setopt(tp->curl, CURLOPT_HTTPHEADER, NULL);
    wipe_headers(hdrs);
    tp->headers = tp->token_header = NULL;
    tp->reply = NULL;
    tp->send = NULL;

    curl_easy_getinfo(tp->curl, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(tp->curl, CURLINFO_REQUEST_SIZE, &reqsize);
    curl_easy_getinfo(tp->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
    curl_easy_getinfo(tp->curl, CURLINFO_OS_ERRNO, &os_errno);
    if (curl_easy_getinfo(tp->curl, CURLINFO_LOCAL_PORT, &tp->local_port) != CURLE_OK)
        tp->local_port = 0;
    if (reqsize > 0)
        tp->requests++;
    /* A fresh connection after the first: whatever the old one had authenticated is gone. */
    tp->reused = nconn == 0 && tp->connections > 0;
    if (nconn > 0) {
        tp->reconnected = tp->connections > 0;
        tp->connections += (unsigned long)nconn;
        tp->conn_ready = 0;
        if (!tp->https)
            ws_buf_free(&tp->cert);
    }
    /* The connection is gone after a failed transfer, or when the server closed it
     * (Connection: close): what it had authenticated, and the message sequence, too. */
    tp->conn_alive = cc == CURLE_OK &&
                     curl_easy_getinfo(tp->curl, CURLINFO_ACTIVESOCKET, &sock) == CURLE_OK &&
                     sock != CURL_SOCKET_BAD;
    if (!tp->conn_alive)
        tp->conn_ready = 0;
    if (cc != CURLE_OK && tp->token_at_connect && tp->token_rc != WS_OK)
        return tp->token_rc;   /* the mechanism's own error, already in err */
    if (cc != CURLE_OK && tp->sealed_refused)
        return ws_error_set(err, WS_E_CONNECT, "try again, or retry with --debug",
                            "the connection to %s was replaced while an encrypted request was on it",
                            tp->hostport);
    char names[256] = "";
    if (ws_net_is_name_mismatch(cc, tp->errbuf))
        mismatched_names(tp, names, sizeof names);
    if (cc != CURLE_OK) {
        ws_net_ctx ctx = {
            .host = tp->host, .hostport = tp->hostport, .port = tp->port, .https = tp->https,
            .cacert = tp->cacert, .errbuf = tp->errbuf, .timeout_ms = t,
            .deadline_capped = capped, .os_errno = os_errno,
            /* a reused connection has no connect time, yet was connected */
            .connected = connect_us > 0 || tp->reused || reqsize > 0,
            .never_answered = tp->replies == 0,
            .too_large = tp->too_large, .reply_max = REPLY_MAX, .nomem = tp->nomem,
            .cert_names = names,
        };
        return ws_net_error(cc, &ctx, err);
    }
    curl_easy_getinfo(tp->curl, CURLINFO_RESPONSE_CODE, status);
    tp->replies++;
    return WS_OK;
}

/* ---- authentication ---- */

static ws_rc not_offered(ws_transport *tp, ws_error *err)
{
    char offered[128];
    ws_challenges_list(&tp->challenges, offered, sizeof offered);
    ws_rc rc = ws_error_set(err, WS_E_AUTH,
                            ws_auth_can(tp->auth, WS_AUTH_PLAINTEXT)
                                ? "use -a negotiate or -a ntlm, or enable Basic on the server: winrm set winrm/config/service/auth @{Basic=\"true\"}"
                                : "choose a mechanism the server offers with -a",
                            "%s does not accept %s authentication (it offers: %s; HTTP 401)",
                            tp->hostport, tp->auth->scheme, offered);
    if (err)
        err->http_status = 401;
    return rc;
}

static ws_rc rejected(ws_transport *tp, ws_error *err)
{
    const char *fix;

    if (ws_auth_can(tp->auth, WS_AUTH_PLAINTEXT))
        fix = "check the user name and password; Basic works only for local accounts (HOST\\user or a bare name)";
    else if (tp->https && ws_auth_can(tp->auth, WS_AUTH_CHANNEL_BINDING))
        /* RFC 5929: a TLS-intercepting proxy breaks channel binding */
        fix = "check the user name and password (HOST\\user for a local account, DOMAIN\\user or user@REALM for a domain one); if a proxy intercepts TLS, channel binding fails: connect directly";
    else
        fix = "check the user name and password; for a local account use HOST\\user, for a domain account DOMAIN\\user or user@REALM";
    const char *user = tp->auth->user;
    ws_rc rc = ws_error_set(err, WS_E_AUTH, fix,
                            "%s rejected the credentials%s%s%s (%s authentication, HTTP 401)",
                            tp->hostport, user ? " of '" : "", user ? user : "", user ? "'" : "",
                            tp->scheme);
    if (err)
        err->http_status = 401;
    return rc;
}

/* Builds "Authorization: <scheme> <base64 token>" into out. */
static ws_rc authorization_line(const char *scheme, const ws_buf *token, ws_buf *out,
                                ws_error *err)
{
    ws_buf_wipe(out);
    ws_buf_secret(out);
    if (ws_buf_appendf(out, "Authorization: %s ", scheme) < 0 ||
        ws_base64_encode((const unsigned char *)token->data, token->len, out) < 0) {
        ws_buf_wipe(out);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building the Authorization header");
    }
    return WS_OK;
}

static ws_rc auth_reset(ws_transport *tp, ws_error *err)
{
    ws_auth_conn conn = {
        .host = tp->host,
        .server_cert_der = tp->cert.len ? (const unsigned char *)tp->cert.data : NULL,
        .server_cert_len = tp->cert.len,
    };
    tp->auth->established = 0;
    return tp->auth->ops->reset(tp->auth, &conn, err);
}

/* Per-request schemes (Basic): the one token becomes a header sent with every request. */
static ws_rc prepare_per_request(ws_transport *tp, ws_error *err)
{
    ws_buf token = WS_BUF_INIT;
    int done = 0;
    ws_rc rc;

    if (tp->authz.len)
        return WS_OK;
    if ((rc = auth_reset(tp, err)) != WS_OK)
        return rc;
    if ((rc = tp->auth->ops->step(tp->auth, NULL, 0, &token, &done, err)) == WS_OK)
        rc = authorization_line(tp->scheme, &token, &tp->authz, err);
    ws_buf_wipe(&token);
    return rc;
}

#if HAVE_PREREQ
/* The first token of a handshake, made in on_connected: the mechanism starts on the
 * connection the request is about to use, with its certificate; the Authorization line
 * joins the request's headers (libcurl reads them only after this). libcurl may retry
 * on another connection: the line made for the previous one is replaced. */
static ws_rc first_token(ws_transport *tp, ws_error *err)
{
    ws_buf token = WS_BUF_INIT, line = WS_BUF_INIT;
    struct curl_slist *node = tp->token_header;
    ws_rc rc;

    tp->token_done = 0;
    if ((rc = auth_reset(tp, err)) != WS_OK ||
        (rc = tp->auth->ops->step(tp->auth, NULL, 0, &token, &tp->token_done, err)) != WS_OK ||
        (rc = authorization_line(tp->scheme, &token, &line, err)) != WS_OK)
        goto out;
    if (node) {
        ws_wipe(node->data, strlen(node->data));
        free(node->data);
        node->data = ws_buf_steal(&line);
    } else if (add_header(&tp->headers, line.data) == 0) {
        for (node = tp->headers; node->next; node = node->next)
            ;
        tp->token_header = node;
    } else {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory building the Authorization header");
    }
out:
    ws_buf_wipe(&token);
    ws_buf_wipe(&line);
    return rc;
}
#endif

static ws_rc check_secure(ws_transport *tp, ws_error *err);
static int looks_like_xml(const ws_transport *tp, const ws_buf *reply);
static ws_rc check_status(ws_transport *tp, long status, const ws_buf *reply, unsigned flags,
                          ws_error *err);

/* PROTOCOL.md 4: over plain HTTP a mechanism that can seal always does, unless the user
 * allowed plaintext; over HTTPS TLS protects the messages. */
static void plan_security(ws_transport *tp)
{
    ws_auth *a = tp->auth;
    tp->scheme = a->scheme;
    tp->conn_auth = ws_auth_can(a, WS_AUTH_CONNECTION_BOUND);
    /* Sealing needs the keys of a connection's handshake, and what the flag promises. */
    tp->encrypt = tp->conn_auth && ws_auth_can(a, WS_AUTH_WRAPS) && !tp->https &&
                  !tp->allow_unencrypted && a->ops->wrap && a->ops->unwrap && a->enc_protocol;
}

/* A mechanism that speaks several schemes picks one from the server's offers. */
static ws_rc choose_scheme(ws_transport *tp, ws_error *err)
{
    const char *names[WS_MAX_CHALLENGES];
    ws_rc rc;

    for (size_t i = 0; i < tp->challenges.n; i++)
        names[i] = tp->challenges.c[i].scheme;
    if ((rc = tp->auth->ops->choose(tp->auth, names, tp->challenges.n, err)) != WS_OK)
        return rc;
    plan_security(tp);
    ws_buf_wipe(&tp->authz);
    return WS_OK;
}

/* Connection-based schemes: authenticate the current connection on empty POSTs
 * (PROTOCOL.md 4.3, 5.1). The first token goes out at once under the mechanism's own
 * scheme, as Windows clients do; if the server turns out not to offer it, its 401 lists
 * what it does offer and the choice is made again. Over HTTPS that token needs the
 * certificate for channel bindings, so it is made once connected (on_connected): no
 * unauthenticated probe, which some servers never answer (OMI drops requests without
 * Authorization). Without CURLOPT_PREREQFUNCTION the probe stays, with a short bound;
 * past it the guess goes out without channel bindings. */
enum offers { OFFERS_GUESSED, OFFERS_PROBED, OFFERS_KNOWN };
#define PROBE_WAIT_MS 5000L

static ws_rc start_handshake(ws_transport *tp, enum offers *offers, long timeout_ms,
                             ws_buf *reply, long *status, ws_error *err)
{
    const ws_challenge *ch;
    ws_rc rc;

    if (*offers == OFFERS_PROBED) {
        long t = timeout_ms > 0 && timeout_ms < PROBE_WAIT_MS ? timeout_ms : PROBE_WAIT_MS;
        rc = perform(tp, "", 0, NULL, NULL, 0, t, reply, status, err);
        if (rc == WS_E_TIMEOUT && tp->last_cc == CURLE_OPERATION_TIMEDOUT) {
            ws_error_clear(err);
            *offers = OFFERS_GUESSED;
        } else if (rc != WS_OK) {
            return rc;
        } else if (*status != 401) {   /* the server does not ask for authentication */
            return WS_OK;
        }
    }
    if (*offers == OFFERS_GUESSED) {
        ws_challenges_free(&tp->challenges);
        if (ws_challenges_add(&tp->challenges, tp->auth->scheme, strlen(tp->auth->scheme)) < 0)
            return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    }
    *status = 401;
    if (tp->auth->ops->choose && (rc = choose_scheme(tp, err)) != WS_OK)
        return rc;
    if (!tp->conn_auth)   /* the server offered only a per-request scheme (Basic) */
        return WS_OK;
    if (!(ch = ws_challenges_choose(&tp->challenges, tp->auth)))
        return not_offered(tp, err);
    tp->scheme = tp->auth->scheme;
    if (strcasecmp(ch->scheme, tp->scheme) != 0)
        tp->scheme = strcasecmp(ch->scheme, "NTLM") == 0 ? "NTLM" : "Negotiate";
    if (HAVE_PREREQ && tp->https && *offers == OFFERS_GUESSED)
        return WS_OK;     /* reset and first step in on_connected */
    return auth_reset(tp, err);
}

/* A handshake reply that is neither 401 nor success, without a SOAP body, is an error,
 * not a server that skips authentication. 400 and 403 refuse the token itself (OMI
 * answers a Kerberos token it cannot accept with 400); others (404, 407, 5xx) are
 * explained as for any request. */
static int handshake_failed(const ws_transport *tp, long status, const ws_buf *reply)
{
    return status != 401 && (status < 200 || status > 299) && !looks_like_xml(tp, reply);
}

static ws_rc handshake_error(ws_transport *tp, long status, const ws_buf *reply, ws_error *err)
{
    if (status != 400 && status != 403)
        return check_status(tp, status, reply, POST_SEALED, err);   /* no plaintext SOAP */
    ws_rc rc = ws_error_set(err, WS_E_AUTH,
                            "check the server's authentication set-up (for Kerberos its keytab and service principal), choose another mechanism with -a, or retry with --debug",
                            "%s rejected the %s authentication token (HTTP %ld)", tp->hostport,
                            tp->scheme, status);
    if (err)
        err->http_status = status;
    return rc;
}

/* One leg: the mechanism's next token on an empty POST. The first leg over HTTPS makes
 * its token once connected (first_token). */
static ws_rc send_leg(ws_transport *tp, int at_connect, const ws_buf *in, int *done,
                      long timeout_ms, ws_buf *reply, long *status, ws_error *err)
{
    ws_buf token = WS_BUF_INIT, line = WS_BUF_INIT;
    ws_rc rc;

    if (!at_connect &&
        ((rc = tp->auth->ops->step(tp->auth, (const unsigned char *)in->data, in->len, &token,
                                   done, err)) != WS_OK ||
         (rc = authorization_line(tp->scheme, &token, &line, err)) != WS_OK))
        goto out;
    tp->token_at_connect = at_connect;
    tp->token_rc = WS_OK;
    tp->token_err = err;
    rc = perform(tp, "", 0, NULL, at_connect ? NULL : line.data, 0, timeout_ms, reply, status,
                 err);
    if (at_connect && rc == WS_OK && tp->token_rc == WS_OK)
        *done = tp->token_done;
    tp->token_at_connect = 0;
    tp->token_err = NULL;
out:
    ws_buf_wipe(&token);
    ws_buf_wipe(&line);
    return rc;
}

static ws_rc handshake(ws_transport *tp, long timeout_ms, ws_error *err)
{
    ws_buf reply = WS_BUF_INIT, token = WS_BUF_INIT, in = WS_BUF_INIT;
    const ws_challenge *ch;
    long status;
    int done = 0;
    enum offers offers = tp->https && !HAVE_PREREQ ? OFFERS_PROBED : OFFERS_GUESSED;
    ws_rc rc;

restart:
    if ((rc = start_handshake(tp, &offers, timeout_ms, &reply, &status, err)) != WS_OK)
        goto out;
    if (status != 401) {
        tp->conn_ready = tp->conn_alive;
        goto out;
    }
    if (!tp->conn_auth) {
        if ((rc = check_secure(tp, err)) == WS_OK)
            rc = prepare_per_request(tp, err);
        goto out;
    }
    ws_buf_reset(&in);
    for (int leg = 0;; leg++) {
        int at_connect = HAVE_PREREQ && tp->https && leg == 0 && offers == OFFERS_GUESSED;
        if ((rc = send_leg(tp, at_connect, &in, &done, timeout_ms, &reply, &status, err)) != WS_OK)
            goto out;
        if (tp->reconnected && leg > 0) {
            rc = ws_error_set(err, WS_E_AUTH,
                              "a proxy or load balancer that does not keep connections open breaks this; set no_proxy for the host",
                              "%s closed the connection in the middle of %s authentication",
                              tp->hostport, tp->scheme);
            goto out;
        }
        if (handshake_failed(tp, status, &reply)) {
            rc = handshake_error(tp, status, &reply, err);
            goto out;
        }
        ch = ws_challenges_find(&tp->challenges, tp->scheme);
        if (offers == OFFERS_GUESSED && leg == 0 && status == 401 && !(ch && ch->token)) {
            /* The guess was wrong: this 401 lists what the server offers, as a probe
             * would have. Choose again, once. */
            offers = OFFERS_KNOWN;
            goto restart;
        }
        if (offers == OFFERS_GUESSED && leg == 0 && status != 401 && !(ch && ch->token)) {
            /* The server answered without asking for authentication at all. */
            tp->conn_ready = tp->conn_alive;
            goto out;
        }
        ws_buf_reset(&in);
        if (ch && ch->token && ws_base64_decode(ch->token, strlen(ch->token), &in) < 0) {
            rc = ws_error_set(err, WS_E_PROTOCOL, "retry with --debug to see the exchange",
                              "%s sent a %s token that is not valid base64", tp->hostport,
                              tp->scheme);
            goto out;
        }
        if (status != 401) {
            /* Mutual authentication: the final reply may carry the server's last token. */
            if (!done && in.len) {
                ws_buf_reset(&token);
                if ((rc = tp->auth->ops->step(tp->auth, (const unsigned char *)in.data, in.len,
                                              &token, &done, err)) != WS_OK)
                    goto out;
            }
            if (!done) {
                rc = ws_error_set(err, WS_E_AUTH, "the server may not be who it claims to be; retry with --debug",
                                  "%s accepted the request but did not complete mutual %s authentication",
                                  tp->hostport, tp->scheme);
                goto out;
            }
            tp->auth->established = 1;
            tp->conn_ready = tp->conn_alive;
            goto out;
        }
        if (done || !in.len || leg + 1 >= AUTH_MAX_LEGS) {
            rc = rejected(tp, err);
            goto out;
        }
    }
out:
    ws_buf_free(&reply);
    ws_buf_wipe(&token);
    ws_buf_wipe(&in);
    return rc;
}

/* DESIGN.md: credentials and plaintext SOAP never cross plain HTTP unless asked for;
 * message encryption (PROTOCOL.md 4) makes HTTP acceptable. */
static ws_rc check_secure(ws_transport *tp, ws_error *err)
{
    if (tp->https || tp->allow_unencrypted || tp->encrypt)
        return WS_OK;
    if (ws_auth_can(tp->auth, WS_AUTH_PLAINTEXT))
        return ws_error_set(err, WS_E_INSECURE,
                            "use -s/--https, or pass --allow-unencrypted to accept that risk",
                            "refusing to send the password to %s in clear text (%s authentication over plain HTTP)",
                            tp->hostport, tp->auth->scheme);
    return ws_error_set(err, WS_E_INSECURE,
                        "use -s/--https, or pass --allow-unencrypted to accept that risk",
                        "refusing to send unencrypted messages to %s over plain HTTP",
                        tp->hostport);
}

/* ---- replies ---- */

static int looks_like_xml(const ws_transport *tp, const ws_buf *reply)
{
    /* An HTML error page starts with '<' too, but is a web server's, not a SOAP reply. */
    if (strstr(tp->content_type, "html"))
        return 0;
    if (strstr(tp->content_type, "xml"))
        return reply->len > 0;
    for (size_t i = 0; i < reply->len; i++) {
        char ch = reply->data[i];
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            return ch == '<';
    }
    return 0;
}

/* A 5xx without a SOAP fault says little. Windows answers plaintext SOAP over HTTP so
 * when AllowUnencrypted is false; a refused shell Create (a server without the cmd
 * shell, such as OMI) looks the same over HTTPS or encrypted. */
static ws_rc server_error(ws_transport *tp, long status, unsigned flags, ws_error *err)
{
    if (!tp->https && !(flags & POST_SEALED))
        return ws_error_set(err, WS_E_HTTP,
                            "if the service refuses unencrypted messages (AllowUnencrypted=false), use -s/--https; else check its event log",
                            "%s answered HTTP %ld without a SOAP fault", tp->hostport, status);
    if (flags & WS_POST_CREATES_SHELL)
        return ws_error_set(err, WS_E_HTTP,
                            "the server may not offer this shell at all; check its event log, or retry with --debug",
                            "%s refused to create the shell without a SOAP fault (HTTP %ld)",
                            tp->hostport, status);
    return ws_error_set(err, WS_E_HTTP, "check the server's WinRM event log, or retry with --debug",
                        "%s answered HTTP %ld without a SOAP fault", tp->hostport, status);
}

/* PROTOCOL.md 3.3: 200 is success; any other status with a SOAP body is for the caller
 * to parse as a fault; without one it is an HTTP error. */
static ws_rc check_status(ws_transport *tp, long status, const ws_buf *reply, unsigned flags,
                          ws_error *err)
{
    ws_rc rc;
    if (status == 200 || looks_like_xml(tp, reply))
        return WS_OK;
    switch (status) {
    case 400:
        rc = ws_error_set(err, WS_E_HTTP, "retry with --debug to see the exchange",
                          "%s rejected the request as malformed (HTTP 400)", tp->hostport);
        break;
    case 404:
        /* HTTP.sys answers so for a path no listener registered: a WinRM host on another
         * path, or not WinRM at all. */
        rc = ws_error_set(err, WS_E_HTTP, "check the port (WinRM: 5985 HTTP, 5986 HTTPS), "
                          "-s/--https, and the path (WinRM listens on /wsman)",
                          "%s has no WS-Management endpoint at %s (HTTP 404): "
                          "this is not a WinRM listener, or not its path", tp->hostport, tp->url);
        break;
    case 405:
    case 501:
        /* WinRM takes POST on its endpoint (DSP0226 annex: SOAP over HTTP); a server that
         * does not is something else on this port. */
        rc = ws_error_set(err, WS_E_HTTP, "check the port (WinRM: 5985 HTTP, 5986 HTTPS) "
                          "and -s/--https; 'nanosh wsman HOST identify --unauthenticated' "
                          "tells a WinRM listener", "%s does not take SOAP requests (HTTP %ld): "
                          "this is not a WinRM listener", tp->hostport, status);
        break;
    case 407:
        rc = ws_error_set(err, WS_E_HTTP,
                          "put the proxy credentials in https_proxy / http_proxy, or add the host to no_proxy",
                          "the proxy asks for authentication (HTTP 407)");
        break;
    case 413:
        rc = ws_error_set(err, WS_E_HTTP,
                          "send less per request, or raise MaxEnvelopeSizekb on the server",
                          "%s refused a request larger than it accepts (HTTP 413)", tp->hostport);
        break;
    default:
        if (status >= 500)
            rc = server_error(tp, status, flags, err);
        else
            rc = ws_error_set(err, WS_E_HTTP, "retry with --debug to see the exchange",
                              "unexpected HTTP %ld from %s", status, tp->hostport);
    }
    if (err)
        err->http_status = status;
    return rc;
}

/* ---- message encryption (MS-WSMV 2.2.9.1) ---- */

/* The plaintext of an encrypted exchange, for --debug (libcurl shows the sealed body
 * only by its size). */
static void trace_plain(ws_transport *tp, const char *prefix, const char *what,
                        const char *data, size_t len)
{
    size_t shown = len > TRACE_PLAIN_MAX ? TRACE_PLAIN_MAX : len;
    if (!tp->debug)
        return;
    fprintf(tp->debug, "* %s (%zu bytes of SOAP)\n%s%.*s\n", what, len, prefix, (int)shown,
            data ? data : "");
    if (shown < len)
        fprintf(tp->debug, "%s[... %zu more bytes]\n", prefix, len - shown);
    fflush(tp->debug);
}

/* Wraps one request with the keys of the current connection: into wire, with its
 * Content-Type header line into ctype. */
static ws_rc seal_request(ws_transport *tp, const char *body, size_t len, ws_buf *wire,
                          ws_buf *ctype, ws_error *err)
{
    ws_rc rc;
    ws_buf_reset(wire);
    ws_buf_reset(ctype);
    if (!tp->auth->established)
        return ws_error_set(err, WS_E_INSECURE,
                            "use -s/--https, or pass --allow-unencrypted to accept that risk",
                            "%s did not ask for authentication, so there are no keys to encrypt messages with",
                            tp->hostport);
    trace_plain(tp, "> ", "request to be encrypted", body, len);
    if ((rc = ws_enc_wrap(tp->auth, body, len, wire, err)) != WS_OK)
        return rc;
    return ws_enc_header(tp->auth->enc_protocol, ctype, err);
}

/* Replaces an encrypted reply by its plaintext. Nothing that failed the checks reaches
 * the caller; and since the keys may now be out of step with the server's, the next
 * request starts over on a new connection (PROTOCOL.md 4.3). */
static ws_rc open_reply(ws_transport *tp, long status, ws_buf *reply, ws_error *err)
{
    ws_buf plain = WS_BUF_INIT;
    ws_rc rc;

    if (!ws_enc_is_encrypted(tp->content_type)) {
        /* Statuses without SOAP (an empty 500, a text 404) are reported by check_status. */
        if (status != 200 && !looks_like_xml(tp, reply))
            return WS_OK;
        rc = ws_error_set(err, WS_E_CRYPTO,
                          "nothing from it was used; something between here and the server may alter traffic: use -s/--https, or retry with --debug",
                          "the reply from %s failed its integrity check (HTTP %ld with %s, not encrypted although the session is)",
                          tp->hostport, status,
                          tp->content_type[0] ? tp->content_type : "no Content-Type");
    } else {
        rc = ws_enc_unwrap(tp->auth, tp->content_type, reply->data, reply->len, tp->hostport,
                           &plain, err);
    }
    if (rc != WS_OK) {
        ws_buf_reset(reply);
        ws_buf_wipe(&plain);
        tp->conn_ready = 0;
        tp->fresh_connect = 1;
        if (err)
            err->http_status = status;
        return rc;
    }
    trace_plain(tp, "< ", "decrypted reply", plain.data, plain.len);
    ws_buf_free(reply);
    *reply = plain;
    snprintf(tp->content_type, sizeof tp->content_type, "%s", SOAP_CONTENT_TYPE);
    return WS_OK;
}

/* A request that was sent and then lost with its connection is not repeated unless
 * the caller marked it safe to repeat.  got: bytes of the reply that came before the
 * drop (a reply cut off halfway, as when the host's shell dies mid-stream). */
static ws_rc not_repeated(ws_transport *tp, size_t got, ws_error *err)
{
    if (got)
        return ws_error_set(err, WS_E_CONNECT,
                            "check on the server whether the operation took effect before running it again",
                            "the connection to %s dropped in the middle of the reply (after %zu bytes); the request was not sent again because repeating it may not be safe",
                            tp->hostport, got);
    return ws_error_set(err, WS_E_CONNECT,
                        "check on the server whether the operation took effect before running it again",
                        "the connection to %s dropped after the request was sent; it was not sent again because repeating it may not be safe",
                        tp->hostport);
}

ws_rc ws_transport_post(ws_transport *tp, const char *body, size_t len, unsigned flags,
                        long timeout_ms, ws_buf *reply, long *http_status, ws_error *err)
{
    int authenticated = tp->auth && !(flags & WS_POST_UNAUTHENTICATED);
    int encrypt = authenticated && tp->encrypt;
    ws_buf wire = WS_BUF_INIT, ctype = WS_BUF_INIT;
    long status = 0;
    ws_rc rc = WS_OK;

    *http_status = 0;
    if (authenticated && (rc = check_secure(tp, err)) != WS_OK)
        return rc;
    if (authenticated && !tp->conn_auth && (rc = prepare_per_request(tp, err)) != WS_OK)
        return rc;
    /* Two attempts at most: the second only after the connection was replaced. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (authenticated && tp->conn_auth && !tp->conn_ready &&
            (rc = handshake(tp, timeout_ms, err)) != WS_OK)
            goto out;
        encrypt = authenticated && tp->encrypt;   /* the handshake may have chosen Basic */
        /* Sealed afresh for every attempt: a new connection has new keys. */
        if (encrypt && (rc = seal_request(tp, body, len, &wire, &ctype, err)) != WS_OK)
            goto out;
        rc = perform(tp, encrypt ? wire.data : body, encrypt ? wire.len : len,
                     encrypt ? ctype.data : NULL,
                     authenticated && !tp->conn_auth ? tp->authz.data : NULL,
                     flags | (encrypt ? POST_SEALED : 0), timeout_ms, reply, &status, err);
        /* A new connection under a connection-based scheme is unauthenticated: a 401 means
         * the request was not processed, so authenticate the new one and send it again. */
        if (rc == WS_OK && status == 401 && authenticated && tp->conn_auth && tp->reconnected)
            continue;
        /* The sealed body was kept off a new connection: authenticate that one and seal
         * again, unless the old one may have run it and repeating it is not safe. */
        if (rc != WS_OK && tp->sealed_refused) {
            if (tp->sealed_sent && !(flags & WS_POST_IDEMPOTENT)) {
                rc = not_repeated(tp, reply->len, err);
                goto out;
            }
            tp->conn_ready = 0;
            ws_error_clear(err);
            continue;
        }
        if (rc != WS_OK && (tp->resend_refused ||
                            (ws_net_is_dropped(tp->last_cc) && tp->reused &&
                             tp->send_pos > 0 && !(flags & WS_POST_IDEMPOTENT)))) {
            rc = not_repeated(tp, reply->len, err);
            goto out;
        }
        /* A dropped connection: resend only what is safe to repeat. */
        if (rc != WS_OK && ws_net_is_dropped(tp->last_cc) && (flags & WS_POST_IDEMPOTENT))
            continue;
        break;
    }
    if (rc != WS_OK)
        goto out;
    *http_status = status;
    if (status == 401 && authenticated) {
        if (!ws_challenges_choose(&tp->challenges, tp->auth) && tp->challenges.n)
            rc = not_offered(tp, err);
        else
            rc = rejected(tp, err);
        if (tp->conn_auth)
            tp->conn_ready = 0;
        goto out;
    }
    if (status == 401) {
        rc = ws_error_set(err, WS_E_AUTH, "give credentials with -u and NANOSH_PASSWORD",
                          "%s requires authentication (HTTP 401)", tp->hostport);
        goto out;
    }
    /* PROTOCOL.md 3.1: fault bodies are encrypted too; decrypt before anyone parses. */
    if (encrypt && (rc = open_reply(tp, status, reply, err)) != WS_OK)
        goto out;
    rc = check_status(tp, status, reply, flags | (encrypt ? POST_SEALED : 0), err);
out:
    ws_buf_free(&wire);
    ws_buf_free(&ctype);
    return rc;
}

void ws_transport_security(const ws_transport *tp, const char **mechanism, int *encrypted)
{
    const ws_auth *a = tp->auth;
    *encrypted = tp->https || (tp->encrypt && a && a->established);
    if (!a || !a->established)
        *mechanism = "";
    else if (a->caps & WS_AUTH_KERBEROS_WRAP)
        *mechanism = "Kerberos";
    else if (a->caps & WS_AUTH_NTLM_TOKENS)
        *mechanism = "NTLM";
    else if (a->caps & WS_AUTH_PLAINTEXT)
        *mechanism = "Basic";
    else
        *mechanism = tp->scheme ? tp->scheme : "";
}
