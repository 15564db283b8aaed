/* GSSAPI failures in plain words: each known krb5/GSS code gives its sentence, its fix
 * and the right NTLM-fallback verdict (no KDC needed). */
#include <errno.h>
#include <string.h>
#include <krb5/krb5.h>
#include "auth/gss_int.h"
#include "tests/tap.h"

static ws_error err;
static ws_gss_unusable why;

static ws_rc fail(OM_uint32 major, long minor, int ip, int server_phase)
{
    ws_gss_failure f = { "getting a ticket for HTTP@host", "alice@NANOSH.TEST", "HTTP@host", ip, server_phase };
    memset(&err, 0, sizeof err);
    why = (ws_gss_unusable)-1;
    return ws_gss_fail(&err, WS_E_AUTH, major, (OM_uint32)minor, &f, &why);
}

static int has(const char *s, const char *part) { return strstr(s, part) != NULL; }

int main(void)
{
    TAP_OK(fail(GSS_S_FAILURE, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 1, 0) == WS_E_AUTH
           && has(err.what, "server not found in Kerberos database")
           && strcmp(err.fix, "connect by the host's DNS name, not an IP, or pass --spn") == 0
           && why == WS_GSS_NO_SPN, "unknown SPN for an IP host: %s: %s", err.what, err.fix);
    fail(GSS_S_FAILURE, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 0, 0);
    TAP_OK(has(err.fix, "--spn") && !has(err.fix, "not an IP"), "unknown SPN for a name: %s", err.fix);
    fail(GSS_S_FAILURE, KRB5KRB_AP_ERR_SKEW, 0, 0);
    TAP_OK(has(err.what, "clock skew") && has(err.fix, "NTP") && why == WS_GSS_USABLE, "clock skew: %s: %s", err.what, err.fix);
    fail(GSS_S_FAILURE, KRB5_KDCREP_SKEW, 0, 0);
    TAP_OK(has(err.what, "clock skew"), "clock skew seen by the KDC reply");
    fail(GSS_S_FAILURE, KRB5KRB_AP_ERR_TKT_EXPIRED, 0, 0);
    TAP_OK(has(err.what, "expired") && has(err.fix, "run kinit USER@REALM, or set NANOSH_PASSWORD with -u USER@REALM, or")
           && has(err.fix, "--keytab") && why == WS_GSS_NO_CREDENTIALS, "expired ticket: %s", err.fix);
    fail(GSS_S_CREDENTIALS_EXPIRED, 0, 0, 0);
    TAP_OK(has(err.what, "expired") && why == WS_GSS_NO_CREDENTIALS, "GSS_S_CREDENTIALS_EXPIRED alone");
    fail(GSS_S_NO_CRED, KRB5_FCC_NOFILE, 0, 0);
    TAP_OK(has(err.what, "no Kerberos ticket") && has(err.fix, "run kinit") && why == WS_GSS_NO_CREDENTIALS,
           "missing ticket cache: %s", err.what);
    fail(GSS_S_FAILURE, KRB5_KDC_UNREACH, 0, 0);
    TAP_OK(has(err.what, "cannot reach a KDC") && has(err.fix, "krb5.conf") && has(err.fix, "dns_lookup_kdc")
           && why == WS_GSS_KDC_UNREACHABLE, "unreachable KDC: %s", err.fix);
    fail(GSS_S_FAILURE, KRB5_REALM_UNKNOWN, 0, 0);
    TAP_OK(has(err.what, "realm") && why == WS_GSS_NO_REALM, "unknown realm");
    fail(GSS_S_FAILURE, KRB5_CONFIG_NODEFREALM, 0, 0);
    TAP_OK(has(err.fix, "USER@REALM") && why == WS_GSS_NO_REALM, "no default realm: %s", err.fix);
    fail(GSS_S_FAILURE, KRB5KDC_ERR_PREAUTH_FAILED, 0, 0);
    TAP_OK(has(err.what, "wrong password") && why == WS_GSS_USABLE, "pre-authentication failed is a wrong password, no fallback");
    fail(GSS_S_FAILURE, KRB5KDC_ERR_KEY_EXP, 0, 0);
    TAP_OK(has(err.what, "password has expired") && has(err.fix, "kpasswd"), "expired password");
    fail(GSS_S_FAILURE, KRB5KDC_ERR_CLIENT_REVOKED, 0, 0);
    TAP_OK(has(err.what, "locked"), "locked account");
    fail(GSS_S_BAD_SIG, KRB5KRB_AP_ERR_BAD_INTEGRITY, 0, 1);
    TAP_OK(has(err.what, "integrity") && !has(err.what, "password"), "a bad checksum from the server is tampering, not a password: %s", err.what);
    fail(GSS_S_BAD_BINDINGS, 0, 0, 1);
    TAP_OK(has(err.what, "channel bindings"), "channel bindings mismatch: %s", err.fix);
    fail(GSS_S_COMPLETE | GSS_S_DUPLICATE_TOKEN, 0, 0, 1);
    TAP_OK(has(err.what, "replayed"), "replay (a supplementary bit only)");
    fail(GSS_S_COMPLETE | GSS_S_GAP_TOKEN, 0, 0, 1);
    TAP_OK(has(err.what, "missing"), "gap in the sequence");
    fail(GSS_S_FAILURE, ENOENT, 0, 0);
    TAP_OK(has(err.what, "does not exist"), "missing keytab or cache file");
    fail(GSS_S_FAILURE, KRB5KDC_ERR_SVC_UNAVAILABLE, 0, 0);
    TAP_OK(err.what[0] && has(err.what, "getting a ticket for HTTP@host") && has(err.what, "alice@NANOSH.TEST")
           && err.fix[0] && why == WS_GSS_USABLE, "an unlisted code keeps GSSAPI's words and context: %s", err.what);
    TAP_OK(!strchr(err.what, '\n') && !strchr(err.fix, '\n'), "one line each");
    return tap_done();
}
