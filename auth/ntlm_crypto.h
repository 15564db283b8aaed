/* Cryptographic core of NTLM (MS-NLMP 3.3, 6): MD4 and RC4 carried here, because OpenSSL 3
 * keeps them in the legacy provider, which is often not loaded; MD5 and HMAC-MD5 come from
 * OpenSSL's default provider. */
#ifndef NANOSH_NTLM_CRYPTO_H
#define NANOSH_NTLM_CRYPTO_H
#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

#define NTLM_HASH_LEN 16

/* RFC 1320. */
void ntlm_md4(const void *data, size_t len, unsigned char out[NTLM_HASH_LEN]);

/* RC4 keystream state; one per direction, kept across messages (MS-NLMP 3.4.3). */
typedef struct ntlm_rc4 {
    unsigned char s[256];
    unsigned char i, j;
} ntlm_rc4;

void ntlm_rc4_init(ntlm_rc4 *st, const unsigned char *key, size_t keylen);
/* in and out may be the same buffer. */
void ntlm_rc4_crypt(ntlm_rc4 *st, const unsigned char *in, unsigned char *out, size_t len);
void ntlm_rc4_wipe(ntlm_rc4 *st);
/* RC4K (MS-NLMP 6): a fresh state keyed with key, applied once. */
void ntlm_rc4k(const unsigned char *key, size_t keylen, const unsigned char *in,
               unsigned char *out, size_t len);

/* A message given in pieces, hashed as their concatenation. */
typedef struct ntlm_part {
    const void *data;
    size_t len;
} ntlm_part;

ws_rc ntlm_md5(const ntlm_part *parts, size_t nparts, unsigned char out[NTLM_HASH_LEN],
               ws_error *err);
ws_rc ntlm_hmac_md5(const unsigned char *key, size_t keylen, const ntlm_part *parts,
                    size_t nparts, unsigned char out[NTLM_HASH_LEN], ws_error *err);

/* A keyed HMAC-MD5 (OpenSSL's EVP_MAC_CTX) kept for many messages, so that the algorithm
 * lookup, allocation and key schedule are paid once per session rather than per message. */
struct evp_mac_ctx_st;
ws_rc ntlm_hmac_md5_new(struct evp_mac_ctx_st **ctx, const unsigned char *key, size_t keylen,
                        ws_error *err);
ws_rc ntlm_hmac_md5_run(struct evp_mac_ctx_st *ctx, const ntlm_part *parts, size_t nparts,
                        unsigned char out[NTLM_HASH_LEN], ws_error *err);
void ntlm_hmac_md5_free(struct evp_mac_ctx_st *ctx);   /* NULL is fine */

/* NTOWFv1 = MD4(UTF-16LE(password)) (MS-NLMP 3.3.1). */
void ntlm_ntowfv1(const unsigned char *password_u16, size_t len,
                  unsigned char out[NTLM_HASH_LEN]);
/* NTOWFv2 = HMAC_MD5(NTOWFv1, UTF-16LE(UPPER(user)) || UTF-16LE(domain)) (MS-NLMP 3.3.2).
 * user_upper_u16 must already be upper-cased. */
ws_rc ntlm_ntowfv2(const unsigned char nt_hash[NTLM_HASH_LEN],
                   const unsigned char *user_upper_u16, size_t user_len,
                   const unsigned char *domain_u16, size_t domain_len,
                   unsigned char out[NTLM_HASH_LEN], ws_error *err);

#endif
