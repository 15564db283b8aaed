/* NTLMv2 with session security as a ws_auth mechanism (MS-NLMP; PROTOCOL.md 5). */
#ifndef NANOSH_NTLM_H
#define NANOSH_NTLM_H
#include "auth/auth.h"

/* user is "DOMAIN\user", "user@domain" (sent whole, with an empty domain, as a UPN) or a
 * bare name. Give either password or nt_hash (pass-the-hash; password is then NULL).
 * scheme is the HTTP scheme, "Negotiate" or "NTLM". Secrets are copied; the caller wipes
 * its own copies. */
ws_auth *ws_auth_ntlm_new(const char *user, const char *password,
                          const unsigned char nt_hash[16], const char *scheme, ws_error *err);

/* Parses an NT hash as 32 hexadecimal digits (NANOSH_NT_HASH, --nt-hash-file), ignoring
 * surrounding white space; "LMHASH:NTHASH" (pwdump, impacket) is accepted too. */
ws_rc ws_ntlm_parse_nt_hash(const char *text, unsigned char out[16], ws_error *err);

#endif
