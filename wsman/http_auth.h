/* The HTTP side of authentication (RFC 7235): WWW-Authenticate parsing and scheme
 * choice. Internal to the transport. Tokens travel as base64 (base/base64.h). */
#ifndef NANOSH_HTTP_AUTH_H
#define NANOSH_HTTP_AUTH_H
#include <stddef.h>
#include "auth/auth.h"
#include "base/base64.h"

#define WS_MAX_CHALLENGES 8

typedef struct ws_challenge {
    char scheme[24];      /* as sent, e.g. "Negotiate" */
    char *token;          /* token68 or the raw parameter text, NULL when absent */
} ws_challenge;

typedef struct ws_challenges {
    ws_challenge c[WS_MAX_CHALLENGES];
    size_t n;
} ws_challenges;

/* Adds the challenges of one WWW-Authenticate header value. Returns -1 on ENOMEM;
 * challenges beyond WS_MAX_CHALLENGES are ignored. */
int ws_challenges_add(ws_challenges *cs, const char *value, size_t len);
void ws_challenges_free(ws_challenges *cs);
const ws_challenge *ws_challenges_find(const ws_challenges *cs, const char *scheme);
/* "Negotiate, Kerberos" into buf, for messages. */
void ws_challenges_list(const ws_challenges *cs, char *buf, size_t size);

/* Picks the offered scheme that carries the mechanism's tokens: its own scheme, and for
 * raw NTLM tokens (WS_AUTH_NTLM_TOKENS) also "NTLM" or "Negotiate" (PROTOCOL.md 5.1).
 * NULL when none is offered. */
const ws_challenge *ws_challenges_choose(const ws_challenges *cs, const ws_auth *a);

#endif
