/* The capability flags of each mechanism (auth/auth.h), which the transport decides by,
 * and the decisions of wsman/http_auth.c that follow them rather than a name. No
 * network: constructors, negotiate's choice among offers, and a reset for an address. */
#include <stdlib.h>
#include <string.h>
#include "auth/gss.h"
#include "auth/negotiate.h"
#include "auth/ntlm.h"
#include "tests/tap.h"
#include "tests/transport/test_mech.h"
#include "wsman/http_auth.h"

#define SEALS (WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS | WS_AUTH_CHANNEL_BINDING)
#define NTLM_CAPS (SEALS | WS_AUTH_NTLM_TOKENS)
#define GSS_CAPS (SEALS | WS_AUTH_KERBEROS_WRAP)

/* Checks a->caps against want and frees a. */
static void expect_caps(ws_auth *a, unsigned want, const char *what)
{
    unsigned got = a ? a->caps : ~0u;
    TAP_OK(got == want, "%s: flags 0x%x (want 0x%x)", what, got, want);
    ws_auth_free(a);
}

static void test_fixed_mechanisms(void)
{
    static const ws_gss_opts spnego = {.scheme = "Negotiate"}, krb = {.scheme = "Kerberos"};

    expect_caps(ws_auth_basic_new("admin", "pw", NULL), WS_AUTH_PLAINTEXT,
                "basic sends the password with every request and cannot seal");
    expect_caps(ws_auth_ntlm_new("admin", "pw", NULL, "Negotiate", NULL), NTLM_CAPS,
                "ntlm under Negotiate: connection-bound, seals, binds to TLS, raw NTLM tokens");
    expect_caps(ws_auth_ntlm_new("admin", "pw", NULL, "NTLM", NULL), NTLM_CAPS,
                "ntlm under NTLM: the same");
    expect_caps(ws_auth_gss_new(&spnego, NULL), GSS_CAPS,
                "kerberos under Negotiate: connection-bound, seals with Kerberos wrap, binds to TLS");
    expect_caps(ws_auth_gss_new(&krb, NULL), GSS_CAPS, "kerberos under Kerberos: the same");
}

static ws_auth *negotiate(int allow_kerberos)
{
    ws_negotiate_opts o = {.user = "DOM\\admin", .password = "pw",
                           .allow_kerberos = allow_kerberos, .allow_ntlm = 1};
    return ws_auth_negotiate_new(&o, NULL);
}

static ws_rc choose(ws_auth *a, const char *const *offers, size_t n)
{
    ws_error err = {0};
    ws_rc rc = a->ops->choose(a, offers, n, &err);
    ws_error_clear(&err);
    return rc;
}

/* negotiate's flags are those of the sub-mechanism it chose, also after a fallback. */
static void test_negotiate(void)
{
    static const char *const spnego[] = {"Negotiate", "Kerberos"}, *const krb[] = {"Kerberos"},
                             *const ntlm[] = {"NTLM"}, *const basic[] = {"Basic"};
    ws_auth *a = negotiate(1);
    unsigned before = a ? a->caps : 0;
    TAP_OK(before == SEALS, "negotiate before the offers are known: what Kerberos and NTLM share (0x%x)",
           before);
    ws_rc rc = choose(a, spnego, 2);
    TAP_OK(rc == WS_OK && a->caps == GSS_CAPS, "negotiate choosing Kerberos under Negotiate has its flags");
    rc = choose(a, ntlm, 1);
    TAP_OK(rc == WS_OK && a->caps == NTLM_CAPS, "choosing again, NTLM: NTLM's flags");
    rc = choose(a, krb, 1);
    TAP_OK(rc == WS_OK && a->caps == GSS_CAPS, "and the Kerberos scheme: Kerberos's flags again");
    rc = choose(a, basic, 1);
    TAP_OK(rc == WS_E_AUTH && a->caps == GSS_CAPS, "an offer it cannot take changes nothing");
    ws_auth_free(a);

    /* An address has no Kerberos principal: reset falls back to NTLM (PROTOCOL.md 7). */
    a = negotiate(1);
    ws_auth_conn conn = {.host = "192.0.2.7"};
    ws_error err = {0};
    rc = choose(a, spnego, 1);
    if (rc == WS_OK)
        rc = a->ops->reset(a, &conn, &err);
    TAP_OK(rc == WS_OK && a->caps == NTLM_CAPS && strcmp(a->scheme, "Negotiate") == 0,
           "after falling back from Kerberos to NTLM, NTLM's flags (%s)", err.what);
    ws_error_clear(&err);
    ws_auth_free(a);
}

/* Offers from one WWW-Authenticate value. */
static void offers(ws_challenges *cs, const char *value)
{
    ws_challenges_free(cs);
    ws_challenges_add(cs, value, strlen(value));
}

/* Raw NTLM tokens go under "NTLM" or "Negotiate", whoever carries them (PROTOCOL.md 5.1). */
static void test_choose_by_flag(void)
{
    static const char *const ntlm_only[] = {"NTLM"};
    ws_challenges cs = {0};
    tmech_state *st;

    offers(&cs, "NTLM");
    ws_auth *a = tmech_custom_new("Negotiate", SEALS | WS_AUTH_NTLM_TOKENS, &st);
    const ws_challenge *c = ws_challenges_choose(&cs, a);
    TAP_OK(c && strcmp(c->scheme, "NTLM") == 0,
           "a mechanism named \"custom\" with raw NTLM tokens takes the NTLM offer");
    a->caps &= ~(unsigned)WS_AUTH_NTLM_TOKENS;
    TAP_OK(ws_challenges_choose(&cs, a) == NULL, "without that flag it does not");
    offers(&cs, "Kerberos, Negotiate");
    a->caps |= WS_AUTH_NTLM_TOKENS;
    a->scheme = "NTLM";
    c = ws_challenges_choose(&cs, a);
    TAP_OK(c && strcmp(c->scheme, "Negotiate") == 0, "and, under NTLM, the Negotiate offer");
    ws_auth_free(a);

    /* negotiate picks NTLM for a server that offers only the NTLM scheme; its NTLM then
     * goes under that scheme (before the flags, nothing matched and the offer was
     * reported as not accepted). */
    offers(&cs, "NTLM");
    a = negotiate(1);
    ws_rc rc = choose(a, ntlm_only, 1);
    c = rc == WS_OK ? ws_challenges_choose(&cs, a) : NULL;
    TAP_OK(c && strcmp(c->scheme, "NTLM") == 0, "negotiate's NTLM takes a server's lone NTLM offer");
    ws_auth_free(a);
    ws_challenges_free(&cs);
}

int main(void)
{
    test_fixed_mechanisms();
    test_negotiate();
    test_choose_by_flag();
    return tap_done();
}
