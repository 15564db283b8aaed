/* A fixed command line through a WinRS cmd shell (docs/bootstrap.md: where a step must
 * run a program), output captured and bounded: the steps parse it defensively. */
#include "shell/bootstrap/bs_int.h"
#include "base/clock.h"
#include "shell/ps/powershell.h"
#include "wsman/run.h"
#include <stdlib.h>
#include <string.h>

typedef struct capture {
    char *data;
    size_t len;
} capture;

/* Keeps the first BS_CMD_CAPTURE_MAX bytes; the rest is dropped, not an error. */
static int capture_write(void *ud, const void *data, size_t len)
{
    capture *c = ud;
    if (!c->data && !(c->data = calloc(1, BS_CMD_CAPTURE_MAX + 1)))
        return -1;
    size_t room = BS_CMD_CAPTURE_MAX - c->len;
    size_t n = len < room ? len : room;
    memcpy(c->data + c->len, data, n);
    c->len += n;
    c->data[c->len] = '\0';
    return 0;
}

void bs_cmd_out_free(bs_cmd_out *o)
{
    free(o->out);
    free(o->err);
    memset(o, 0, sizeof *o);
}

ws_rc bs_cmd_run(bs_run *run, const char *command_line, long timeout_ms, bs_cmd_out *out,
                 ws_error *err)
{
    memset(out, 0, sizeof *out);
    ws_shell_opts so = {.codepage = 65001, .noprofile = 1, .idle_timeout_s = WS_RUN_IDLE_TIMEOUT_S};
    ws_shell *shell = NULL;
    ws_rc rc = ws_shell_create(run->h->client, &so, &shell, err);
    if (rc != WS_OK)
        return rc;
    capture o = {0}, e = {0};
    long long deadline = bs_deadline(run);
    if (timeout_ms > 0) {
        long long t = ws_now_ms() + timeout_ms;
        if (!deadline || t < deadline)
            deadline = t;
    }
    ws_run_opts ro = {.command_line = command_line, .out = {capture_write, &o},
                      .err = {capture_write, &e}, .deadline_ms = deadline,
                      .cancel = run->h->cancel};
    ws_run_result res;
    rc = ws_run(run->h->client, shell, &ro, &res, err);
    if (rc == WS_OK && res.end != WS_RUN_EXITED)
        rc = res.end == WS_RUN_CANCELLED
                 ? ws_error_set(err, WS_E_IO, "run it again", "cancelled")
                 : ws_error_set(err, WS_E_NOMEM, NULL, "out of memory keeping a command's output");
    ws_error ignored;
    memset(&ignored, 0, sizeof ignored);
    ws_shell_delete(shell, &ignored);
    ws_error_clear(&ignored);
    ws_shell_free(shell);
    out->has_exit_code = res.has_exit_code;
    out->exit_code = res.exit_code;
    out->out = o.data ? o.data : calloc(1, 1);
    out->err = e.data ? e.data : calloc(1, 1);
    out->out_len = o.len;
    out->err_len = e.len;
    if (rc == WS_OK && (!out->out || !out->err))
        rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    if (rc != WS_OK)
        bs_cmd_out_free(out);
    return rc;
}

ws_rc bs_ps_run(bs_run *run, const char *script, long timeout_ms, bs_cmd_out *out,
                ws_error *err)
{
    char *line = NULL;
    memset(out, 0, sizeof *out);
    int r = powershell_encoded_command(script, strlen(script), &line, err);
    if (r == POWERSHELL_TOO_LONG)
        return ws_error_set(err, WS_E_USAGE, "give a shorter path", "the PowerShell command "
                            "would pass cmd.exe's 8191 characters");
    if (r != 0)
        return err->rc ? err->rc : ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    ws_rc rc = bs_cmd_run(run, line, timeout_ms, out, err);
    free(line);
    return rc;
}
