/* The HTTP transport against a loopback fixture server (http_fixture.py), plain
 * sockets for refused and silent peers, and a network namespace for DNS failure. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "tests/tap.h"
#include "base/clock.h"
#include "tests/transport/fixture.h"
#include "tests/transport/test_mech.h"
#include "wsman/global.h"
#include "wsman/http_auth.h"
#include "wsman/trace.h"
#include "wsman/transport.h"

#define USER "admin"
#define PASSWORD "s3cret-Pa55"
#define USERPASS_B64 "YWRtaW46czNjcmV0LVBhNTU="   /* base64("admin:s3cret-Pa55") */

static fixture fx;

/* Field key of the fixture's log line i. */
#define LOG(i, key) fixture_log_field(&fx, (i), (key))

/* ---- helpers ---- */

static ws_transport *transport(const char *host, int port, int https, const char *path,
                               ws_conn_opts *o, ws_auth *auth)
{
    ws_target t = {.host = host, .port = port, .https = https, .path = path};
    ws_transport *tp = NULL;
    ws_error err = {0};
    if (ws_transport_new(&t, o, auth, &tp, &err) != WS_OK)
        printf("# ws_transport_new: %s\n", err.what);
    return tp;
}

static ws_auth *basic(const char *password)
{
    return ws_auth_basic_new(USER, password, NULL);
}

/* One POST; returns the rc and fills status/err. */
static ws_rc post(ws_transport *tp, const char *body, unsigned flags, long timeout_ms,
                  long *status, ws_error *err)
{
    ws_buf reply = WS_BUF_INIT;
    ws_error_clear(err);
    ws_rc rc = ws_transport_post(tp, body, strlen(body), flags, timeout_ms, &reply, status, err);
    ws_buf_free(&reply);
    return rc;
}

/* ---- a fake connection-based mechanism matching the fixture's /conn scheme ---- */

typedef struct fake_state {
    int resets;
    size_t cert_len;
    unsigned char cert[4096];
    char host[64];
} fake_state;

static ws_rc fake_reset(ws_auth *a, const ws_auth_conn *c, ws_error *err)
{
    fake_state *s = a->state;
    (void)err;
    s->resets++;
    snprintf(s->host, sizeof s->host, "%s", c->host);
    s->cert_len = c->server_cert_len <= sizeof s->cert ? c->server_cert_len : 0;
    if (s->cert_len)
        memcpy(s->cert, c->server_cert_der, s->cert_len);
    return WS_OK;
}

static void fake_destroy(ws_auth *a)
{
    free(a->state);
}

static const ws_auth_ops fake_ops = {"fake", fake_reset, tmech_step, NULL, NULL, fake_destroy, NULL};

/* A first token the fixture's /conn does not know: it answers 401 without a token. */
static ws_rc wrong_step(ws_auth *a, const unsigned char *in, size_t inlen, ws_buf *out,
                        int *done, ws_error *err)
{
    (void)a, (void)in, (void)inlen, (void)err;
    *done = 0;
    return ws_buf_appends(out, "WRONG") < 0 ? WS_E_NOMEM : WS_OK;
}

static const ws_auth_ops wrong_ops = {"fake", fake_reset, wrong_step, NULL, NULL, fake_destroy, NULL};

static ws_auth *fake_new(fake_state **st)
{
    ws_auth *a = calloc(1, sizeof *a);
    a->ops = &fake_ops;
    a->scheme = "Negotiate";
    a->caps = WS_AUTH_CONNECTION_BOUND | WS_AUTH_CHANNEL_BINDING;
    a->state = *st = calloc(1, sizeof **st);
    return a;
}

/* ---- checks ---- */

static void test_parsers(void)
{
    ws_challenges cs = {0};
    const char *h1 = "Basic realm=\"WS,MAN\", charset=\"UTF-8\", Negotiate, Kerberos";
    ws_challenges_add(&cs, h1, strlen(h1));
    ws_challenges_add(&cs, "Negotiate TlRMTVNTUAACAAAA==", 28);
    TAP_OK(cs.n == 4, "WWW-Authenticate: four challenges from two headers (got %zu)", cs.n);
    TAP_STR_EQ(cs.c[0].token, "realm=\"WS,MAN\", charset=\"UTF-8\"", "Basic keeps its parameters");
    TAP_OK(cs.c[1].token == NULL && strcmp(cs.c[2].scheme, "Kerberos") == 0,
           "bare schemes have no token");
    TAP_STR_EQ(cs.c[3].token, "TlRMTVNTUAACAAAA==", "Negotiate token68 is kept whole");
    char list[64];
    ws_challenges_list(&cs, list, sizeof list);
    TAP_STR_EQ(list, "Basic, Negotiate, Kerberos, Negotiate", "offered schemes listed for messages");
    ws_challenges_free(&cs);

    /* TAP_OK may evaluate its condition twice: compute results first. */
    ws_buf b = WS_BUF_INIT;
    int r = ws_base64_encode((const unsigned char *)"admin:s3cret-Pa55", 17, &b);
    TAP_OK(r == 0 && strcmp(b.data, USERPASS_B64) == 0, "base64 encode");
    ws_buf_reset(&b);
    r = ws_base64_decode("SGk=", 4, &b);
    TAP_OK(r == 0 && b.len == 2 && memcmp(b.data, "Hi", 2) == 0, "base64 decode drops the padding");
    ws_buf_reset(&b);
    r = (ws_base64_decode("SG=k", 4, &b) < 0) + (ws_base64_decode("S*k=", 4, &b) < 0) +
        (ws_base64_decode("SGk", 3, &b) < 0) + (ws_base64_decode("SGk==", 5, &b) < 0);
    TAP_OK(r == 4 && b.len == 0, "base64 decode rejects malformed input");
    ws_buf_free(&b);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ws_trace_header_line(f, "> ", "Proxy-Authorization: Negotiate TlRMTVNTUAADAAAA\r\n", 48);
    ws_trace_header_line(f, "< ", "WWW-Authenticate: Negotiate TlRMTVNTUAACAAAAAAAAAAAAAAAAAAAA\r\n", 62);
    const char *info = "Uses proxy env variable http_proxy == 'http://bob:pw@proxy:3128'\n";
    ws_trace_text(f, info, strlen(info));
    fclose(f);
    TAP_STR_EQ(text, "> Proxy-Authorization: Negotiate <redacted>\n"
                     "< WWW-Authenticate: Negotiate TlRMTVNTUAACAAAA...(32 characters)\n"
                     "* Uses proxy env variable http_proxy == 'http://<redacted>@proxy:3128'\n",
               "trace redacts Proxy-Authorization and proxy URL credentials, shortens challenge tokens");
    free(text);
}

static void test_basic_auth_object(void)
{
    ws_error err = {0};
    ws_auth *a = ws_auth_basic_new("dom:user", "x", &err);
    TAP_OK(!a && err.rc == WS_E_USAGE, "Basic refuses a user name with ':' (%s)", err.what);
    a = ws_auth_basic_new(USER, PASSWORD, &err);
    ws_buf tok = WS_BUF_INIT;
    int done = 0;
    ws_rc rc = a ? a->ops->step(a, NULL, 0, &tok, &done, &err) : WS_E_NOMEM;
    TAP_OK(rc == WS_OK && done && strcmp(tok.data, USER ":" PASSWORD) == 0,
           "Basic step gives user:password in one leg");
    ws_buf_wipe(&tok);
    ws_auth_free(a);
}

static void test_urls(void)
{
    ws_conn_opts o = {0};
    ws_transport *tp = transport("127.0.0.1", 0, 0, NULL, &o, NULL);
    TAP_STR_EQ(tp ? ws_transport_url(tp) : NULL, "http://127.0.0.1:5985/wsman", "default HTTP URL");
    ws_transport_free(tp);
    tp = transport("winrm.example", 0, 1, "custom", &o, NULL);
    TAP_STR_EQ(tp ? ws_transport_url(tp) : NULL, "https://winrm.example:5986/custom",
               "default HTTPS port and a path without a slash");
    ws_transport_free(tp);
    tp = transport("fe80::1%eth0", 0, 0, NULL, &o, NULL);
    TAP_STR_EQ(tp ? ws_transport_url(tp) : NULL, "http://[fe80::1%25eth0]:5985/wsman",
               "IPv6 literal bracketed, zone id escaped");
    ws_transport_free(tp);
    ws_error err = {0};
    ws_target t = {.host = "bad host"};
    ws_rc rc = ws_transport_new(&t, &o, basic(PASSWORD), &tp, &err);
    TAP_OK(rc == WS_E_USAGE && !tp, "invalid host refused (auth freed on failure)");
}

static void test_insecure_refused(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    long status;
    int before = fixture_log_count(&fx);
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_INSECURE, "Basic over plain HTTP refused without allow_unencrypted (%s)", err.what);
    TAP_OK(strstr(err.fix, "--allow-unencrypted") && strstr(err.fix, "-s/--https"),
           "the fix names --allow-unencrypted and -s/--https (%s)", err.fix);
    TAP_OK(fixture_log_count(&fx) == before && ws_transport_requests(tp) == 0, "nothing was sent");
    ws_transport_free(tp);
}

static void test_keepalive_and_headers(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    int first = fixture_log_count(&fx), ok = 1;
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic(PASSWORD));
    for (int i = 0; i < 5; i++)
        ok &= post(tp, "<s:Envelope/>", WS_POST_IDEMPOTENT, 0, &status, &err) == WS_OK && status == 200;
    TAP_OK(ok, "five POSTs with Basic succeed (%s)", err.what);
    TAP_OK(ws_transport_requests(tp) == 5, "five requests counted (%lu)", ws_transport_requests(tp));
    TAP_OK(fixture_log_count(&fx) - first == 5, "the server saw five requests: Basic is preemptive, no 401 legs");
    int same = 1;
    for (int i = 1; i < 5; i++)
        same &= strcmp(LOG(first, "conn"), LOG(first + i, "conn")) == 0;
    TAP_OK(same, "all five came on one kept-alive TCP connection");
    TAP_STR_EQ(LOG(first, "authz"), "Basic " USERPASS_B64, "Authorization: Basic header is exact");
    TAP_STR_EQ(LOG(first, "ctype"), "application/soap+xml;charset=UTF-8", "SOAP Content-Type");
    TAP_STR_EQ(LOG(first, "accept_encoding"), "identity", "Accept-Encoding: identity");
    TAP_STR_EQ(LOG(first, "connection"), "Keep-Alive", "Connection: Keep-Alive");
    TAP_STR_EQ(LOG(first, "ua"), "nanosh/" PACKAGE_VERSION, "User-Agent");

    size_t big = 2u << 20;
    char *body = malloc(big + 1);
    memset(body, 'a', big);
    body[big] = '\0';
    int idx = fixture_log_count(&fx);
    ws_rc rc = post(tp, body, 0, 0, &status, &err);
    free(body);
    TAP_OK(rc == WS_OK && status == 200, "2 MiB body sent (%s)", err.what);
    TAP_STR_EQ(LOG(idx, "expect"), "-", "no Expect: header on a large body");
    TAP_STR_EQ(LOG(idx, "len"), "2097152", "server got the whole body");
    TAP_STR_EQ(LOG(idx, "conn"), LOG(first, "conn"), "still the same connection");

    idx = fixture_log_count(&fx);
    rc = post(tp, "<identify/>", WS_POST_UNAUTHENTICATED, 0, &status, &err);
    TAP_OK(rc == WS_OK && status == 200, "unauthenticated Identify accepted");
    TAP_STR_EQ(LOG(idx, "identify"), "unauthenticated", "WSMANIDENTIFY: unauthenticated sent");
    TAP_STR_EQ(LOG(idx, "authz"), "-", "and no Authorization header");
    ws_transport_free(tp);
}

static void test_http_errors(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic("wrong"));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_AUTH && err.http_status == 401 && status == 401,
           "wrong password gives WS_E_AUTH with HTTP 401");
    TAP_OK(strstr(err.what, "rejected the credentials") && strstr(err.fix, "user name and password"),
           "the message says what happened and what to do (%s; %s)", err.what, err.fix);
    ws_transport_free(tp);

    tp = transport("127.0.0.1", fx.http_port, 0, "/negotiate-only", &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_AUTH && strstr(err.what, "does not accept Basic") &&
           strstr(err.what, "Negotiate, Kerberos") && strstr(err.fix, "Basic=\"true\""),
           "a server without Basic is named as such (%s; %s)", err.what, err.fix);
    ws_transport_free(tp);

    tp = transport("127.0.0.1", fx.http_port, 0, "/fault", &o, basic(PASSWORD));
    ws_buf reply = WS_BUF_INIT;
    rc = ws_transport_post(tp, "<x/>", 4, 0, 0, &reply, &status, &err);
    TAP_OK(rc == WS_OK && status == 500 && reply.data && strstr(reply.data, "s:Fault"),
           "HTTP 500 with a SOAP body is handed to the caller");
    ws_buf_free(&reply);
    ws_transport_free(tp);

    tp = transport("127.0.0.1", fx.http_port, 0, "/plain500", &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_HTTP && err.http_status == 500 && strstr(err.what, "HTTP 500"),
           "HTTP 500 without SOAP is WS_E_HTTP (%s)", err.what);
    ws_transport_free(tp);

    tp = transport("127.0.0.1", fx.http_port, 0, "/big", &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "larger than"), "an oversized reply is refused (%s)", err.what);
    ws_transport_free(tp);
}

static void test_debug_trace(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status;
    FILE *f = fopen(fixture_path(&fx, "trace"), "w");
    o.debug = f;
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic(PASSWORD));
    post(tp, "<s:Envelope>trace-me</s:Envelope>", 0, 0, &status, &err);
    ws_transport_free(tp);
    tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic(PASSWORD "-wrong"));
    post(tp, "<x/>", 0, 0, &status, &err);
    ws_transport_free(tp);
    fclose(f);
    char *t = fixture_slurp(fixture_path(&fx, "trace"));
    TAP_OK(t && strstr(t, "trace-me") && strstr(t, "< HTTP/1.1 200"),
           "the trace shows the exchange");
    TAP_OK(t && strstr(t, "Authorization: Basic <redacted>"), "Authorization value redacted, scheme kept");
    TAP_OK(t && !strstr(t, PASSWORD), "no password in the trace");
    TAP_OK(t && !strstr(t, USERPASS_B64) && !strstr(t, "YWRtaW46"), "no base64 credentials in the trace");
    free(t);
}

static void test_connection_based(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    fake_state *st;
    int first = fixture_log_count(&fx);
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, "/conn", &o, fake_new(&st));
    ws_rc rc1 = post(tp, "<one/>", 0, 0, &status, &err);
    ws_rc rc2 = post(tp, "<two/>", 0, 0, &status, &err);
    TAP_OK(rc1 == WS_OK && rc2 == WS_OK && status == 200,
           "connection-based handshake (two legs, mutual token) then two requests (%s)", err.what);
    /* Over plain HTTP the first token goes out at once: no anonymous probe. */
    TAP_OK(fixture_log_count(&fx) - first == 4 && ws_transport_requests(tp) == 4,
           "4 requests: 2 legs, 2 messages, no anonymous probe (%d)", fixture_log_count(&fx) - first);
    TAP_STR_EQ(LOG(first, "len"), "0", "the handshake runs on an empty POST");
    TAP_OK(strcmp(LOG(first, "authz"), "-") != 0, "the first request already carries a token");
    TAP_STR_EQ(LOG(first + 3, "authz"), "-", "an authenticated connection needs no Authorization");
    TAP_STR_EQ(LOG(first + 3, "conn"), LOG(first, "conn"), "all on one connection");
    TAP_OK(st->resets == 1 && strcmp(st->host, "127.0.0.1") == 0, "mechanism reset once with the host");
    ws_transport_free(tp);

    first = fixture_log_count(&fx);
    tp = transport("127.0.0.1", fx.http_port, 0, "/conn-drop", &o, fake_new(&st));
    rc1 = post(tp, "<one/>", 0, 0, &status, &err);
    rc2 = post(tp, "<two/>", 0, 0, &status, &err);
    TAP_OK(rc1 == WS_OK && rc2 == WS_OK && status == 200,
           "after the server closed the connection the transport authenticates again (%s)", err.what);
    TAP_OK(st->resets == 2, "the mechanism was reset for the new connection (%d)", st->resets);
    TAP_OK(strcmp(LOG(first, "conn"), LOG(fixture_log_count(&fx) - 1, "conn")) != 0,
           "the second message went on a new connection");
    ws_transport_free(tp);

    if (fx.https_port <= 0) {
        TAP_OK(0, "HTTPS fixture listening");
        return;
    }
    o.cacert = fixture_path(&fx, "cert.pem");
    tp = transport("127.0.0.1", fx.https_port, 1, "/conn", &o, fake_new(&st));
    rc1 = post(tp, "<one/>", 0, 0, &status, &err);
    FILE *f = fopen(fixture_path(&fx, "cert.pem"), "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len = x ? i2d_X509(x, &der) : -1;
    TAP_OK(rc1 == WS_OK && len > 0 && st->cert_len == (size_t)len && memcmp(st->cert, der, (size_t)len) == 0,
           "over HTTPS the mechanism gets the server certificate (DER) for channel bindings");
    OPENSSL_free(der);
    X509_free(x);
    if (f)
        fclose(f);
    ws_transport_free(tp);
}

/* A server that never answers a request without Authorization (OMI): over HTTPS the
 * first request already carries the first token, made with the certificate. */
static void test_no_probe_over_https(void)
{
    ws_conn_opts o = {.operation_timeout_ms = 20000, .cacert = fixture_path(&fx, "cert.pem")};
    ws_error err = {0};
    long status = 0;
    fake_state *st;
    int first = fixture_log_count(&fx);
    ws_transport *tp = transport("127.0.0.1", fx.https_port, 1, "/conn-silent", &o, fake_new(&st));
    long long t0 = ws_now_ms();
    ws_rc rc = post(tp, "<one/>", 0, 0, &status, &err);
    long long took = ws_now_ms() - t0;
    TAP_OK(rc == WS_OK && status == 200 && took < 15000,
           "a server silent to unauthenticated requests: authenticated over HTTPS without waiting (%lld ms; %s)",
           took, err.what);
    TAP_OK(strcmp(LOG(first, "authz"), "-") != 0 && fixture_log_count(&fx) - first == 3,
           "no probe: the first request carries a token (3 requests, got %d)", fixture_log_count(&fx) - first);
    TAP_OK(st->resets == 1 && st->cert_len > 0, "the first token was made with the server certificate");
    ws_transport_free(tp);
}

/* The transport asks the flags (auth/auth.h), not the mechanism's name or scheme: each
 * check here would go the other way if it compared "Basic" or "Negotiate". */
static void test_flags_not_names(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    long status = 0;
    tmech_state *tst;
    int before = fixture_log_count(&fx);

    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, "/fault", &o,
                                 tmech_custom_new("Custom", WS_AUTH_PLAINTEXT, &tst));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_INSECURE && strstr(err.what, "refusing to send the password") &&
           strstr(err.what, "(Custom authentication over plain HTTP)") &&
           fixture_log_count(&fx) == before,
           "a plaintext mechanism named \"custom\" is refused over HTTP as Basic is (%s)", err.what);
    ws_transport_free(tp);

    /* Not connection-bound: the token goes with every request, even under Negotiate. */
    o.allow_unencrypted = 1;
    tp = transport("127.0.0.1", fx.http_port, 0, "/fault", &o,
                   tmech_custom_new("Negotiate", WS_AUTH_PLAINTEXT, &tst));
    post(tp, "<x/>", 0, 0, &status, &err);
    post(tp, "<y/>", 0, 0, &status, &err);
    TAP_OK(fixture_log_count(&fx) - before == 2 && strcmp(LOG(before, "len"), "4") == 0 &&
           strcmp(LOG(before, "authz"), "Negotiate SEVMTE8=") == 0 &&
           strcmp(LOG(before + 1, "authz"), LOG(before, "authz")) == 0 && tst->resets == 1,
           "a per-request mechanism under the Negotiate scheme: no handshake, its token on each message (%d requests)",
           fixture_log_count(&fx) - before);
    ws_transport_free(tp);
    tp = transport("127.0.0.1", fx.http_port, 0, "/negotiate-only", &o,
                   tmech_custom_new("Custom", WS_AUTH_PLAINTEXT, &tst));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_AUTH && strstr(err.what, "does not accept Custom") &&
           strstr(err.fix, "use -a negotiate or -a ntlm"),
           "a plaintext mechanism the server does not offer gets Basic's advice (%s)", err.fix);
    ws_transport_free(tp);

    if (fx.https_port <= 0) {
        TAP_OK(0, "HTTPS fixture listening");
        return;
    }
    /* Only a mechanism that takes channel bindings is given the certificate. */
    fake_state *st;
    ws_auth *a = fake_new(&st);
    a->caps &= ~(unsigned)WS_AUTH_CHANNEL_BINDING;
    ws_conn_opts so = {.cacert = fixture_path(&fx, "cert.pem")};
    tp = transport("127.0.0.1", fx.https_port, 1, "/conn", &so, a);
    rc = post(tp, "<one/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_OK && st->resets == 1 && st->cert_len == 0,
           "over HTTPS a mechanism without channel bindings gets no certificate (%s)", err.what);
    ws_transport_free(tp);

    /* Rejected over HTTPS: the advice names channel binding only where it was used. */
    for (int cb = 1; cb >= 0; cb--) {
        a = fake_new(&st);
        a->ops = &wrong_ops;
        if (!cb)
            a->caps &= ~(unsigned)WS_AUTH_CHANNEL_BINDING;
        tp = transport("127.0.0.1", fx.https_port, 1, "/conn", &so, a);
        rc = post(tp, "<one/>", 0, 0, &status, &err);
        TAP_OK(rc == WS_E_AUTH && strstr(err.what, "rejected the credentials") &&
               !strstr(err.fix, "channel binding") == !cb,
               "credentials rejected over HTTPS, %s channel bindings: %s (%s)", cb ? "with" : "without",
               cb ? "a TLS-intercepting proxy is named" : "no word of it", err.fix);
        ws_transport_free(tp);
    }
}

static int is_tcp_socket(int fd)
{
    int domain = 0, type = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
        return 0;
    len = sizeof type;
    return (domain == AF_INET || domain == AF_INET6) &&
           getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* The connections libcurl opens are close-on-exec: a child must not inherit them. */
static void test_sockets_cloexec(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    ws_transport *tp = transport("127.0.0.1", fx.http_port, 0, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    int sockets = 0, inheritable = 0;
    for (int fd = 0; fd < 1024; fd++) {
        if (!is_tcp_socket(fd))
            continue;
        sockets++;
        if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
            inheritable++;
    }
    TAP_OK(rc == WS_OK && sockets > 0 && inheritable == 0,
           "the kept-alive connection is close-on-exec (%d TCP sockets, %d inheritable)",
           sockets, inheritable);
    ws_transport_free(tp);
}

static void test_tls(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    long status = 0;
    if (fx.https_port <= 0) {
        TAP_OK(0, "HTTPS fixture listening");
        return;
    }
    ws_transport *tp = transport("127.0.0.1", fx.https_port, 1, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_TLS_VERIFY, "untrusted certificate gives WS_E_TLS_VERIFY (%s)", err.what);
    TAP_OK(strstr(err.fix, "--cacert") && strstr(err.fix, "-k"), "the fix names --cacert and -k (%s)", err.fix);
    ws_transport_free(tp);

    o.insecure = 1;
    tp = transport("127.0.0.1", fx.https_port, 1, NULL, &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_OK && status == 200, "insecure skips verification (%s)", err.what);
    ws_transport_free(tp);

    o.insecure = 0;
    o.cacert = fixture_path(&fx, "cert.pem");
    tp = transport("127.0.0.1", fx.https_port, 1, NULL, &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_OK && status == 200, "the right --cacert verifies (%s)", err.what);
    ws_transport_free(tp);

    tp = transport("localhost", fx.https_port, 1, NULL, &o, basic(PASSWORD));
    rc = tp ? post(tp, "<x/>", 0, 0, &status, &err) : WS_E_USAGE;
    TAP_OK(rc == WS_OK, "the certificate's DNS name verifies too (%s)", err.what);
    ws_transport_free(tp);

    o.cacert = "/nonexistent/ca.pem";
    ws_target t = {.host = "127.0.0.1", .port = fx.https_port, .https = 1};
    rc = ws_transport_new(&t, &o, NULL, &tp, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "/nonexistent/ca.pem"),
           "an unreadable --cacert is named (%s)", err.what);

    o.cacert = NULL;
    o.insecure = 1;
    tp = transport("127.0.0.1", fx.http_port, 1, NULL, &o, basic(PASSWORD));
    rc = post(tp, "<x/>", 0, 3000, &status, &err);
    TAP_OK(rc == WS_E_TLS && strstr(err.fix, "drop -s"), "HTTPS to an HTTP port is a TLS error (%s)", err.what);
    ws_transport_free(tp);
}

static int bound_socket(int listen_too)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) < 0 || (listen_too && listen(s, 8) < 0))
        return -1;
    return s;
}

static int socket_port(int s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &alen);
    return ntohs(a.sin_port);
}

static void test_network_errors(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status;

    int s = bound_socket(0);
    int port = socket_port(s);
    close(s);   /* nothing listens there now */
    ws_transport *tp = transport("127.0.0.1", port, 0, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_CONNECT && strstr(err.what, "refused") && strstr(err.fix, "winrm quickconfig"),
           "refused port gives WS_E_CONNECT (%s; %s)", err.what, err.fix);
    TAP_OK(ws_transport_requests(tp) == 0, "a request that never left is not counted");
    ws_transport_free(tp);

    /* Accepts (the kernel completes the handshake) but never answers. */
    s = bound_socket(1);
    tp = transport("127.0.0.1", socket_port(s), 0, NULL, &o, basic(PASSWORD));
    long long t0 = ws_now_ms();
    rc = post(tp, "<x/>", 0, 1500, &status, &err);
    long long took = ws_now_ms() - t0;
    TAP_OK(rc == WS_E_TIMEOUT && strstr(err.what, "no answer") && strstr(err.fix, "--timeout"),
           "silent server gives WS_E_TIMEOUT (%s)", err.what);
    TAP_OK(took >= 1400 && took < 4000, "within the 1.5 s bound (%lld ms)", took);
    ws_transport_free(tp);

    o.deadline_ms = 1000;
    o.operation_timeout_ms = 60000;
    tp = transport("127.0.0.1", socket_port(s), 0, NULL, &o, basic(PASSWORD));
    t0 = ws_now_ms();
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    took = ws_now_ms() - t0;
    TAP_OK(rc == WS_E_TIMEOUT && took < 3000,
           "the overall deadline caps a request (%lld ms; %s)", took, err.what);
    rc = post(tp, "<x/>", 0, 0, &status, &err);
    TAP_OK(rc == WS_E_TIMEOUT, "after the deadline no request starts (%s)", err.what);
    ws_transport_free(tp);
    close(s);
}

static void test_ipv6(void)
{
    if (fx.v6_port <= 0) {
        printf("ok %d - # SKIP ::1 unavailable\n", ++tap_n);
        printf("ok %d - # SKIP ::1 unavailable\n", ++tap_n);
        return;
    }
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    char want[64];
    snprintf(want, sizeof want, "http://[::1]:%d/wsman", fx.v6_port);
    ws_transport *tp = transport("::1", fx.v6_port, 0, NULL, &o, basic(PASSWORD));
    TAP_STR_EQ(tp ? ws_transport_url(tp) : NULL, want, "IPv6 URL");
    ws_rc rc = tp ? post(tp, "<x/>", 0, 0, &status, &err) : WS_E_USAGE;
    TAP_OK(rc == WS_OK && status == 200, "POST over ::1 (%s)", err.what);
    ws_transport_free(tp);
}

/* Environment proxies reach libcurl: the request goes to the proxy, absolute-form, and
 * the proxy's credentials stay out of the trace. */
static void test_proxy_env(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    long status = 0;
    char proxy[96];
    snprintf(proxy, sizeof proxy, "http://bob:pr0xy-pw@127.0.0.1:%d", fx.http_port);
    setenv("http_proxy", proxy, 1);
    FILE *f = fopen(fixture_path(&fx, "trace"), "w");
    o.debug = f;
    int idx = fixture_log_count(&fx);
    ws_transport *tp = transport("winrm-host.test", 0, 0, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 0, &status, &err);
    unsetenv("http_proxy");
    ws_transport_free(tp);
    fclose(f);
    TAP_OK(rc == WS_OK && status == 200, "http_proxy from the environment is used (%s)", err.what);
    TAP_STR_EQ(LOG(idx, "path"), "http://winrm-host.test:5985/wsman", "the proxy got the target URL");
    char *t = fixture_slurp(fixture_path(&fx, "trace"));
    TAP_OK(t && strstr(t, "Proxy-Authorization: Basic <redacted>") && !strstr(t, "pr0xy-pw") &&
           !strstr(t, "Ym9iOnByMHh5LXB3"), "proxy credentials stay out of the trace");
    free(t);
}

/* In a new network namespace (only a down loopback) with files+dns resolution, a DNS
 * lookup cannot leave the machine. Runs in a child; exit 0 pass, 77 skip. */
static int resolve_child(void)
{
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
        return 77;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 77;
    FILE *f = fopen(fixture_path(&fx, "nsswitch.conf"), "w");
    if (!f)
        return 77;
    fputs("hosts: files dns\n", f);
    fclose(f);
    if (!(f = fopen(fixture_path(&fx, "resolv.conf"), "w")))
        return 77;
    fputs("nameserver 127.0.0.1\n", f);
    fclose(f);
    if (mount(fixture_path(&fx, "nsswitch.conf"), "/etc/nsswitch.conf", NULL, MS_BIND, NULL) != 0 ||
        mount(fixture_path(&fx, "resolv.conf"), "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0)
        return 77;
    struct stat sb;
    if (stat("/var/run/nscd", &sb) == 0 && mount("none", "/var/run/nscd", "tmpfs", 0, NULL) != 0)
        return 77;
    ws_conn_opts o = {.allow_unencrypted = 1, .connect_timeout_ms = 5000};
    ws_error err = {0};
    long status;
    ws_global_init(NULL);
    ws_transport *tp = transport("nosuch-host.invalid", 0, 0, NULL, &o, basic(PASSWORD));
    ws_rc rc = post(tp, "<x/>", 0, 5000, &status, &err);
    ws_transport_free(tp);
    ws_global_cleanup();
    if (rc != WS_E_RESOLVE)
        return 2;
    return strstr(err.what, "cannot resolve host nosuch-host.invalid") && strstr(err.fix, "IP address") ? 0 : 3;
}

static void test_resolve(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(resolve_child());
    int st = 0;
    for (int i = 0; i < 400 && waitpid(pid, &st, WNOHANG) == 0; i++)   /* up to 20 s */
        usleep(50000);
    if (waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code == 77)
        printf("ok %d - # SKIP no network namespace for the DNS failure check\n", ++tap_n);
    else
        TAP_OK(code == 0, "unresolvable host gives WS_E_RESOLVE with the fix (child status %d)", code);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    fixture_unset_proxies();
    if (fixture_make_dir(&fx) != 0)   /* test_resolve writes there before the server starts */
        TAP_SKIP_ALL("cannot create a temporary directory");

    test_parsers();
    test_basic_auth_object();
    test_resolve();   /* forks: before libcurl starts any thread */
    if (ws_global_init(NULL) != WS_OK)
        return 1;
    test_urls();
    if (fixture_start(&fx, USER, PASSWORD) != 0) {
        TAP_OK(0, "start the loopback fixture (openssl and python3 needed)");
        fixture_stop(&fx);
        ws_global_cleanup();
        return tap_done();
    }
    test_insecure_refused();
    test_keepalive_and_headers();
    test_http_errors();
    test_debug_trace();
    test_connection_based();
    test_flags_not_names();
    test_sockets_cloexec();
    if (fx.https_port > 0)
        test_no_probe_over_https();
    test_tls();
    test_network_errors();
    test_ipv6();
    test_proxy_env();
    fixture_stop(&fx);
    ws_global_cleanup();
    return tap_done();
}
