/* The GSSAPI mechanism against a real MIT KDC and a python3-gssapi acceptor.
 * Run by test_gss.sh, which starts the KDC and prepares the ticket caches in
 * NANOSH_KRB_DIR: cc.valid (alice, forwardable), cc.expired, cert1.der, cert2.der,
 * unreach.conf (the realm's KDC on a closed port), rc4.conf (a client limited to RC4),
 * cc.rc4 (alice with an RC4 ticket for HTTP/rc4.localhost). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "auth/gss.h"
#include "tests/tap.h"
#include "peer.h"

static const char *dir, *realm, *alice_pw, *svc_keytab;
static char alice[128], svc[128];
static unsigned char cert1[8192], cert2[8192];
static size_t cert1_len, cert2_len;

typedef struct hs {
    ws_rc rc;
    ws_error err;
    int early_established;   /* established before the final token was processed */
    int first_is_spnego;     /* first token carries the SPNEGO OID (RFC 4178 4.2) */
    int acceptor_failed;
    char acceptor[512];      /* the acceptor's last reply */
} hs;

static void use_ccache(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "FILE:%s/%s", dir, name);
    setenv("KRB5CCNAME", path, 1);
}

static size_t load(const char *name, unsigned char *buf, size_t size)
{
    char path[4096];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f) {
        n = fread(buf, 1, size, f);
        fclose(f);
    }
    return n;
}

static int exists(const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static ws_auth *mech(const char *scheme, const char *user, const char *pw, const char *keytab,
                     const char *spn, int delegate)
{
    ws_gss_opts o = { scheme, user, pw, keytab, spn, delegate };
    ws_error err = {0};
    ws_auth *a = ws_auth_gss_new(&o, &err);
    if (!a)
        printf("# ws_auth_gss_new: %s\n", err.what);
    return a;
}

/* An initial context token (RFC 2743 3.1): 0x60, DER length, then the mechanism OID;
 * SPNEGO is 1.3.6.1.5.5.2 (RFC 4178 4.2). */
static int is_spnego(const unsigned char *t, size_t len)
{
    size_t i = 2;

    if (len < 12 || t[0] != 0x60)
        return 0;
    if (t[1] & 0x80)
        i += t[1] & 0x7f;
    return i + 8 <= len && memcmp(t + i, "\x06\x06\x2b\x06\x01\x05\x05\x02", 8) == 0;
}

/* Runs the whole handshake against the acceptor, the way the transport would. */
static void handshake(ws_auth *a, peer *p, const char *host, const unsigned char *der,
                      size_t der_len, hs *h)
{
    ws_auth_conn conn = { host, der, der_len };
    ws_buf out = WS_BUF_INIT;
    static unsigned char tok[1 << 15];
    long toklen = 0;
    int done = 0, first = 1;
    char word[16];

    memset(h, 0, sizeof *h);
    h->rc = a->ops->reset(a, &conn, &h->err);
    while (h->rc == WS_OK && !done) {
        ws_buf_reset(&out);
        h->rc = a->ops->step(a, first ? NULL : tok, first ? 0 : (size_t)toklen, &out, &done, &h->err);
        if (h->rc != WS_OK || done)
            break;
        if (first)
            h->first_is_spnego = is_spnego((const unsigned char *)out.data, out.len);
        first = 0;
        if (a->established)
            h->early_established = 1;
        const char *r = peer_call(p, "TOKEN", NULL, out.data, out.len);
        snprintf(h->acceptor, sizeof h->acceptor, "%.500s", p->line);
        if (strcmp(r, "CONTINUE") && strcmp(r, "COMPLETE")) {
            h->acceptor_failed = 1;
            h->rc = WS_E_AUTH;
            break;
        }
        if (strcmp(peer_word(p, 1, word, sizeof word), "-") == 0)
            toklen = 0;    /* the 200 came without a token */
        else
            toklen = peer_word_b64(p, 1, tok, sizeof tok);
        if (toklen < 0) {
            h->rc = WS_E_PROTOCOL;
            break;
        }
    }
    ws_buf_free(&out);
    if (h->rc != WS_OK && !h->acceptor_failed)
        printf("# %s: %s | %s\n", ws_rc_name(h->rc), h->err.what, h->err.fix);
}

static int has(const char *text, const char *part)
{
    return text && strstr(text, part) != NULL;
}

static int acceptor_user_is(const peer *p, const char *user)
{
    char w[256];
    return strcmp(peer_word(p, 2, w, sizeof w), user) == 0;
}

/* n messages each way, checked by the acceptor's independent gss_unwrap / wrap_iov. */
static int exchange(ws_auth *a, peer *p, int n, int *aes_layout)
{
    static unsigned char msg[30000], got[40000];
    const size_t sizes[] = { 1, 517, sizeof msg };
    ws_buf out = WS_BUF_INIT;
    ws_error err = {0};
    int good = 1;
    char num[16];

    *aes_layout = 1;
    for (int i = 0; i < n && good; i++) {
        size_t len = sizes[i % 3], sig = 0;
        for (size_t j = 0; j < len; j++)
            msg[j] = (unsigned char)(j * 7 + (size_t)i);
        ws_buf_reset(&out);
        good = a->ops->wrap(a, msg, len, &out, &sig, &err) == WS_OK;
        /* AES (RFC 4121) with the SSPI layout: a 60-byte header, no padding */
        if (sig != 60 || out.len != sig + len)
            *aes_layout = 0;
        snprintf(num, sizeof num, "%zu", sig);
        good = good && strcmp(peer_call(p, "UNWRAP", num, out.data, out.len), "PLAIN") == 0
               && peer_word_b64(p, 1, got, sizeof got) == (long)len && memcmp(got, msg, len) == 0;
        if (!good)
            break;
        /* and back: the acceptor wraps, we unwrap */
        long wl;
        good = strcmp(peer_call(p, "WRAP", NULL, msg, len), "WRAPPED") == 0
               && (wl = peer_word_b64(p, 2, got, sizeof got)) > 0;
        if (!good)
            break;
        ws_buf_reset(&out);
        good = a->ops->unwrap(a, got, (size_t)wl, (size_t)atol(peer_word(p, 1, num, sizeof num)), &out, &err) == WS_OK
               && out.len == len && memcmp(out.data, msg, len) == 0;
    }
    if (!good)
        printf("# exchange failed: %s / %s\n", err.what, p->line);
    ws_buf_free(&out);
    return good;
}

static void test_kerberos_ccache(void)
{
    peer p;
    hs h;
    int aes;
    ws_auth *a = mech("Kerberos", NULL, NULL, NULL, NULL, 0);

    use_ccache("cc.valid");
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK, "Kerberos scheme with the ticket cache: handshake completes");
    TAP_OK(acceptor_user_is(&p, alice), "acceptor sees %s", alice);
    TAP_OK(has(p.line, " krb5 ") && !h.first_is_spnego, "raw krb5 mechanism, no SPNEGO wrapper");
    TAP_OK(!h.early_established && a->established, "established only after the mutual-auth token");
    TAP_STR_EQ(a->enc_protocol, "application/HTTP-Kerberos-session-encrypted", "Kerberos encryption protocol string");
    TAP_STR_EQ(a->scheme, "Kerberos", "HTTP scheme Kerberos");
    TAP_OK(exchange(a, &p, 6, &aes), "6 messages each way across one context (wrap_iov / unwrap_iov)");
    TAP_OK(aes, "AES layout: 60-byte header as sig_len, sealed length = plaintext length");

    /* Tampering and replays, on messages the acceptor wraps */
    ws_buf out = WS_BUF_INIT;
    ws_error err = {0};
    static unsigned char w[4096], bad[4096];
    char num[16];
    size_t sig;
    peer_call(&p, "WRAP", NULL, "<s:Envelope/>", 13);
    long wl = peer_word_b64(&p, 2, w, sizeof w);
    sig = (size_t)atol(peer_word(&p, 1, num, sizeof num));
    memcpy(bad, w, (size_t)wl);
    bad[wl - 1] ^= 0x01;
    TAP_OK(a->ops->unwrap(a, bad, (size_t)wl, sig, &out, &err) == WS_E_CRYPTO, "flipped data bit rejected: %s", err.what);
    memcpy(bad, w, (size_t)wl);
    bad[sig - 1] ^= 0x80;
    TAP_OK(a->ops->unwrap(a, bad, (size_t)wl, sig, &out, &err) == WS_E_CRYPTO, "flipped header bit rejected");
    TAP_OK(a->ops->unwrap(a, w, (size_t)wl, sig, &out, &err) == WS_OK && out.len == 13
           && memcmp(out.data, "<s:Envelope/>", 13) == 0, "the untouched message still unwraps");
    ws_buf_reset(&out);
    TAP_OK(a->ops->unwrap(a, w, (size_t)wl, sig, &out, &err) == WS_E_CRYPTO && has(err.what, "replayed"),
           "a replayed message is rejected: %s", err.what);
    TAP_OK(a->ops->unwrap(a, w, 10, 20, &out, &err) == WS_E_CRYPTO, "signature longer than the message rejected");
    TAP_OK(a->ops->unwrap(a, w, 70, 60, &out, &err) == WS_E_CRYPTO, "truncated message rejected");

    /* Tampering the other way: the acceptor must refuse */
    ws_buf_reset(&out);
    a->ops->wrap(a, (const unsigned char *)"ipconfig", 8, &out, &sig, &err);
    out.data[out.len - 1] ^= 0x01;
    snprintf(num, sizeof num, "%zu", sig);
    TAP_OK(strcmp(peer_call(&p, "UNWRAP", num, out.data, out.len), "ERROR") == 0, "acceptor rejects a flipped bit from us");
    peer_stop(&p);

    /* A reconnect: reset() starts a new context with the same credentials */
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && exchange(a, &p, 2, &aes), "reset() and a new handshake on a reconnect");
    peer_stop(&p);
    ws_buf_free(&out);
    ws_auth_free(a);
}

static void test_negotiate_ccache(void)
{
    peer p;
    hs h;
    int aes;
    ws_auth *a = mech("Negotiate", alice, NULL, NULL, NULL, 0);

    use_ccache("cc.valid");
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && h.first_is_spnego, "Negotiate: SPNEGO token, handshake completes");
    TAP_OK(has(p.line, " krb5 ") && acceptor_user_is(&p, alice), "SPNEGO negotiated krb5 for %s", alice);
    TAP_STR_EQ(a->enc_protocol, "application/HTTP-SPNEGO-session-encrypted", "SPNEGO encryption protocol string");
    TAP_OK(exchange(a, &p, 4, &aes), "4 messages each way under SPNEGO");
    peer_stop(&p);
    ws_auth_free(a);

    ws_error err = {0};
    a = mech("Negotiate", NULL, NULL, NULL, NULL, 0);
    ws_buf out = WS_BUF_INIT;
    size_t sig;
    TAP_OK(a->ops->wrap(a, (const unsigned char *)"x", 1, &out, &sig, &err) == WS_E_USAGE,
           "wrap before a handshake is refused");
    ws_buf_free(&out);
    ws_auth_free(a);
}

static void test_password_and_keytab(void)
{
    peer p;
    hs h;
    int aes;
    ws_auth *a;

    use_ccache("cc.none");
    a = mech("Kerberos", alice, alice_pw, NULL, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && acceptor_user_is(&p, alice), "password without kinit: %s authenticated", alice);
    TAP_OK(exchange(a, &p, 2, &aes), "password credentials encrypt");
    TAP_OK(!exists("cc.none"), "the ticket cache was not written");
    peer_stop(&p);
    ws_auth_free(a);

    a = mech("Negotiate", alice, alice_pw, NULL, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && h.first_is_spnego && acceptor_user_is(&p, alice), "password under SPNEGO");
    peer_stop(&p);
    ws_auth_free(a);

    a = mech("Kerberos", svc, NULL, svc_keytab, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && acceptor_user_is(&p, svc), "keytab: %s authenticated", svc);
    TAP_OK(exchange(a, &p, 2, &aes), "keytab credentials encrypt");
    TAP_OK(!exists("cc.none"), "the ticket cache was not written");
    peer_stop(&p);
    ws_auth_free(a);

    a = mech("Negotiate", NULL, NULL, svc_keytab, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && acceptor_user_is(&p, svc), "keytab without -u uses its principal (SPNEGO)");
    peer_stop(&p);
    ws_auth_free(a);

    /* order: a valid ticket cache wins over the keytab */
    use_ccache("cc.valid");
    a = mech("Kerberos", NULL, NULL, svc_keytab, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && acceptor_user_is(&p, alice), "the ticket cache comes before the keytab");
    peer_stop(&p);
    ws_auth_free(a);
}

/* A failing handshake: returns the error and the fallback verdict. */
static ws_gss_unusable fails(const char *scheme, const char *user, const char *pw, const char *host, hs *h)
{
    peer p;
    ws_auth *a = mech(scheme, user, pw, NULL, NULL, 0);
    ws_gss_unusable u;

    peer_start(&p, NULL);
    handshake(a, &p, host, NULL, 0, h);
    u = ws_auth_gss_unusable(a);
    peer_stop(&p);
    ws_auth_free(a);
    return u;
}

static void test_failures(void)
{
    hs h;
    ws_gss_unusable u;
    char other[256];

    use_ccache("cc.none");
    u = fails("Kerberos", alice, "not-the-password", "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "wrong password") && u == WS_GSS_USABLE,
           "wrong password: %s", h.err.what);

    u = fails("Negotiate", NULL, NULL, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "no Kerberos ticket") && has(h.err.fix, "run kinit USER@REALM")
           && u == WS_GSS_NO_CREDENTIALS, "absent ticket: %s: %s", h.err.what, h.err.fix);

    use_ccache("cc.expired");
    u = fails("Kerberos", NULL, NULL, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "expired") && has(h.err.fix, "run kinit")
           && u == WS_GSS_NO_CREDENTIALS, "expired ticket: %s: %s", h.err.what, h.err.fix);

    use_ccache("cc.valid");
    u = fails("Kerberos", NULL, NULL, "127.0.0.1", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "server not found in Kerberos database")
           && has(h.err.fix, "connect by the host's DNS name, not an IP, or pass --spn") && u == WS_GSS_NO_SPN,
           "IP host: %s: %s", h.err.what, h.err.fix);
    u = fails("Negotiate", NULL, NULL, "127.0.0.1", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "server not found") && u == WS_GSS_NO_SPN,
           "IP host under SPNEGO: NTLM fallback is allowed");

    snprintf(other, sizeof other, "%s/unreach.conf", dir);
    char *saved = strdup(getenv("KRB5_CONFIG"));
    setenv("KRB5_CONFIG", other, 1);
    use_ccache("cc.none");
    u = fails("Negotiate", alice, alice_pw, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "cannot reach a KDC") && has(h.err.fix, "krb5.conf")
           && u == WS_GSS_KDC_UNREACHABLE, "KDC unreachable: %s: %s", h.err.what, h.err.fix);
    setenv("KRB5_CONFIG", saved, 1);
    free(saved);

    u = fails("Negotiate", "alice@NOWHERE.INVALID", alice_pw, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && u == WS_GSS_NO_REALM && has(h.err.what, "realm"),
           "unknown realm: %s", h.err.what);

    u = fails("Negotiate", "CORP\\alice", alice_pw, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && u == WS_GSS_NO_REALM, "DOMAIN\\user is left to NTLM: %s", h.err.what);

    u = fails("Kerberos", "nobody", alice_pw, "localhost", &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "user not found") && u == WS_GSS_NO_CREDENTIALS,
           "unknown user: %s", h.err.what);
}

static void test_spn_bindings_mutual(void)
{
    peer p;
    hs h;
    int aes;
    ws_auth *a;
    char spn[128];

    use_ccache("cc.valid");
    snprintf(spn, sizeof spn, "HTTP/localhost@%s", realm);
    a = mech("Kerberos", NULL, NULL, NULL, spn, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "127.0.0.1", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK, "an IP host with --spn %s works", spn);
    peer_stop(&p);
    ws_auth_free(a);

    char path[4096];
    snprintf(path, sizeof path, "%s/cert1.der", dir);
    const char *cbt_args[] = { "--cbt-sha256", path, NULL };
    a = mech("Negotiate", NULL, NULL, NULL, NULL, 0);
    peer_start(&p, cbt_args);
    handshake(a, &p, "localhost", cert1, cert1_len, &h);
    TAP_OK(h.rc == WS_OK && exchange(a, &p, 2, &aes), "channel bindings of the right certificate accepted");
    peer_stop(&p);
    peer_start(&p, cbt_args);
    handshake(a, &p, "localhost", cert2, cert2_len, &h);
    TAP_OK(h.acceptor_failed && has(h.acceptor, "ERROR"), "channel bindings of another certificate refused: %s", h.acceptor);
    peer_stop(&p);
    ws_auth_free(a);

    const char *drop[] = { "--drop-final", NULL };
    a = mech("Kerberos", NULL, NULL, NULL, NULL, 0);
    peer_start(&p, drop);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_E_AUTH && has(h.err.what, "mutual-authentication") && !a->established,
           "a 200 without the mutual-auth token is an error: %s", h.err.what);
    peer_stop(&p);
    ws_auth_free(a);

    a = mech("Kerberos", NULL, NULL, NULL, NULL, 1);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && has(p.line, " delegated"), "--delegate forwards the ticket");
    peer_stop(&p);
    ws_auth_free(a);
    a = mech("Kerberos", NULL, NULL, NULL, NULL, 0);
    peer_start(&p, NULL);
    handshake(a, &p, "localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK && has(p.line, " none"), "without --delegate nothing is forwarded");
    peer_stop(&p);
    ws_auth_free(a);
}

/* RC4-HMAC (RFC 4757): a 45-byte header and a padding byte after the data. */
static void test_rc4(void)
{
    peer p;
    hs h;
    int aes;
    char conf[4096];
    char *saved = strdup(getenv("KRB5_CONFIG"));
    ws_auth *a;
    ws_buf out = WS_BUF_INIT;
    ws_error err = {0};
    size_t sig = 0;

    snprintf(conf, sizeof conf, "%s/rc4.conf", dir);
    setenv("KRB5_CONFIG", conf, 1);
    use_ccache("cc.rc4");
    a = mech("Kerberos", NULL, NULL, NULL, "HTTP/rc4.localhost", 0);
    peer_start(&p, NULL);
    handshake(a, &p, "rc4.localhost", NULL, 0, &h);
    TAP_OK(h.rc == WS_OK, "RC4-HMAC context established");
    TAP_OK(exchange(a, &p, 6, &aes) && !aes, "6 messages each way with RC4 padding");
    a->ops->wrap(a, (const unsigned char *)"hello", 5, &out, &sig, &err);
    TAP_OK(sig == 45 && out.len == sig + 5 + 1, "RC4 layout: 45-byte header, one padding byte after the data");
    peer_stop(&p);
    ws_buf_free(&out);
    ws_auth_free(a);
    setenv("KRB5_CONFIG", saved, 1);
    free(saved);
}

int main(void)
{
    dir = getenv("NANOSH_KRB_DIR");
    realm = getenv("KDC_REALM");
    alice_pw = getenv("KDC_ALICE_PW");
    svc_keytab = getenv("KDC_SVC_KEYTAB");
    if (!dir || !realm || !alice_pw || !svc_keytab || !getenv("KRB5_CONFIG"))
        TAP_SKIP_ALL("run through tests/krb/test_gss.sh (needs the test KDC)");
    snprintf(alice, sizeof alice, "alice@%s", realm);
    snprintf(svc, sizeof svc, "svc@%s", realm);
    cert1_len = load("cert1.der", cert1, sizeof cert1);
    cert2_len = load("cert2.der", cert2, sizeof cert2);

    test_kerberos_ccache();
    test_negotiate_ccache();
    test_password_and_keytab();
    test_failures();
    test_spn_bindings_mutual();
    test_rc4();
    return tap_done();
}
