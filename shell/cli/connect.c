/* Client construction from the command line: target, TLS, timeouts, credentials. */
#include "shell/cli/connect.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "auth/negotiate.h"
#include "base/clock.h"
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

void connect_deadline_start(connect_ctx *cx, const nanosh_opts *o)
{
    if (cx->deadline_ms || !o->timeout_ms)
        return;
    cx->timeout_ms = o->timeout_ms;
    cx->deadline_ms = ws_now_ms() + o->timeout_ms;
}

long connect_deadline_left(const connect_ctx *cx)
{
    if (!cx->deadline_ms)
        return LONG_MAX;
    long long left = cx->deadline_ms - ws_now_ms();
    return left > 0 ? (long)left : 0;
}

int connect_report(const connect_ctx *cx, const ws_error *e)
{
    if (cx->deadline_ms && connect_deadline_left(cx) == 0)
        return fail("raise --timeout if the command needs longer",
                    "timed out after %g s", (double)cx->timeout_ms / 1000.0);
    /* A rejected NTLM fallback: say why Kerberos, which might have worked, was not used. */
    ws_error told = *e;   /* shares the fault strings: not cleared here */
    ws_negotiate_explain(&told, cx->kerberos_skipped);
    return fail_ws(&told);
}

/* ssh's NumberOfPasswordPrompts: a typed password gets three tries in all. */
#define PASSWORD_TRIES 3

/* A password typed earlier and handed over as NANOSH_PASSWORD would be (push, pull). */
static int typed_before(const nanosh_opts *o)
{
    return o->env_secrets && o->env_secrets->prompted && o->env_secrets->password &&
           !o->password_file;
}

/* Asks again for a password typed earlier, in the caller's credentials_env: the const in
 * nanosh_opts is for readers; the object is the caller's own (credentials.h). */
static int ask_again(const nanosh_opts *o)
{
    credentials_env *env = (credentials_env *)o->env_secrets;
    const char *user = credentials_user(o);
    char *fresh = NULL;
    int rc = credentials_prompt(o, user ? user : "", &fresh);
    if (rc != 0)
        return rc;
    credentials_wipe(env->password);
    env->password = fresh;
    return 0;
}

static int make_basic(const nanosh_opts *o, const char *user, ws_auth **out, int *prompted)
{
    char *password = NULL;
    *prompted = !credentials_password_given(o) || typed_before(o);
    int rc = credentials_password(o, user, &password);
    if (rc != 0)
        return rc;
    ws_error err;
    memset(&err, 0, sizeof err);
    *out = ws_auth_basic_new(user, password, &err);
    credentials_wipe(password);
    if (!*out) {
        rc = fail_ws(&err);
        ws_error_clear(&err);
    }
    return rc;
}

/* Kerberos or NTLM, picked from the server's offers by the library (auth/negotiate.h);
 * never Basic, which only -a basic gives. A password is asked for only when Kerberos cannot do
 * without one: no ticket cache or keytab, or an IP address without --spn. */
static int make_negotiated(connect_ctx *cx, const nanosh_opts *o, ws_auth **out, int *prompted)
{
    ws_negotiate_opts no = {
        .user = o->user, .keytab = o->keytab, .spn = o->spn, .delegate = o->delegate,
        .allow_kerberos = o->auth == AUTH_NEGOTIATE || o->auth == AUTH_KERBEROS,
        .allow_ntlm = o->auth == AUTH_NEGOTIATE || o->auth == AUTH_NTLM,
        .basic_needs_unencrypted = !o->https && !o->allow_unencrypted,
        .trace = o->debug ? stderr : NULL,
        .kerberos_skipped = cx->kerberos_skipped,
        .kerberos_skipped_size = sizeof cx->kerberos_skipped,
    };
    unsigned char hash[16];
    int have_hash = 0, rc;
    char *password = NULL;

    if (no.allow_ntlm && (rc = credentials_nt_hash(o, hash, &have_hash)) != 0)
        return rc;
    int need_password = !have_hash, kerberos_only = o->auth == AUTH_KERBEROS;
    /* An IP host sends negotiate to NTLM; -a kerberos tries it (the error names the fix). */
    if (need_password && no.allow_kerberos && !credentials_password_given(o) &&
        (o->keytab || ((o->spn || kerberos_only || !ws_host_is_ip_literal(o->host)) &&
                       ws_negotiate_kerberos_ready(&no, o->host))))
        need_password = 0;
    /* -a kerberos with no user and no password: only the ticket cache can serve, so let
     * Kerberos say what is wrong with it (missing, expired) instead of prompting. */
    if (need_password && kerberos_only && !o->user && !credentials_password_given(o))
        need_password = 0;
    if (!no.user && (need_password || have_hash || !no.allow_kerberos))
        no.user = credentials_user(o);
    if (!no.user && !no.allow_kerberos)
        return fail("give the user with -u USER or user@host", "no user name");
    *prompted = need_password && (!credentials_password_given(o) || typed_before(o));
    if (need_password && (rc = credentials_password(o, no.user ? no.user : "", &password)) != 0)
        return rc;
    no.password = password;
    no.nt_hash = have_hash ? hash : NULL;

    ws_error err;
    memset(&err, 0, sizeof err);
    *out = ws_auth_negotiate_new(&no, &err);
    credentials_wipe(password);
    ws_wipe(hash, sizeof hash);
    rc = 0;
    if (!*out) {
        rc = fail_ws(&err);
        ws_error_clear(&err);
    }
    return rc;
}

/* *prompted: the password was typed at the prompt, so a wrong one may be asked again. */
static int make_auth(connect_ctx *cx, const nanosh_opts *o, ws_auth **out, int *prompted)
{
    *prompted = 0;
    if (o->auth == AUTH_BASIC) {
        const char *user = credentials_user(o);
        if (!user)
            return fail("give the user with -u USER or user@host", "no user name");
        return make_basic(o, user, out, prompted);
    }
    return make_negotiated(cx, o, out, prompted);
}

/* --cacert must hold at least one PEM certificate (RFC 7468 section 5); a key or a DER
 * file would only fail later as a TLS error that does not name the file. */
static int check_cacert(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return fail("give --cacert the CA certificate file in PEM form",
                    "cannot read --cacert %s: %s", path, strerror(errno));
    int certs = 0;
    X509 *x;
    while (certs < 1000 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        X509_free(x);
        certs++;
    }
    ERR_clear_error();
    rewind(f);
    char line[128];
    int key = 0;
    while (!certs && !key && fgets(line, sizeof line, f))
        key = strncmp(line, "-----BEGIN", 10) == 0 && strstr(line, "PRIVATE KEY") != NULL;
    ws_wipe(line, sizeof line);
    fclose(f);
    if (certs)
        return 0;
    return fail("give --cacert the CA certificate (-----BEGIN CERTIFICATE-----) that signed "
                "the server's certificate", "--cacert %s is not a PEM certificate%s", path,
                key ? " (it holds a private key)" : "");
}

static int new_client(connect_ctx *cx, const nanosh_opts *o, ws_auth *auth,
                      long operation_timeout_ms, ws_client **out)
{

    ws_target t = {.host = o->host, .port = o->port, .https = o->https, .path = o->path};
    ws_conn_opts co;
    memset(&co, 0, sizeof co);
    co.cacert = o->cacert;
    co.insecure = o->insecure;
    co.allow_unencrypted = o->allow_unencrypted;
    co.connect_timeout_ms = o->connect_timeout_ms;
    co.operation_timeout_ms = operation_timeout_ms;
    if (cx->deadline_ms) {
        /* nanosh watches --timeout itself between requests; the library's hard bound
         * comes a little later so that the remote shell can still be deleted. */
        long left = connect_deadline_left(cx);
        co.deadline_ms = (left > 0 ? left : 1) + CONNECT_CLEANUP_GRACE_MS;
    }
    co.debug = o->debug ? stderr : NULL;

    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_client_new(&t, &co, auth, out, &err) != WS_OK) {
        int rc = connect_report(cx, &err);
        ws_error_clear(&err);
        *out = NULL;
        return rc;
    }
    if (o->debug)
        fprintf(stderr, "nanosh: debug: endpoint %s\n", ws_client_url(*out));
    return 0;
}

/* A typed password is tried at once with an authenticated Identify (DSP0226 11), the
 * cheapest request that logs on, so that a typo is asked again before any command runs.
 * 1: the server refused the credentials (HTTP 401 or a failed handshake), *err says how;
 * 0: logged on, or another failure, left to the command's own first request to meet and
 * report as it always has (push, for one, may still copy over SMB). */
static int password_refused(ws_client *c, ws_error *err)
{
    ws_identity id;
    ws_rc rc = ws_identify(c, 0, &id, err);
    if (rc == WS_OK)
        ws_identity_free(&id);
    if (rc == WS_E_AUTH)
        return 1;
    ws_error_clear(err);
    return 0;
}

int connect_client(connect_ctx *cx, const nanosh_opts *o, int authenticated,
                   long operation_timeout_ms, ws_client **out)
{
    *out = NULL;
    for (int attempt = 1;; attempt++) {
        ws_auth *auth = NULL;
        int prompted = 0, rc;
        if (attempt == 1 && o->https && o->cacert && (rc = check_cacert(o->cacert)) != 0)
            return rc;
        if (authenticated && (rc = make_auth(cx, o, &auth, &prompted)) != 0)
            return rc;
        /* The clock starts after the password prompt: a person typing is not the network. */
        connect_deadline_start(cx, o);
        if ((rc = new_client(cx, o, auth, operation_timeout_ms, out)) != 0 || !prompted)
            return rc;

        ws_error err;
        memset(&err, 0, sizeof err);
        if (!password_refused(*out, &err))
            return 0;
        ws_client_free(*out);
        *out = NULL;
        if (attempt == PASSWORD_TRIES) {
            rc = connect_report(cx, &err);
            ws_error_clear(&err);
            return rc;
        }
        ws_error_clear(&err);
        warn_line(NULL, "permission denied (wrong user name or password); please try again");
        cx->deadline_ms = 0;    /* the next prompt is typing time again */
        if (typed_before(o) && (rc = ask_again(o)) != 0)
            return rc;
    }
}
