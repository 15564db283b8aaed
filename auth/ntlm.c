/* The NTLM mechanism: NEGOTIATE, then AUTHENTICATE for the server's CHALLENGE
 * (MS-NLMP 3.1.5.1), then session security for WinRM message encryption (PROTOCOL.md 4.4). */
#include "auth/ntlm.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "base/random.h"
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/ntlm_session.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

enum ntlm_stage { STAGE_START, STAGE_NEGOTIATE_SENT, STAGE_DONE };

typedef struct ntlm_state {
    unsigned char nt_hash[NTLM_HASH_LEN];   /* NTOWFv1; the password itself is not kept */
    ws_buf user_u16, user_upper_u16, domain_u16, workstation_u16;
    ws_buf spn_u16;                         /* MsvAvTargetName: HTTP/host */
    unsigned char cbt[16];
    int has_cbt;
    ws_buf negotiate;                       /* the NEGOTIATE we sent, for the MIC */
    enum ntlm_stage stage;
    int has_session;
    ntlm_session session;
} ntlm_state;

static ws_rc nomem(ws_error *err)
{
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory in NTLM authentication");
}

/* Forgets the handshake and the session keys; the credentials stay. */
static void forget_context(ntlm_state *st)
{
    ws_buf_free(&st->negotiate);
    ntlm_session_wipe(&st->session);
    st->has_session = 0;
    st->stage = STAGE_START;
}

static ws_rc ntlm_reset(ws_auth *a, const ws_auth_conn *conn, ws_error *err)
{
    ntlm_state *st = a->state;
    const char *host = conn && conn->host ? conn->host : "";
    size_t hlen = strlen(host);
    ws_buf spn = WS_BUF_INIT;
    ws_rc rc;

    forget_context(st);
    a->established = 0;
    ws_buf_free(&st->spn_u16);
    st->has_cbt = 0;
    /* MsvAvTargetName is the SPN the client means to reach (MS-NLMP 2.2.2.1); an IPv6
     * literal loses its URL brackets. */
    if (hlen > 1 && host[0] == '[' && host[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }
    if (ws_buf_appends(&spn, "HTTP/") || ws_buf_append(&spn, host, hlen))
        rc = nomem(err);
    else
        rc = ntlm_utf16le(spn.data, 0, "host name", &st->spn_u16, err);
    ws_buf_free(&spn);
    if (rc != WS_OK)
        return rc;
    if (conn && conn->server_cert_der && conn->server_cert_len) {
        if ((rc = ntlm_cert_channel_bindings_md5(conn->server_cert_der, conn->server_cert_len,
                                                 st->cbt, err)) != WS_OK)
            return rc;
        st->has_cbt = 1;
    }
    return WS_OK;
}

/* FILETIME: 100 ns units since 1601-01-01, little-endian (MS-NLMP 3.1.5.1.2 when the
 * server sends no MsvAvTimestamp). */
static void filetime_now(unsigned char out[8])
{
    struct timespec ts;
    uint64_t ft;

    clock_gettime(CLOCK_REALTIME, &ts);
    ft = ((uint64_t)ts.tv_sec + 11644473600u) * 10000000u + (uint64_t)ts.tv_nsec / 100;
    ws_store_le64(out, ft);
}

/* Flags for AUTHENTICATE: what both sides asked for (MS-NLMP 3.1.5.1.2), with UNICODE
 * winning over OEM, as Windows sends them (the 4.2.4 vector). */
static uint32_t negotiated_flags(uint32_t challenge_flags)
{
    uint32_t f = challenge_flags & (NTLM_NEGOTIATE_FLAGS | NTLM_NEG_TARGET_INFO);

    if (f & NTLM_NEG_UNICODE)
        f &= ~NTLM_NEG_OEM;
    return f | NTLM_NEG_REQUEST_TARGET;
}

static ws_rc check_challenge(const ntlm_challenge *ch, ws_error *err)
{
    if (!(ch->flags & NTLM_NEG_UNICODE))
        return ws_error_set(err, WS_E_AUTH, "enable Unicode NTLM on the server",
                            "the server's NTLM CHALLENGE does not accept Unicode (NEGOTIATE_UNICODE)");
    /* MS-NLMP 2.2.2.5, 3.4.5.3: without NEGOTIATE_128 the sealing key is cut to 56 or
     * 40 bits, which can be searched exhaustively. nanosh always asks for 128. */
    if (!(ch->flags & NTLM_NEG_128))
        return ws_error_set(err, WS_E_AUTH,
                            "enable 128-bit NTLM session security on the server (Network security: Minimum session security, Require 128-bit encryption)",
                            "the server's NTLM CHALLENGE offers only 40- or 56-bit session keys (no NEGOTIATE_128): refused");
    /* MS-NLMP 3.1.5.1.2: with integrity or confidentiality, NTLMv2 needs these. */
    if (!ch->has_nb_computer || !ch->has_nb_domain)
        return ws_error_set(err, WS_E_AUTH,
                            "the server is not speaking NTLMv2 as Windows does",
                            "the server's NTLM CHALLENGE lacks MsvAvNbComputerName or MsvAvNbDomainName (MS-NLMP 3.1.5.1.2)");
    return WS_OK;
}

/* Everything secret that one AUTHENTICATE needs, wiped in one place. */
typedef struct auth_secrets {
    unsigned char ntowfv2[16], base_key[16], exported[16], enc_key[16], lm[24];
    unsigned char client_challenge[8], mic[16];
} auth_secrets;

static ws_rc build_authenticate(ntlm_state *st, const unsigned char *chal, size_t chal_len,
                                ws_buf *out, ws_error *err)
{
    ntlm_challenge ch;
    auth_secrets k;
    ws_buf av = WS_BUF_INIT, nt = WS_BUF_INIT;
    unsigned char timestamp[8];
    uint32_t flags;
    size_t base = out->len;
    ntlm_auth_fields f;
    ws_rc rc;

    memset(&k, 0, sizeof(k));
    ws_buf_secret(&nt);
    if ((rc = ntlm_challenge_parse(chal, chal_len, &ch, err)) != WS_OK ||
        (rc = check_challenge(&ch, err)) != WS_OK)
        goto done;
    flags = negotiated_flags(ch.flags);
    if (ch.has_timestamp)
        memcpy(timestamp, ch.timestamp, 8);
    else
        filetime_now(timestamp);
    if (ws_random_bytes(k.client_challenge, 8) < 0 || ws_random_bytes(k.exported, 16) < 0) {
        rc = ws_error_set(err, WS_E_CRYPTO, "", "cannot draw random bytes from the kernel");
        goto done;
    }
    if ((rc = ntlm_ntowfv2(st->nt_hash, (unsigned char *)st->user_upper_u16.data,
                           st->user_upper_u16.len, (unsigned char *)st->domain_u16.data,
                           st->domain_u16.len, k.ntowfv2, err)) != WS_OK ||
        (rc = ntlm_target_info_amend(&ch, NTLM_AV_FLAG_MIC, st->has_cbt ? st->cbt : NULL,
                                     (unsigned char *)st->spn_u16.data, st->spn_u16.len,
                                     &av, err)) != WS_OK ||
        (rc = ntlm_v2_response(k.ntowfv2, ch.server_challenge, k.client_challenge, timestamp,
                               (unsigned char *)av.data, av.len, &nt, k.base_key, err)) != WS_OK)
        goto done;
    /* With MsvAvTimestamp the LMv2 response is Z(24) (MS-NLMP 3.1.5.1.2). */
    if (!ch.has_timestamp &&
        (rc = ntlm_lmv2_response(k.ntowfv2, ch.server_challenge, k.client_challenge, k.lm,
                                 err)) != WS_OK)
        goto done;
    /* NTLMv2: KeyExchangeKey = SessionBaseKey (MS-NLMP 3.4.5.1). */
    if (flags & NTLM_NEG_KEY_EXCH)
        ntlm_rc4k(k.base_key, 16, k.exported, k.enc_key, 16);
    else
        memcpy(k.exported, k.base_key, 16);

    memset(&f, 0, sizeof(f));
    f.flags = flags;
    f.lm = k.lm; f.lm_len = 24;
    f.nt = (unsigned char *)nt.data; f.nt_len = nt.len;
    f.domain = (unsigned char *)st->domain_u16.data; f.domain_len = st->domain_u16.len;
    f.user = (unsigned char *)st->user_u16.data; f.user_len = st->user_u16.len;
    f.workstation = (unsigned char *)st->workstation_u16.data;
    f.workstation_len = st->workstation_u16.len;
    f.enc_session_key = k.enc_key;
    f.enc_session_key_len = (flags & NTLM_NEG_KEY_EXCH) ? 16 : 0;
    f.version = ntlm_client_version;
    f.with_mic = 1;
    if ((rc = ntlm_authenticate_build(&f, out, err)) != WS_OK ||
        (rc = ntlm_mic(k.exported, (unsigned char *)st->negotiate.data, st->negotiate.len,
                       chal, chal_len, (unsigned char *)out->data + base, out->len - base,
                       k.mic, err)) != WS_OK)
        goto done;
    memcpy(out->data + base + NTLM_MIC_OFFSET, k.mic, 16);

    st->has_session = 0;
    if ((flags & NTLM_NEG_ESS) && (flags & (NTLM_NEG_SIGN | NTLM_NEG_SEAL))) {
        if ((rc = ntlm_session_init(&st->session, k.exported, flags, NTLM_CLIENT, err)) != WS_OK)
            goto done;
        st->has_session = 1;
    }
done:
    if (rc != WS_OK && out->len > base) {
        ws_wipe(out->data + base, out->len - base);
        out->len = base;
        out->data[base] = '\0';
    }
    ws_wipe(&k, sizeof(k));
    ws_buf_wipe(&av);
    ws_buf_wipe(&nt);
    return rc;
}

static ws_rc ntlm_step(ws_auth *a, const unsigned char *in, size_t inlen, ws_buf *out,
                       int *done, ws_error *err)
{
    ntlm_state *st = a->state;
    ws_rc rc;

    *done = 0;
    switch (st->stage) {
    case STAGE_START:
        if (inlen)
            return ws_error_set(err, WS_E_AUTH, "retry with --debug to see the exchange",
                                "the server sent an NTLM token before the client's NEGOTIATE");
        if ((rc = ntlm_negotiate_build(&st->negotiate, err)) != WS_OK)
            return rc;
        if (ws_buf_append(out, st->negotiate.data, st->negotiate.len))
            return nomem(err);
        st->stage = STAGE_NEGOTIATE_SENT;
        return WS_OK;
    case STAGE_NEGOTIATE_SENT:
        if (!inlen)
            return ws_error_set(err, WS_E_AUTH, "check that the server allows NTLM",
                                "the server answered the NTLM NEGOTIATE without a CHALLENGE");
        ws_buf_secret(out);   /* AUTHENTICATE: its responses can be attacked offline */
        if ((rc = build_authenticate(st, in, inlen, out, err)) != WS_OK)
            return rc;
        st->stage = STAGE_DONE;
        *done = 1;
        return WS_OK;
    case STAGE_DONE:
        break;
    }
    return ws_error_set(err, WS_E_AUTH, "check the user name and password (or NT hash)",
                        "the server asked for more after the NTLM AUTHENTICATE");
}

static ws_rc need_session(ws_auth *a, ws_error *err)
{
    ntlm_state *st = a->state;

    if (st->stage != STAGE_DONE)
        return ws_error_set(err, WS_E_CRYPTO, "", "NTLM message security used before authentication");
    if (!st->has_session)
        return ws_error_set(err, WS_E_CRYPTO, "use HTTPS, or allow NTLM encryption on the server",
                            "the server did not negotiate NTLM session security (SIGN/SEAL with extended session security)");
    return WS_OK;
}

/* WinRM layout: signature(16) || sealed data (MS-WSMV 2.2.9.1.1.2). Appends to out. */
static ws_rc ntlm_wrap(ws_auth *a, const unsigned char *in, size_t len, ws_buf *out,
                       size_t *sig_len, ws_error *err)
{
    ntlm_state *st = a->state;
    static const unsigned char zero_sig[NTLM_SIG_LEN];
    size_t base = out->len;
    unsigned char *p;
    ws_rc rc;

    if ((rc = need_session(a, err)) != WS_OK)
        return rc;
    if (ws_buf_append(out, zero_sig, NTLM_SIG_LEN) || ws_buf_append(out, in, len))
        return nomem(err);
    p = (unsigned char *)out->data + base;
    if ((rc = ntlm_seal(&st->session, p + NTLM_SIG_LEN, len, p, p + NTLM_SIG_LEN, err)) != WS_OK) {
        ws_wipe(p, NTLM_SIG_LEN + len);
        out->len = base;
        out->data[base] = '\0';
        return rc;
    }
    if (sig_len)
        *sig_len = NTLM_SIG_LEN;
    return WS_OK;
}

static ws_rc ntlm_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                         ws_buf *out, ws_error *err)
{
    ntlm_state *st = a->state;
    size_t base = out->len;
    unsigned char *p;
    ws_rc rc;

    if ((rc = need_session(a, err)) != WS_OK)
        return rc;
    if (sig_len != NTLM_SIG_LEN || len < NTLM_SIG_LEN)
        return ws_error_set(err, WS_E_CRYPTO, "the server's reply is damaged; retry with --debug",
                            "an NTLM-encrypted message must start with a 16-byte signature (header of %zu, message of %zu bytes)",
                            sig_len, len);
    if (ws_buf_append(out, in + NTLM_SIG_LEN, len - NTLM_SIG_LEN))
        return nomem(err);
    p = (unsigned char *)out->data + base;
    if ((rc = ntlm_unseal(&st->session, p, len - NTLM_SIG_LEN, in, p, err)) != WS_OK) {
        out->len = base;
        out->data[base] = '\0';
    }
    return rc;
}

static void ntlm_destroy(ws_auth *a)
{
    ntlm_state *st = a->state;

    if (!st)
        return;
    forget_context(st);
    ws_buf_wipe(&st->user_u16);
    ws_buf_wipe(&st->user_upper_u16);
    ws_buf_wipe(&st->domain_u16);
    ws_buf_free(&st->workstation_u16);
    ws_buf_free(&st->spn_u16);
    ws_wipe(st, sizeof(*st));
    free(st);
    a->state = NULL;
}

static const ws_auth_ops ntlm_ops = {
    .name = "ntlm",
    .reset = ntlm_reset,
    .step = ntlm_step,
    .wrap = ntlm_wrap,
    .unwrap = ntlm_unwrap,
    .destroy = ntlm_destroy,
};

/* The Workstation field: this host's short name in upper case, as Windows sends its
 * NetBIOS name; informational only. */
static ws_rc workstation_name(ws_buf *out, ws_error *err)
{
    char host[256];
    size_t i;

    if (gethostname(host, sizeof(host)) != 0)
        return WS_OK;
    host[sizeof(host) - 1] = '\0';
    host[strcspn(host, ".")] = '\0';
    if (strlen(host) > 15)          /* NetBIOS names have at most 15 characters */
        host[15] = '\0';
    for (i = 0; host[i]; i++)
        host[i] = (char)toupper((unsigned char)host[i]);
    return ntlm_utf16le(host, 0, "host name", out, err);
}

static ws_rc set_user(ntlm_state *st, const char *user, ws_error *err)
{
    const char *bs = strchr(user, '\\');
    const char *name = bs ? bs + 1 : user;
    ws_buf dom = WS_BUF_INIT;
    ws_rc rc;

    if (!*name || strlen(user) > 512)
        return ws_error_set(err, WS_E_USAGE, "give the user as DOMAIN\\user, user@domain or user",
                            "the NTLM user name is %s", *name ? "too long" : "empty");
    /* user@domain travels whole as a UPN with an empty domain, as pyspnego and Windows
     * send it; DOMAIN\user is split. */
    if (bs && ws_buf_append(&dom, user, (size_t)(bs - user)))
        return nomem(err);
    rc = ntlm_utf16le(dom.len ? dom.data : "", 0, "domain name", &st->domain_u16, err);
    if (rc == WS_OK)
        rc = ntlm_utf16le(name, 0, "user name", &st->user_u16, err);
    if (rc == WS_OK)
        rc = ntlm_utf16le(name, 1, "user name", &st->user_upper_u16, err);
    ws_buf_free(&dom);
    return rc;
}

ws_auth *ws_auth_ntlm_new(const char *user, const char *password,
                          const unsigned char nt_hash[16], const char *scheme, ws_error *err)
{
    ws_auth *a = NULL;
    ntlm_state *st = NULL;
    ws_buf pw = WS_BUF_INIT;

    if (!user || !*user || (!password == !nt_hash)) {
        ws_error_set(err, WS_E_USAGE,
                     "give the user with -u and the password in NANOSH_PASSWORD, or an NT hash in NANOSH_NT_HASH",
                     "NTLM needs a user name and either a password or an NT hash");
        return NULL;
    }
    if (!scheme || (strcmp(scheme, "Negotiate") != 0 && strcmp(scheme, "NTLM") != 0)) {
        ws_error_set(err, WS_E_USAGE, "", "NTLM runs under the Negotiate or NTLM HTTP scheme, not '%s'",
                     scheme ? scheme : "(none)");
        return NULL;
    }
    if (!(a = calloc(1, sizeof(*a))) || !(st = calloc(1, sizeof(*st)))) {
        nomem(err);
        goto fail;
    }
    a->ops = &ntlm_ops;
    a->scheme = strcmp(scheme, "NTLM") == 0 ? "NTLM" : "Negotiate";   /* not the caller's copy */
    a->enc_protocol = "application/HTTP-SPNEGO-session-encrypted";
    a->caps = WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS | WS_AUTH_CHANNEL_BINDING |
              WS_AUTH_NTLM_TOKENS;
    a->state = st;
    if (set_user(st, user, err) != WS_OK || workstation_name(&st->workstation_u16, err) != WS_OK)
        goto fail;
    ws_buf_secret(&pw);
    if (nt_hash) {
        memcpy(st->nt_hash, nt_hash, NTLM_HASH_LEN);
    } else {
        if (ntlm_utf16le(password, 0, "password", &pw, err) != WS_OK)
            goto fail;
        ntlm_ntowfv1((unsigned char *)pw.data, pw.len, st->nt_hash);
        ws_buf_wipe(&pw);
    }
    ws_auth_set_user(a, user);
    return a;
fail:
    ws_buf_wipe(&pw);
    if (a && st)
        ntlm_destroy(a);
    else
        free(st);
    free(a);
    return NULL;
}

ws_rc ws_ntlm_parse_nt_hash(const char *text, unsigned char out[16], ws_error *err)
{
    static const char fix[] =
        "give the NT hash as 32 hexadecimal digits (or LMHASH:NTHASH), e.g. from secretsdump";
    const char *s = text ? text : "", *e, *colon;
    size_t n, i;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    /* LMHASH:NTHASH: the NT hash is the last part. */
    colon = memchr(s, ':', (size_t)(e - s));
    if (colon && (size_t)(e - s) == 65 && colon == s + 32)
        s = colon + 1;
    n = (size_t)(e - s);
    /* The digits are a secret: the message gives only their count. */
    if (n != 32)
        return ws_error_set(err, WS_E_USAGE, fix, "the NT hash has %zu characters, expected 32", n);
    for (i = 0; i < 16; i++) {
        int hi = ws_hexval((unsigned char)s[2 * i]), lo = ws_hexval((unsigned char)s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            ws_wipe(out, 16);
            return ws_error_set(err, WS_E_USAGE, fix,
                                "the NT hash has a character that is not a hexadecimal digit");
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return WS_OK;
}
