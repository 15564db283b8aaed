/* libnanosh: the public API (lib/nanosh.h) over the WS-Management and auth layers.
 * Clients, errors and Identify; running commands is in api_run.c. */
#include "lib/api_int.h"
#include "auth/negotiate.h"
#include "auth/ntlm.h"
#include "base/buf.h"
#include "wsman/global.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* libcurl (and through it OpenSSL) is set up once per process, before the first client:
 * the one piece of process-wide state, written once under pthread_once. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static ws_error global_err;

const char *nanosh_version(void)
{
    return PACKAGE_VERSION;
}

static nanosh_rc public_rc(ws_rc rc)
{
    switch (rc) {
    case WS_OK:           return NANOSH_OK;
    case WS_E_USAGE:      return NANOSH_E_USAGE;
    case WS_E_NOMEM:      return NANOSH_E_NOMEM;
    case WS_E_RESOLVE:    return NANOSH_E_RESOLVE;
    case WS_E_CONNECT:    return NANOSH_E_CONNECT;
    case WS_E_TLS_VERIFY: return NANOSH_E_TLS_VERIFY;
    case WS_E_TLS:        return NANOSH_E_TLS;
    case WS_E_TIMEOUT:    return NANOSH_E_TIMEOUT;
    case WS_E_AUTH:       return NANOSH_E_AUTH;
    case WS_E_HTTP:       return NANOSH_E_HTTP;
    case WS_E_FAULT:      return NANOSH_E_FAULT;
    case WS_E_PROTOCOL:   return NANOSH_E_PROTOCOL;
    case WS_E_INSECURE:   return NANOSH_E_INSECURE;
    case WS_E_CRYPTO:     return NANOSH_E_CRYPTO;
    case WS_E_IO:         return NANOSH_E_IO;
    }
    return NANOSH_E_PROTOCOL;
}

const char *nanosh_rc_name(nanosh_rc rc)
{
    if (rc == NANOSH_E_CANCELLED)
        return "cancelled";
    for (int i = WS_OK; i <= WS_E_IO; i++)
        if (public_rc((ws_rc)i) == rc)
            return ws_rc_name((ws_rc)i);
    return "unknown error";
}

nanosh_rc api_error_from(const nanosh_client *c, const ws_error *e, nanosh_error *err)
{
    nanosh_rc rc = public_rc(e->rc);
    if (!err)
        return rc;
    memset(err, 0, sizeof *err);
    err->rc = rc;
    err->http_status = e->http_status;
    if (e->rc == WS_E_FAULT && e->fault.has_wsman_code) {
        err->has_wsman_code = 1;
        err->wsman_code = e->fault.wsman_code;
    }
    ws_error told = *e;   /* shares the fault strings: not cleared here */
    if (!told.what[0])
        snprintf(told.what, sizeof told.what, "%s", ws_rc_name(e->rc));
    if (c)
        ws_negotiate_explain(&told, c->kerberos_skipped);
    snprintf(err->what, sizeof err->what, "%s", told.what);
    snprintf(err->fix, sizeof err->fix, "%s", e->fix);
    return rc;
}

int api_copy_options(const void *in, size_t in_size, void *out, size_t out_size)
{
    memset(out, 0, out_size);
    if (!in || in_size < sizeof(size_t))
        return -1;
    memcpy(out, in, in_size < out_size ? in_size : out_size);
    return 0;
}

nanosh_rc api_fail(nanosh_error *err, nanosh_rc rc, const char *fix, const char *what)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->rc = rc;
        snprintf(err->what, sizeof err->what, "%s", what);
        snprintf(err->fix, sizeof err->fix, "%s", fix);
    }
    return rc;
}

static void global_init(void)
{
    ws_global_init(&global_err);
}

/* Kerberos or NTLM chosen from the server's offers, never Basic (auth/negotiate.h). */
static ws_auth *make_negotiated(nanosh_client *c, const nanosh_options *o, ws_error *e)
{
    ws_negotiate_opts no = {
        .user = o->user, .password = o->password, .spn = o->spn,
        .allow_kerberos = o->auth == NANOSH_AUTH_NEGOTIATE || o->auth == NANOSH_AUTH_KERBEROS,
        .allow_ntlm = o->auth == NANOSH_AUTH_NEGOTIATE || o->auth == NANOSH_AUTH_NTLM,
        .basic_needs_unencrypted = !o->https && !o->allow_unencrypted,
        .trace = o->debug,
        .kerberos_skipped = c->kerberos_skipped,
        .kerberos_skipped_size = sizeof c->kerberos_skipped,
    };
    if (o->auth == NANOSH_AUTH_NTLM && (!o->user || (!o->password && !o->nt_hash))) {
        ws_error_set(e, WS_E_USAGE, "set user, and password or nt_hash, in nanosh_options",
                     "NTLM needs a user name and a password or an NT hash");
        return NULL;
    }
    unsigned char hash[16];
    ws_auth *a = NULL;
    if (!o->nt_hash || ws_ntlm_parse_nt_hash(o->nt_hash, hash, e) == WS_OK) {
        no.nt_hash = o->nt_hash ? hash : NULL;
        a = ws_auth_negotiate_new(&no, e);
    }
    ws_wipe(hash, sizeof hash);
    return a;
}

static ws_auth *make_auth(nanosh_client *c, const nanosh_options *o, ws_error *e)
{
    if (o->nt_hash && (o->auth == NANOSH_AUTH_BASIC || o->auth == NANOSH_AUTH_KERBEROS)) {
        ws_error_set(e, WS_E_USAGE, "use NANOSH_AUTH_NTLM or NANOSH_AUTH_NEGOTIATE",
                     "an NT hash works only with NTLM");
        return NULL;
    }
    switch (o->auth) {
    case NANOSH_AUTH_BASIC:
        if (!o->user || !o->password) {
            ws_error_set(e, WS_E_USAGE, "set user and password in nanosh_options",
                         "Basic authentication needs a user name and a password");
            return NULL;
        }
        return ws_auth_basic_new(o->user, o->password, e);
    case NANOSH_AUTH_NEGOTIATE:
    case NANOSH_AUTH_NTLM:
    case NANOSH_AUTH_KERBEROS:
        return make_negotiated(c, o, e);
    }
    ws_error_set(e, WS_E_USAGE, "use one of the NANOSH_AUTH_ values",
                 "unknown authentication mechanism %d", (int)o->auth);
    return NULL;
}


nanosh_rc nanosh_client_new(const nanosh_options *in, nanosh_client **out, nanosh_error *err)
{
    nanosh_options o;
    ws_error e;
    memset(&e, 0, sizeof e);
    if (!out)
        return api_fail(err, NANOSH_E_USAGE, "pass where to store the client", "nanosh_client_new: out is NULL");
    *out = NULL;
    if (api_copy_options(in, in ? in->size : 0, &o, sizeof o) < 0)
        return api_fail(err, NANOSH_E_USAGE, "initialise the options with NANOSH_OPTIONS_INIT",
                     "nanosh_client_new: options missing or without their size");
    if (!o.host || !*o.host)
        return api_fail(err, NANOSH_E_USAGE, "set host in nanosh_options", "no host given");
    pthread_once(&global_once, global_init);
    if (global_err.rc != WS_OK)
        return api_error_from(NULL, &global_err, err);

    nanosh_client *c = calloc(1, sizeof *c);
    if (!c) {
        ws_error_set(&e, WS_E_NOMEM, "", "out of memory creating a client");
        return api_error_from(NULL, &e, err);
    }
    ws_auth *auth = make_auth(c, &o, &e);
    if (!auth) {
        nanosh_rc rc = api_error_from(c, &e, err);
        ws_error_clear(&e);
        free(c);
        return rc;
    }
    ws_target t = {.host = o.host, .port = o.port, .https = o.https};
    ws_conn_opts co = {
        .cacert = o.cacert, .insecure = o.insecure, .allow_unencrypted = o.allow_unencrypted,
        .connect_timeout_ms = o.connect_timeout_ms,
        .operation_timeout_ms = o.operation_timeout_ms, .debug = o.debug,
    };
    c->operation_timeout_ms = o.operation_timeout_ms;
    if (ws_client_new(&t, &co, auth, &c->ws, &e) != WS_OK) {   /* takes auth */
        nanosh_rc rc = api_error_from(c, &e, err);
        ws_error_clear(&e);
        free(c);
        return rc;
    }
    *out = c;
    return NANOSH_OK;
}

void nanosh_client_free(nanosh_client *c)
{
    if (!c)
        return;
    ws_client_free(c->ws);
    ws_wipe(c, sizeof *c);
    free(c);
}

const char *nanosh_client_url(const nanosh_client *c)
{
    return ws_client_url(c->ws);
}

nanosh_rc nanosh_identify(nanosh_client *c, int unauthenticated, nanosh_identity *out,
                          nanosh_error *err)
{
    ws_identity id;
    ws_error e;
    memset(&id, 0, sizeof id);
    memset(&e, 0, sizeof e);
    if (!c || !out)
        return api_fail(err, NANOSH_E_USAGE, "pass a client and where to store the identity",
                     "nanosh_identify: client or out is NULL");
    memset(out, 0, sizeof *out);
    if (ws_identify(c->ws, unauthenticated, &id, &e) != WS_OK) {
        nanosh_rc rc = api_error_from(c, &e, err);
        ws_error_clear(&e);
        return rc;
    }
    /* The same four strings, handed over as they are. */
    out->protocol_version = id.protocol_version;
    out->product_vendor = id.product_vendor;
    out->product_version = id.product_version;
    out->security_profiles = id.security_profiles;
    return NANOSH_OK;
}

void nanosh_identity_free(nanosh_identity *id)
{
    if (!id)
        return;
    ws_identity pub = {
        .protocol_version = id->protocol_version, .product_vendor = id->product_vendor,
        .product_version = id->product_version, .security_profiles = id->security_profiles,
    };
    ws_identity_free(&pub);
    memset(id, 0, sizeof *id);
}
