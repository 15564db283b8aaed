/* NTLM messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE (parsed as hostile input),
 * AUTHENTICATE with the NTLMv2 response (3.3.2), MIC and channel bindings. */
#ifndef NANOSH_NTLM_MSG_H
#define NANOSH_NTLM_MSG_H
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"
#include "base/error.h"

/* NegotiateFlags, MS-NLMP 2.2.2.5 */
#define NTLM_NEG_UNICODE           0x00000001u
#define NTLM_NEG_OEM               0x00000002u
#define NTLM_NEG_REQUEST_TARGET    0x00000004u
#define NTLM_NEG_SIGN              0x00000010u
#define NTLM_NEG_SEAL              0x00000020u
#define NTLM_NEG_LM_KEY            0x00000080u
#define NTLM_NEG_NTLM              0x00000200u
#define NTLM_NEG_ANONYMOUS         0x00000800u
#define NTLM_NEG_ALWAYS_SIGN       0x00008000u
#define NTLM_NEG_ESS               0x00080000u   /* EXTENDED_SESSIONSECURITY */
#define NTLM_NEG_TARGET_INFO       0x00800000u
#define NTLM_NEG_VERSION           0x02000000u
#define NTLM_NEG_128               0x20000000u
#define NTLM_NEG_KEY_EXCH          0x40000000u
#define NTLM_NEG_56                0x80000000u

/* What Windows clients (and pyspnego for WinRM) send: 56|KEY_EXCH|128|VERSION|ESS|
 * ALWAYS_SIGN|NTLM|SEAL|SIGN|REQUEST_TARGET|OEM|UNICODE. */
#define NTLM_NEGOTIATE_FLAGS       0xE2088237u

/* AV_PAIR ids, MS-NLMP 2.2.2.1 */
#define NTLM_AV_EOL                0
#define NTLM_AV_NB_COMPUTER        1
#define NTLM_AV_NB_DOMAIN          2
#define NTLM_AV_FLAGS              6
#define NTLM_AV_TIMESTAMP          7
#define NTLM_AV_TARGET_NAME        9
#define NTLM_AV_CHANNEL_BINDINGS   10

#define NTLM_AV_FLAG_MIC           0x00000002u

#define NTLM_MIC_OFFSET            72   /* with the Version field present */
#define NTLM_CHALLENGE_LEN         8

/* The Version field (MS-NLMP 2.2.2.10) this client sends in NEGOTIATE and AUTHENTICATE. */
extern const unsigned char ntlm_client_version[8];

typedef struct ntlm_challenge {
    uint32_t flags;
    unsigned char server_challenge[NTLM_CHALLENGE_LEN];
    const unsigned char *target_info;   /* points into the parsed message, ends with EOL */
    size_t target_info_len;
    int has_timestamp;
    unsigned char timestamp[8];         /* MsvAvTimestamp, FILETIME little-endian */
    int has_nb_computer, has_nb_domain;
} ntlm_challenge;

/* Appends the 40-byte NEGOTIATE_MESSAGE: NTLM_NEGOTIATE_FLAGS, empty domain and
 * workstation, Version field (MS-NLMP 2.2.1.1, 3.1.5.1.1). */
ws_rc ntlm_negotiate_build(ws_buf *out, ws_error *err);

/* Parses a CHALLENGE_MESSAGE. Every field offset and length and every AV pair is checked
 * against len; ch keeps pointers into msg, which must outlive it. */
ws_rc ntlm_challenge_parse(const unsigned char *msg, size_t len, ntlm_challenge *ch,
                           ws_error *err);

/* Appends UTF-16LE of a UTF-8 string; upper != 0 upper-cases it first (for NTOWFv2).
 * what names the string in error messages ("user name"). */
ws_rc ntlm_utf16le(const char *utf8, int upper, const char *what, ws_buf *out, ws_error *err);

/* The client's AV pairs for the NTLMv2 blob (MS-NLMP 3.1.5.1.2): the server's pairs,
 * MsvAvFlags OR av_flags, MsvAvChannelBindings (cbt_md5, or Z(16) when NULL),
 * MsvAvTargetName = spn (UTF-16LE), MsvAvEOL. */
ws_rc ntlm_target_info_amend(const ntlm_challenge *ch, uint32_t av_flags,
                             const unsigned char *cbt_md5, const unsigned char *spn_u16,
                             size_t spn_len, ws_buf *out, ws_error *err);

/* NtChallengeResponse = NTProofStr || temp, and SessionBaseKey (MS-NLMP 3.3.2).
 * av is the complete AV pair list including MsvAvEOL. */
ws_rc ntlm_v2_response(const unsigned char ntowfv2[16],
                       const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
                       const unsigned char client_challenge[NTLM_CHALLENGE_LEN],
                       const unsigned char time[8], const unsigned char *av, size_t avlen,
                       ws_buf *nt_response, unsigned char session_base_key[16], ws_error *err);

/* LMv2 response = HMAC_MD5(NTOWFv2, ServerChallenge || ClientChallenge) || ClientChallenge. */
ws_rc ntlm_lmv2_response(const unsigned char ntowfv2[16],
                         const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
                         const unsigned char client_challenge[NTLM_CHALLENGE_LEN],
                         unsigned char out[24], ws_error *err);

/* Fields of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3); strings in UTF-16LE. */
typedef struct ntlm_auth_fields {
    uint32_t flags;
    const unsigned char *lm, *nt, *domain, *user, *workstation, *enc_session_key;
    size_t lm_len, nt_len, domain_len, user_len, workstation_len, enc_session_key_len;
    const unsigned char *version;   /* 8 bytes, or NULL for neither Version nor MIC */
    int with_mic;                   /* reserve the zeroed MIC field at NTLM_MIC_OFFSET */
} ntlm_auth_fields;

/* Appends the AUTHENTICATE_MESSAGE; payload order domain, user, workstation, LM, NT,
 * session key, as Windows lays it out. */
ws_rc ntlm_authenticate_build(const ntlm_auth_fields *f, ws_buf *out, ws_error *err);

/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE), with the
 * MIC field of auth zeroed (MS-NLMP 3.1.5.1.2). */
ws_rc ntlm_mic(const unsigned char exported_key[16], const unsigned char *neg, size_t neg_len,
               const unsigned char *chal, size_t chal_len, const unsigned char *auth,
               size_t auth_len, unsigned char mic[16], ws_error *err);

/* MD5 of a gss_channel_bindings_struct with empty addresses and the given application
 * data (RFC 2744 3.11, MS-NLMP 2.2.2.1). */
ws_rc ntlm_channel_bindings_md5(const unsigned char *app_data, size_t len,
                                unsigned char out[16], ws_error *err);

/* The same for the tls-server-end-point data of ws_cbt_app_data (auth/cbt.h). */
ws_rc ntlm_cert_channel_bindings_md5(const unsigned char *cert_der, size_t len,
                                     unsigned char out[16], ws_error *err);

#endif
