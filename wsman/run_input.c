/* Feeding a command's stdin from the caller's source (MS-WSMV 3.1.4.13). */
#include "wsman/run_input.h"
#include <stdlib.h>
#include <string.h>

/* Bytes of input sent between two Receives: starts small so a command that answers its
 * input is read promptly, grows eightfold while the command prints nothing (an upload):
 * each silent Receive between batches idles for a whole poll (1, 9, 73 MiB: two polls
 * for a 64 MiB file instead of three). */
#define SEND_BATCH_MIN ((size_t)1024 * 1024)
#define SEND_BATCH_MAX ((size_t)64 * 1024 * 1024)
/* Input this large is an upload worth one request to learn the server's envelope limit. */
#define UPLOAD_ENVELOPE_AT ((size_t)4 * 1024 * 1024)

int run_input_init(run_input *in, const ws_source *src, ws_shell *shell)
{
    memset(in, 0, sizeof *in);
    in->src = src;
    in->open = 1;
    in->batch = SEND_BATCH_MIN;
    in->cap = ws_shell_max_send(shell);
    if (in->cap == 0)
        in->cap = 1;
    in->buf = malloc(in->cap);
    return in->buf ? 0 : -1;
}

void run_input_free(run_input *in)
{
    free(in->buf);
    memset(in, 0, sizeof *in);
}

static ws_rc read_source(run_input *in, long *n, int *eof, ws_error *err)
{
    *eof = 0;
    *n = in->src->read(in->src->ud, in->buf, in->cap, eof, err);
    if (*n >= 0)
        return WS_OK;
    if (err->rc == WS_OK)
        ws_error_set(err, WS_E_IO, NULL, "cannot read the command's input");
    return err->rc;
}

ws_rc run_input_pump(run_input *in, ws_shell *shell, const char *cid, ws_error *err)
{
    size_t sent = 0;
    in->more = 0;
    while (in->open) {
        if (sent >= in->batch) {
            in->more = 1;
            return WS_OK;
        }
        int eof;
        long n;
        ws_rc rc = read_source(in, &n, &eof, err);
        if (rc != WS_OK)
            return rc;
        if (n == 0 && !eof)
            return WS_OK;
        if (n == 0 && in->total == 0) {
            /* Empty input (e.g. /dev/null) is the same as none: EOF only if it waits. */
            in->open = 0;
            in->eof_deferred = 1;
            return WS_OK;
        }
        rc = ws_shell_send(shell, cid, in->buf, (size_t)n, eof, err);
        if (rc != WS_OK)
            return rc;
        if (eof)
            in->open = 0;
        sent += (size_t)n;
        in->total += (size_t)n;
    }
    return WS_OK;
}

/* For an upload, Sends as large as the server allows: three times the default on
 * Server 2012 and later. A server that will not say keeps the default size. Returns -1
 * only when out of memory. */
static int grow_send_buffer(run_input *in, ws_shell *shell)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    in->limit_asked = 1;
    int rc = 0;
    if (ws_shell_raise_envelope_limit(shell, &err) == WS_OK && ws_shell_max_send(shell) > in->cap) {
        char *bigger = realloc(in->buf, ws_shell_max_send(shell));
        if (bigger) {
            in->buf = bigger;
            in->cap = ws_shell_max_send(shell);
        } else
            rc = -1;
    }
    ws_error_clear(&err);
    return rc;
}

int run_input_after_receive(run_input *in, ws_shell *shell, int silent)
{
    if (in->more && silent && in->batch < SEND_BATCH_MAX) {
        in->batch *= 8;
        if (in->batch >= UPLOAD_ENVELOPE_AT && !in->limit_asked)
            return grow_send_buffer(in, shell);
    } else if (!silent)
        in->batch = SEND_BATCH_MIN;
    return 0;
}

int run_input_refused(run_input *in, int *eof_pending, ws_error *err, ws_error *kept)
{
    if (err->rc != WS_E_FAULT)
        return 0;
    ws_error_clear(kept);
    *kept = *err;                /* the fault's strings move along with it */
    memset(err, 0, sizeof *err);
    in->open = in->more = in->eof_deferred = 0;
    *eof_pending = 0;
    return 1;
}
