/* MD4 (RFC 1320) and RC4 implemented here so NTLM works on a stock OpenSSL 3 whose legacy
 * provider is not active; MD5 and HMAC-MD5 through OpenSSL (default provider). */
#include "auth/ntlm_crypto.h"
#include "base/buf.h"
#include "base/bytes.h"
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

/* ---- MD4, RFC 1320 ---- */

#define MD4_F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define MD4_G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define MD4_H(x, y, z) ((x) ^ (y) ^ (z))
#define ROTL32(v, s) (((v) << (s)) | ((v) >> (32 - (s))))

static void md4_block(uint32_t h[4], const unsigned char blk[64])
{
    static const int r2[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
    static const int r3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    static const int s1[4] = {3, 7, 11, 19}, s2[4] = {3, 5, 9, 13}, s3[4] = {3, 9, 11, 15};
    /* The message words and working state hash a password: kept together, wiped once. */
    struct { uint32_t x[16], a, b, c, d, t; } w;
    int i;

    w.a = h[0]; w.b = h[1]; w.c = h[2]; w.d = h[3];
    for (i = 0; i < 16; i++)
        w.x[i] = ws_load_le32(blk + 4 * i);
    /* Each round rotates the roles of a, b, c, d; t carries the new value. */
    for (i = 0; i < 16; i++) {
        w.t = ROTL32(w.a + MD4_F(w.b, w.c, w.d) + w.x[i], s1[i % 4]);
        w.a = w.d; w.d = w.c; w.c = w.b; w.b = w.t;
    }
    for (i = 0; i < 16; i++) {
        w.t = ROTL32(w.a + MD4_G(w.b, w.c, w.d) + w.x[r2[i]] + 0x5a827999u, s2[i % 4]);
        w.a = w.d; w.d = w.c; w.c = w.b; w.b = w.t;
    }
    for (i = 0; i < 16; i++) {
        w.t = ROTL32(w.a + MD4_H(w.b, w.c, w.d) + w.x[r3[i]] + 0x6ed9eba1u, s3[i % 4]);
        w.a = w.d; w.d = w.c; w.c = w.b; w.b = w.t;
    }
    h[0] += w.a; h[1] += w.b; h[2] += w.c; h[3] += w.d;
    ws_wipe(&w, sizeof(w));
}

void ntlm_md4(const void *data, size_t len, unsigned char out[NTLM_HASH_LEN])
{
    uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    const unsigned char *p = data;
    unsigned char tail[128];
    size_t rest = len, tlen;
    uint64_t bits = (uint64_t)len * 8;
    int i;

    for (; rest >= 64; rest -= 64, p += 64)
        md4_block(h, p);
    /* Pad: 0x80, zeros to 56 mod 64, then the bit length little-endian. */
    memset(tail, 0, sizeof(tail));
    if (rest)
        memcpy(tail, p, rest);
    tail[rest] = 0x80;
    tlen = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++)
        tail[tlen - 8 + (size_t)i] = (unsigned char)(bits >> (8 * i));
    md4_block(h, tail);
    if (tlen == 128)
        md4_block(h, tail + 64);
    for (i = 0; i < 4; i++)
        ws_store_le32(out + 4 * i, h[i]);
    ws_wipe(tail, sizeof(tail));
    ws_wipe(h, sizeof(h));
}

/* ---- RC4 ---- */

void ntlm_rc4_init(ntlm_rc4 *st, const unsigned char *key, size_t keylen)
{
    unsigned char j = 0, t;
    int i;

    for (i = 0; i < 256; i++)
        st->s[i] = (unsigned char)i;
    for (i = 0; i < 256; i++) {
        j = (unsigned char)(j + st->s[i] + (keylen ? key[(size_t)i % keylen] : 0));
        t = st->s[i]; st->s[i] = st->s[j]; st->s[j] = t;
    }
    st->i = st->j = 0;
}

/* One RC4 step: swap S[i] and S[j], yield S[S[i] + S[j]]. */
#define RC4_STEP(s, i, j, a, b)                                                       \
    ((i) = (unsigned char)((i) + 1), (a) = (s)[(i)], (j) = (unsigned char)((j) + (a)), \
     (b) = (s)[(j)], (s)[(i)] = (b), (s)[(j)] = (a), (s)[(unsigned char)((a) + (b))])
#define RC4_KS(k) ((uint64_t)RC4_STEP(s, i, j, a, b) << (8 * (k)))

void ntlm_rc4_crypt(ntlm_rc4 *st, const unsigned char *in, unsigned char *out, size_t len)
{
    unsigned char i = st->i, j = st->j, a, b;
    unsigned char *s = st->s;
    uint64_t ks;
    size_t n = 0;

    /* Sealing large messages is dominated by this loop. Collecting 8 keystream bytes in a
     * register and XORing a whole word (as OpenSSL's C RC4 does) replaces 8 byte loads and
     * stores of the data with one each: about a third faster than byte by byte. The steps
     * are written out because compilers do not unroll this at -O2. The little-endian
     * load/store keeps the byte order portable and compiles to one mov on x86 and ARM. */
    for (; len - n >= 8; n += 8) {
        ks = RC4_KS(0);
        ks |= RC4_KS(1);
        ks |= RC4_KS(2);
        ks |= RC4_KS(3);
        ks |= RC4_KS(4);
        ks |= RC4_KS(5);
        ks |= RC4_KS(6);
        ks |= RC4_KS(7);
        ws_store_le64(out + n, ws_load_le64(in + n) ^ ks);
    }
    for (; n < len; n++)
        out[n] = in[n] ^ RC4_STEP(s, i, j, a, b);
    st->i = i;
    st->j = j;
}

void ntlm_rc4_wipe(ntlm_rc4 *st)
{
    ws_wipe(st, sizeof(*st));
}

void ntlm_rc4k(const unsigned char *key, size_t keylen, const unsigned char *in,
               unsigned char *out, size_t len)
{
    ntlm_rc4 st;

    ntlm_rc4_init(&st, key, keylen);
    ntlm_rc4_crypt(&st, in, out, len);
    ntlm_rc4_wipe(&st);
}

/* ---- MD5 and HMAC-MD5 through OpenSSL ---- */

static ws_rc openssl_failed(ws_error *err, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return ws_error_set(err, WS_E_CRYPTO,
                        "MD5 must be available in OpenSSL's default provider (it is not in FIPS mode)",
                        "%s failed in OpenSSL: %s", what, e ? buf : "unknown error");
}

ws_rc ntlm_md5(const ntlm_part *parts, size_t nparts, unsigned char out[NTLM_HASH_LEN],
               ws_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ws_rc rc = WS_OK;
    size_t k;

    if (!ctx)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory computing MD5");
    if (!EVP_DigestInit_ex(ctx, EVP_md5(), NULL)) {
        rc = openssl_failed(err, "MD5");
        goto done;
    }
    for (k = 0; k < nparts; k++) {
        if (parts[k].len && !EVP_DigestUpdate(ctx, parts[k].data, parts[k].len)) {
            rc = openssl_failed(err, "MD5");
            goto done;
        }
    }
    if (!EVP_DigestFinal_ex(ctx, out, NULL))
        rc = openssl_failed(err, "MD5");
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}

ws_rc ntlm_hmac_md5_new(EVP_MAC_CTX **ctx, const unsigned char *key, size_t keylen,
                        ws_error *err)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];
    char digest[] = "MD5";
    ws_rc rc = WS_OK;

    *ctx = NULL;
    if (!mac)
        return openssl_failed(err, "HMAC-MD5");
    *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  /* the context holds its own reference */
    if (!*ctx)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory computing HMAC-MD5");
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(*ctx, key, keylen, params)) {
        rc = openssl_failed(err, "HMAC-MD5");
        EVP_MAC_CTX_free(*ctx);
        *ctx = NULL;
    }
    return rc;
}

ws_rc ntlm_hmac_md5_run(EVP_MAC_CTX *ctx, const ntlm_part *parts, size_t nparts,
                        unsigned char out[NTLM_HASH_LEN], ws_error *err)
{
    size_t outlen = 0, k;

    /* A NULL key restarts the MAC with the key already set (OpenSSL 3.0 and later). */
    if (!EVP_MAC_init(ctx, NULL, 0, NULL))
        return openssl_failed(err, "HMAC-MD5");
    for (k = 0; k < nparts; k++)
        if (parts[k].len && !EVP_MAC_update(ctx, parts[k].data, parts[k].len))
            return openssl_failed(err, "HMAC-MD5");
    if (!EVP_MAC_final(ctx, out, &outlen, NTLM_HASH_LEN) || outlen != NTLM_HASH_LEN)
        return openssl_failed(err, "HMAC-MD5");
    return WS_OK;
}

void ntlm_hmac_md5_free(EVP_MAC_CTX *ctx)
{
    EVP_MAC_CTX_free(ctx);
}

ws_rc ntlm_hmac_md5(const unsigned char *key, size_t keylen, const ntlm_part *parts,
                    size_t nparts, unsigned char out[NTLM_HASH_LEN], ws_error *err)
{
    EVP_MAC_CTX *ctx;
    ws_rc rc = ntlm_hmac_md5_new(&ctx, key, keylen, err);

    if (rc == WS_OK)
        rc = ntlm_hmac_md5_run(ctx, parts, nparts, out, err);
    ntlm_hmac_md5_free(ctx);
    return rc;
}

/* ---- NTLM one-way functions ---- */

void ntlm_ntowfv1(const unsigned char *password_u16, size_t len,
                  unsigned char out[NTLM_HASH_LEN])
{
    ntlm_md4(password_u16, len, out);
}

ws_rc ntlm_ntowfv2(const unsigned char nt_hash[NTLM_HASH_LEN],
                   const unsigned char *user_upper_u16, size_t user_len,
                   const unsigned char *domain_u16, size_t domain_len,
                   unsigned char out[NTLM_HASH_LEN], ws_error *err)
{
    ntlm_part parts[2] = {{user_upper_u16, user_len}, {domain_u16, domain_len}};

    return ntlm_hmac_md5(nt_hash, NTLM_HASH_LEN, parts, 2, out, err);
}
