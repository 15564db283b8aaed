/* The ws_auth mechanism over GSSAPI: context establishment with mutual authentication
 * (RFC 4121 4.1, RFC 4178 for SPNEGO, RFC 2744 5.19 gss_init_sec_context), channel
 * bindings over HTTPS (RFC 5929, MS-WSMV 2.2.4.34). Wrapping is in gss_wrap.c and the
 * credentials in gss_cred.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "auth/cbt.h"
#include "auth/gss_int.h"

gss_OID_desc ws_gss_mech_krb5 = { 9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };  /* 1.2.840.113554.1.2.2 */
gss_OID_desc ws_gss_mech_spnego = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };            /* 1.3.6.1.5.5.2 */

#define WANT_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | \
                    GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)

static void drop_context(ws_gss *g)
{
    OM_uint32 minor;

    if (g->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &g->ctx, GSS_C_NO_BUFFER);
    g->ctx = GSS_C_NO_CONTEXT;
}

static char *dup_or_null(const char *s, int *failed)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *failed = 1;
    return d;
}

/* The target: "svc/host[@REALM]" is a Kerberos principal, anything else ("svc@host", or
 * HTTP@host by default) a host-based service name (RFC 2743 4.1). The host is passed as
 * given; krb5.conf (dns_canonicalize_hostname, rdns) decides about canonicalisation. */
static ws_rc import_target(ws_gss *g, ws_error *err)
{
    gss_buffer_desc b;
    gss_OID type = GSS_C_NT_HOSTBASED_SERVICE;
    OM_uint32 major, minor;
    size_t n;

    gss_release_name(&minor, &g->target);
    free(g->target_text);
    if (g->spn) {
        g->target_text = strdup(g->spn);
        if (strchr(g->spn, '/'))
            type = GSS_KRB5_NT_PRINCIPAL_NAME;
    } else {
        n = strlen(g->host) + sizeof "HTTP@";
        g->target_text = malloc(n);
        if (g->target_text)
            snprintf(g->target_text, n, "HTTP@%s", g->host);
    }
    if (!g->target_text)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    b.value = g->target_text;
    b.length = strlen(g->target_text);
    major = gss_import_name(&minor, &b, type, &g->target);
    if (GSS_ERROR(major)) {
        ws_gss_failure f = { "parsing the service name", NULL, g->target_text, g->host_is_ip, 0 };
        return ws_gss_fail(err, WS_E_USAGE, major, minor, &f, NULL);
    }
    return WS_OK;
}

static ws_rc gss_reset(ws_auth *a, const ws_auth_conn *conn, ws_error *err)
{
    ws_gss *g = a->state;
    ws_buf cbt = WS_BUF_INIT;
    ws_rc rc;

    drop_context(g);
    a->established = 0;
    g->steps = 0;
    g->unusable = WS_GSS_USABLE;
    free(g->cbt);
    g->cbt = NULL;
    g->cbt_len = 0;
    if (!conn || !conn->host || !*conn->host)
        return ws_error_set(err, WS_E_USAGE, "", "Kerberos needs the server's host name");
    free(g->host);
    g->host = strdup(conn->host);
    if (!g->host)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    g->host_is_ip = ws_host_is_ip_literal(g->host);
    if (conn->server_cert_der) {
        rc = ws_cbt_app_data(conn->server_cert_der, conn->server_cert_len, &cbt, err);
        if (rc != WS_OK)
            return rc;
        g->cbt_len = cbt.len;
        g->cbt = (unsigned char *)ws_buf_steal(&cbt);
    }
    rc = import_target(g, err);
    if (rc != WS_OK)
        return rc;
    /* Credentials outlive a reconnect unless they ran out. */
    if (g->cred != GSS_C_NO_CREDENTIAL) {
        OM_uint32 minor, lifetime = 0;
        if (!GSS_ERROR(gss_inquire_cred(&minor, g->cred, NULL, &lifetime, NULL, NULL)) && lifetime > 60)
            return WS_OK;
    }
    return ws_gss_acquire(g, err);
}

/* Checks what the finished context grants: WinRM encryption needs confidentiality and
 * integrity, and the server must have proven itself (mutual authentication). */
static ws_rc check_flags(ws_gss *g, OM_uint32 flags, ws_error *err)
{
    const OM_uint32 need = GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

    if ((flags & need) != need)
        return ws_error_set(err, WS_E_AUTH, "check the server's Kerberos configuration",
                            "the Kerberos context for %s lacks mutual authentication or encryption",
                            g->target_text);
    return WS_OK;
}

/* SPNEGO hides why krb5 failed ("cannot find mechanisms to negotiate", or a minor code
 * remapped by the mechanism glue): repeat the first step with krb5 alone to learn it.
 * Only on a failure before anything reached the server. */
static void diagnose_krb5(ws_gss *g, gss_channel_bindings_t cb, OM_uint32 *major, OM_uint32 *minor)
{
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    OM_uint32 ma, mi, tmp;

    if (ws_gss_krb5_cred(g, &cred) != 0)
        return;
    ma = gss_init_sec_context(&mi, cred, &ctx, g->target, &ws_gss_mech_krb5, WANT_FLAGS,
                              GSS_C_INDEFINITE, cb, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    if (GSS_ERROR(ma)) {
        *major = ma;
        *minor = mi;
    }
    gss_release_buffer(&tmp, &out);
    gss_delete_sec_context(&tmp, &ctx, GSS_C_NO_BUFFER);
    gss_release_cred(&tmp, &cred);
}

static ws_rc gss_step(ws_auth *a, const unsigned char *in, size_t inlen,
                      ws_buf *out, int *done, ws_error *err)
{
    ws_gss *g = a->state;
    gss_buffer_desc intok = { inlen, (void *)in }, outtok = GSS_C_EMPTY_BUFFER;
    struct gss_channel_bindings_struct cb;
    OM_uint32 major, minor, tmp, flags = 0;
    ws_rc rc = WS_OK;

    *done = 0;
    if (a->established)
        return ws_error_set(err, WS_E_PROTOCOL, "", "Kerberos handshake step after the context was complete");
    if (!g->target)
        return ws_error_set(err, WS_E_USAGE, "", "Kerberos step before reset");
    if (g->steps > 0 && (!in || inlen == 0))
        return ws_error_set(err, WS_E_AUTH,
                            "the server or a proxy dropped the WWW-Authenticate header of the 200 reply; "
                            "retry without proxies",
                            "the server did not send its mutual-authentication token (RFC 4121 4.1) for %s",
                            g->target_text);
    /* Over HTTPS bind the context to the server's certificate; addresses stay unspecified. */
    memset(&cb, 0, sizeof cb);
    cb.initiator_addrtype = GSS_C_AF_UNSPEC;
    cb.acceptor_addrtype = GSS_C_AF_UNSPEC;
    cb.application_data.value = g->cbt;
    cb.application_data.length = g->cbt_len;

    major = gss_init_sec_context(&minor, g->cred, &g->ctx, g->target,
                                 g->spnego ? &ws_gss_mech_spnego : &ws_gss_mech_krb5,
                                 WANT_FLAGS | (g->delegate ? GSS_C_DELEG_FLAG : 0), GSS_C_INDEFINITE,
                                 g->cbt ? &cb : GSS_C_NO_CHANNEL_BINDINGS,
                                 g->steps ? &intok : GSS_C_NO_BUFFER, NULL, &outtok, &flags, NULL);
    if (GSS_ERROR(major)) {
        char doing[300];
        if (g->spnego && g->steps == 0)
            diagnose_krb5(g, g->cbt ? &cb : GSS_C_NO_CHANNEL_BINDINGS, &major, &minor);
        snprintf(doing, sizeof doing, g->steps ? "checking the reply of %s" : "getting a ticket for %s",
                 g->target_text);
        ws_gss_failure f = { doing, g->user, g->target_text, g->host_is_ip, g->steps > 0 };
        ws_gss_unusable why = WS_GSS_USABLE;
        rc = ws_gss_fail(err, WS_E_AUTH, major, minor, &f, &why);
        if (g->steps == 0)    /* nothing reached the server yet: NTLM may still work */
            g->unusable = why;
        drop_context(g);
        goto out;
    }
    g->steps++;
    if (outtok.length && ws_buf_append(out, outtok.value, outtok.length)) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory");
        goto out;
    }
    if (major == GSS_S_COMPLETE) {
        rc = check_flags(g, flags, err);
        if (rc != WS_OK)
            goto out;
        a->established = 1;
        *done = 1;
    }
out:
    gss_release_buffer(&tmp, &outtok);
    return rc;
}

/* Releases the state; ws_auth_free() frees the handle itself. */
static void gss_destroy(ws_auth *a)
{
    ws_gss *g;
    OM_uint32 minor;

    if (!a)
        return;
    g = a->state;
    if (g) {
        drop_context(g);
        gss_release_cred(&minor, &g->cred);
        gss_release_name(&minor, &g->target);
        ws_wipe_str(g->password);
        free(g->user);
        free(g->keytab);
        free(g->spn);
        free(g->host);
        free(g->ccache_mem);
        free(g->target_text);
        free(g->cbt);
        free(g);
        a->state = NULL;
    }
}

static const ws_auth_ops gss_negotiate_ops = {
    "negotiate", gss_reset, gss_step, ws_gss_wrap, ws_gss_unwrap, gss_destroy, NULL,
};
static const ws_auth_ops gss_kerberos_ops = {
    "kerberos", gss_reset, gss_step, ws_gss_wrap, ws_gss_unwrap, gss_destroy, NULL,
};

ws_auth *ws_auth_gss_new(const ws_gss_opts *o, ws_error *err)
{
    ws_auth *a = NULL;
    ws_gss *g = NULL;
    int failed = 0, spnego;

    if (!o) {
        ws_error_set(err, WS_E_USAGE, "", "no Kerberos options");
        return NULL;
    }
    if (!o->scheme || strcasecmp(o->scheme, "Negotiate") == 0) {
        spnego = 1;
    } else if (strcasecmp(o->scheme, "Kerberos") == 0) {
        spnego = 0;
    } else {
        ws_error_set(err, WS_E_USAGE, "use Negotiate or Kerberos", "unknown GSSAPI scheme %s", o->scheme);
        return NULL;
    }
    a = calloc(1, sizeof *a);
    g = calloc(1, sizeof *g);
    if (!a || !g)
        goto nomem;
    a->state = g;
    g->spnego = spnego;
    g->delegate = o->delegate;
    g->ctx = GSS_C_NO_CONTEXT;
    g->cred = GSS_C_NO_CREDENTIAL;
    g->target = GSS_C_NO_NAME;
    g->user = dup_or_null(o->user, &failed);
    g->password = dup_or_null(o->password, &failed);
    g->keytab = dup_or_null(o->keytab, &failed);
    g->spn = dup_or_null(o->spn, &failed);
    if (failed)
        goto nomem;
    a->ops = spnego ? &gss_negotiate_ops : &gss_kerberos_ops;
    a->scheme = spnego ? "Negotiate" : "Kerberos";
    a->enc_protocol = spnego ? "application/HTTP-SPNEGO-session-encrypted"
                             : "application/HTTP-Kerberos-session-encrypted";
    a->caps = WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS | WS_AUTH_KERBEROS_WRAP |
              WS_AUTH_CHANNEL_BINDING;
    ws_auth_set_user(a, o->user);
    return a;
nomem:
    ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    if (a && a->state)
        gss_destroy(a);
    else
        free(g);
    free(a);
    return NULL;
}

ws_gss_unusable ws_auth_gss_unusable(const ws_auth *a)
{
    if (!a || !a->ops || (a->ops != &gss_negotiate_ops && a->ops != &gss_kerberos_ops))
        return WS_GSS_USABLE;
    return ((const ws_gss *)a->state)->unusable;
}
