/* The framing between nanosh and one long-lived powershell.exe fed over stdin
 * (docs/powershell-snippets.md): each input goes down as one line of base64(UTF-8), and
 * the end of its output is a marker line that carries a per-session random nonce, so no
 * text a user types or prints can end a frame early. */
#ifndef NANOSH_SHELL_PS_FRAMING_H
#define NANOSH_SHELL_PS_FRAMING_H
#include "base/buf.h"
#include <stddef.h>

#define PS_NONCE_LEN 32   /* hex digits: 128 random bits */
/* Longest marker line: " False <$LASTEXITCODE> <location>", where a location holds at
 * most 32767 UTF-16 units (Windows' long-path limit), under 96 KiB as UTF-8. A longer
 * line is no marker, and is not kept growing in memory. */
#define PS_MARKER_LINE_MAX ((size_t)128 * 1024)

/* Fills nonce (PS_NONCE_LEN + 1 bytes) with hex from getrandom(2). 0, or -1 when the
 * kernel gives no random bytes. */
int ps_new_nonce(char *nonce);

/* Appends base64(text) and a newline to frame: one input for the loop. 0 or -1. */
int ps_frame_encode(const char *text, size_t len, ws_buf *frame);

/* Passes a stream through, minus the marker "\n<nonce>...\n" that ends a frame. */
typedef int (*frame_sink)(void *ud, const char *data, size_t len);
typedef struct frame_filter {
    char needle[PS_NONCE_LEN + 2];   /* "\n" + nonce */
    size_t needle_len;
    ws_buf held;                     /* a tail that may be the start of the marker */
    int in_marker;                   /* nonce seen, reading the rest of its line */
    int found;                       /* the whole marker line has arrived */
    int too_long;                    /* the marker line passed PS_MARKER_LINE_MAX */
    ws_buf status;                   /* what followed the nonce on its line, without CR */
    frame_sink sink;
    void *ud;
} frame_filter;

void frame_filter_init(frame_filter *f, const char *nonce, frame_sink sink, void *ud);
/* Forgets a finished frame, ready for the next. */
void frame_filter_reset(frame_filter *f);
/* 0, or -1: out of memory, the sink failed, or too_long was set. */
int frame_filter_feed(frame_filter *f, const char *data, size_t len);
/* The stream ended without a marker: pass the held bytes on. */
int frame_filter_flush(frame_filter *f);
void frame_filter_free(frame_filter *f);

/* The stdout marker's status: "<$?> <$LASTEXITCODE> <location>". Returns 0 and points
 * into status (which it modifies), or -1 when it is malformed. */
int ps_parse_status(char *status, int *ok, const char **last_exit_code, const char **location);

#endif
