/* libFuzzer target: the end-of-output marker of the long-lived powershell.exe session
 * (shell/ps/ps_framing.c, docs/powershell-snippets.md): the host's stdout filtered for
 * "\n<nonce> True|False <$LASTEXITCODE> <location>", held across chunk edges, and the
 * marker's status parsed. Byte 0 of an input sets the chunk size the rest is fed in;
 * the filter must pass on the same bytes and find the same status whatever the chunks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "shell/ps/ps_framing.h"

static const char NONCE[] = "8f14e45fceea167a5a36dedd4bea2543";

static int to_buf(void *ud, const char *data, size_t len)
{
    return ws_buf_append(ud, data, len);
}

typedef struct run {
    ws_buf out;
    int rc, found, too_long;
    ws_buf status;
} run;

static void feed(const char *data, size_t size, size_t chunk, run *r)
{
    frame_filter f;
    memset(r, 0, sizeof *r);
    frame_filter_init(&f, NONCE, to_buf, &r->out);
    for (size_t at = 0; at < size && r->rc == 0; at += chunk) {
        size_t n = size - at < chunk ? size - at : chunk;
        r->rc = frame_filter_feed(&f, data + at, n);
    }
    if (r->rc == 0 && !f.found)
        r->rc = frame_filter_flush(&f);
    r->found = f.found;
    r->too_long = f.too_long;
    ws_buf_append(&r->status, f.status.data ? f.status.data : "", f.status.len);
    ws_buf_append(&r->status, "", 0);
    frame_filter_free(&f);
}

static void run_free(run *r)
{
    ws_buf_free(&r->out);
    ws_buf_free(&r->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 64 + 1;
    const char *p = (const char *)data + 1;
    size--;
    run whole, parts;
    feed(p, size, size ? size : 1, &whole);
    feed(p, size, chunk, &parts);
    if (whole.rc != parts.rc || whole.found != parts.found || whole.too_long != parts.too_long ||
        whole.out.len != parts.out.len ||
        (whole.out.len && memcmp(whole.out.data, parts.out.data, whole.out.len) != 0) ||
        strcmp(whole.status.data, parts.status.data) != 0)
        abort();
    if (whole.out.len > size)
        abort();
    int ok;
    const char *lec, *loc;
    if (whole.found && ps_parse_status(whole.status.data, &ok, &lec, &loc) == 0 &&
        (ok != 0 && ok != 1))
        abort();
    run_free(&whole);
    run_free(&parts);
    return 0;
}
