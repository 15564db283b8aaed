/* HTTP transport on libcurl: one kept-alive connection per target, the auth handshake,
 * multipart/encrypted framing (MS-WSMV 2.2.9.1) and timeouts. Internal to wsman/. */
#ifndef NANOSH_TRANSPORT_H
#define NANOSH_TRANSPORT_H
#include "wsman/wsman.h"

typedef struct ws_transport ws_transport;

ws_rc ws_transport_new(const ws_target *t, const ws_conn_opts *o, ws_auth *auth,
                       ws_transport **out, ws_error *err);
void ws_transport_free(ws_transport *tp);
const char *ws_transport_url(const ws_transport *tp);
/* What secures the requests once a handshake has run: *mechanism "Kerberos", "NTLM",
 * "Basic" or the HTTP scheme ("" before any); *encrypted when messages are sealed
 * (MS-WSMV 2.2.9.1) or go over HTTPS. */
void ws_transport_security(const ws_transport *tp, const char **mechanism, int *encrypted);
unsigned long ws_transport_requests(const ws_transport *tp);

#define WS_POST_UNAUTHENTICATED 0x1   /* Identify without credentials (MS-WSMV 3.1.4.1.23) */
#define WS_POST_IDEMPOTENT      0x2   /* safe to resend after a dropped connection */
#define WS_POST_CREATES_SHELL   0x4   /* a shell Create, for the message of a bare 500 */

/* POSTs one SOAP envelope and returns the (decrypted) reply body and the HTTP status.
 * 200 and 500 with a body return WS_OK: the caller parses the SOAP (faults come as 500).
 * Connection, TLS, timeout and 401 failures return the matching ws_rc with a message.
 * timeout_ms bounds this request (0: operation timeout + 10 s). */
ws_rc ws_transport_post(ws_transport *tp, const char *body, size_t len, unsigned flags,
                        long timeout_ms, ws_buf *reply, long *http_status, ws_error *err);

#endif
