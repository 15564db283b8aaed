/* HTTP Basic (RFC 7617): one step whose token is "user:password". The transport
 * base64-encodes it and sends it with every request. No session security. */
#include "auth/auth.h"
#include <stdlib.h>
#include <string.h>

static ws_rc basic_reset(ws_auth *a, const ws_auth_conn *conn, ws_error *err)
{
    (void)conn;
    (void)err;
    a->established = 0;
    return WS_OK;
}

static ws_rc basic_step(ws_auth *a, const unsigned char *in, size_t inlen,
                        ws_buf *out, int *done, ws_error *err)
{
    (void)in;
    (void)inlen;
    const ws_buf *cred = a->state;
    ws_buf_secret(out);   /* the caller's buffer now holds user:password */
    if (ws_buf_append(out, cred->data, cred->len) < 0)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory building Basic credentials");
    *done = 1;
    return WS_OK;
}

static void basic_destroy(ws_auth *a)
{
    ws_buf *cred = a->state;
    if (cred) {
        ws_buf_wipe(cred);
        free(cred);
    }
    a->state = NULL;
}

static const ws_auth_ops basic_ops = {
    .name = "basic",
    .reset = basic_reset,
    .step = basic_step,
    .wrap = NULL,
    .unwrap = NULL,
    .destroy = basic_destroy,
};

ws_auth *ws_auth_basic_new(const char *user, const char *password, ws_error *err)
{
    if (!user || !*user || !password) {
        ws_error_set(err, WS_E_USAGE, "give the user with -u and the password in NANOSH_PASSWORD",
                     "Basic authentication needs a user name and a password");
        return NULL;
    }
    /* RFC 7617 2: the user-id cannot contain a colon. */
    if (strchr(user, ':')) {
        ws_error_set(err, WS_E_USAGE, "use the DOMAIN\\user or user@REALM form",
                     "the user name '%s' contains ':', which Basic authentication cannot carry", user);
        return NULL;
    }
    ws_auth *a = calloc(1, sizeof *a);
    ws_buf *cred = calloc(1, sizeof *cred);
    if (!a || !cred)
        goto nomem;
    ws_buf_secret(cred);
    if (ws_buf_appends(cred, user) < 0 || ws_buf_append(cred, ":", 1) < 0 ||
        ws_buf_appends(cred, password) < 0)
        goto nomem;
    a->ops = &basic_ops;
    a->scheme = "Basic";
    a->enc_protocol = NULL;
    a->caps = WS_AUTH_PLAINTEXT;   /* per request, no session security */
    a->state = cred;
    ws_auth_set_user(a, user);
    return a;
nomem:
    if (cred) {
        ws_buf_wipe(cred);
        free(cred);
    }
    free(a);
    ws_error_set(err, WS_E_NOMEM, NULL, "out of memory creating Basic credentials");
    return NULL;
}
