/* NTLM session security with extended session security (MS-NLMP 3.4): each direction has
 * its own sign key, RC4 seal state and sequence number, all kept across messages. */
#ifndef NANOSH_NTLM_SESSION_H
#define NANOSH_NTLM_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include "auth/ntlm_crypto.h"
#include "base/error.h"

#define NTLM_SIG_LEN 16

typedef enum ntlm_role { NTLM_CLIENT, NTLM_SERVER } ntlm_role;

typedef struct ntlm_session {
    uint32_t flags;                       /* negotiated NegotiateFlags */
    struct evp_mac_ctx_st *sign_out, *sign_in;  /* HMAC-MD5 keyed with each SIGNKEY */
    ntlm_rc4 seal_out, seal_in;
    uint32_t seq_out, seq_in;
    int broken;                           /* a message was rejected: streams are out of step */
} ntlm_session;

/* SIGNKEY and SEALKEY for one direction (MS-NLMP 3.4.5.2, 3.4.5.3). */
ws_rc ntlm_derive_keys(const unsigned char exported_key[16], uint32_t flags,
                       int client_to_server, unsigned char sign_key[16],
                       unsigned char seal_key[16], ws_error *err);

/* Sets up both directions from the ExportedSessionKey; role decides which keys send. */
ws_rc ntlm_session_init(ntlm_session *s, const unsigned char exported_key[16],
                        uint32_t flags, ntlm_role role, ws_error *err);
/* Frees the HMAC contexts; call it on every session that init set up (and is then safe to
 * call again). */
void ntlm_session_wipe(ntlm_session *s);

/* GSS_WrapEx (MS-NLMP 3.4.3): out = RC4(seal_out, in) (len bytes; may equal in),
 * sig = MAC over in with the next outgoing sequence number. */
ws_rc ntlm_seal(ntlm_session *s, const unsigned char *in, size_t len,
                unsigned char sig[NTLM_SIG_LEN], unsigned char *out, ws_error *err);
/* GSS_UnwrapEx: decrypts in into out, then checks sig against the plaintext and the next
 * incoming sequence number. On failure out is zeroed and the session refuses further use. */
ws_rc ntlm_unseal(ntlm_session *s, const unsigned char *in, size_t len,
                  const unsigned char sig[NTLM_SIG_LEN], unsigned char *out, ws_error *err);
/* GSS_GetMICEx / GSS_VerifyMICEx (MS-NLMP 3.4.4): signature only. */
ws_rc ntlm_sign(ntlm_session *s, const unsigned char *msg, size_t len,
                unsigned char sig[NTLM_SIG_LEN], ws_error *err);
ws_rc ntlm_verify(ntlm_session *s, const unsigned char *msg, size_t len,
                  const unsigned char sig[NTLM_SIG_LEN], ws_error *err);

#endif
