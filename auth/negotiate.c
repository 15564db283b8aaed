/* The "negotiate" choice: a mechanism that delegates to Kerberos (GSSAPI) or NTLM,
 * chosen from the server's offers (auth/negotiate.h). Never Basic (DESIGN.md). */
#include "auth/negotiate.h"
#include "auth/gss.h"
#include "auth/ntlm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { SUB_SPNEGO, SUB_KERBEROS, SUB_NTLM, SUB_COUNT };

typedef struct negotiate {
    ws_negotiate_opts o;          /* strings owned; password and hash wiped on destroy */
    unsigned char nt_hash[16];
    ws_auth *sub[SUB_COUNT];      /* made on first use */
    int active;                   /* index into sub, or -1 before choose */
    int offered_ntlm_fallback;    /* the server's scheme also carries NTLM tokens */
    int kerberos_tried;           /* the first step has not reached the server yet */
    ws_auth_conn conn;            /* of the last reset, for a fallback in step */
    char kerberos_why[512];       /* why Kerberos was passed over, for the error */
} negotiate;

static negotiate *state(ws_auth *a) { return a->state; }

static ws_auth *make_sub(negotiate *n, int which, ws_error *err)
{
    if (n->sub[which])
        return n->sub[which];
    if (which == SUB_SPNEGO || which == SUB_KERBEROS) {
        /* When NTLM may serve, a password is tried for Kerberos only with a realm-
         * qualified user (user@REALM): a bare or DOMAIN\user name is a local or NTLM
         * account, and asking krb5.conf's default realm's KDC about it would send the
         * password's proof to an unrelated server. */
        int realm_given = n->o.user && strchr(n->o.user, '@');
        ws_gss_opts g = {
            .scheme = which == SUB_SPNEGO ? "Negotiate" : "Kerberos",
            .user = n->o.user,
            .password = realm_given || !n->o.allow_ntlm ? n->o.password : NULL,
            .keytab = n->o.keytab, .spn = n->o.spn, .delegate = n->o.delegate,
        };
        n->sub[which] = ws_auth_gss_new(&g, err);
    } else {
        n->sub[which] = ws_auth_ntlm_new(n->o.user ? n->o.user : "", n->o.password,
                                         n->o.nt_hash ? n->nt_hash : NULL, "Negotiate", err);
    }
    return n->sub[which];
}

static void use_sub(ws_auth *a, int which)
{
    negotiate *n = state(a);
    n->active = which;
    a->scheme = n->sub[which]->scheme;
    a->enc_protocol = n->sub[which]->enc_protocol;
    a->caps = n->sub[which]->caps;
}

static int offered(const char *const *list, size_t count, const char *scheme)
{
    for (size_t i = 0; i < count; i++)
        if (strcasecmp(list[i], scheme) == 0)
            return 1;
    return 0;
}

static int can_ntlm(const negotiate *n) { return n->o.allow_ntlm && (n->o.password || n->o.nt_hash); }

/* Why Kerberos was skipped, kept for the caller's final error (a later 401 is the
 * transport's to report, after this mechanism has said its part). */
static void note_skipped(negotiate *n, const char *why)
{
    snprintf(n->kerberos_why, sizeof n->kerberos_why, "%s", why);
    if (n->o.kerberos_skipped && n->o.kerberos_skipped_size)
        snprintf(n->o.kerberos_skipped, n->o.kerberos_skipped_size, "%s", why);
}

/* -v names the mechanism that sends the first token, and why Kerberos was skipped. */
static void trace_mechanism(ws_auth *a)
{
    negotiate *n = state(a);

    /* The trace's own line format ("* text"); the auth layer does not depend on wsman. */
    if (n->o.trace)
        fprintf(n->o.trace, "* authentication: %s under the %s scheme%s%s%s\n",
                n->active == SUB_NTLM ? "NTLM" : "Kerberos", a->scheme,
                n->kerberos_why[0] ? " (Kerberos skipped: " : "", n->kerberos_why,
                n->kerberos_why[0] ? ")" : "");
}

/* None of the offers can be used. Basic is one only when the user names it (-a basic):
 * a server that answers 401 with Basic alone may be an impostor after the password,
 * where NTLM with channel binding or Kerberos would have exposed it. */
static ws_rc no_usable_offer(negotiate *n, const char *const *list, size_t count,
                             ws_error *err)
{
    const char *fix = !n->o.password && !n->o.nt_hash
        ? "give a password with NANOSH_PASSWORD or --password-file, or get a Kerberos ticket with kinit"
        : "choose a mechanism the server offers with -a, or enable one on the server (winrm set winrm/config/service/auth)";
    ws_rc rc;

    if (count == 1 && strcasecmp(list[0], "Basic") == 0)
        rc = ws_error_set(err, WS_E_AUTH,
                          n->o.basic_needs_unencrypted
                              ? "if you trust this server with the password in clear text, pass -a basic --allow-unencrypted (better: -s/--https with -a basic)"
                              : "if you trust this server with the password, pass -a basic",
                          "the server offers only Basic authentication, which nanosh never chooses on its own");
    else if (offered(list, count, "Basic"))
        rc = ws_error_set(err, WS_E_AUTH,
                          "pass -a basic to send the password with Basic, or enable Negotiate on the server (winrm set winrm/config/service/auth)",
                          "of the authentication schemes the server offers, only Basic could be used with these credentials, and nanosh never chooses it on its own");
    else
        rc = ws_error_set(err, WS_E_AUTH, fix,
                          "none of the authentication schemes the server offers can be used with these credentials");
    if (err)
        err->http_status = 401;
    return rc;
}

/* Windows order: Kerberos under Negotiate (or the Kerberos scheme), then NTLM
 * (MS-WSMV 2.2.9.1). Kerberos that cannot work is skipped in reset/step. */
static ws_rc negotiate_choose(ws_auth *a, const char *const *list, size_t count, ws_error *err)
{
    negotiate *n = state(a);
    int has_negotiate = offered(list, count, "Negotiate");
    int pick = -1;

    n->offered_ntlm_fallback = 0;
    note_skipped(n, "");
    if (n->o.allow_kerberos && has_negotiate)
        pick = SUB_SPNEGO;
    else if (n->o.allow_kerberos && offered(list, count, "Kerberos"))
        pick = SUB_KERBEROS;
    if (pick == SUB_SPNEGO && can_ntlm(n))
        n->offered_ntlm_fallback = 1;
    if (pick < 0 && can_ntlm(n) && (has_negotiate || offered(list, count, "NTLM")))
        pick = SUB_NTLM;
    if (pick < 0)
        return no_usable_offer(n, list, count, err);
    if (!make_sub(n, pick, err))
        return err ? err->rc : WS_E_AUTH;
    use_sub(a, pick);
    return WS_OK;
}

/* Kerberos cannot work here: remember why (for a later error) and carry on with NTLM
 * under Negotiate. */
static ws_rc fall_back_to_ntlm(ws_auth *a, const ws_auth_conn *conn, const char *why,
                               ws_error *err)
{
    negotiate *n = state(a);

    note_skipped(n, why);
    ws_error_clear(err);
    if (!make_sub(n, SUB_NTLM, err))
        return err ? err->rc : WS_E_AUTH;
    use_sub(a, SUB_NTLM);
    return n->sub[SUB_NTLM]->ops->reset(n->sub[SUB_NTLM], conn, err);
}

/* The reason GSSAPI gave, kept before err is reused for NTLM. */
static ws_rc fall_back_after(ws_auth *a, const ws_auth_conn *conn, ws_error *err)
{
    char why[sizeof ((ws_error *)0)->what];

    snprintf(why, sizeof why, "%s", err ? err->what : "");
    return fall_back_to_ntlm(a, conn, why, err);
}

static int kerberos_unusable(negotiate *n)
{
    return n->active == SUB_SPNEGO && n->offered_ntlm_fallback &&
           ws_auth_gss_unusable(n->sub[SUB_SPNEGO]) != WS_GSS_USABLE;
}

static ws_rc negotiate_reset(ws_auth *a, const ws_auth_conn *conn, ws_error *err)
{
    negotiate *n = state(a);
    ws_rc rc;

    a->established = 0;
    if (n->active < 0)
        return ws_error_set(err, WS_E_USAGE, "", "authentication reset before the scheme was chosen");
    n->conn = conn ? *conn : (ws_auth_conn){0};
    n->kerberos_tried = 0;
    /* An IP address without --spn goes to NTLM at once, as on Windows: asking GSSAPI
     * first would load krb5 and its plug-ins and, with a password, ask a KDC for a
     * ticket, only to fail later (about 4 M instructions and 1 MiB RSS per run). */
    if (n->active == SUB_SPNEGO && n->offered_ntlm_fallback && !n->o.spn &&
        conn && conn->host && ws_host_is_ip_literal(conn->host)) {
        char why[300];
        snprintf(why, sizeof why,
                 "%.200s is an IP address: connect by the host's DNS name, or pass --spn", conn->host);
        return fall_back_to_ntlm(a, conn, why, err);
    }
    rc = n->sub[n->active]->ops->reset(n->sub[n->active], conn, err);
    if (rc == WS_E_AUTH && kerberos_unusable(n))
        return fall_back_after(a, conn, err);
    return rc;
}

static ws_rc negotiate_step(ws_auth *a, const unsigned char *in, size_t inlen,
                            ws_buf *out, int *done, ws_error *err)
{
    negotiate *n = state(a);
    ws_auth *sub;
    ws_rc rc;

    if (n->active < 0)
        return ws_error_set(err, WS_E_USAGE, "", "authentication step before the scheme was chosen");
    sub = n->sub[n->active];
    rc = sub->ops->step(sub, in, inlen, out, done, err);
    /* Before the first token reaches the server Kerberos may still give way to NTLM,
     * e.g. for an IP address the KDC has no HTTP/ principal for (PROTOCOL.md 7). */
    if (rc == WS_E_AUTH && !in && !n->kerberos_tried && kerberos_unusable(n)) {
        if ((rc = fall_back_after(a, &n->conn, err)) != WS_OK)
            return rc;
        sub = n->sub[SUB_NTLM];
        ws_buf_reset(out);
        rc = sub->ops->step(sub, NULL, 0, out, done, err);
    }
    if (rc == WS_OK && !in)
        trace_mechanism(a);
    n->kerberos_tried = 1;
    if (rc == WS_OK && *done)
        sub->established = 1;
    if (rc != WS_OK && n->kerberos_why[0] && err && err->rc == WS_E_AUTH) {
        size_t len = strlen(err->what);
        snprintf(err->what + len, sizeof err->what - len, " (Kerberos was not used: %.200s)",
                 n->kerberos_why);
    }
    return rc;
}

static ws_rc negotiate_wrap(ws_auth *a, const unsigned char *in, size_t len,
                            ws_buf *out, size_t *sig_len, ws_error *err)
{
    negotiate *n = state(a);
    ws_auth *sub = n->active >= 0 ? n->sub[n->active] : NULL;
    if (!sub || !sub->ops->wrap)
        return ws_error_set(err, WS_E_USAGE, "", "no session security with this mechanism");
    return sub->ops->wrap(sub, in, len, out, sig_len, err);
}

static ws_rc negotiate_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                              ws_buf *out, ws_error *err)
{
    negotiate *n = state(a);
    ws_auth *sub = n->active >= 0 ? n->sub[n->active] : NULL;
    if (!sub || !sub->ops->unwrap)
        return ws_error_set(err, WS_E_USAGE, "", "no session security with this mechanism");
    return sub->ops->unwrap(sub, in, len, sig_len, out, err);
}

static void negotiate_destroy(ws_auth *a)
{
    negotiate *n = state(a);
    if (!n)
        return;
    for (int i = 0; i < SUB_COUNT; i++)
        ws_auth_free(n->sub[i]);
    free((char *)n->o.user);
    ws_wipe_str((char *)n->o.password);
    free((char *)n->o.keytab);
    free((char *)n->o.spn);
    ws_wipe(n->nt_hash, sizeof n->nt_hash);
    free(n);
    a->state = NULL;
}

static const ws_auth_ops negotiate_ops = {
    "negotiate", negotiate_reset, negotiate_step, negotiate_wrap, negotiate_unwrap,
    negotiate_destroy, negotiate_choose,
};

static int dup_opt(const char *s, const char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    return (*out = strdup(s)) ? 0 : -1;
}

ws_auth *ws_auth_negotiate_new(const ws_negotiate_opts *o, ws_error *err)
{
    ws_auth *a = calloc(1, sizeof *a);
    negotiate *n = calloc(1, sizeof *n);

    if (!a || !n)
        goto nomem;
    a->ops = &negotiate_ops;
    a->state = n;
    /* Until the server's offers are known: a connection-based scheme that can seal
     * (what Kerberos and NTLM share), so that the transport probes first and plans
     * encryption over HTTP. */
    a->scheme = "Negotiate";
    a->enc_protocol = "application/HTTP-SPNEGO-session-encrypted";
    a->caps = WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS | WS_AUTH_CHANNEL_BINDING;
    n->active = -1;
    n->o = *o;
    /* Until copied they are the caller's: destroy must not free them on a failure. */
    n->o.user = n->o.password = n->o.keytab = n->o.spn = NULL;
    if (dup_opt(o->user, &n->o.user) < 0 || dup_opt(o->password, &n->o.password) < 0 ||
        dup_opt(o->keytab, &n->o.keytab) < 0 || dup_opt(o->spn, &n->o.spn) < 0)
        goto nomem;
    if (o->nt_hash) {
        memcpy(n->nt_hash, o->nt_hash, sizeof n->nt_hash);
        n->o.nt_hash = n->nt_hash;
    }
    ws_auth_set_user(a, o->user);
    return a;
nomem:
    if (a && n)
        ws_auth_free(a);
    else {
        free(a);
        free(n);
    }
    ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    return NULL;
}

int ws_negotiate_kerberos_ready(const ws_negotiate_opts *o, const char *host)
{
    ws_gss_opts g = { .scheme = "Negotiate", .user = o->user, .keytab = o->keytab,
                      .spn = o->spn, .delegate = o->delegate };
    ws_auth_conn conn = { .host = host };
    ws_error err;
    ws_auth *a;
    int ready;

    memset(&err, 0, sizeof err);
    if (!(a = ws_auth_gss_new(&g, &err))) {
        ws_error_clear(&err);
        return 0;
    }
    ready = a->ops->reset(a, &conn, &err) == WS_OK;
    ws_error_clear(&err);
    ws_auth_free(a);
    return ready;
}

void ws_negotiate_explain(ws_error *e, const char *kerberos_skipped)
{
    if (e->rc != WS_E_AUTH || !kerberos_skipped || !kerberos_skipped[0] ||
        strstr(e->what, "Kerberos was not used"))
        return;
    size_t len = strlen(e->what);
    snprintf(e->what + len, sizeof e->what - len, " (Kerberos was not used: %.300s)",
             kerberos_skipped);
}
