/* NTLM message signing and sealing, extended session security only (MS-NLMP 3.4.3-3.4.5).
 * Without ESS NTLM falls back to a CRC32 checksum under a single shared key; Windows
 * always grants ESS when asked, so such a server is refused at init. */
#include "auth/ntlm_session.h"
#include "auth/ntlm_msg.h"
#include <string.h>
#include "base/buf.h"
#include "base/bytes.h"
#include <openssl/crypto.h>

/* MS-NLMP 3.4.5.2 and 3.4.5.3; the terminating NUL is part of each constant. */
static const char c2s_sign[] = "session key to client-to-server signing key magic constant";
static const char s2c_sign[] = "session key to server-to-client signing key magic constant";
static const char c2s_seal[] = "session key to client-to-server sealing key magic constant";
static const char s2c_seal[] = "session key to server-to-client sealing key magic constant";

ws_rc ntlm_derive_keys(const unsigned char exported_key[16], uint32_t flags,
                       int client_to_server, unsigned char sign_key[16],
                       unsigned char seal_key[16], ws_error *err)
{
    const char *sign_c = client_to_server ? c2s_sign : s2c_sign;
    const char *seal_c = client_to_server ? c2s_seal : s2c_seal;
    /* The seal key is cut to the negotiated strength before hashing. */
    size_t seal_len = (flags & NTLM_NEG_128) ? 16 : (flags & NTLM_NEG_56) ? 7 : 5;
    ntlm_part sign_parts[2] = {{exported_key, 16}, {sign_c, sizeof(c2s_sign)}};
    ntlm_part seal_parts[2] = {{exported_key, seal_len}, {seal_c, sizeof(c2s_seal)}};
    ws_rc rc;

    if ((rc = ntlm_md5(sign_parts, 2, sign_key, err)) != WS_OK)
        return rc;
    return ntlm_md5(seal_parts, 2, seal_key, err);
}

ws_rc ntlm_session_init(ntlm_session *s, const unsigned char exported_key[16],
                        uint32_t flags, ntlm_role role, ws_error *err)
{
    unsigned char c_seal[16], s_seal[16], c_sign[16], s_sign[16];
    ws_rc rc;

    memset(s, 0, sizeof(*s));
    if (!(flags & NTLM_NEG_ESS))
        return ws_error_set(err, WS_E_AUTH,
                            "enable NTLMv2 session security on the server (LmCompatibilityLevel 3 or higher)",
                            "the server did not negotiate NTLM extended session security");
    if ((rc = ntlm_derive_keys(exported_key, flags, 1, c_sign, c_seal, err)) != WS_OK ||
        (rc = ntlm_derive_keys(exported_key, flags, 0, s_sign, s_seal, err)) != WS_OK)
        goto done;
    if ((rc = ntlm_hmac_md5_new(&s->sign_out, role == NTLM_CLIENT ? c_sign : s_sign, 16,
                                err)) != WS_OK ||
        (rc = ntlm_hmac_md5_new(&s->sign_in, role == NTLM_CLIENT ? s_sign : c_sign, 16,
                                err)) != WS_OK) {
        ntlm_session_wipe(s);
        goto done;
    }
    s->flags = flags;
    ntlm_rc4_init(&s->seal_out, role == NTLM_CLIENT ? c_seal : s_seal, 16);
    ntlm_rc4_init(&s->seal_in, role == NTLM_CLIENT ? s_seal : c_seal, 16);
done:
    ws_wipe(c_seal, 16);
    ws_wipe(s_seal, 16);
    ws_wipe(c_sign, 16);
    ws_wipe(s_sign, 16);
    return rc;
}

void ntlm_session_wipe(ntlm_session *s)
{
    ntlm_hmac_md5_free(s->sign_out);
    ntlm_hmac_md5_free(s->sign_in);
    ws_wipe(s, sizeof(*s));
}

/* HMAC_MD5(SignKey, SeqNum || Message)[0..7] (MS-NLMP 3.4.4.2). */
static ws_rc checksum(struct evp_mac_ctx_st *key, uint32_t seq, const unsigned char *msg,
                      size_t len, unsigned char digest[16], ws_error *err)
{
    unsigned char seqb[4];
    ntlm_part parts[2] = {{seqb, 4}, {msg, len}};

    ws_store_le32(seqb, seq);
    return ntlm_hmac_md5_run(key, parts, 2, digest, err);
}

/* NTLMSSP_MESSAGE_SIGNATURE with ESS (MS-NLMP 2.2.2.9.1): Version 1, the checksum
 * RC4-encrypted under KEY_EXCH with the direction's continuing seal stream, SeqNum. */
static void signature(uint32_t flags, ntlm_rc4 *handle, uint32_t seq,
                      unsigned char digest[16], unsigned char sig[NTLM_SIG_LEN])
{
    ws_store_le32(sig, 1);
    if (flags & NTLM_NEG_KEY_EXCH)
        ntlm_rc4_crypt(handle, digest, sig + 4, 8);
    else
        memcpy(sig + 4, digest, 8);
    ws_store_le32(sig + 12, seq);
    ws_wipe(digest, 16);
}

static ws_rc usable(const ntlm_session *s, int sealing, ws_error *err)
{
    if (s->broken)
        return ws_error_set(err, WS_E_CRYPTO, "reconnect to start a new NTLM session",
                            "the NTLM session was abandoned after a message failed verification");
    if (sealing && !(s->flags & NTLM_NEG_SEAL))
        return ws_error_set(err, WS_E_CRYPTO,
                            "use HTTPS, or allow NTLM encryption on the server",
                            "the server did not negotiate NTLM sealing (message encryption)");
    if (!(s->flags & (NTLM_NEG_SIGN | NTLM_NEG_SEAL)))
        return ws_error_set(err, WS_E_CRYPTO, "use HTTPS",
                            "the server did not negotiate NTLM message signing");
    return WS_OK;
}

/* Checks a received signature; the caller has already consumed the RC4 keystream for the
 * sealed data, if any, so the checksum is decrypted from the same continued stream. */
static ws_rc check(ntlm_session *s, const unsigned char *msg, size_t len,
                   const unsigned char sig[NTLM_SIG_LEN], ws_error *err)
{
    unsigned char want[NTLM_SIG_LEN], digest[16];
    uint32_t seq = ws_load_le32(sig + 12);
    ws_rc rc;

    if ((rc = checksum(s->sign_in, s->seq_in, msg, len, digest, err)) != WS_OK)
        return rc;
    signature(s->flags, &s->seal_in, s->seq_in, digest, want);
    if (seq != s->seq_in)
        return ws_error_set(err, WS_E_CRYPTO,
                            "the reply was replayed, reordered or tampered with; retry on a new connection",
                            "NTLM message sequence number %lu, expected %lu",
                            (unsigned long)seq, (unsigned long)s->seq_in);
    if (CRYPTO_memcmp(want, sig, NTLM_SIG_LEN) != 0)
        return ws_error_set(err, WS_E_CRYPTO,
                            "the reply was altered in transit or the session keys differ; retry on a new connection",
                            "NTLM message signature does not match (sequence number %lu)",
                            (unsigned long)s->seq_in);
    s->seq_in++;
    return WS_OK;
}

ws_rc ntlm_seal(ntlm_session *s, const unsigned char *in, size_t len,
                unsigned char sig[NTLM_SIG_LEN], unsigned char *out, ws_error *err)
{
    unsigned char digest[16];
    ws_rc rc;

    if ((rc = usable(s, 1, err)) != WS_OK)
        return rc;
    /* The checksum covers the plaintext, so it is taken before sealing (in may equal
     * out); the data is sealed before the checksum is encrypted with the same stream
     * (MS-NLMP 3.4.3). */
    if ((rc = checksum(s->sign_out, s->seq_out, in, len, digest, err)) != WS_OK)
        return rc;
    ntlm_rc4_crypt(&s->seal_out, in, out, len);
    signature(s->flags, &s->seal_out, s->seq_out, digest, sig);
    s->seq_out++;
    return WS_OK;
}

ws_rc ntlm_unseal(ntlm_session *s, const unsigned char *in, size_t len,
                  const unsigned char sig[NTLM_SIG_LEN], unsigned char *out, ws_error *err)
{
    ws_rc rc;

    if ((rc = usable(s, 1, err)) != WS_OK)
        return rc;
    ntlm_rc4_crypt(&s->seal_in, in, out, len);
    if ((rc = check(s, out, len, sig, err)) != WS_OK) {
        ws_wipe(out, len);
        s->broken = 1;
    }
    return rc;
}

ws_rc ntlm_sign(ntlm_session *s, const unsigned char *msg, size_t len,
                unsigned char sig[NTLM_SIG_LEN], ws_error *err)
{
    unsigned char digest[16];
    ws_rc rc;

    if ((rc = usable(s, 0, err)) != WS_OK)
        return rc;
    if ((rc = checksum(s->sign_out, s->seq_out, msg, len, digest, err)) != WS_OK)
        return rc;
    signature(s->flags, &s->seal_out, s->seq_out, digest, sig);
    s->seq_out++;
    return WS_OK;
}

ws_rc ntlm_verify(ntlm_session *s, const unsigned char *msg, size_t len,
                  const unsigned char sig[NTLM_SIG_LEN], ws_error *err)
{
    ws_rc rc;

    if ((rc = usable(s, 0, err)) != WS_OK)
        return rc;
    if ((rc = check(s, msg, len, sig, err)) != WS_OK)
        s->broken = 1;
    return rc;
}
