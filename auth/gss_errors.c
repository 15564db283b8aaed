/* GSSAPI status codes in plain words: each known failure gets one sentence and a fix.
 * Minor codes of the krb5 mechanism are krb5 error-table values (RFC 4120 7.5.9). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <krb5/krb5.h>
#include "auth/gss_int.h"

#define FIX_TICKET "run kinit USER@REALM, or set NANOSH_PASSWORD with -u USER@REALM, or pass --keytab"
#define FIX_KDC "check the realm's kdc entries in krb5.conf (KRB5_CONFIG) or set dns_lookup_kdc = true, " \
                "and that the KDC's port 88 is reachable"

typedef struct gss_reason {
    long code;
    ws_gss_unusable why;
    const char *what;
    const char *fix;
} gss_reason;

static const gss_reason minor_reasons[] = {
    { KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, WS_GSS_NO_SPN, "server not found in Kerberos database",
      "connect by the host's DNS name as registered in the domain, or pass --spn" },
    { KRB5KRB_AP_ERR_SKEW, WS_GSS_USABLE, "clock skew too great between this machine and the KDC or server",
      "synchronise the clocks (NTP): Kerberos tolerates 5 minutes" },
    { KRB5_KDCREP_SKEW, WS_GSS_USABLE, "clock skew too great between this machine and the KDC",
      "synchronise the clocks (NTP): Kerberos tolerates 5 minutes" },
    { KRB5KRB_AP_ERR_TKT_EXPIRED, WS_GSS_NO_CREDENTIALS, "the Kerberos ticket has expired", FIX_TICKET },
    { KRB5_FCC_NOFILE, WS_GSS_NO_CREDENTIALS, "no Kerberos ticket (the ticket cache does not exist)", FIX_TICKET },
    { KRB5_CC_NOTFOUND, WS_GSS_NO_CREDENTIALS, "no Kerberos ticket for this user in the ticket cache", FIX_TICKET },
    { KRB5_CC_END, WS_GSS_NO_CREDENTIALS, "no Kerberos ticket in the ticket cache", FIX_TICKET },
    { KRB5_KDC_UNREACH, WS_GSS_KDC_UNREACHABLE, "cannot reach a KDC for the realm", FIX_KDC },
    { KRB5_REALM_UNKNOWN, WS_GSS_NO_REALM, "cannot find a KDC for the realm (unknown realm)",
      "realms are upper case (user@CORP.EXAMPLE); " FIX_KDC },
    { KRB5_REALM_CANT_RESOLVE, WS_GSS_KDC_UNREACHABLE, "cannot resolve the KDC's host name", FIX_KDC },
    { KRB5_CONFIG_NODEFREALM, WS_GSS_NO_REALM, "no Kerberos realm: the user names none and krb5.conf has no default_realm",
      "give the user as -u USER@REALM, or set default_realm in krb5.conf" },
    { KRB5KDC_ERR_PREAUTH_FAILED, WS_GSS_USABLE, "wrong password (Kerberos pre-authentication failed)",
      "check the password (NANOSH_PASSWORD or --password-file) and the user name" },
    { KRB5KRB_AP_ERR_BAD_INTEGRITY, WS_GSS_USABLE, "wrong password (the KDC reply did not decrypt)",
      "check the password (NANOSH_PASSWORD or --password-file) and the user name" },
    { KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, WS_GSS_NO_CREDENTIALS, "user not found in Kerberos database",
      "check the user name and its realm: -u USER@REALM, realm in upper case" },
    { KRB5KDC_ERR_KEY_EXP, WS_GSS_USABLE, "the password has expired",
      "change it (kpasswd USER@REALM) and retry" },
    { KRB5KDC_ERR_CLIENT_REVOKED, WS_GSS_USABLE, "the account is disabled or locked out",
      "ask a domain administrator to enable or unlock it" },
    { KRB5_KT_NOTFOUND, WS_GSS_NO_CREDENTIALS, "the keytab has no key for this user",
      "check -u against the principals that klist -k KEYTAB lists" },
    { KRB5_KT_END, WS_GSS_NO_CREDENTIALS, "the keytab is empty", "pass a keytab that holds the user's key" },
    { KRB5KDC_ERR_ETYPE_NOSUPP, WS_GSS_USABLE, "the KDC and this machine share no encryption type",
      "enable AES for the account, or allow its encryption types in krb5.conf" },
    { KRB5KRB_AP_ERR_MODIFIED, WS_GSS_USABLE, "the server could not decrypt its ticket",
      "the server's key or SPN registration is out of date: ask its administrator, or pass --spn" },
    { KRB5KDC_ERR_BADOPTION, WS_GSS_USABLE, "the KDC refused the requested ticket options",
      "drop --delegate, or allow delegation for the account and the server" },
    { KRB5KDC_ERR_POLICY, WS_GSS_USABLE, "the KDC's policy refused the request", "ask a domain administrator" },
    { ENOENT, WS_GSS_NO_CREDENTIALS, "a Kerberos file (ticket cache or keytab) does not exist",
      "check KRB5CCNAME and --keytab" },
};

static const gss_reason major_reasons[] = {
    { GSS_S_CREDENTIALS_EXPIRED, WS_GSS_NO_CREDENTIALS, "the Kerberos ticket has expired", FIX_TICKET },
    { GSS_S_NO_CRED, WS_GSS_NO_CREDENTIALS, "no Kerberos ticket or other credentials", FIX_TICKET },
    { GSS_S_BAD_BINDINGS, WS_GSS_USABLE, "the TLS channel bindings do not match",
      "something between nanosh and the server re-encrypts TLS (a proxy): connect directly" },
    { GSS_S_BAD_SIG, WS_GSS_USABLE, "message integrity check failed: the message was altered or the keys differ",
      "reconnect; if it persists, something alters the traffic" },
    { GSS_S_DEFECTIVE_TOKEN, WS_GSS_USABLE, "malformed Kerberos token", "check that the server speaks Kerberos for WinRM" },
    { GSS_S_DEFECTIVE_CREDENTIAL, WS_GSS_USABLE, "unusable Kerberos credential", FIX_TICKET },
    { GSS_S_BAD_NAME, WS_GSS_NO_REALM, "cannot use this name as a Kerberos principal",
      "give the user as USER@REALM and the SPN as SERVICE/HOST" },
    { GSS_S_BAD_MECH, WS_GSS_USABLE, "the Kerberos mechanism is not available", "install the MIT krb5 GSSAPI library (libgssapi-krb5-2)" },
};

void ws_gss_status_text(OM_uint32 code, int type, char *buf, size_t size)
{
    OM_uint32 minor, more = 0;
    size_t used = 0;

    buf[0] = '\0';
    do {
        gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(gss_display_status(&minor, code, type, &ws_gss_mech_krb5, &more, &msg)))
            break;
        int n = snprintf(buf + used, size - used, "%s%.*s", used ? "; " : "",
                         (int)msg.length, (const char *)msg.value);
        gss_release_buffer(&minor, &msg);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    } while (more);
}

static const gss_reason *find(const gss_reason *t, size_t n, long code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return &t[i];
    return NULL;
}

/* Per-message status bits (RFC 2743 1.2.1.1): replays and gaps, reported as such. */
static const char *supplementary_text(OM_uint32 major)
{
    if (major & GSS_S_DUPLICATE_TOKEN) return "a message was replayed";
    if (major & GSS_S_OLD_TOKEN) return "a message arrived too late";
    if (major & GSS_S_UNSEQ_TOKEN) return "messages arrived out of order";
    if (major & GSS_S_GAP_TOKEN) return "a message is missing";
    return NULL;
}

ws_rc ws_gss_fail(ws_error *err, ws_rc rc, OM_uint32 major, OM_uint32 minor,
                  const ws_gss_failure *f, ws_gss_unusable *why)
{
    char gss_text[160], mech_text[200];
    const gss_reason *r = NULL;
    const char *what, *fix;
    ws_gss_unusable u;

    ws_gss_status_text(GSS_ROUTINE_ERROR(major) ? GSS_ROUTINE_ERROR(major) : major,
                       GSS_C_GSS_CODE, gss_text, sizeof gss_text);
    mech_text[0] = '\0';
    if (minor)
        ws_gss_status_text(minor, GSS_C_MECH_CODE, mech_text, sizeof mech_text);
    if (strcmp(mech_text, "Success") == 0)   /* an unmapped code: the glue has no text */
        mech_text[0] = '\0';
    if (minor && !mech_text[0] && (int32_t)minor < 0)   /* a krb5 error-table code */
        snprintf(mech_text, sizeof mech_text, "Kerberos error %ld", (long)(int32_t)minor);
    if (f && f->server_phase)
        r = find(major_reasons, sizeof major_reasons / sizeof *major_reasons, (long)GSS_ROUTINE_ERROR(major));
    if (!r && minor)
        r = find(minor_reasons, sizeof minor_reasons / sizeof *minor_reasons, (long)(OM_uint32)minor);
    if (!r && minor)   /* krb5 codes are negative longs stored in an OM_uint32 */
        r = find(minor_reasons, sizeof minor_reasons / sizeof *minor_reasons, (long)(int32_t)minor);
    if (!r)
        r = find(major_reasons, sizeof major_reasons / sizeof *major_reasons, (long)GSS_ROUTINE_ERROR(major));

    if (r) {
        what = r->what;
        fix = r->fix;
        u = r->why;
        if (r->code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN && f && f->host_is_ip)
            fix = "connect by the host's DNS name, not an IP, or pass --spn";
    } else if (!GSS_ERROR(major) && supplementary_text(major)) {
        what = supplementary_text(major);
        fix = "reconnect; if it persists, something replays or drops traffic";
        u = WS_GSS_USABLE;
    } else {
        what = mech_text[0] ? mech_text : gss_text;
        fix = "check klist, KRB5CCNAME and krb5.conf, or rerun with --debug";
        u = WS_GSS_USABLE;
    }
    if (why)
        *why = u;

    /* The reason first, then the details: what was being done, as whom, GSSAPI's words. */
    const char *doing = f && f->doing ? f->doing : "Kerberos";
    const char *user = f ? f->user : NULL;
    int show_gss = what != gss_text && !(GSS_ROUTINE_ERROR(major) == GSS_S_FAILURE && mech_text[0]);
    int show_mech = mech_text[0] && what != mech_text;
    return ws_error_set(err, rc, fix, "%s (%s%s%s%s%s%s%s)", what, doing,
                        user ? " as " : "", user ? user : "",
                        show_gss ? ": " : "", show_gss ? gss_text : "",
                        show_mech ? ": " : "", show_mech ? mech_text : "");
}
