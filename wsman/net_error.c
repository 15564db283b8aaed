/* Maps libcurl result codes to ws_rc with a message a user can act on. */
#include "wsman/net_error.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

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

int ws_net_is_name_mismatch(CURLcode cc, const char *errbuf)
{
    /* OpenSSL-flavoured libcurl: "... does not match target host name 'h'" or "no
     * alternative certificate subject name matches target host name 'h'". */
    return cc == CURLE_PEER_FAILED_VERIFICATION && errbuf && strstr(errbuf, "target host name");
}

/* Appends one name, with ", " between names; server text, so only printable ASCII. */
static void add_name(char *out, size_t size, const unsigned char *name, size_t len)
{
    size_t used = strlen(out);
    if (used && used + 2 < size)
        used += (size_t)snprintf(out + used, size - used, ", ");
    for (size_t i = 0; i < len && used + 1 < size; i++)
        out[used++] = name[i] >= 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
    out[used] = '\0';
}

static void add_address(char *out, size_t size, const ASN1_OCTET_STRING *ip)
{
    char text[INET6_ADDRSTRLEN];
    int len = ASN1_STRING_length(ip);
    const unsigned char *p = ASN1_STRING_get0_data(ip);
    if ((len == 4 && inet_ntop(AF_INET, p, text, sizeof text)) ||
        (len == 16 && inet_ntop(AF_INET6, p, text, sizeof text)))
        add_name(out, size, (const unsigned char *)text, strlen(text));
}

/* RFC 6125 6.4: the subjectAltName entries are the names; the CN only without them. */
static void names_of(X509 *x, char *out, size_t size)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type == GEN_DNS)
            add_name(out, size, ASN1_STRING_get0_data(g->d.dNSName),
                     (size_t)ASN1_STRING_length(g->d.dNSName));
        else if (g->type == GEN_IPADD)
            add_address(out, size, g->d.iPAddress);
    }
    GENERAL_NAMES_free(sans);
    if (!*out) {
        X509_NAME *subject = X509_get_subject_name(x);
        int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        const ASN1_STRING *cn = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)) : NULL;
        if (cn)
            add_name(out, size, ASN1_STRING_get0_data(cn), (size_t)ASN1_STRING_length(cn));
    }
}

void ws_net_cert_names(const struct curl_slist *fields, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = '\0';
    for (; fields; fields = fields->next) {
        if (strncmp(fields->data, "Cert:", 5) != 0)
            continue;
        BIO *bio = BIO_new_mem_buf(fields->data + 5, -1);
        X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        if (x)
            names_of(x, out, size);
        X509_free(x);
        BIO_free(bio);
        return;
    }
}

static ws_rc tls_verify_error(CURLcode cc, const ws_net_ctx *c, ws_error *err)
{
    char fix[256];
    if (ws_net_is_name_mismatch(cc, c->errbuf) && c->cert_names && *c->cert_names)
        return ws_error_set(err, WS_E_TLS_VERIFY,
                            strchr(c->cert_names, ',')
                                ? "connect by one of those names (add it to /etc/hosts if it does not resolve), or use -k to skip verification at your own risk"
                                : "connect by that name (add it to /etc/hosts if it does not resolve), or use -k to skip verification at your own risk",
                            "the certificate of %s is for %s, not for %s", c->hostport,
                            c->cert_names, c->host);
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
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        /* A TLS listener given plain HTTP closes or resets without a byte, as may a host
         * that drops the request: before any reply came, the line names both causes. */
        if (!c->https && c->never_answered && c->connected)
            return ws_error_set(err, WS_E_CONNECT,
                                "if the port speaks HTTPS (5986 by default), add -s/--https; "
                                "else try again, or retry with --debug",
                                "%s closed the connection without a reply", c->hostport);
        break;
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
