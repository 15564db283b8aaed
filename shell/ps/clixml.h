/* The "#< CLIXML" error stream of powershell.exe run under WinRS (PROTOCOL.md 9), turned
 * into the text PowerShell would have printed. Streaming: records are decoded as soon as
 * each one is complete, so errors show up while a long command still runs. */
#ifndef NANOSH_SHELL_CLIXML_H
#define NANOSH_SHELL_CLIXML_H
#include "base/buf.h"
#include <stddef.h>

/* Receives decoded text. Returns 0, or -1 to stop decoding (the error is returned). */
typedef int (*clixml_sink)(void *ud, const char *text, size_t len);

typedef struct clixml_decoder {
    ws_buf pending;        /* bytes not yet decoded */
    int in_xml;            /* a "#< CLIXML" header was seen */
    clixml_sink sink;
    void *ud;
} clixml_decoder;

void clixml_init(clixml_decoder *d, clixml_sink sink, void *ud);
/* Decodes what is complete; plain text (no header) passes through unchanged. 0 or -1. */
int clixml_feed(clixml_decoder *d, const void *data, size_t len);
/* End of the stream: decodes the rest, passing an incomplete record through raw. */
int clixml_flush(clixml_decoder *d);
void clixml_free(clixml_decoder *d);

/* Replaces _xHHHH_ escapes (PSRP 2.2.5.3.2: one UTF-16 code unit, surrogate pairs
 * combined, case-insensitive hex) in UTF-8 text. Returns malloc'd text, NUL-terminated,
 * length in *outlen; NULL when out of memory. */
char *clixml_unescape(const char *s, size_t len, size_t *outlen);

#endif
