/* A TEST DOUBLE for a sealing mechanism, not cryptography: the handshake of the
 * fixture's connection-based scheme (HELLO, CHALLENGE, RESPONSE:CHALLENGE, DONE) and
 * a reversible XOR transform with an FNV-1a checksum and per-direction sequence
 * numbers. http_fixture.py implements the same transform for the server side. */
#ifndef NANOSH_TEST_MECH_H
#define NANOSH_TEST_MECH_H
#include <stddef.h>
#include <stdint.h>
#include "auth/auth.h"

#define TMECH_SIG_LEN 20   /* "TSIG", direction, seq, length, checksum; deliberately not 16 */

typedef struct tmech_state {
    uint32_t seq_out, seq_in;   /* next sequence numbers, client to server and back */
    int resets;
} tmech_state;

/* scheme "Negotiate", protocol application/HTTP-SPNEGO-session-encrypted; the flags
 * of a connection-bound mechanism that seals and takes channel bindings. */
ws_auth *tmech_new(tmech_state **st);
/* The same double under the name "custom", with the given scheme and flags: the
 * transport must treat it as any mechanism with those flags. */
ws_auth *tmech_custom_new(const char *scheme, unsigned caps, tmech_state **st);

/* The client's side of the handshake, as a ws_auth_ops step; a does not matter, so
 * other test doubles of the fixture's connection-based scheme use it too. */
ws_rc tmech_step(ws_auth *a, const unsigned char *in, size_t inlen, ws_buf *out, int *done,
                 ws_error *err);

/* dir 'C' (client to server) or 'S'. out gets len bytes; sig TMECH_SIG_LEN bytes. */
void tmech_seal(char dir, uint32_t seq, const unsigned char *in, size_t len,
                unsigned char *sig, unsigned char *out);
/* 0: good; -1: bad signature; -2: wrong sequence number; -3: bad length. */
int tmech_open(char dir, uint32_t seq, const unsigned char *sig, const unsigned char *in,
               size_t len, unsigned char *out);

#endif
