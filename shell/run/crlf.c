/* Line-end conversion for --text (crlf.h). Windows programs end lines with CR LF; the
 * converters keep one byte of state so chunk boundaries (each WinRS Receive or Send is
 * one chunk, MS-WSMV 3.1.4.13-3.1.4.14) change nothing. */
#include "shell/run/crlf.h"
#include <string.h>

void crlf_out_init(crlf_out *c, ws_sink to)
{
    c->to = to;
    c->held_cr = 0;
}

/* Converted bytes are gathered here, so a chunk of many short lines is still a few
 * writes to the target rather than one per line. */
#define CRLF_OUT_BUF 16384

typedef struct out_buf {
    char data[CRLF_OUT_BUF];
    size_t len;
} out_buf;

/* Appends src to b, writing b to the target whenever it fills. 0 or the target's return. */
static int put(crlf_out *c, out_buf *b, const char *src, size_t len)
{
    while (len > 0) {
        size_t n = sizeof b->data - b->len < len ? sizeof b->data - b->len : len;
        memcpy(b->data + b->len, src, n);
        b->len += n;
        src += n;
        len -= n;
        if (b->len == sizeof b->data) {
            int rc = c->to.write(c->to.ud, b->data, b->len);
            if (rc != 0)
                return rc;
            b->len = 0;
        }
    }
    return 0;
}

int crlf_out_write(void *ud, const void *data, size_t len)
{
    crlf_out *c = ud;
    const char *p = data, *end = p + len;
    out_buf b;
    int rc;
    b.len = 0;
    while (p < end) {
        /* A CR waits for the next byte: before an LF it is dropped, else it was lone. */
        if (c->held_cr) {
            c->held_cr = 0;
            if (*p != '\n' && (rc = put(c, &b, "\r", 1)) != 0)
                return rc;
        }
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        const char *stop = cr ? cr : end;
        if ((rc = put(c, &b, p, (size_t)(stop - p))) != 0)
            return rc;
        if (cr)
            c->held_cr = 1;
        p = cr ? cr + 1 : end;
    }
    return b.len ? c->to.write(c->to.ud, b.data, b.len) : 0;
}

int crlf_out_flush(crlf_out *c)
{
    if (!c->held_cr)
        return 0;
    c->held_cr = 0;
    return c->to.write(c->to.ud, "\r", 1);
}

/* Whether the LF at buf[i] needs a CR before it. */
static int needs_cr(const crlf_in *c, const char *buf, size_t i)
{
    return buf[i] == '\n' && !(i ? buf[i - 1] == '\r' : c->prev_cr);
}

size_t crlf_in_convert(crlf_in *c, char *buf, size_t len)
{
    size_t added = 0;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        added += (size_t)needs_cr(c, buf, i);
    /* Back to front, so every byte is read before its place is written. */
    for (size_t i = len, j = len + added; i-- > 0;) {
        int cr = needs_cr(c, buf, i);
        buf[--j] = buf[i];
        if (cr)
            buf[--j] = '\r';
    }
    c->prev_cr = buf[len + added - 1] == '\r';
    return len + added;
}

void crlf_source_init(crlf_source *s, const ws_source *from)
{
    memset(s, 0, sizeof *s);
    s->from = from;
}

long crlf_source_read(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    crlf_source *s = ud;
    char *out = buf;
    size_t pos = 0;
    if (cap == 0)
        return 0;
    if (s->held_lf) {
        out[pos++] = '\n';
        s->held_lf = 0;
        s->state.prev_cr = 0;
        if (s->ended) {
            *eof = 1;
            return (long)pos;
        }
    }
    size_t room = cap - pos;
    if (room == 0)
        return (long)pos;
    /* Half the room, since every byte may become two; at least one. */
    size_t want = room >= 2 ? room / 2 : 1;
    long n = s->from->read(s->from->ud, out + pos, want, eof, err);
    if (n <= 0)
        return n < 0 ? n : (long)pos;
    if (room == 1 && needs_cr(&s->state, out + pos, 0)) {
        out[pos++] = '\r';              /* no room for both: the LF opens the next read */
        s->held_lf = 1;
        s->state.prev_cr = 1;
        if (*eof) {
            /* The input ended, but the LF is still to come: the end is said with it. */
            *eof = 0;
            s->ended = 1;
        }
        return (long)pos;
    }
    return (long)(pos + crlf_in_convert(&s->state, out + pos, (size_t)n));
}
