/* WinRM message encryption over HTTP: the multipart/encrypted body of MS-WSMV 2.2.9.1
 * (PROTOCOL.md 4). Requests are framed byte-exact as 2.2.9.1.1.2; replies are parsed
 * tolerantly (part headers with or without the leading HT, any case of header names,
 * CRLF or LF) and every length in them is checked. Internal to wsman/. */
#ifndef NANOSH_ENCRYPTED_H
#define NANOSH_ENCRYPTED_H
#include <stddef.h>
#include "auth/auth.h"

#define WS_ENC_BOUNDARY "Encrypted Boundary"
#define WS_ENC_SPNEGO "application/HTTP-SPNEGO-session-encrypted"
#define WS_ENC_KERBEROS "application/HTTP-Kerberos-session-encrypted"
#define WS_ENC_LENGTH_MAX ((size_t)1 << 30)   /* largest OriginalContent Length accepted */

/* The pieces of one encrypted body. Pointers point into the parsed body. */
typedef struct ws_enc_parts {
    const char *protocol;          /* part 1 Content-Type value (not NUL-terminated) */
    size_t protocol_len;
    size_t length;                 /* OriginalContent Length */
    const unsigned char *wrapped;  /* signature || sealed data, as auth unwrap takes it */
    size_t wrapped_len;
    size_t sig_len;                /* the u32le before the signature */
} ws_enc_parts;

/* Is this HTTP Content-Type value multipart/encrypted? */
int ws_enc_is_encrypted(const char *content_type);

/* "Content-Type: multipart/encrypted;protocol="P";boundary="Encrypted Boundary"" (2.2.9.1.1.1). */
ws_rc ws_enc_header(const char *protocol, ws_buf *out, ws_error *err);

/* Appends the request body of 2.2.9.1.1.2 to out: wrapped = signature || sealed data,
 * sig_len its signature length, length the OriginalContent Length. */
ws_rc ws_enc_frame(const char *protocol, size_t length, const unsigned char *wrapped,
                   size_t wrapped_len, size_t sig_len, ws_buf *out, ws_error *err);

/* Splits a reply body. content_type is the HTTP header value (its boundary parameter is
 * honoured, "Encrypted Boundary" when absent); host names the peer in messages.
 * A malformed body is WS_E_PROTOCOL. */
ws_rc ws_enc_parse(const char *content_type, const char *body, size_t len, const char *host,
                   ws_enc_parts *out, ws_error *err);

/* Wraps plaintext SOAP with the mechanism and frames it: out gets the whole body. */
ws_rc ws_enc_wrap(ws_auth *a, const char *plain, size_t len, ws_buf *out, ws_error *err);

/* Parses, checks the protocol against the mechanism, unwraps and checks the
 * OriginalContent Length. Appends the plaintext to out only when all of that holds;
 * a bad signature, sequence number or length is WS_E_CRYPTO. */
ws_rc ws_enc_unwrap(ws_auth *a, const char *content_type, const char *body, size_t len,
                    const char *host, ws_buf *out, ws_error *err);

#endif
