/* WinRS command execution: Command, then Receive (and Send for input) until
 * CommandState Done, then Signal terminate (PROTOCOL.md 2.7, MS-WSMV 3.1.4.11-3.1.4.14). */
#include "wsman/run.h"
#include "wsman/run_input.h"
#include "base/clock.h"
#include <stdlib.h>
#include <string.h>

/* A command given no input gets EOF only if it is still running after its first
 * Receive, polled this long: most commands end sooner, which saves a Send round trip. */
#define EOF_GRACE_MS 1000L
/* While input still has data, Receives between Send batches poll only this long, so an
 * upload into a command that prints nothing is not held up. */
#define UPLOAD_POLL_MS 500L

typedef struct run_state {
    ws_client *c;
    ws_shell *shell;
    const ws_run_opts *o;
    ws_run_result *res;
    char *cid;
    run_input in;
    ws_error send_fault;     /* a refused Send, judged by the command's next state */
    int eof_pending;         /* tell the command EOF after the next Receive */
    int first_receive;
    int sink_closed;
} run_state;

/* Output goes out as it arrives: no buffering between the server and the sink. */
static int on_stream(void *ud, const char *stream, const void *data, size_t len)
{
    run_state *st = ud;
    const ws_sink *sink = strcmp(stream, "stdout") == 0 ? &st->o->out : &st->o->err;
    st->res->output_bytes += len;
    if (!sink->write || sink->write(sink->ud, data, len) == 0)
        return 0;
    st->sink_closed = 1;
    return -1;
}

/* Best effort: used when the run stops a command early. */
static void terminate_quietly(run_state *st)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_shell_signal(st->shell, st->cid, WS_SIGNAL_TERMINATE, &err);
    ws_error_clear(&err);
}

/* Ends the run early: the command is terminated and the shell is left for renewal. */
static ws_rc stop(run_state *st, ws_run_end end, ws_rc rc)
{
    terminate_quietly(st);
    st->res->end = end;
    st->res->shell_stale = 1;
    return rc;
}

static ws_rc failed(run_state *st, ws_rc rc)
{
    st->res->end = WS_RUN_FAILED;
    st->res->shell_stale = 1;
    return rc;
}

/* The cancel flag and the deadline, checked before every request. Returns 1 when the
 * run must end now (rc set), else 0. */
static int check_stop(run_state *st, ws_rc *rc, ws_error *err)
{
    int cancel = st->o->cancel ? *st->o->cancel : WS_CANCEL_NONE;
    if (cancel >= WS_CANCEL_TERMINATE) {
        /* A second Ctrl-C or a fatal signal: stop the command for good (DESIGN.md, "No hangs"). */
        st->res->cancel = cancel;
        *rc = stop(st, WS_RUN_CANCELLED, WS_OK);
        return 1;
    }
    if (cancel == WS_CANCEL_CTRL_C && !st->res->ctrl_c_sent) {
        st->res->ctrl_c_sent = 1;
        if ((*rc = ws_shell_signal(st->shell, st->cid, WS_SIGNAL_CTRL_C, err)) != WS_OK) {
            failed(st, *rc);
            return 1;
        }
    }
    if (st->o->deadline_ms && ws_now_ms() >= st->o->deadline_ms) {
        *rc = stop(st, WS_RUN_FAILED, ws_error_set(err, WS_E_TIMEOUT, NULL, "timed out"));
        return 1;
    }
    return 0;
}

/* Receive OperationTimeout: short while input waits to be sent, or before a command
 * given no input is told EOF; the run's own poll length otherwise. */
static long poll_for(const run_state *st)
{
    long poll = st->o->poll_ms;
    if (st->in.more || (st->eof_pending && st->first_receive))
        poll = st->in.more ? UPLOAD_POLL_MS : EOF_GRACE_MS;
    if (poll && st->o->poll_ms && poll > st->o->poll_ms)
        poll = st->o->poll_ms;
    return poll;
}

static ws_rc receive_once(run_state *st, ws_receive *r, ws_error *err)
{
    ws_receive_free(r);
    memset(r, 0, sizeof *r);
    ws_client_set_operation_timeout(st->c, poll_for(st));
    ws_rc rc = ws_shell_receive(st->shell, st->cid, on_stream, st, r, err);
    ws_client_set_operation_timeout(st->c, st->o->poll_ms);
    st->first_receive = 0;
    if (rc != WS_OK && st->sink_closed) {
        ws_error_clear(err);
        return stop(st, WS_RUN_OUTPUT_CLOSED, WS_OK);
    }
    return rc != WS_OK ? failed(st, rc) : WS_OK;
}

/* After one Receive of a command still running: judge a refused Send, grow upload
 * batches, and give EOF to a command that has no input. */
static ws_rc after_receive(run_state *st, size_t output_before, ws_error *err)
{
    int silent = st->res->output_bytes == output_before;
    if (st->send_fault.rc && silent) {
        /* Still running, silent, and its input refused: the fault was real. */
        ws_error_clear(err);
        *err = st->send_fault;
        memset(&st->send_fault, 0, sizeof st->send_fault);
        return failed(st, err->rc);
    }
    if (run_input_after_receive(&st->in, st->shell, silent) < 0)
        return failed(st, ws_error_set(err, WS_E_NOMEM, NULL, "out of memory"));
    /* No input for this command and it is still running: give it EOF, like ssh -n,
     * so a command that reads stdin ends instead of waiting forever. */
    if (st->eof_pending) {
        st->eof_pending = 0;
        ws_rc rc = ws_shell_send(st->shell, st->cid, "", 0, 1, err);
        if (rc != WS_OK && !run_input_refused(&st->in, &st->eof_pending, err, &st->send_fault))
            return failed(st, rc);
    }
    return WS_OK;
}

/* Receives until CommandState Done, feeding input in between. */
static ws_rc run_loop(run_state *st, ws_receive *r, ws_error *err)
{
    for (;;) {
        ws_rc rc;
        if (check_stop(st, &rc, err))
            return rc;
        if (st->in.open) {
            rc = run_input_pump(&st->in, st->shell, st->cid, err);
            if (rc != WS_OK && !run_input_refused(&st->in, &st->eof_pending, err, &st->send_fault))
                return failed(st, rc);
        }
        if (st->in.eof_deferred) {
            st->in.eof_deferred = 0;
            st->eof_pending = 1;
        }
        size_t output_before = st->res->output_bytes;
        if ((rc = receive_once(st, r, err)) != WS_OK || st->res->end != WS_RUN_EXITED)
            return rc;
        if (r->done)
            return WS_OK;
        if ((rc = after_receive(st, output_before, err)) != WS_OK)
            return rc;
    }
}

/* After the final CommandState the client must send Signal terminate before the shell
 * takes another command (MS-WSMV 3.1.4.14). */
static void finish_done(run_state *st, const ws_receive *r)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_shell_signal(st->shell, st->cid, WS_SIGNAL_TERMINATE, &err) != WS_OK)
        st->res->shell_stale = 1;
    ws_error_clear(&err);
    st->res->has_exit_code = r->has_exit_code;
    st->res->exit_code = r->exit_code;
}

ws_rc ws_run(ws_client *c, ws_shell *shell, const ws_run_opts *o, ws_run_result *res,
             ws_error *err)
{
    ws_error local;
    memset(&local, 0, sizeof local);
    if (!err)
        err = &local;
    memset(res, 0, sizeof *res);
    run_state st = {.c = c, .shell = shell, .o = o, .res = res, .first_receive = 1,
                    .eof_pending = !o->in};
    ws_rc rc = ws_shell_command(shell, o->command_line, NULL, 0, &st.cid, err);
    if (rc != WS_OK)    /* the shell may be gone (IdleTimeOut): a new one next time */
        return failed(&st, rc);
    if (o->in && run_input_init(&st.in, o->in, shell) < 0) {
        rc = failed(&st, ws_error_set(err, WS_E_NOMEM, NULL, "out of memory"));
        free(st.cid);
        ws_error_clear(&local);
        return rc;
    }
    ws_receive r;
    memset(&r, 0, sizeof r);
    res->end = WS_RUN_EXITED;
    rc = run_loop(&st, &r, err);
    if (rc == WS_OK && res->end == WS_RUN_EXITED)
        finish_done(&st, &r);
    ws_receive_free(&r);
    ws_error_clear(&st.send_fault);
    run_input_free(&st.in);
    free(st.cid);
    ws_error_clear(&local);
    return rc;
}
