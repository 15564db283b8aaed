/* Security mechanisms behind one interface. A mechanism turns the server's token into
 * the client's next token and, when it offers session security, wraps and unwraps
 * messages (MS-WSMV 2.2.9.1). The transport owns the HTTP side: schemes, headers,
 * base64 and multipart/encrypted framing. */
#ifndef NANOSH_AUTH_H
#define NANOSH_AUTH_H
#include <stddef.h>
#include "base/buf.h"
#include "base/error.h"

typedef struct ws_auth ws_auth;

/* What the transport knows about the connection, for channel bindings (RFC 5929). */
typedef struct ws_auth_conn {
    const char *host;                    /* target host name as given by the user */
    const unsigned char *server_cert_der; /* leaf certificate over HTTPS, else NULL */
    size_t server_cert_len;
} ws_auth_conn;

/* What a mechanism does, for the transport to decide by: it never looks at a
 * mechanism's name. Set by each constructor in ws_auth.caps; a mechanism that picks a
 * sub-mechanism (negotiate) takes the chosen one's. */
enum {
    /* A multi-leg handshake that authenticates one TCP connection (RFC 4559, MS-WSMV
     * 2.2.9.1), not a token sent with every request as Basic's (RFC 7617). */
    WS_AUTH_CONNECTION_BOUND = 1u << 0,
    /* Seals messages (MS-WSMV 2.2.9.1): wrap, unwrap and enc_protocol are set. */
    WS_AUTH_WRAPS = 1u << 1,
    /* Its wrap tokens are Kerberos ones (RFC 4121), which peers frame under either the
     * SPNEGO or the Kerberos protocol string (MS-WSMV 2.2.9.1.1.1, 2.2.9.1.2.1). */
    WS_AUTH_KERBEROS_WRAP = 1u << 2,
    /* Takes the TLS server certificate for channel bindings (RFC 5929). */
    WS_AUTH_CHANNEL_BINDING = 1u << 3,
    /* Its token carries the password in the clear (Basic, RFC 7617). */
    WS_AUTH_PLAINTEXT = 1u << 4,
    /* Its tokens are raw NTLM, which servers take under the NTLM scheme as well as
     * Negotiate (PROTOCOL.md 5.1). */
    WS_AUTH_NTLM_TOKENS = 1u << 5,
};

typedef struct ws_auth_ops {
    const char *name;    /* "basic", "ntlm", "kerberos", "negotiate": for people only */
    /* Starts (or restarts, after a reconnect) a handshake: forget any context and keys. */
    ws_rc (*reset)(ws_auth *a, const ws_auth_conn *conn, ws_error *err);
    /* One handshake step. in is the decoded server token (NULL, 0 on the first call).
     * out receives the raw client token (the transport base64-encodes it); *done is set
     * when the mechanism needs no more server tokens. */
    ws_rc (*step)(ws_auth *a, const unsigned char *in, size_t inlen,
                  ws_buf *out, int *done, ws_error *err);
    /* Session security; NULL for mechanisms without it (Basic).
     * wrap: out = signature || sealed payload, *sig_len = signature length.
     * unwrap: in = the same layout; out = plaintext. Fails with WS_E_CRYPTO on a bad
     * signature or sequence number. */
    ws_rc (*wrap)(ws_auth *a, const unsigned char *in, size_t len,
                  ws_buf *out, size_t *sig_len, ws_error *err);
    ws_rc (*unwrap)(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                    ws_buf *out, ws_error *err);
    void (*destroy)(ws_auth *a);
    /* Optional, for mechanisms that can speak several HTTP schemes (nanosh's default
     * "negotiate"): called when the server's 401 lists what it offers (scheme names as
     * sent), before reset. Picks one and sets a->scheme, a->enc_protocol and a->caps;
     * fails with WS_E_AUTH, saying why, when none of the offers can work. */
    ws_rc (*choose)(ws_auth *a, const char *const *offered, size_t n, ws_error *err);
} ws_auth_ops;

struct ws_auth {
    const ws_auth_ops *ops;
    const char *scheme;        /* HTTP scheme for Authorization: "Basic", "Negotiate", ... */
    const char *enc_protocol;  /* multipart/encrypted protocol string, NULL if none */
    unsigned caps;             /* WS_AUTH_* */
    int established;           /* handshake finished */
    void *state;
    char *user;                /* the account tried, for messages; NULL: unknown (the
                                  ticket cache's principal). Owned; ws_auth_free frees it */
};

ws_auth *ws_auth_basic_new(const char *user, const char *password, ws_error *err);

/* Whether host is an IPv4 or IPv6 address (brackets allowed) rather than a name: no
 * Kerberos service principal exists for an address (PROTOCOL.md 7). */
int ws_host_is_ip_literal(const char *host);
void ws_auth_free(ws_auth *a);
/* Whether a can do all of caps (WS_AUTH_*). */
static inline int ws_auth_can(const ws_auth *a, unsigned caps)
{
    return (a->caps & caps) == caps;
}
/* Records the account a constructor was given, for messages such as a rejected 401.
 * Best effort: on a failed allocation the messages only leave the name out. */
void ws_auth_set_user(ws_auth *a, const char *user);

#endif
