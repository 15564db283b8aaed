/* nanosh's default authentication: pick among the schemes the server offers, as a
 * Windows client does (MS-WSMV 2.2.9.1; RFC 4559): Kerberos first, NTLM when Kerberos
 * cannot work here (no realm, no credentials, an IP address). Never Basic: a server
 * that offers only Basic gets an error naming -a basic (DESIGN.md, "Security"). */
#ifndef NANOSH_AUTH_NEGOTIATE_H
#define NANOSH_AUTH_NEGOTIATE_H
#include "auth/auth.h"
#include <stdio.h>

typedef struct ws_negotiate_opts {
    const char *user;          /* DOMAIN\user, user@REALM or a bare name; may be NULL
                                  for Kerberos from the ticket cache */
    const char *password;      /* NULL: none (ticket cache, keytab or NT hash) */
    const unsigned char *nt_hash; /* 16 bytes for NTLM pass-the-hash, or NULL */
    const char *keytab;        /* Kerberos client keytab, or NULL */
    const char *spn;           /* NULL: HTTP@host */
    int delegate;              /* Kerberos credential delegation */
    int allow_kerberos;        /* which mechanisms may be used */
    int allow_ntlm;
    int basic_needs_unencrypted; /* for the advice when only Basic is offered: plain
                                    HTTP without --allow-unencrypted */
    FILE *trace;               /* -v: which mechanism is used, and why Kerberos was
                                  skipped; NULL: off */
    char *kerberos_skipped;    /* caller's storage: why Kerberos was skipped on the last
                                  handshake, "" when it was not; NULL: not wanted */
    size_t kerberos_skipped_size;
} ws_negotiate_opts;

ws_auth *ws_auth_negotiate_new(const ws_negotiate_opts *o, ws_error *err);

/* Adds to an authentication failure why Kerberos, which might have worked, was not used
 * (the kerberos_skipped text of the handshake), once. Other errors are left alone. */
void ws_negotiate_explain(ws_error *e, const char *kerberos_skipped);

/* Whether Kerberos has credentials without a password (a ticket cache or keytab for
 * the user), so that nanosh need not ask for one. host is the target. */
int ws_negotiate_kerberos_ready(const ws_negotiate_opts *o, const char *host);

#endif
