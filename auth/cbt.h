/* TLS channel bindings: the tls-server-end-point application data (RFC 5929 4.1). */
#ifndef NANOSH_AUTH_CBT_H
#define NANOSH_AUTH_CBT_H
#include <stddef.h>
#include "base/buf.h"
#include "base/error.h"

/* out (appended) = "tls-server-end-point:" || H(der), H being the hash of the certificate's
 * signature algorithm, or SHA-256 when that is MD5, SHA-1 or none (RFC 5929 4.1).
 * der is the server's leaf certificate. Fails with WS_E_TLS on an unparsable certificate. */
ws_rc ws_cbt_app_data(const unsigned char *der, size_t len, ws_buf *out, ws_error *err);

#endif
