/* Hostile CHALLENGE messages (truncated, offsets past the end, huge AV lengths, missing
 * terminator, a bounded mutation loop) and misuse of the mechanism's API: every case
 * must end in a clear error, never a crash or an overread (run under ASan). */
#include "auth/ntlm.h"
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "tests/ntlm/ntlm_test.h"
#include <stdint.h>
#include <openssl/evp.h>

/* MS-NLMP 4.2.4.2.2 CHALLENGE with an MsvAvTimestamp added before MsvAvEOL. */
static const char seed_hex[] =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000003000300044000000"
    "060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "65007200070008000102030405060708" "00000000";
static unsigned char seed[128];
static size_t seed_len;

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

/* Parses a copy in a buffer of exactly len bytes, so ASan sees any overread. */
static ws_rc parse_copy(const unsigned char *m, size_t len, ws_error *err)
{
    unsigned char *c = malloc(len ? len : 1);
    ntlm_challenge ch;
    ws_rc rc;

    memcpy(c, m, len);
    memset(err, 0, sizeof(*err));
    rc = ntlm_challenge_parse(c, len, &ch, err);
    free(c);
    return rc;
}

static void expect_reject(const unsigned char *m, size_t len, const char *needle, const char *what)
{
    ws_error err;
    ws_rc rc = parse_copy(m, len, &err);

    NT_OK(rc == WS_E_AUTH && strstr(err.what, needle) && err.fix[0], "%s: %s", what, err.what);
}

static void test_cases(void)
{
    unsigned char m[128];
    size_t n, bad = 0;
    ws_error err;

    NT_OK(parse_copy(seed, seed_len, &err) == WS_OK, "seed CHALLENGE parses");
    for (n = 0; n < seed_len; n++) {
        if (parse_copy(seed, n, &err) != WS_E_AUTH || !err.what[0])
            bad++;
    }
    NT_OK(bad == 0, "all %zu truncations rejected with a message", seed_len);
    expect_reject(seed, 20, "shorter than the 48-byte header", "20-byte message");
    NT_OK(ntlm_challenge_parse(NULL, 0, &(ntlm_challenge){0}, &err) == WS_E_AUTH, "NULL message rejected");

    memcpy(m, seed, seed_len); m[0] = 'X';
    expect_reject(m, seed_len, "no NTLMSSP signature", "bad signature");
    memcpy(m, seed, seed_len); m[8] = 3;
    expect_reject(m, seed_len, "message type 3", "wrong message type");
    memcpy(m, seed, seed_len); put32(m + 44, 0xfffffff0u);
    expect_reject(m, seed_len, "TargetInfo (offset 4294967280", "TargetInfo offset past the end");
    memcpy(m, seed, seed_len); put32(m + 44, 0xffffffffu); put16(m + 40, 2);
    expect_reject(m, seed_len, "runs past the end", "TargetInfo offset + length wrapping 32 bits");
    memcpy(m, seed, seed_len); put16(m + 12, 0xffff);
    expect_reject(m, seed_len, "TargetName", "TargetName length 65535");
    memcpy(m, seed, seed_len); put16(m + 0x44 + 2, 0xfff0);
    expect_reject(m, seed_len, "AvLen 65520", "huge AvLen in the first AV pair");
    /* Drop MsvAvEOL: TargetInfo ends right after the timestamp. */
    memcpy(m, seed, seed_len); put16(m + 40, 0x30 - 4);
    expect_reject(m, seed_len - 4, "no MsvAvEOL", "missing MsvAvEOL");
    memcpy(m, seed, seed_len); put16(m + 0x44 + 32 + 2, 4);
    expect_reject(m, seed_len, "MsvAvTimestamp has length 4", "short MsvAvTimestamp");
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Mutations of a real CHALLENGE: accepted ones go through the whole mechanism. */
static void test_fuzz(const unsigned char *base, size_t base_len, const char *name)
{
    enum { ROUNDS = 10000 };
    static const uint32_t extremes[] = {0, 1, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0xffffffff};
    size_t accepted = 0, bad = 0, i, k;
    ws_error err = {0};
    ws_auth *a = ws_auth_ntlm_new("DOMAIN\\user", "pw", NULL, "NTLM", &err);
    ws_auth_conn conn = {"host", NULL, 0};

    for (i = 0; i < ROUNDS; i++) {
        size_t len = base_len, cap = base_len + 64;
        unsigned char *m = malloc(cap), *exact;
        ntlm_challenge ch;
        unsigned muts = 1 + next() % 4;

        memcpy(m, base, base_len);
        for (k = 0; k < muts; k++) {
            size_t at = next() % len;
            switch (next() % 6) {
            case 0: m[at] ^= (unsigned char)(1u << (next() % 8)); break;
            case 1: m[at] = (unsigned char)next(); break;
            case 2: if (at + 2 <= len) put16(m + at, extremes[next() % 8] & 0xffff); break;
            case 3: if (at + 4 <= len) put32(m + at, extremes[next() % 8]); break;
            case 4: len = at; break;
            case 5: { size_t add = next() % (cap - len + 1);
                      for (; add; add--) m[len++] = (unsigned char)next(); } break;
            }
            if (!len)
                break;
        }
        exact = malloc(len ? len : 1);
        memcpy(exact, m, len);
        free(m);
        memset(&err, 0, sizeof(err));
        if (ntlm_challenge_parse(exact, len, &ch, &err) == WS_OK) {
            ws_buf out = WS_BUF_INIT;
            int done = 0;

            accepted++;
            if (ch.target_info && (ch.target_info < exact || ch.target_info_len > len ||
                                   (size_t)(ch.target_info - exact) > len - ch.target_info_len))
                bad++;
            if (a && (a->ops->reset(a, &conn, &err) != WS_OK ||
                      a->ops->step(a, NULL, 0, &out, &done, &err) != WS_OK))
                bad++;
            ws_buf_reset(&out);
            memset(&err, 0, sizeof(err));
            if (a && a->ops->step(a, exact, len, &out, &done, &err) != WS_OK && !err.what[0])
                bad++;
            ws_buf_free(&out);
        } else if (err.rc != WS_E_AUTH || !err.what[0]) {
            bad++;
        }
        free(exact);
    }
    NT_OK(a && bad == 0, "%d mutations of the %s CHALLENGE: %zu accepted and handled, the rest rejected with a message",
          ROUNDS, name, accepted);
    ws_auth_free(a);
}

static void test_mechanism_checks(void)
{
    unsigned char m[128];
    ws_error err = {0};
    ws_auth *a = ws_auth_ntlm_new("DOMAIN\\user", "pw", NULL, "Negotiate", &err);
    ws_buf out = WS_BUF_INIT;
    int done;

    NT_OK(a->ops->step(a, seed, seed_len, &out, &done, &err) == WS_E_AUTH && strstr(err.what, "before"),
          "CHALLENGE before NEGOTIATE refused: %s", err.what);
    a->ops->step(a, NULL, 0, &out, &done, &err);
    memcpy(m, seed, seed_len);
    put32(m + 20, 0xe28a8232);              /* no UNICODE */
    ws_buf_reset(&out);
    NT_OK(a->ops->step(a, m, seed_len, &out, &done, &err) == WS_E_AUTH && strstr(err.what, "Unicode") && out.len == 0,
          "CHALLENGE without UNICODE refused: %s", err.what);
    memcpy(m, seed, seed_len);
    put32(m + 20, 0xe28a8233u & ~NTLM_NEG_128);   /* 56-bit keys only */
    NT_OK(a->ops->step(a, m, seed_len, &out, &done, &err) == WS_E_AUTH && strstr(err.what, "56-bit") && out.len == 0,
          "CHALLENGE without NEGOTIATE_128 (56-bit) refused: %s", err.what);
    put32(m + 20, 0xe28a8233u & ~(NTLM_NEG_128 | NTLM_NEG_56));   /* 40-bit keys */
    NT_OK(a->ops->step(a, m, seed_len, &out, &done, &err) == WS_E_AUTH && strstr(err.what, "40-") && out.len == 0,
          "CHALLENGE with neither NEGOTIATE_128 nor NEGOTIATE_56 (40-bit) refused: %s", err.what);
    memcpy(m, seed, seed_len);
    put16(m + 0x44 + 16, 5);                /* NbComputerName becomes DnsTreeName */
    NT_OK(a->ops->step(a, m, seed_len, &out, &done, &err) == WS_E_AUTH && strstr(err.what, "MsvAvNbComputerName"),
          "CHALLENGE without MsvAvNbComputerName refused: %s", err.what);
    NT_OK(a->ops->step(a, seed, seed_len, &out, &done, &err) == WS_OK && done, "the good CHALLENGE then succeeds");
    NT_OK(a->ops->step(a, seed, seed_len, &out, &done, &err) == WS_E_AUTH, "a third token is refused: %s", err.what);
    ws_buf_reset(&out);
    NT_OK(a->ops->unwrap(a, seed, 10, 10, &out, &err) == WS_E_CRYPTO && strstr(err.what, "16-byte signature"),
          "unwrap with a short header refused: %s", err.what);
    ws_auth_free(a);
    ws_buf_free(&out);
}

/* user forms and pass-the-hash, checked through the AUTHENTICATE they produce */
static int user_fields(const char *user, const char *pw, const unsigned char *hash,
                       const char *want_dom, const char *want_user)
{
    ws_error err = {0};
    ws_auth *a = ws_auth_ntlm_new(user, pw, hash, "NTLM", &err);
    ws_buf neg = WS_BUF_INIT, auth = WS_BUF_INIT, d = WS_BUF_INIT, u = WS_BUF_INIT, uu = WS_BUF_INIT;
    unsigned char nt_hash[16], v2[16], proof[16], *p;
    ws_buf pwb = WS_BUF_INIT;
    int done, ok = 0;

    if (!a)
        return 0;
    if (a->ops->step(a, NULL, 0, &neg, &done, &err) == WS_OK &&
        a->ops->step(a, seed, seed_len, &auth, &done, &err) == WS_OK) {
        size_t doff, dlen, uoff, ulen, noff, nlen;
        ntlm_part parts[2];

        p = (unsigned char *)auth.data;
        dlen = p[28] | p[29] << 8; doff = p[32] | p[33] << 8;
        ulen = p[36] | p[37] << 8; uoff = p[40] | p[41] << 8;
        nlen = p[20] | p[21] << 8; noff = p[24] | p[25] << 8;
        ntlm_utf16le(want_dom, 0, "d", &d, &err);
        ntlm_utf16le(want_user, 0, "u", &u, &err);
        ntlm_utf16le(want_user, 1, "u", &uu, &err);
        /* the acceptor's view: NTOWFv2 from the password "Password" */
        ntlm_utf16le("Password", 0, "p", &pwb, &err);
        ntlm_md4(pwb.data, pwb.len, nt_hash);
        parts[0].data = seed + 24; parts[0].len = 8;
        parts[1].data = p + noff + 16; parts[1].len = nlen - 16;
        ok = dlen == d.len && (!dlen || !memcmp(p + doff, d.data, dlen)) && ulen == u.len &&
             !memcmp(p + uoff, u.data, ulen) &&
             ntlm_ntowfv2(nt_hash, (unsigned char *)uu.data, uu.len, (unsigned char *)d.data, d.len, v2, &err) == WS_OK &&
             ntlm_hmac_md5(v2, 16, parts, 2, proof, &err) == WS_OK && !memcmp(proof, p + noff, 16);
    }
    ws_auth_free(a);
    ws_buf_free(&neg); ws_buf_free(&auth); ws_buf_free(&d); ws_buf_free(&u); ws_buf_free(&uu); ws_buf_free(&pwb);
    return ok;
}

static void test_credentials(void)
{
    unsigned char h[16];
    ws_error err = {0};
    ws_auth *a;

    NT_OK(user_fields("Domain\\User", "Password", NULL, "Domain", "User"), "DOMAIN\\user: split, proof verifies");
    NT_OK(user_fields("User@Domain.example", "Password", NULL, "", "User@Domain.example"), "user@domain: UPN, empty domain");
    NT_OK(user_fields("User", "Password", NULL, "", "User"), "bare user: empty domain");
    NT_OK(ws_ntlm_parse_nt_hash("a4f49c406510bdcab6824ee7c30fd852\n", h, &err) == WS_OK, "NT hash parses");
    NT_OK(user_fields("Domain\\User", NULL, h, "Domain", "User"), "pass-the-hash gives the same proof as the password");
    NT_OK(ws_ntlm_parse_nt_hash(" AAD3B435B51404EEAAD3B435B51404EE:A4F49C406510BDCAB6824EE7C30FD852 ", h, &err) == WS_OK &&
          h[0] == 0xa4 && h[15] == 0x52, "LMHASH:NTHASH form, upper case");
    NT_OK(ws_ntlm_parse_nt_hash("a4f49c406510bdcab6824ee7c30fd85", h, &err) == WS_E_USAGE &&
          strstr(err.what, "31 characters") && err.fix[0], "31 digits refused: %s", err.what);
    NT_OK(ws_ntlm_parse_nt_hash("a4f49c406510bdcab6824ee7c30fd85g", h, &err) == WS_E_USAGE &&
          !strstr(err.what, "a4f4"), "non-hex refused without echoing the hash: %s", err.what);
    NT_OK(!ws_auth_ntlm_new("u", "p", h, "NTLM", &err) && err.rc == WS_E_USAGE, "password and hash together refused");
    NT_OK(!ws_auth_ntlm_new("u", NULL, NULL, "NTLM", &err) && err.rc == WS_E_USAGE, "neither refused: %s", err.what);
    NT_OK(!ws_auth_ntlm_new("DOM\\", "p", NULL, "NTLM", &err) && strstr(err.what, "empty"), "empty user refused: %s", err.what);
    NT_OK(!ws_auth_ntlm_new("u", "p", NULL, "Kerberos", &err) && err.rc == WS_E_USAGE, "scheme Kerberos refused: %s", err.what);
    NT_OK(!ws_auth_ntlm_new("u", "p\xff", NULL, "NTLM", &err) && strstr(err.what, "UTF-8"), "invalid UTF-8 refused: %s", err.what);
    a = ws_auth_ntlm_new("u", "p\xc3\xa9\xf0\x9f\x94\x91", NULL, "NTLM", &err);
    NT_OK(a != NULL, "non-ASCII password (BMP and astral) accepted");
    ws_auth_free(a);
}

int main(void)
{
    long n = unhex(seed_hex, seed, sizeof(seed));
    const char *corpus = getenv("NANOSH_CORPUS");
    char path[1024];
    unsigned char *text;
    size_t tlen;

    seed_len = n > 0 ? (size_t)n : 0;
    test_cases();
    test_fuzz(seed, seed_len, "MS-NLMP 4.2.4");
    snprintf(path, sizeof(path), "%s/ntlm/pyspnego_ntlm_challenge.b64",
             corpus && *corpus ? corpus : "/work/shared/corpus");
    if ((text = slurp(path, &tlen))) {
        unsigned char real[512];
        int b64 = (int)strcspn((char *)text, "\r\n");
        int got = tlen < 600 ? EVP_DecodeBlock(real, text, b64) : -1;
        int pad = (b64 > 0 && text[b64 - 1] == '=') + (b64 > 1 && text[b64 - 2] == '=');

        if (got > pad)
            test_fuzz(real, (size_t)(got - pad), "real (corpus)");
        free(text);
    } else {
        printf("# corpus CHALLENGE absent: the mutation loop ran on the MS-NLMP seed only\n");
    }
    test_mechanism_checks();
    test_credentials();
    return tap_done();
}
