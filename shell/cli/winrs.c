/* The command line's side of WinRS runs: settings, client and error lines for the run
 * layer (shell/run/run.c), which prints nothing itself. */
#include "shell/cli/winrs.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include "shell/ps/clixml.h"
#include <string.h>
#include <unistd.h>

long run_poll_ms(const nanosh_opts *o, int want_short)
{
    if (o->operation_timeout_ms)
        return o->operation_timeout_ms;
    if (o->timeout_ms)
        return WS_RUN_DEADLINE_POLL_MS;   /* --timeout: end soon after it runs out */
    return want_short ? RUN_SHORT_POLL_MS : 0;
}

unsigned run_idle_timeout_s(const nanosh_opts *o)
{
    if (o->idle_timeout_s)
        return o->idle_timeout_s;
    int interactive = o->command_kind == COMMAND_NONE && !o->stdin_null && isatty(STDIN_FILENO);
    return interactive ? RUN_IDLE_TIMEOUT_INTERACTIVE_S : WS_RUN_IDLE_TIMEOUT_S;
}

run_shell_settings winrs_shell_settings(const nanosh_opts *o)
{
    return (run_shell_settings){.env = o->env, .codepage = o->codepage,
                                .no_profile = o->no_profile};
}

void winrs_run_settings(const nanosh_opts *o, run_config *cfg)
{
    cfg->shell = winrs_shell_settings(o);
    cfg->text = o->text;
}

/* A failed run-layer call as one line (connect_report: a passed --timeout says so),
 * then the error is freed. Returns 255. */
static int report(const connect_ctx *cx, ws_error *err)
{
    int rc = connect_report(cx, err);
    ws_error_clear(err);
    return rc;
}

int winrs_open(session *s, connect_ctx *cx, const nanosh_opts *o, long poll_ms)
{
    memset(s, 0, sizeof *s);
    ws_client *client = NULL;
    int rc = connect_client(cx, o, 1, poll_ms, &client);
    if (rc != 0)
        return rc;
    run_config cfg = {.poll_ms = poll_ms, .idle_timeout_s = run_idle_timeout_s(o),
                      .deadline_ms = cx->deadline_ms, .cancel = signals_cancel_flag(),
                      .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO};
    winrs_run_settings(o, &cfg);
    ws_error err;
    memset(&err, 0, sizeof err);
    if (session_open(s, client, &cfg, o->cwd, &err) != WS_OK)
        return report(cx, &err);
    return 0;
}

int winrs_new_shell(session *s, const connect_ctx *cx, const char *working_dir)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (session_new_shell(s, working_dir, &err) != WS_OK)
        return report(cx, &err);
    return 0;
}

run_end winrs_run(session *s, const connect_ctx *cx, const run_request *rq, int *status)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    run_end end = session_run(s, rq, status, &err);
    if (end == RUN_FAILED)
        *status = report(cx, &err);
    ws_error_clear(&err);
    return end;
}

void winrs_warn(ws_error *warning, int quiet)
{
    if (warning->rc != WS_OK && !quiet)
        warn_ws(warning);
    ws_error_clear(warning);
}

void winrs_close(session *s, int quiet)
{
    ws_error warning;
    memset(&warning, 0, sizeof warning);
    session_close(s, &warning);
    winrs_warn(&warning, quiet);
}


static int clixml_emit(void *ud, const char *text, size_t len)
{
    const ws_sink *to = ud;
    return to->write(to->ud, text, len);
}

static void clixml_start(void *ud, ws_sink to)
{
    clixml_filter *f = ud;
    f->to = to;
    clixml_init(&f->decoder, clixml_emit, &f->to);
}

static int clixml_write(void *ud, const void *data, size_t len)
{
    clixml_filter *f = ud;
    return clixml_feed(&f->decoder, data, len);
}

static void clixml_finish(void *ud)
{
    clixml_filter *f = ud;
    clixml_flush(&f->decoder);
    clixml_free(&f->decoder);
}

run_filter winrs_clixml_filter(clixml_filter *state)
{
    return (run_filter){clixml_start, clixml_write, clixml_finish, state};
}

int run_one_shot(const nanosh_opts *o, const char *command_line)
{
    return run_one_shot_ex(o, command_line, 0);
}

int run_one_shot_ex(const nanosh_opts *o, const char *command_line, int decode_clixml)
{
    session s;
    connect_ctx cx;
    memset(&cx, 0, sizeof cx);
    int on_tty = isatty(STDIN_FILENO);
    int forward = !o->stdin_null && !on_tty;
    /* Short polls when input must flow or a user at the terminal may press Ctrl-C. */
    int status = winrs_open(&s, &cx, o, run_poll_ms(o, forward || on_tty));
    if (status != 0) {
        winrs_close(&s, 1);
        return status;
    }
    clixml_filter clixml;
    run_filter filter = {clixml_start, clixml_write, clixml_finish, &clixml};
    run_request rq = {.command_line = command_line, .forward_stdin = forward,
                      .err_filter = decode_clixml ? &filter : NULL};
    run_end end = winrs_run(&s, &cx, &rq, &status);
    /* A failed run leaves the connection in doubt: clean up without a second message. */
    winrs_close(&s, end == RUN_FAILED);
    return status;
}
