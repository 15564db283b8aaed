/* NTLM message encoding and decoding (MS-NLMP 2.2.1) and the NTLMv2 response (3.3.2).
 * CHALLENGE messages come from the network: nothing is read before it is bounds-checked. */
#include "auth/ntlm_msg.h"
#include "auth/ntlm_crypto.h"
#include "auth/cbt.h"
#include "base/bytes.h"
#include "base/utf8.h"
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

static const unsigned char ntlm_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* The Version field we send: 10.0.17763, NTLMSSP_REVISION_W2K3 (MS-NLMP 2.2.2.10), as
 * pyspnego sends; servers use it for debugging only. */
const unsigned char ntlm_client_version[8] = {10, 0, 0x63, 0x45, 0, 0, 0, 0x0f};

static ws_rc nomem(ws_error *err)
{
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory building an NTLM message");
}

ws_rc ntlm_negotiate_build(ws_buf *out, ws_error *err)
{
    unsigned char m[40];

    memcpy(m, ntlm_signature, 8);
    ws_store_le32(m + 8, 1);
    ws_store_le32(m + 12, NTLM_NEGOTIATE_FLAGS);
    /* Empty DomainName and Workstation, offsets pointing at the (empty) payload. */
    ws_store_le16(m + 16, 0); ws_store_le16(m + 18, 0); ws_store_le32(m + 20, 40);
    ws_store_le16(m + 24, 0); ws_store_le16(m + 26, 0); ws_store_le32(m + 28, 40);
    memcpy(m + 32, ntlm_client_version, 8);
    return ws_buf_append(out, m, sizeof(m)) ? nomem(err) : WS_OK;
}

/* ---- CHALLENGE ---- */

static ws_rc bad_challenge(ws_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static ws_rc bad_challenge(ws_error *err, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ws_error_set(err, WS_E_AUTH,
                        "the server is not speaking NTLM correctly; check that the URL points at a WinRM listener",
                        "malformed NTLM CHALLENGE from the server: %s", what);
}

/* A (Len, MaxLen, Offset) field must lie inside the message. */
static ws_rc check_field(const unsigned char *msg, size_t len, size_t at, const char *name,
                         size_t *off, size_t *flen, ws_error *err)
{
    *flen = ws_load_le16(msg + at);
    *off = ws_load_le32(msg + at + 4);
    if (*off > len || *flen > len - *off)
        return bad_challenge(err, "%s (offset %zu, length %zu) runs past the end of the %zu-byte message",
                             name, *off, *flen, len);
    return WS_OK;
}

/* Walks the AV pairs (MS-NLMP 2.2.2.1) and records the ones the client needs. */
static ws_rc parse_target_info(const unsigned char *ti, size_t len, ntlm_challenge *ch,
                               ws_error *err)
{
    size_t pos = 0;

    for (;;) {
        uint16_t id, alen;

        if (len - pos < 4)
            return bad_challenge(err, "TargetInfo has no MsvAvEOL terminator (AV pair at offset %zu of %zu bytes)",
                                 pos, len);
        id = ws_load_le16(ti + pos);
        alen = ws_load_le16(ti + pos + 2);
        pos += 4;
        if (alen > len - pos)
            return bad_challenge(err, "TargetInfo AV pair %u has AvLen %u but only %zu bytes are left",
                                 id, alen, len - pos);
        if (id == NTLM_AV_EOL) {
            ch->target_info_len = pos + alen;
            return WS_OK;
        }
        if (id == NTLM_AV_TIMESTAMP) {
            if (alen != 8)
                return bad_challenge(err, "MsvAvTimestamp has length %u, expected 8", alen);
            if (!ch->has_timestamp)
                memcpy(ch->timestamp, ti + pos, 8);
            ch->has_timestamp = 1;
        } else if (id == NTLM_AV_FLAGS && alen != 4) {
            return bad_challenge(err, "MsvAvFlags has length %u, expected 4", alen);
        } else if (id == NTLM_AV_NB_COMPUTER) {
            ch->has_nb_computer = 1;
        } else if (id == NTLM_AV_NB_DOMAIN) {
            ch->has_nb_domain = 1;
        }
        pos += alen;
    }
}

ws_rc ntlm_challenge_parse(const unsigned char *msg, size_t len, ntlm_challenge *ch,
                           ws_error *err)
{
    size_t off, flen;
    ws_rc rc;

    memset(ch, 0, sizeof(*ch));
    if (!msg || len < 48)
        return bad_challenge(err, "%zu bytes, shorter than the 48-byte header", msg ? len : 0);
    if (memcmp(msg, ntlm_signature, 8) != 0)
        return bad_challenge(err, "no NTLMSSP signature");
    if (ws_load_le32(msg + 8) != 2)
        return bad_challenge(err, "message type %u, expected 2", (unsigned)ws_load_le32(msg + 8));
    if ((rc = check_field(msg, len, 12, "TargetName", &off, &flen, err)) != WS_OK)
        return rc;
    ch->flags = ws_load_le32(msg + 20);
    memcpy(ch->server_challenge, msg + 24, NTLM_CHALLENGE_LEN);
    /* TargetInfoFields are meaningful only with NEGOTIATE_TARGET_INFO (MS-NLMP 2.2.1.2). */
    if (!(ch->flags & NTLM_NEG_TARGET_INFO))
        return WS_OK;
    if ((rc = check_field(msg, len, 40, "TargetInfo", &off, &flen, err)) != WS_OK)
        return rc;
    ch->target_info = msg + off;
    return parse_target_info(msg + off, flen, ch, err);
}

/* ---- strings ---- */

/* The C.UTF-8 locale, made once: newlocale from several threads at once (a fleet, or
 * --streams connecting) races inside glibc's locale loading, as ThreadSanitizer shows.
 * It is constant once made and lives until exit. */
static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void make_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

ws_rc ntlm_utf16le(const char *utf8, int upper, const char *what, ws_buf *out, ws_error *err)
{
    const unsigned char *s = (const unsigned char *)utf8;
    /* Windows upper-cases with its own Unicode table; glibc's C.UTF-8 table agrees on
     * letters. Without that locale only ASCII is upper-cased. */
    if (upper)
        pthread_once(&utf8_locale_once, make_utf8_locale);
    locale_t loc = upper ? utf8_locale : (locale_t)0;
    ws_rc rc = WS_OK;
    unsigned char u[4];   /* a password's characters pass through here: wiped below */

    while (*s) {
        uint32_t cp;
        size_t n = ws_utf8_char(s, strnlen((const char *)s, 4), &cp), ulen;

        if (!n) {
            rc = ws_error_set(err, WS_E_USAGE, "give it in UTF-8",
                              "the %s is not valid UTF-8", what);
            break;
        }
        s += n;
        if (upper) {
            if (loc)
                cp = (uint32_t)towupper_l((wint_t)cp, loc);
            else if (cp >= 'a' && cp <= 'z')
                cp -= 'a' - 'A';
        }
        if (cp < 0x10000) {
            ws_store_le16(u, (uint16_t)cp);
            ulen = 2;
        } else {
            cp -= 0x10000;
            ws_store_le16(u, (uint16_t)(0xd800 | cp >> 10));
            ws_store_le16(u + 2, (uint16_t)(0xdc00 | (cp & 0x3ff)));
            ulen = 4;
        }
        if (ws_buf_append(out, u, ulen)) {
            rc = nomem(err);
            break;
        }
    }
    ws_wipe(u, sizeof u);
    return rc;
}

/* ---- AUTHENTICATE ---- */

static int put_av(ws_buf *out, uint16_t id, const void *val, size_t len)
{
    unsigned char h[4];

    ws_store_le16(h, id);
    ws_store_le16(h + 2, (uint16_t)len);
    return ws_buf_append(out, h, 4) || (len && ws_buf_append(out, val, len));
}

ws_rc ntlm_target_info_amend(const ntlm_challenge *ch, uint32_t av_flags,
                             const unsigned char *cbt_md5, const unsigned char *spn_u16,
                             size_t spn_len, ws_buf *out, ws_error *err)
{
    static const unsigned char no_bindings[16];
    const unsigned char *ti = ch->target_info;
    size_t pos = 0;
    unsigned char fl[4];

    if (spn_len > 0xffff)
        return ws_error_set(err, WS_E_USAGE, "use a shorter host name",
                            "the target name for NTLM is too long");
    /* The list was validated by ntlm_challenge_parse: it ends with MsvAvEOL. */
    while (ti && pos + 4 <= ch->target_info_len) {
        uint16_t id = ws_load_le16(ti + pos), alen = ws_load_le16(ti + pos + 2);

        if (id == NTLM_AV_EOL)
            break;
        if (id == NTLM_AV_FLAGS)
            av_flags |= ws_load_le32(ti + pos + 4);
        else if (id != NTLM_AV_CHANNEL_BINDINGS && id != NTLM_AV_TARGET_NAME &&
                 put_av(out, id, ti + pos + 4, alen))
            return nomem(err);
        pos += 4 + (size_t)alen;
    }
    ws_store_le32(fl, av_flags);
    if (put_av(out, NTLM_AV_FLAGS, fl, 4) ||
        put_av(out, NTLM_AV_CHANNEL_BINDINGS, cbt_md5 ? cbt_md5 : no_bindings, 16) ||
        put_av(out, NTLM_AV_TARGET_NAME, spn_u16, spn_len) ||
        put_av(out, NTLM_AV_EOL, NULL, 0))
        return nomem(err);
    return WS_OK;
}

ws_rc ntlm_v2_response(const unsigned char ntowfv2[16],
                       const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
                       const unsigned char client_challenge[NTLM_CHALLENGE_LEN],
                       const unsigned char time[8], const unsigned char *av, size_t avlen,
                       ws_buf *nt_response, unsigned char session_base_key[16], ws_error *err)
{
    /* temp = RespType 1, HiRespType 1, Z(6), Time, ClientChallenge, Z(4), AvPairs, Z(4) */
    unsigned char head[28] = {1, 1, 0, 0, 0, 0, 0, 0};
    static const unsigned char z4[4];
    unsigned char proof[16];
    ntlm_part parts[4] = {{server_challenge, NTLM_CHALLENGE_LEN}, {head, sizeof(head)},
                          {av, avlen}, {z4, 4}};
    ntlm_part proof_part = {proof, 16};
    ws_rc rc;

    /* NtChallengeResponseFields.Len is 16 bits. */
    if (avlen > 0xffff - 16 - sizeof(head) - 4)
        return ws_error_set(err, WS_E_AUTH, "", "the server's NTLM TargetInfo is too large (%zu bytes)", avlen);
    memcpy(head + 8, time, 8);
    memcpy(head + 16, client_challenge, 8);
    if ((rc = ntlm_hmac_md5(ntowfv2, 16, parts, 4, proof, err)) != WS_OK)
        return rc;
    if ((rc = ntlm_hmac_md5(ntowfv2, 16, &proof_part, 1, session_base_key, err)) != WS_OK)
        return rc;
    if (ws_buf_append(nt_response, proof, 16) || ws_buf_append(nt_response, head, sizeof(head)) ||
        ws_buf_append(nt_response, av, avlen) || ws_buf_append(nt_response, z4, 4))
        return nomem(err);
    return WS_OK;
}

ws_rc ntlm_lmv2_response(const unsigned char ntowfv2[16],
                         const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
                         const unsigned char client_challenge[NTLM_CHALLENGE_LEN],
                         unsigned char out[24], ws_error *err)
{
    ntlm_part parts[2] = {{server_challenge, NTLM_CHALLENGE_LEN},
                          {client_challenge, NTLM_CHALLENGE_LEN}};
    ws_rc rc = ntlm_hmac_md5(ntowfv2, 16, parts, 2, out, err);

    if (rc == WS_OK)
        memcpy(out + 16, client_challenge, NTLM_CHALLENGE_LEN);
    return rc;
}

ws_rc ntlm_authenticate_build(const ntlm_auth_fields *f, ws_buf *out, ws_error *err)
{
    const unsigned char *data[6] = {f->lm, f->nt, f->domain, f->user, f->workstation,
                                    f->enc_session_key};
    const size_t lens[6] = {f->lm_len, f->nt_len, f->domain_len, f->user_len,
                            f->workstation_len, f->enc_session_key_len};
    /* Header field index of each payload item, in payload order. */
    static const int order[6] = {2, 3, 4, 0, 1, 5};
    unsigned char h[88];
    size_t hlen = 64 + (f->version ? 8 : 0) + (f->version && f->with_mic ? 16 : 0);
    size_t off = hlen;
    int k;

    memset(h, 0, sizeof(h));
    memcpy(h, ntlm_signature, 8);
    ws_store_le32(h + 8, 3);
    for (k = 0; k < 6; k++) {
        int i = order[k];

        if (lens[i] > 0xffff)
            return ws_error_set(err, WS_E_USAGE, "",
                                "an NTLM AUTHENTICATE field is too long (%zu bytes)", lens[i]);
        ws_store_le16(h + 12 + 8 * i, (uint16_t)lens[i]);
        ws_store_le16(h + 14 + 8 * i, (uint16_t)lens[i]);
        ws_store_le32(h + 16 + 8 * i, (uint32_t)off);
        off += lens[i];
    }
    ws_store_le32(h + 60, f->flags);
    if (f->version)
        memcpy(h + 64, f->version, 8);
    if (ws_buf_append(out, h, hlen))
        return nomem(err);
    for (k = 0; k < 6; k++) {
        int i = order[k];

        if (lens[i] && ws_buf_append(out, data[i], lens[i]))
            return nomem(err);
    }
    return WS_OK;
}

ws_rc ntlm_mic(const unsigned char exported_key[16], const unsigned char *neg, size_t neg_len,
               const unsigned char *chal, size_t chal_len, const unsigned char *auth,
               size_t auth_len, unsigned char mic[16], ws_error *err)
{
    static const unsigned char zero[16];
    ntlm_part parts[5] = {{neg, neg_len}, {chal, chal_len}, {auth, NTLM_MIC_OFFSET},
                          {zero, 16}, {NULL, 0}};

    if (auth_len < NTLM_MIC_OFFSET + 16)
        return ws_error_set(err, WS_E_USAGE, "", "AUTHENTICATE message too short for a MIC");
    parts[4].data = auth + NTLM_MIC_OFFSET + 16;
    parts[4].len = auth_len - NTLM_MIC_OFFSET - 16;
    return ntlm_hmac_md5(exported_key, 16, parts, 5, mic, err);
}

/* ---- channel bindings ---- */

ws_rc ntlm_channel_bindings_md5(const unsigned char *app_data, size_t len,
                                unsigned char out[16], ws_error *err)
{
    /* initiator addrtype+len, acceptor addrtype+len: all zero (GSS_C_AF_UNSPEC, empty) */
    unsigned char head[20] = {0};
    ntlm_part parts[2] = {{head, sizeof(head)}, {app_data, len}};

    if (len > 0xffffffffu)
        return ws_error_set(err, WS_E_USAGE, "", "channel binding data too large");
    ws_store_le32(head + 16, (uint32_t)len);
    return ntlm_md5(parts, 2, out, err);
}

/* The application data comes from the one tls-server-end-point implementation that
 * Kerberos uses too (auth/cbt.c), so that both bind to the same certificate hash. */
ws_rc ntlm_cert_channel_bindings_md5(const unsigned char *cert_der, size_t len,
                                     unsigned char out[16], ws_error *err)
{
    ws_buf app = WS_BUF_INIT;
    ws_rc rc = ws_cbt_app_data(cert_der, len, &app, err);

    if (rc == WS_OK)
        rc = ntlm_channel_bindings_md5((const unsigned char *)app.data, app.len, out, err);
    ws_buf_free(&app);
    return rc;
}
