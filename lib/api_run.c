/* libnanosh: running one cmd.exe command line (lib/nanosh.h) with the WinRS runner of
 * wsman/run.h, in a shell of its own that the call creates and deletes. */
#include "lib/api_int.h"
#include "base/clock.h"
#include "wsman/run.h"
#include <stdatomic.h>
#include <string.h>

/* The run's deadline and cancel flag are looked at between requests, so Receive polls
 * are kept short unless the caller chose their length: a cancel takes effect within
 * RUN_POLL_MS, a timeout within WS_RUN_DEADLINE_POLL_MS of running out. */
#define RUN_POLL_MS 2000L

void nanosh_cancel(nanosh_client *c, int how)
{
    if (c && (how == NANOSH_CANCEL_CTRL_C || how == NANOSH_CANCEL_TERMINATE))
        atomic_store(&c->cancel, how == NANOSH_CANCEL_CTRL_C ? WS_CANCEL_CTRL_C
                                                             : WS_CANCEL_TERMINATE);
}

/* The caller's input callback as the runner's source (wsman/run.h); a failure gets the
 * runner's generic WS_E_IO message. */
typedef struct run_input_ud {
    nanosh_read_fn read;
    void *ud;
} run_input_ud;

static long read_input(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    run_input_ud *in = ud;
    (void)err;
    return in->read(in->ud, buf, cap, eof);
}

/* How the run ended, as the caller sees it: an exit code, or an error. */
static nanosh_rc run_outcome(const nanosh_client *c, const nanosh_run_options *o,
                             const ws_run_result *res, ws_error *e,
                             unsigned long long *exit_code, nanosh_error *err)
{
    switch (res->end) {
    case WS_RUN_EXITED:
        if (!res->has_exit_code) {
            ws_error_set(e, WS_E_PROTOCOL, "the debug trace shows the exchange",
                         "the command finished without an exit code");
            break;
        }
        if (exit_code)
            *exit_code = res->exit_code;
        return NANOSH_OK;
    case WS_RUN_CANCELLED:
        return api_fail(err, NANOSH_E_CANCELLED, "",
                        "the command was terminated by nanosh_cancel");
    case WS_RUN_OUTPUT_CLOSED:
        ws_error_set(e, WS_E_IO, "check the output callback",
                     "an output callback returned -1, so the command was terminated");
        break;
    case WS_RUN_FAILED:
        if (e->rc == WS_E_TIMEOUT && o->timeout_ms)
            ws_error_set(e, WS_E_TIMEOUT, "raise timeout_ms in nanosh_run_options",
                         "the command did not end within its timeout of %g s",
                         (double)o->timeout_ms / 1000.0);
        break;
    }
    return api_error_from(c, e, err);
}

nanosh_rc nanosh_run(nanosh_client *c, const char *command_line,
                     const nanosh_run_options *in, unsigned long long *exit_code,
                     nanosh_error *err)
{
    static const nanosh_run_options defaults = NANOSH_RUN_OPTIONS_INIT;
    nanosh_run_options o;
    if (!c || !command_line || !*command_line)
        return api_fail(err, NANOSH_E_USAGE, "pass a client and a command line",
                         "nanosh_run: client or command line missing");
    if (api_copy_options(in ? in : &defaults, in ? in->size : defaults.size, &o, sizeof o) < 0)
        return api_fail(err, NANOSH_E_USAGE, "initialise the options with NANOSH_RUN_OPTIONS_INIT",
                         "nanosh_run: options without their size");

    ws_error e;
    memset(&e, 0, sizeof e);
    ws_shell *shell = NULL;
    ws_shell_opts so = {.working_dir = o.working_dir,
                        .idle_timeout_s = WS_RUN_IDLE_TIMEOUT_S};
    if (ws_shell_create(c->ws, &so, &shell, &e) != WS_OK) {
        nanosh_rc rc = api_error_from(c, &e, err);
        ws_error_clear(&e);
        atomic_store(&c->cancel, WS_CANCEL_NONE);
        return rc;
    }
    long poll_ms = c->operation_timeout_ms ? c->operation_timeout_ms : RUN_POLL_MS;
    if (o.timeout_ms && poll_ms > WS_RUN_DEADLINE_POLL_MS)
        poll_ms = WS_RUN_DEADLINE_POLL_MS;
    ws_run_opts ro = {
        .command_line = command_line,
        .out = {.write = o.out, .ud = o.out_ud},
        .err = {.write = o.err, .ud = o.err_ud},
        .poll_ms = poll_ms,
        .deadline_ms = o.timeout_ms ? ws_now_ms() + o.timeout_ms : 0,
        .cancel = &c->cancel,
    };
    run_input_ud input = {o.in, o.in_ud};
    ws_source source = {read_input, &input};
    if (o.in)
        ro.in = &source;
    ws_run_result res;
    ws_run(c->ws, shell, &ro, &res, &e);
    nanosh_rc rc = run_outcome(c, &o, &res, &e, exit_code, err);
    ws_error_clear(&e);

    /* The command's outcome stands even when the shell cannot be deleted: its
     * IdleTimeOut frees it. */
    ws_shell_delete(shell, &e);
    ws_error_clear(&e);
    ws_shell_free(shell);
    ws_client_set_operation_timeout(c->ws, c->operation_timeout_ms);
    atomic_store(&c->cancel, WS_CANCEL_NONE);
    return rc;
}
