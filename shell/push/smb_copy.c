/* The per-host libsmbclient context, stat and mkdir (see smb_copy.h); put and get are
 * in smb_put.c and smb_get.c. */
#include "shell/push/smb_conn.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libsmbclient asks for credentials per server and share; they come from the context's
 * own user data, so two hosts never share them. */
static void auth_cb(SMBCCTX *ctx, const char *srv, const char *shr, char *wg, int wglen,
                    char *un, int unlen, char *pw, int pwlen)
{
    (void)srv; (void)shr;
    const smb_conn *c = smb_user_data(ctx);
    if (!c)
        return;
    if (c->domain[0])
        snprintf(wg, (size_t)wglen, "%s", c->domain);
    snprintf(un, (size_t)unlen, "%s", c->user);
    snprintf(pw, (size_t)pwlen, "%s", c->secret);
}

/* "DOMAIN\user" into its parts; -1 when a part does not fit. */
static int split_user(smb_conn *c, const char *user)
{
    const char *bs = strchr(user, '\\');
    int n = bs ? snprintf(c->domain, sizeof c->domain, "%.*s", (int)(bs - user), user) : 0;
    int m = snprintf(c->user, sizeof c->user, "%s", bs ? bs + 1 : user);
    return n < 0 || (size_t)n >= sizeof c->domain || m < 0 || (size_t)m >= sizeof c->user
        ? -1 : 0;
}

/* The context's options: no Kerberos ticket needed for a password, no silent fallback to
 * an anonymous logon, SMB2 at least (SMB1 is off on current Windows), bounded waits. */
static void configure(smb_conn *c, int nt_hash, int timeout_ms)
{
    smb_api *a = &c->api;
    a->smbc_setDebug(c->ctx, 0);
    a->smbc_setOptionUserData(c->ctx, c);
    a->smbc_setFunctionAuthDataWithContext(c->ctx, auth_cb);
    a->smbc_setOptionUseKerberos(c->ctx, 0);
    a->smbc_setOptionFallbackAfterKerberos(c->ctx, 1);
    a->smbc_setOptionNoAutoAnonymousLogin(c->ctx, 1);
    a->smbc_setOptionUseNTHash(c->ctx, nt_hash ? 1 : 0);
    a->smbc_setOptionProtocols(c->ctx, "SMB2_02", "SMB3");
    a->smbc_setTimeout(c->ctx, timeout_ms > 0 ? timeout_ms : 20000);
    a->smbc_setPort(c->ctx, (uint16_t)c->port);
}

ws_rc smb_conn_open(smb_conn **out, const char *host, unsigned port, const smb_creds *creds,
                    int timeout_ms, ws_error *err)
{
    *out = NULL;
    smb_conn *c = calloc(1, sizeof *c);
    if (!c)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory for an SMB connection");
    c->port = port ? port : 445;
    if (snprintf(c->host, sizeof c->host, "%s", host) >= (int)sizeof c->host
        || split_user(c, creds->user) != 0
        || snprintf(c->secret, sizeof c->secret, "%s", creds->secret) >= (int)sizeof c->secret) {
        smb_conn_close(c);
        return ws_error_set(err, WS_E_USAGE, "", "SMB host, user or password too long");
    }
    ws_rc rc = smb_api_load(&c->api, NULL, err);
    if (rc != WS_OK) {
        smb_conn_close(c);
        return rc;
    }
    c->ctx = c->api.smbc_new_context();
    if (!c->ctx) {
        smb_conn_close(c);
        return ws_error_set(err, WS_E_NOMEM, "", "cannot create an SMB context");
    }
    configure(c, creds->nt_hash, timeout_ms);
    if (!c->api.smbc_init_context(c->ctx)) {
        int e = errno;
        smb_conn_close(c);
        return ws_error_set(err, WS_E_IO, "check /etc/samba/smb.conf",
                            "cannot set up libsmbclient: %s", strerror(e));
    }
    *out = c;
    return WS_OK;
}

void smb_conn_close(smb_conn *c)
{
    if (!c)
        return;
    if (c->ctx)
        c->api.smbc_free_context(c->ctx, 1);
    OPENSSL_cleanse(c->secret, sizeof c->secret);
    free(c);
}

smb_where smb_where_of(const smb_conn *c, const char *share, const char *path)
{
    return (smb_where){ c->host, c->port, share, path };
}

char *smb_conn_url(const smb_conn *c, const char *share, const char *path, ws_error *err)
{
    char *url = smb_url(c->host, share, path);
    if (!url)
        ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    return url;
}

ws_rc smb_ready(smb_conn *c, const char *share, ws_error *err)
{
    if (strcmp(c->ready_share, share) == 0)
        return WS_OK;
    char *url = smb_conn_url(c, share, "", err);
    if (!url)
        return WS_E_NOMEM;
    struct stat st;
    int r = c->api.smbc_getFunctionStat(c->ctx)(c->ctx, url, &st);
    int e = errno;
    free(url);
    smb_where w = smb_where_of(c, share, "");
    if (r != 0)
        return smb_connect_error(err, &c->kind, e, c->user, &w);
    snprintf(c->ready_share, sizeof c->ready_share, "%s", share);
    return WS_OK;
}

/* The share opened and the URL of path in it: the start of every call on one path.
 * NULL with *rc and err set. */
static char *path_url(smb_conn *c, const char *share, const char *path, ws_rc *rc,
                      ws_error *err)
{
    *rc = smb_ready(c, share, err);
    char *url = *rc == WS_OK ? smb_conn_url(c, share, path, err) : NULL;
    if (*rc == WS_OK && !url)
        *rc = WS_E_NOMEM;
    return url;
}

ws_rc smb_stat_path(smb_conn *c, const char *share, const char *path, struct stat *st,
                    int *exists, ws_error *err)
{
    *exists = 0;
    ws_rc rc;
    char *url = path_url(c, share, path, &rc, err);
    if (!url)
        return rc;
    int r = c->api.smbc_getFunctionStat(c->ctx)(c->ctx, url, st);
    int e = errno;
    free(url);
    if (r == 0)
        *exists = 1;
    else if (e != ENOENT) {
        smb_where w = smb_where_of(c, share, path);
        return smb_errno_error(err, &c->kind, e, "stat", &w);
    }
    return WS_OK;
}

ws_rc smb_mkdir(smb_conn *c, const char *share, const char *path, ws_error *err)
{
    ws_rc rc;
    char *url = path_url(c, share, path, &rc, err);
    if (!url)
        return rc;
    int r = c->api.smbc_getFunctionMkdir(c->ctx)(c->ctx, url, 0755);
    int e = errno;
    free(url);
    smb_where w = smb_where_of(c, share, path);
    return r == 0 ? WS_OK : smb_errno_error(err, &c->kind, e, "mkdir", &w);
}
