/* Internals of the GSSAPI mechanism, shared by gss.c, gss_cred.c, gss_wrap.c and
 * gss_errors.c. Not part of the library's interface. */
#ifndef NANOSH_AUTH_GSS_INT_H
#define NANOSH_AUTH_GSS_INT_H
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include "auth/gss.h"

typedef struct ws_gss {
    int spnego;             /* Negotiate scheme: SPNEGO around krb5 */
    char *user, *password, *keytab, *spn;
    int delegate;
    char *host;             /* from the last reset() */
    int host_is_ip;
    char *ccache_mem;       /* MEMORY ccache for keytab tickets */
    gss_cred_id_t cred;
    gss_name_t target;
    char *target_text;      /* the target as the user would write it, for messages */
    gss_ctx_id_t ctx;
    unsigned char *cbt;     /* tls-server-end-point application data, NULL over HTTP */
    size_t cbt_len;
    int steps;              /* step() calls since reset() */
    ws_gss_unusable unusable;
} ws_gss;

extern gss_OID_desc ws_gss_mech_krb5, ws_gss_mech_spnego;

/* What was being done when GSSAPI failed, to put the failure in context. */
typedef struct ws_gss_failure {
    const char *doing;      /* "getting a ticket for HTTP@host", ... */
    const char *user;       /* may be NULL */
    const char *target;     /* may be NULL */
    int host_is_ip;
    int server_phase;       /* talking to the server: integrity codes mean tampering, not
                               a wrong password */
} ws_gss_failure;

/* Fills err with a one-line explanation and fix for a GSS major/minor pair, returns rc
 * (WS_E_AUTH for handshakes, WS_E_CRYPTO for wrap/unwrap). *why, when not NULL, says
 * whether NTLM could work where Kerberos cannot. */
ws_rc ws_gss_fail(ws_error *err, ws_rc rc, OM_uint32 major, OM_uint32 minor,
                  const ws_gss_failure *f, ws_gss_unusable *why);

/* The message GSSAPI gives for a status code ("Clock skew too great", ...). */
void ws_gss_status_text(OM_uint32 code, int type, char *buf, size_t size);

/* Acquires g->cred: ticket cache, then keytab, then password. */
ws_rc ws_gss_acquire(ws_gss *g, ws_error *err);
/* The same chain for the krb5 mechanism alone, to diagnose SPNEGO failures. 0 or -1. */
int ws_gss_krb5_cred(ws_gss *g, gss_cred_id_t *cred);

ws_rc ws_gss_wrap(ws_auth *a, const unsigned char *in, size_t len,
                  ws_buf *out, size_t *sig_len, ws_error *err);
ws_rc ws_gss_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                    ws_buf *out, ws_error *err);

#endif
