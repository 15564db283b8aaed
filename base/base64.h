/* The one base64 codec (RFC 4648 4: standard alphabet, with padding), for tokens,
 * stream data, stdin, PowerShell inputs and file chunks alike. */
#ifndef NANOSH_BASE64_H
#define NANOSH_BASE64_H
#include <stddef.h>
#include "base/buf.h"

/* Appends the base64 of in to out; out->data is set even when len is 0. Temporaries are
 * wiped, since in may be a secret (user:password). 0, or -1 on ENOMEM or len > 1 GiB. */
int ws_base64_encode(const void *in, size_t len, ws_buf *out);

#define WS_BASE64_MALFORMED (-1)
#define WS_BASE64_NOMEM (-2)

/* Appends the bytes of in to out. Strict (RFC 4648 3.3): only the alphabet, a multiple of
 * 4 characters, '=' only as the last one or two; trailing spaces and tabs (HTTP OWS,
 * RFC 7230 3.2.3) are ignored. Temporaries are wiped. 0, WS_BASE64_MALFORMED (also when
 * len > 1 GiB) or WS_BASE64_NOMEM; out is unchanged unless 0. */
int ws_base64_decode(const char *in, size_t len, ws_buf *out);

/* The same for XML text content (rsp:Stream), which servers may wrap: spaces, tabs, CR
 * and LF anywhere are skipped first. */
int ws_base64_decode_text(const char *in, size_t len, ws_buf *out);

#endif
