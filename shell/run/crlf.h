/* --text: Windows line ends (CR LF) to Unix ones on a command's output, and back on its
 * input, so remote text can go through grep, diff and sha256sum like local text. Both
 * directions stream: a CR LF cut between two chunks is still one line end. */
#ifndef NANOSH_SHELL_RUN_CRLF_H
#define NANOSH_SHELL_RUN_CRLF_H
#include "wsman/run.h"
#include <stddef.h>

/* Output: CR LF becomes LF on its way to `to`; a lone CR stays. A CR that ends a chunk
 * is held until the next chunk (or crlf_out_flush) shows what follows it. */
typedef struct crlf_out {
    ws_sink to;
    int held_cr;
} crlf_out;

void crlf_out_init(crlf_out *c, ws_sink to);
/* A ws_sink write (ud: the crlf_out): 0, or the target's non-zero return. */
int crlf_out_write(void *ud, const void *data, size_t len);
/* At the end of the stream a held CR was a lone one: it goes out as it is. */
int crlf_out_flush(crlf_out *c);

/* Input: LF becomes CR LF; an LF already after a CR (also across chunks) stays. */
typedef struct crlf_in {
    int prev_cr;        /* the last byte converted was a CR */
} crlf_in;

/* Converts buf[0..len) in place; buf must hold 2 * len bytes. Returns the new length. */
size_t crlf_in_convert(crlf_in *c, char *buf, size_t len);

/* A ws_source that reads from `from` and converts, for ws_run_opts.in. */
typedef struct crlf_source {
    const ws_source *from;
    crlf_in state;
    int held_lf;        /* a CR went out in the last byte of room; its LF comes next */
    int ended;          /* `from` said end of input while the LF was held */
} crlf_source;

void crlf_source_init(crlf_source *s, const ws_source *from);
/* The ws_source read (ud: the crlf_source). */
long crlf_source_read(void *ud, void *buf, size_t cap, int *eof, ws_error *err);

#endif
