/* Client credentials for the GSSAPI mechanism, in the order users expect: the ticket
 * cache, then a keytab, then a password (RFC 2744 5.2; MIT gss_acquire_cred_from and
 * gss_acquire_cred_with_password extensions). Nothing here runs kinit or writes the
 * user's ticket cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <krb5/krb5.h>
#include "auth/gss_int.h"

typedef struct cred_try {
    OM_uint32 major, minor;
    const char *doing;
} cred_try;

typedef struct cred_req {
    ws_gss *g;
    gss_name_t name;
    gss_OID_set_desc mechs;
    gss_cred_id_t *cred;
} cred_req;

/* A cache whose tickets have run out still "acquires": check the remaining lifetime. */
static OM_uint32 check_lifetime(gss_cred_id_t cred, OM_uint32 *minor)
{
    OM_uint32 lifetime = 0, major;

    major = gss_inquire_cred(minor, cred, NULL, &lifetime, NULL, NULL);
    if (GSS_ERROR(major))
        return major;
    if (lifetime == 0) {
        *minor = (OM_uint32)KRB5KRB_AP_ERR_TKT_EXPIRED;
        return GSS_S_CREDENTIALS_EXPIRED;
    }
    return GSS_S_COMPLETE;
}

/* MIT krb5 1.20 (Debian 12) frees an uninitialised principal in krb5_cccol_have_content
 * when a FILE ticket cache is empty or damaged, and may crash (fixed upstream in 1.21).
 * Such a cache named by KRB5CCNAME is recognised here, by its format version (0x05 0x01
 * to 0x05 0x04), and never handed to the library. */
static int ccache_file_damaged(void)
{
    const char *name = getenv("KRB5CCNAME");
    unsigned char hdr[2];
    ssize_t n;
    int fd;

    if (!name)
        return 0;
    if (strncmp(name, "FILE:", 5) == 0)
        name += 5;
    else if (name[0] != '/')
        return 0;   /* another cache type (KEYRING:, KCM:, MEMORY:, DIR:...) */
    if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;   /* missing: the library reports that safely */
    n = read(fd, hdr, sizeof hdr);
    close(fd);
    return !(n == 2 && hdr[0] == 5 && hdr[1] >= 1 && hdr[1] <= 4);
}

static void try_ccache(cred_req *r, cred_try *t)
{
    OM_uint32 tmp;

    t->doing = "reading the ticket cache";
    if (ccache_file_damaged()) {
        t->major = GSS_S_NO_CRED;
        t->minor = 0;
        t->doing = "reading the ticket cache in KRB5CCNAME, which is empty or damaged";
        return;
    }
    t->major = gss_acquire_cred(&t->minor, r->name, GSS_C_INDEFINITE, &r->mechs, GSS_C_INITIATE,
                                r->cred, NULL, NULL);
    if (!GSS_ERROR(t->major))
        t->major = check_lifetime(*r->cred, &t->minor);
    if (GSS_ERROR(t->major))
        gss_release_cred(&tmp, r->cred);
}

/* The keytab's tickets go to a MEMORY cache named after the keytab and user, so one
 * process reuses them (MIT refreshes them from the keytab when they expire). */
static void try_keytab(cred_req *r, cred_try *t)
{
    ws_gss *g = r->g;
    OM_uint32 tmp;
    uint32_t h = 2166136261u;   /* FNV-1a of keytab NUL user */

    for (const char *p = g->keytab; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (const char *p = g->user ? g->user : ""; ; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
        if (!*p)
            break;
    }
    if (!g->ccache_mem) {
        g->ccache_mem = malloc(48);
        if (!g->ccache_mem) {
            t->major = GSS_S_FAILURE;
            t->minor = ENOMEM;
            return;
        }
        snprintf(g->ccache_mem, 48, "MEMORY:nanosh-keytab-%08x", (unsigned)h);
    }
    gss_key_value_element_desc kv[2] = {
        { "client_keytab", g->keytab },
        { "ccache", g->ccache_mem },
    };
    gss_key_value_set_desc store = { 2, kv };

    t->doing = "reading the keytab";
    t->major = gss_acquire_cred_from(&t->minor, r->name, GSS_C_INDEFINITE, &r->mechs, GSS_C_INITIATE,
                                     &store, r->cred, NULL, NULL);
    if (GSS_ERROR(t->major))
        gss_release_cred(&tmp, r->cred);
}

static void try_password(cred_req *r, cred_try *t)
{
    gss_buffer_desc pw = { strlen(r->g->password), r->g->password };
    OM_uint32 tmp;

    t->doing = "getting a ticket with the password";
    t->major = gss_acquire_cred_with_password(&t->minor, r->name, &pw, GSS_C_INDEFINITE, &r->mechs,
                                              GSS_C_INITIATE, r->cred, NULL, NULL);
    if (GSS_ERROR(t->major))
        gss_release_cred(&tmp, r->cred);
}

/* The chain for one mechanism; t tells how the last attempt went. */
static void acquire_chain(cred_req *r, cred_try *t)
{
    try_ccache(r, t);
    if (GSS_ERROR(t->major) && r->g->keytab) {
        cred_try k = { GSS_S_FAILURE, 0, "reading the keytab" };
        try_keytab(r, &k);
        *t = k;
    }
    if (GSS_ERROR(t->major) && r->g->password) {
        cred_try p = { GSS_S_FAILURE, 0, "getting a ticket with the password" };
        try_password(r, &p);
        *t = p;
    }
}

/* SPNEGO offers only krb5: NTLM is nanosh's own code, not a GSSAPI plug-in (RFC 4178 3.1). */
static ws_rc limit_negotiation(ws_gss *g, ws_error *err)
{
    gss_OID_set_desc krb5_only = { 1, &ws_gss_mech_krb5 };
    OM_uint32 major, minor;

    if (!g->spnego)
        return WS_OK;
    major = gss_set_neg_mechs(&minor, g->cred, &krb5_only);
    if (GSS_ERROR(major)) {
        ws_gss_failure f = { "restricting SPNEGO to Kerberos", g->user, NULL, 0, 0 };
        return ws_gss_fail(err, WS_E_AUTH, major, minor, &f, NULL);
    }
    return WS_OK;
}

int ws_gss_krb5_cred(ws_gss *g, gss_cred_id_t *cred)
{
    gss_name_t name = GSS_C_NO_NAME;
    cred_try t = { GSS_S_FAILURE, 0, "" };
    OM_uint32 tmp;

    if (g->user) {
        gss_buffer_desc b = { strlen(g->user), g->user };
        if (GSS_ERROR(gss_import_name(&tmp, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &name)))
            return -1;
    }
    cred_req r = { g, name, { 1, &ws_gss_mech_krb5 }, cred };
    acquire_chain(&r, &t);
    gss_release_name(&tmp, &name);
    return GSS_ERROR(t.major) ? -1 : 0;
}

ws_rc ws_gss_acquire(ws_gss *g, ws_error *err)
{
    gss_name_t name = GSS_C_NO_NAME;
    cred_try t = { GSS_S_NO_CRED, 0, "looking for credentials" };
    OM_uint32 tmp;
    ws_rc rc = WS_OK;

    gss_release_cred(&tmp, &g->cred);
    if (g->user && strchr(g->user, '\\')) {
        g->unusable = WS_GSS_NO_REALM;
        return ws_error_set(err, WS_E_AUTH, "give the user as -u USER@REALM for Kerberos",
                            "Kerberos cannot use the name %s: DOMAIN\\user names are for NTLM", g->user);
    }
    if (g->password && !g->user) {
        g->unusable = WS_GSS_NO_CREDENTIALS;
        return ws_error_set(err, WS_E_USAGE, "pass -u USER@REALM",
                            "a Kerberos password needs a user name");
    }
    if (g->user) {
        gss_buffer_desc b = { strlen(g->user), g->user };
        t.doing = "parsing the user name";
        t.major = gss_import_name(&t.minor, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
        if (GSS_ERROR(t.major))
            goto fail;
    }

    cred_req r = { g, name, { 1, g->spnego ? &ws_gss_mech_spnego : &ws_gss_mech_krb5 }, &g->cred };
    acquire_chain(&r, &t);
    if (GSS_ERROR(t.major) && g->spnego) {
        /* SPNEGO reports "cannot find mechanisms to negotiate" whatever the cause: redo
         * the chain with krb5 alone for the real reason. */
        gss_cred_id_t krb5_cred = GSS_C_NO_CREDENTIAL;
        cred_try k = t;
        cred_req kr = { g, name, { 1, &ws_gss_mech_krb5 }, &krb5_cred };
        acquire_chain(&kr, &k);
        if (GSS_ERROR(k.major))
            t = k;
        gss_release_cred(&tmp, &krb5_cred);
    }
    if (GSS_ERROR(t.major))
        goto fail;
    rc = limit_negotiation(g, err);
    goto out;

fail: {
        ws_gss_failure f = { t.doing, g->user, NULL, 0, 0 };
        rc = ws_gss_fail(err, WS_E_AUTH, t.major, t.minor, &f, &g->unusable);
        if (g->unusable == WS_GSS_USABLE && !g->keytab && !g->password && t.major == GSS_S_NO_CRED)
            g->unusable = WS_GSS_NO_CREDENTIALS;
    }
out:
    gss_release_name(&tmp, &name);
    return rc;
}
