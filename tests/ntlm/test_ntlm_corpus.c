/* The real NTLM handshake in $NANOSH_CORPUS/ntlm (pyspnego against a Windows DC):
 * recompute its NTProofStr and session keys from the known password, then answer its real
 * CHALLENGE with our mechanism and check the AUTHENTICATE the way an acceptor would. */
#include "auth/ntlm.h"
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/ntlm_session.h"
#include "tests/ntlm/ntlm_test.h"
#include <openssl/evp.h>

static const char *corpus;

/* Reads and base64-decodes $NANOSH_CORPUS/ntlm/<name>. */
static unsigned char *load_b64(const char *name, size_t *len)
{
    char path[1024];
    size_t n;
    unsigned char *text, *out;
    int got, pad = 0;

    snprintf(path, sizeof(path), "%s/ntlm/%s", corpus, name);
    if (!(text = slurp(path, &n)))
        return NULL;
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n && text[n - 1] == '=') pad++;
    if (n > 1 && text[n - 2] == '=') pad++;
    out = malloc(n);
    got = out ? EVP_DecodeBlock(out, text, (int)n) : -1;
    free(text);
    if (got < pad) {
        free(out);
        return NULL;
    }
    *len = (size_t)(got - pad);
    return out;
}

/* Field i of an AUTHENTICATE message (0 LM, 1 NT, 2 domain, 3 user, 4 workstation, 5 key). */
static const unsigned char *field(const unsigned char *m, size_t len, int i, size_t *flen)
{
    size_t at = 12 + 8 * (size_t)i, off;

    if (len < at + 8)
        return NULL;
    *flen = (size_t)(m[at] | m[at + 1] << 8);
    off = (size_t)m[at + 4] | (size_t)m[at + 5] << 8 | (size_t)m[at + 6] << 16 | (size_t)m[at + 7] << 24;
    return off <= len && *flen <= len - off ? m + off : NULL;
}

static unsigned read32(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
}

/* Finds AV pair id in an AV list; NULL if absent. */
static const unsigned char *find_av(const unsigned char *av, size_t len, unsigned id, size_t *alen)
{
    size_t pos = 0;

    while (pos + 4 <= len) {
        unsigned aid = av[pos] | av[pos + 1] << 8, l = av[pos + 2] | av[pos + 3] << 8;
        if (pos + 4 + l > len)
            return NULL;
        if (aid == id) {
            *alen = l;
            return av + pos + 4;
        }
        if (aid == 0)
            return NULL;
        pos += 4 + l;
    }
    return NULL;
}

/* Recomputes NTProofStr and SessionBaseKey of a recorded AUTHENTICATE. */
static int recompute(const unsigned char *auth, size_t alen, const unsigned char *server_challenge,
                     const char *password, unsigned char base[16])
{
    ws_buf pw = WS_BUF_INIT, uu = WS_BUF_INIT, user8 = WS_BUF_INIT;
    const unsigned char *nt, *user, *dom;
    size_t ntlen, ulen, dlen, i;
    unsigned char hash[16], v2[16], proof[16];
    ntlm_part parts[2];
    ws_error err = {0};
    int ok = 0;

    nt = field(auth, alen, 1, &ntlen);
    user = field(auth, alen, 3, &ulen);
    dom = field(auth, alen, 2, &dlen);
    if (!nt || ntlen < 48 || !user || !dom)
        return 0;
    /* The recorded user name is ASCII in UTF-16LE; upper-case it through our converter. */
    for (i = 0; i + 1 < ulen; i += 2)
        ws_buf_append(&user8, user + i, 1);
    ntlm_utf16le(password, 0, "password", &pw, &err);
    ntlm_utf16le(user8.data, 1, "user", &uu, &err);
    ntlm_md4(pw.data, pw.len, hash);
    if (server_challenge) {
        parts[0].data = server_challenge; parts[0].len = 8;
        parts[1].data = nt + 16; parts[1].len = ntlen - 16;
    }
    if (ntlm_ntowfv2(hash, (unsigned char *)uu.data, uu.len, dom, dlen, v2, &err) == WS_OK &&
        (!server_challenge || (ntlm_hmac_md5(v2, 16, parts, 2, proof, &err) == WS_OK &&
                               memcmp(proof, nt, 16) == 0))) {
        parts[0].data = nt; parts[0].len = 16;
        ok = ntlm_hmac_md5(v2, 16, parts, 1, base, &err) == WS_OK;
    }
    ws_buf_free(&pw); ws_buf_free(&uu); ws_buf_free(&user8);
    return ok;
}

static void test_recorded(const unsigned char *chal, size_t clen, const unsigned char *auth, size_t alen)
{
    ntlm_challenge ch;
    ws_error err = {0};
    unsigned char base[16], exported[16];
    const unsigned char *key;
    size_t klen;

    NT_OK(ntlm_challenge_parse(chal, clen, &ch, &err) == WS_OK, "real CHALLENGE parses (%s)", err.what);
    TAP_HEX_EQ(ch.server_challenge, 8, "e4101014cf8a90be", "real ServerChallenge");
    NT_OK(ch.has_timestamp && ch.has_nb_computer && ch.has_nb_domain,
          "real CHALLENGE has MsvAvTimestamp, NbComputerName, NbDomainName");
    NT_OK(recompute(auth, alen, ch.server_challenge, "VagrantPass1", base),
          "NTProofStr of the real AUTHENTICATE recomputes from the real CHALLENGE and VagrantPass1");
    key = field(auth, alen, 5, &klen);
    NT_OK(key && klen == 16, "real AUTHENTICATE carries an EncryptedRandomSessionKey");
    if (key && klen == 16) {
        ntlm_rc4k(base, 16, key, exported, 16);
        TAP_HEX_EQ(exported, 16, "4e10f9b8aa8c2a5df0a2ad75a8ecf433",
                   "ExportedSessionKey = RC4K(SessionBaseKey, EncryptedRandomSessionKey)");
    }
}

static void test_recorded_no_sign_seal(void)
{
    size_t alen;
    unsigned char *auth = load_b64("pyspnego_ntlm_authenticate_no_sign_seal.b64", &alen);
    unsigned char base[16];

    NT_OK(auth != NULL, "second recorded AUTHENTICATE present");
    /* Its CHALLENGE is not recorded, but SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr)
     * needs only the AUTHENTICATE. */
    NT_OK(auth && recompute(auth, alen, NULL, "vagrant", base), "SessionBaseKey computes");
    if (auth)
        TAP_HEX_EQ(base, 16, "92d93576421343ceb1937aad4cd78116", "SessionBaseKey of the vagrant/vagrant handshake");
    free(auth);
}

/* Our mechanism answers the real CHALLENGE; checked as an acceptor would. */
static void test_mechanism(const unsigned char *chal, size_t clen)
{
    ws_error err = {0};
    ws_auth *a = ws_auth_ntlm_new("vagrant-domain@DOMAIN.LOCAL", "VagrantPass1", NULL, "Negotiate", &err);
    ws_auth_conn conn = {"dc01.domain.local", NULL, 0};
    ws_buf neg = WS_BUF_INIT, auth = WS_BUF_INIT, av8 = WS_BUF_INIT, wrapped = WS_BUF_INIT, spn = WS_BUF_INIT;
    unsigned char base[16], exported[16], mic[16], zero[24] = {0}, out[32], plain[32];
    const unsigned char *p, *nt, *av;
    size_t len, ntlen, avlen, sig_len = 0;
    int done = -1;
    ntlm_session srv;
    ntlm_challenge ch;

    NT_OK(a != NULL, "ws_auth_ntlm_new (%s)", err.what);
    if (!a)
        return;
    NT_OK(strcmp(a->enc_protocol, "application/HTTP-SPNEGO-session-encrypted") == 0, "enc_protocol");
    NT_OK(a->ops->reset(a, &conn, &err) == WS_OK, "reset");
    NT_OK(a->ops->step(a, NULL, 0, &neg, &done, &err) == WS_OK && !done, "step 1 gives NEGOTIATE");
    NT_OK(neg.len == 40 && read32((unsigned char *)neg.data + 12) == 0xE2088237 &&
          neg.data[32] == 10 && (unsigned char)neg.data[39] == 0x0f,
          "NEGOTIATE: 40 bytes, flags 0xE2088237, Version 10.0 rev 15");
    NT_OK(a->ops->step(a, chal, clen, &auth, &done, &err) == WS_OK && done, "step 2 gives AUTHENTICATE (%s)", err.what);
    ntlm_challenge_parse(chal, clen, &ch, &err);
    p = (unsigned char *)auth.data;
    /* Challenge 0xe2898235 minus the server-only TARGET_TYPE_DOMAIN, as in MS-NLMP 4.2.4. */
    NT_OK(auth.len > 88 && read32(p + 60) == 0xe2888235, "AUTHENTICATE flags 0x%08x",
          auth.len > 64 ? read32(p + 60) : 0);
    NT_OK(recompute(p, auth.len, ch.server_challenge, "VagrantPass1", base),
          "our NTProofStr verifies against the real CHALLENGE");
    p = field((unsigned char *)auth.data, auth.len, 0, &len);
    NT_OK(p && len == 24 && memcmp(p, zero, 24) == 0, "LmChallengeResponse is Z(24) under MsvAvTimestamp");
    p = field((unsigned char *)auth.data, auth.len, 2, &len);
    NT_OK(p && len == 0, "UPN user: empty domain");
    nt = field((unsigned char *)auth.data, auth.len, 1, &ntlen);
    NT_OK(nt && memcmp(nt + 24, ch.timestamp, 8) == 0, "blob time is the server's MsvAvTimestamp");
    av = nt ? nt + 44 : NULL;
    avlen = nt ? ntlen - 48 : 0;
    p = av ? find_av(av, avlen, NTLM_AV_FLAGS, &len) : NULL;
    NT_OK(p && len == 4 && (read32(p) & 2), "MsvAvFlags says MIC present");
    p = av ? find_av(av, avlen, NTLM_AV_CHANNEL_BINDINGS, &len) : NULL;
    NT_OK(p && len == 16 && memcmp(p, zero, 16) == 0, "MsvAvChannelBindings Z(16) without a certificate");
    ntlm_utf16le("HTTP/dc01.domain.local", 0, "spn", &spn, &err);
    p = av ? find_av(av, avlen, NTLM_AV_TARGET_NAME, &len) : NULL;
    NT_OK(p && len == spn.len && memcmp(p, spn.data, len) == 0, "MsvAvTargetName HTTP/dc01.domain.local");
    p = av ? find_av(av, avlen, NTLM_AV_TIMESTAMP, &len) : NULL;
    NT_OK(p && len == 8, "server AV pairs kept");
    p = field((unsigned char *)auth.data, auth.len, 5, &len);
    NT_OK(p && len == 16, "KEY_EXCH: EncryptedRandomSessionKey present");
    if (p && len == 16) {
        ntlm_rc4k(base, 16, p, exported, 16);
        NT_OK(ntlm_mic(exported, (unsigned char *)neg.data, neg.len, chal, clen,
                       (unsigned char *)auth.data, auth.len, mic, &err) == WS_OK &&
              memcmp(mic, auth.data + NTLM_MIC_OFFSET, 16) == 0, "MIC verifies with the exported key");
        /* Session security against a server-side session keyed the same way. */
        NT_OK(ntlm_session_init(&srv, exported, read32((unsigned char *)auth.data + 60), NTLM_SERVER, &err) == WS_OK,
              "server-side session");
        NT_OK(a->ops->wrap(a, (const unsigned char *)"<s:Envelope/>", 13, &wrapped, &sig_len, &err) == WS_OK &&
              sig_len == 16 && wrapped.len == 29, "wrap: 16-byte signature then 13 sealed bytes");
        NT_OK(ntlm_unseal(&srv, (unsigned char *)wrapped.data + 16, 13, (unsigned char *)wrapped.data, out, &err) == WS_OK &&
              memcmp(out, "<s:Envelope/>", 13) == 0, "server-side unseal recovers it");
        NT_OK(ntlm_seal(&srv, (const unsigned char *)"reply", 5, out, out + 16, &err) == WS_OK, "server seals a reply");
        ws_buf_reset(&wrapped);
        NT_OK(a->ops->unwrap(a, out, 21, 16, &wrapped, &err) == WS_OK && wrapped.len == 5 &&
              memcmp(wrapped.data, "reply", 5) == 0, "unwrap recovers the reply");
        memcpy(plain, out, 21);
        ws_buf_reset(&wrapped);
        NT_OK(a->ops->unwrap(a, plain, 21, 16, &wrapped, &err) == WS_E_CRYPTO && wrapped.len == 0,
              "a replayed reply is rejected with nothing handed out: %s", err.what);
        ntlm_session_wipe(&srv);
    }
    /* reset() forgets the context: a new handshake starts from NEGOTIATE. */
    ws_buf_reset(&neg);
    NT_OK(a->ops->reset(a, &conn, &err) == WS_OK && a->ops->wrap(a, (const unsigned char *)"x", 1, &wrapped, &sig_len, &err) == WS_E_CRYPTO,
          "after reset, wrap refuses until the handshake is redone");
    NT_OK(a->ops->step(a, NULL, 0, &neg, &done, &err) == WS_OK && neg.len == 40, "after reset, step gives NEGOTIATE again");
    ws_auth_free(a);
    ws_buf_free(&neg); ws_buf_free(&auth); ws_buf_free(&av8); ws_buf_free(&wrapped); ws_buf_free(&spn);
}

int main(void)
{
    unsigned char *chal, *auth;
    size_t clen = 0, alen = 0;

    corpus = getenv("NANOSH_CORPUS");
    if (!corpus || !*corpus)
        corpus = "/work/shared/corpus";
    chal = load_b64("pyspnego_ntlm_challenge.b64", &clen);
    auth = load_b64("pyspnego_ntlm_authenticate.b64", &alen);
    if (!chal || !auth) {
        free(chal);
        free(auth);
        TAP_SKIP_ALL("NTLM corpus not found (set NANOSH_CORPUS)");
    }
    test_recorded(chal, clen, auth, alen);
    test_recorded_no_sign_seal();
    test_mechanism(chal, clen);
    free(chal);
    free(auth);
    return tap_done();
}
