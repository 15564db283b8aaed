/* Kerberos through GSSAPI (MIT krb5): the "Negotiate" scheme (SPNEGO, RFC 4178) and the
 * "Kerberos" scheme (raw krb5 mechanism, RFC 4121), with WinRM message encryption
 * (MS-WSMV 2.2.9.1.2) and TLS channel bindings (RFC 5929). */
#ifndef NANOSH_AUTH_GSS_H
#define NANOSH_AUTH_GSS_H
#include "auth/auth.h"

typedef struct ws_gss_opts {
    const char *scheme;   /* "Negotiate" (SPNEGO, the default when NULL) or "Kerberos" */
    const char *user;     /* user@REALM; NULL: the default principal of the ticket cache
                             (or the first one of the keytab) */
    const char *password; /* NULL: none. Copied; the copy is wiped on destroy */
    const char *keytab;   /* client keytab file, NULL: none */
    const char *spn;      /* NULL: HTTP@host (host as given). "svc/host[@REALM]" is a
                             Kerberos principal, "svc@host" a host-based service name */
    int delegate;         /* request credential delegation (GSS_C_DELEG_FLAG) */
} ws_gss_opts;

/* Credentials are tried in this order: the ticket cache (KRB5CCNAME), the keytab, then
 * the password (gss_acquire_cred_with_password). The keytab and password paths keep
 * their tickets in memory and never write the user's ticket cache; nothing runs kinit.
 *
 * Handshake: step(NULL, 0) gives the first token. step(server token) must be called with
 * the token of the final 200 reply (the AP-REP, RFC 4121 4.1 mutual authentication);
 * *done and a->established are set only once the context is complete. A 200 without a
 * token is reported by calling step(NULL, 0) again: it fails with WS_E_AUTH.
 *
 * enc_protocol is "application/HTTP-SPNEGO-session-encrypted" for Negotiate and
 * "application/HTTP-Kerberos-session-encrypted" for Kerberos (MS-WSMV 2.2.9.1.1). */
ws_auth *ws_auth_gss_new(const ws_gss_opts *o, ws_error *err);

/* Why Kerberos cannot work here, so that Negotiate may fall back to NTLM as Windows does.
 * Set when reset() or the first step() (before any token reached the server) fails with
 * WS_E_AUTH; WS_GSS_USABLE otherwise, including for failures where NTLM would not help
 * (a wrong password, a clock skew, a server that rejects the ticket). */
typedef enum ws_gss_unusable {
    WS_GSS_USABLE = 0,
    WS_GSS_NO_CREDENTIALS,  /* no valid ticket, keytab entry or password for the user */
    WS_GSS_NO_REALM,        /* DOMAIN\user or bare name without a default realm; unknown realm */
    WS_GSS_KDC_UNREACHABLE, /* no KDC answered for the realm */
    WS_GSS_NO_SPN,          /* the KDC does not know the service, e.g. the host is an IP */
} ws_gss_unusable;

ws_gss_unusable ws_auth_gss_unusable(const ws_auth *a);

#endif
