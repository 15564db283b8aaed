/* Maps libcurl result codes to ws_rc with a message a user can act on. */
#include "net_error.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *detail(const ws_net_ctx *c, CURLcode cc)
{
    return c->errbuf && *c->errbuf ? c->errbuf : curl_easy_strerror(cc);
}

static int is_tls_failure(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED: case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00
    case CURLE_SSL_CLIENTCERT:
#endif
        return 1;
    default:
        return 0;
    }
}

int ws_net_is_dropped(CURLcode cc)
{
    return cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
           cc == CURLE_PARTIAL_FILE;
}

static ws_rc tls_verify_error(CURLcode cc, const ws_net_ctx *c, ws_error *err)
{
    char fix[256];
    if (c->cacert)
        snprintf(fix, sizeof fix, "check that %s holds the CA that issued the server's certificate, "
                 "or use -k to skip verification at your own risk", c->cacert);
    else
        snprintf(fix, sizeof fix, "give the CA that issued it with --cacert FILE, "
                 "or use -k to skip verification at your own risk");
    return ws_error_set(err, WS_E_TLS_VERIFY, fix,
                        "the certificate of %s is not trusted: %s", c->hostport, detail(c, cc));
}

ws_rc ws_net_error(CURLcode cc, const ws_net_ctx *c, ws_error *err)
{
    double secs = c->timeout_ms / 1000.0;

    switch (cc) {
    case CURLE_OK:
        return WS_OK;
    case CURLE_OUT_OF_MEMORY:
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory talking to %s", c->hostport);
    case CURLE_COULDNT_RESOLVE_HOST:
        return ws_error_set(err, WS_E_RESOLVE, "check the name, or use its IP address",
                            "cannot resolve host %s", c->host);
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ws_error_set(err, WS_E_RESOLVE,
                            "check the https_proxy / http_proxy environment variables, or set no_proxy for this host",
                            "cannot resolve the proxy host: %s", detail(c, cc));
    case CURLE_COULDNT_CONNECT:
        if (c->os_errno == ECONNREFUSED || strstr(detail(c, cc), "refused"))
            return ws_error_set(err, WS_E_CONNECT,
                                "is WinRM listening? on the host run `winrm quickconfig`; check --port and -s/--https",
                                "connection to %s refused", c->hostport);
        return ws_error_set(err, WS_E_CONNECT,
                            "check that the host is up and that no firewall blocks the port; check --port and -s/--https",
                            "cannot connect to %s: %s", c->hostport, detail(c, cc));
    case CURLE_OPERATION_TIMEDOUT:
        if (!c->connected)
            return ws_error_set(err, WS_E_TIMEOUT,
                                "check that the host is up and that a firewall lets the port through; raise --connect-timeout or --timeout",
                                "timed out connecting to %s after %g s", c->hostport, secs);
        return ws_error_set(err, WS_E_TIMEOUT,
                            c->deadline_capped ? "the whole operation ran out of time: raise --timeout"
                                               : "the server may be overloaded or a firewall drops packets; raise --timeout",
                            "no answer from %s within %g s (timed out)", c->hostport, secs);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return tls_verify_error(cc, c, err);
    case CURLE_SSL_CONNECT_ERROR:
        /* OpenSSL reports some verification failures here too (curl < 7.62 layout). */
        if (strstr(detail(c, cc), "certificate verify failed"))
            return tls_verify_error(cc, c, err);
        return ws_error_set(err, WS_E_TLS,
                            "check that the port speaks HTTPS (5986 by default), or drop -s for HTTP (5985)",
                            "TLS handshake with %s failed: %s", c->hostport, detail(c, cc));
    case CURLE_WRITE_ERROR:
        if (c->too_large)
            return ws_error_set(err, WS_E_PROTOCOL,
                                "the server is misbehaving, or something between rewrites replies; retry with --debug",
                                "the reply from %s is larger than %zu MiB", c->hostport,
                                c->reply_max >> 20);
        if (c->nomem)
            return ws_error_set(err, WS_E_NOMEM, "", "out of memory reading the reply from %s",
                                c->hostport);
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (!c->https)
            return ws_error_set(err, WS_E_PROTOCOL,
                                "if the port speaks HTTPS (5986 by default), add -s/--https",
                                "%s did not answer with HTTP: %s", c->hostport, detail(c, cc));
        break;
    default:
        break;
    }
    if (is_tls_failure(cc))
        return ws_error_set(err, WS_E_TLS, "check the server's TLS configuration; retry with --debug",
                            "TLS failure with %s: %s", c->hostport, detail(c, cc));
    if (ws_net_is_dropped(cc))
        return ws_error_set(err, WS_E_CONNECT,
                            "the server or a proxy closed the connection; try again, or retry with --debug",
                            "the connection to %s broke before the reply was complete: %s",
                            c->hostport, detail(c, cc));
    return ws_error_set(err, WS_E_PROTOCOL, "retry with --debug to see the exchange",
                        "HTTP exchange with %s failed: %s", c->hostport, detail(c, cc));
}
