/* Framing for the persistent PowerShell: the loop script, frame encoding, and the
 * filter that finds a frame's end marker in a stream. */
#include "shell/ps/ps_framing.h"
#include "base/base64.h"
#include "base/random.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ps_new_nonce(char *nonce)
{
    unsigned char raw[PS_NONCE_LEN / 2];
    if (ws_random_bytes(raw, sizeof raw) != 0)
        return -1;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

int ps_frame_encode(const char *text, size_t len, ws_buf *frame)
{
    return ws_base64_encode(text, len, frame) == 0 && ws_buf_append(frame, "\n", 1) == 0 ? 0 : -1;
}

void frame_filter_init(frame_filter *f, const char *nonce, frame_sink sink, void *ud)
{
    memset(f, 0, sizeof *f);
    f->needle[0] = '\n';
    memcpy(f->needle + 1, nonce, PS_NONCE_LEN);
    f->needle_len = PS_NONCE_LEN + 1;
    f->sink = sink;
    f->ud = ud;
}

void frame_filter_reset(frame_filter *f)
{
    ws_buf_reset(&f->held);
    ws_buf_reset(&f->status);
    f->in_marker = 0;
    f->found = 0;
    f->too_long = 0;
}

void frame_filter_free(frame_filter *f)
{
    ws_buf_free(&f->held);
    ws_buf_free(&f->status);
}

static int pass(frame_filter *f, const char *p, size_t n)
{
    return n ? f->sink(f->ud, p, n) : 0;
}

/* Length of the longest tail of p that is a proper prefix of the needle. */
static size_t partial_tail(const frame_filter *f, const char *p, size_t n)
{
    size_t max = n < f->needle_len - 1 ? n : f->needle_len - 1;
    for (size_t k = max; k > 0; k--)
        if (memcmp(p + n - k, f->needle, k) == 0)
            return k;
    return 0;
}

static int feed_marker_line(frame_filter *f, const char *data, size_t len)
{
    const char *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) : len;
    if (f->status.len + n > PS_MARKER_LINE_MAX) {
        f->too_long = 1;
        return -1;
    }
    if (ws_buf_append(&f->status, data, n) != 0)
        return -1;
    if (!nl)
        return 0;
    while (f->status.len && f->status.data[f->status.len - 1] == '\r')
        f->status.data[--f->status.len] = '\0';
    f->in_marker = 0;
    f->found = 1;
    /* Nothing follows a marker within a frame; pass anything that does. */
    return pass(f, nl + 1, len - n - 1);
}

int frame_filter_feed(frame_filter *f, const char *data, size_t len)
{
    if (f->found)
        return pass(f, data, len);
    if (f->in_marker)
        return feed_marker_line(f, data, len);
    if (ws_buf_append(&f->held, data, len) != 0)
        return -1;
    const char *p = f->held.data;
    size_t n = f->held.len;
    const char *hit = memmem(p, n, f->needle, f->needle_len);
    int rc;
    if (hit) {
        size_t before = (size_t)(hit - p);
        rc = pass(f, p, before);
        f->in_marker = 1;
        size_t after = before + f->needle_len;
        ws_buf rest = WS_BUF_INIT;
        if (rc == 0 && ws_buf_append(&rest, p + after, n - after) != 0)
            rc = -1;
        ws_buf_reset(&f->held);
        if (rc == 0)
            rc = feed_marker_line(f, rest.data ? rest.data : "", rest.len);
        ws_buf_free(&rest);
        return rc;
    }
    size_t keep = partial_tail(f, p, n);
    rc = pass(f, p, n - keep);
    memmove(f->held.data, p + n - keep, keep);
    f->held.len = keep;
    f->held.data[keep] = '\0';
    return rc;
}

int frame_filter_flush(frame_filter *f)
{
    int rc = pass(f, f->held.data, f->held.len);
    ws_buf_reset(&f->held);
    return rc;
}

int ps_parse_status(char *status, int *ok, const char **last_exit_code, const char **location)
{
    /* " True 0 C:\Users\admin": $LASTEXITCODE is empty until a native command ran. */
    if (status[0] != ' ')
        return -1;
    char *p = status + 1;
    char *sp = strchr(p, ' ');
    if (!sp)
        return -1;
    *sp = '\0';
    if (!strcmp(p, "True"))
        *ok = 1;
    else if (!strcmp(p, "False"))
        *ok = 0;
    else
        return -1;
    p = sp + 1;
    sp = strchr(p, ' ');
    if (!sp)
        return -1;
    *sp = '\0';
    *last_exit_code = p;
    *location = sp + 1;
    return 0;
}
