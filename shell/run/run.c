/* The CLI's WinRS runs: one session (client and shell) reused from one command to the
 * next, each command run by the library runner (wsman/run.h) with nanosh's own ends. */
#include "shell/run/run.h"
#include "wsman/run.h"
#include "shell/ps/clixml.h"
#include "shell/cli/connect.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CLI's side of a run: fd 1 and 2 as the library runner's sinks (or a buffer),
 * fd 0 as its input, the signal flag as its cancel flag; it reports how the run ended. */
typedef struct fd_sink {
    int fd;
    int write_errno;            /* why a write failed; EPIPE: the reader went away */
} fd_sink;

int run_exit_status(unsigned long long code)
{
    if (code == 0)
        return 0;
    int low = (int)(code & 0xff);
    return low ? low : 1;
}

int run_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                    return -1;
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fd_write(void *ud, const void *data, size_t len)
{
    fd_sink *k = ud;
    if (run_write_all(k->fd, data, len) < 0) {
        k->write_errno = errno;
        return -1;
    }
    return 0;
}

/* Decoded CLIXML goes to stderr like any other error text. */
static int clixml_to_fd(void *ud, const char *text, size_t len)
{
    return fd_write(ud, text, len);
}

static int clixml_write(void *ud, const void *data, size_t len)
{
    return clixml_feed(ud, data, len);
}

typedef struct capture_sink {
    ws_buf *buf;
    int nomem;
} capture_sink;

static int capture_write(void *ud, const void *data, size_t len)
{
    capture_sink *k = ud;
    if (ws_buf_append(k->buf, data, len) == 0)
        return 0;
    k->nomem = 1;
    return -1;
}

unsigned run_idle_timeout_s(const nanosh_opts *o)
{
    if (o->idle_timeout_s)
        return o->idle_timeout_s;
    int interactive = o->command_kind == COMMAND_NONE && !o->stdin_null && isatty(STDIN_FILENO);
    return interactive ? RUN_IDLE_TIMEOUT_INTERACTIVE_S : RUN_IDLE_TIMEOUT_S;
}

static int create_shell(session *s, const char *working_dir)
{
    ws_shell_opts so;
    memset(&so, 0, sizeof so);
    so.working_dir = working_dir;
    so.idle_timeout_s = run_idle_timeout_s(s->o);
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_shell_create(s->client, &so, &s->shell, &err) != WS_OK) {
        int rc = connect_report(&s->conn, &err);
        ws_error_clear(&err);
        s->shell = NULL;
        return rc;
    }
    s->shell_stale = 0;
    return 0;
}

void run_delete_shell(ws_shell **shell, int quiet)
{
    if (!*shell)
        return;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_shell_delete(*shell, &err) != WS_OK && !quiet)
        warn_line("it closes itself after the server's idle timeout",
                  "could not delete the remote shell %s (%s)", ws_shell_id(*shell),
                  err.what[0] ? err.what : ws_rc_name(err.rc));
    ws_error_clear(&err);
    ws_shell_free(*shell);
    *shell = NULL;
}

static void delete_shell(session *s, int quiet)
{
    run_delete_shell(&s->shell, quiet);
}

long run_poll_ms(const nanosh_opts *o, int want_short)
{
    if (o->operation_timeout_ms)
        return o->operation_timeout_ms;
    if (o->timeout_ms)
        return RUN_DEADLINE_POLL_MS;
    return want_short ? RUN_SHORT_POLL_MS : 0;
}

int session_open(session *s, const nanosh_opts *o, long poll_ms, const char *working_dir)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    s->poll_ms = poll_ms;
    int rc = connect_client(&s->conn, o, 1, poll_ms, &s->client);
    if (rc != 0)
        return rc;
    if (working_dir && !(s->working_dir = strdup(working_dir)))
        return fail(NULL, "out of memory");
    return create_shell(s, s->working_dir);
}

int session_new_shell(session *s, const char *working_dir)
{
    if (working_dir) {
        char *copy = strdup(working_dir);
        if (!copy)
            return fail(NULL, "out of memory");
        free(s->working_dir);
        s->working_dir = copy;
    }
    delete_shell(s, 1);
    return create_shell(s, s->working_dir);
}

void session_close(session *s, int quiet)
{
    delete_shell(s, quiet);
    ws_client_free(s->client);
    free(s->working_dir);
    memset(s, 0, sizeof *s);
}

/* Reads what fd has ready into buf, up to cap, without blocking: a pipe hands over at
 * most 64 KiB per read, so several reads make one Send. Returns the length, or -1 with
 * err filled; *eof is set at end of input. */
static long fd_read_ready(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    int fd = *(const int *)ud;
    size_t len = 0;
    while (len < cap) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, 0);
        if (r < 0 && errno == EINTR)
            break;
        if (r < 0)
            goto failed;
        if (r == 0)
            break;
        if (pfd.revents & POLLNVAL) {   /* stdin is closed: nothing will ever come */
            *eof = 1;
            break;
        }
        ssize_t n = read(fd, (char *)buf + len, cap - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            break;
        if (n < 0)
            goto failed;
        if (n == 0) {
            *eof = 1;
            break;
        }
        len += (size_t)n;
    }
    return (long)len;
failed:
    ws_error_set(err, WS_E_IO, "check what feeds nanosh's standard input",
                 "cannot read standard input: %s", strerror(errno));
    return -1;
}

static run_end finish(session *s, run_end end, int *status, int value)
{
    if (end != RUN_DONE)
        s->shell_stale = 1;
    *status = value;
    return end;
}

/* A sink stopped the run: a closed pipe ends quietly with 141, like a killed writer. */
static run_end output_closed(session *s, const fd_sink *out, const fd_sink *err_sink,
                             const capture_sink *cap, int *status)
{
    int e = out->write_errno ? out->write_errno : err_sink->write_errno;
    s->shell_stale = 1;
    if (e == EPIPE)
        return finish(s, RUN_PIPE_CLOSED, status, 128 + SIGPIPE);
    if (cap->nomem || !e)
        *status = fail(NULL, "out of memory");
    else
        *status = fail("check where nanosh's output goes", "cannot write the output: %s",
                       strerror(e));
    return RUN_FAILED;
}

/* How the library run ended, as nanosh reports it and the exit status it gives. */
static run_end run_outcome(session *s, const ws_run_result *res, int *status)
{
    if (res->end == WS_RUN_CANCELLED)
        return res->cancel == WS_CANCEL_TERMINATE ?
            finish(s, RUN_INTERRUPTED, status, 130) :      /* a second Ctrl-C */
            finish(s, RUN_SIGNALLED, status, res->cancel);  /* 128 + SIGTERM or SIGHUP */
    if (res->ctrl_c_sent)
        return finish(s, RUN_DONE, status, 130);
    if (!res->has_exit_code) {
        *status = fail("the server reported no exit code; -v shows the exchange",
                       "the command finished without an exit code");
        return RUN_FAILED;
    }
    return finish(s, RUN_DONE, status, run_exit_status(res->exit_code));
}

run_end session_run(session *s, const run_request *rq, int *status)
{
    if (s->shell_stale && session_new_shell(s, NULL) != 0)
        return finish(s, RUN_FAILED, status, NANOSH_EXIT_FAILURE);
    fd_sink out = {.fd = STDOUT_FILENO}, err_sink = {.fd = STDERR_FILENO};
    capture_sink cap = {.buf = rq->capture};
    int in_fd = STDIN_FILENO;
    ws_source in = {.read = fd_read_ready, .ud = &in_fd};
    ws_run_opts ro = {.command_line = rq->command_line, .poll_ms = s->poll_ms,
                      .deadline_ms = s->conn.deadline_ms, .cancel = signals_cancel_flag(),
                      .in = rq->forward_stdin ? &in : NULL,
                      .out = {fd_write, &out}, .err = {fd_write, &err_sink}};
    if (rq->capture)
        ro.out = (ws_sink){capture_write, &cap};
    clixml_decoder clixml;
    if (rq->decode_clixml) {
        clixml_init(&clixml, clixml_to_fd, &err_sink);
        ro.err = (ws_sink){clixml_write, &clixml};
    }
    ws_run_result res;
    ws_error err;
    memset(&err, 0, sizeof err);
    run_end end;
    ws_rc rc = ws_run(s->client, s->shell, &ro, &res, &err);
    s->shell_stale = res.shell_stale;
    if (rc != WS_OK) {
        *status = connect_report(&s->conn, &err);
        end = RUN_FAILED;
    } else if (res.end == WS_RUN_OUTPUT_CLOSED)
        end = output_closed(s, &out, &err_sink, &cap, status);
    else
        end = run_outcome(s, &res, status);
    if (rq->decode_clixml) {
        clixml_flush(&clixml);
        clixml_free(&clixml);
    }
    ws_error_clear(&err);
    return end;
}

int run_one_shot(const nanosh_opts *o, const char *command_line)
{
    return run_one_shot_ex(o, command_line, 0);
}

int run_one_shot_ex(const nanosh_opts *o, const char *command_line, int decode_clixml)
{
    session s;
    int on_tty = isatty(STDIN_FILENO);
    int forward = !o->stdin_null && !on_tty;
    /* Short polls when input must flow or a user at the terminal may press Ctrl-C. */
    int status = session_open(&s, o, run_poll_ms(o, forward || on_tty), NULL);
    if (status != 0) {
        session_close(&s, 1);
        return status;
    }
    run_request rq = {.command_line = command_line, .forward_stdin = forward,
                      .decode_clixml = decode_clixml};
    run_end end = session_run(&s, &rq, &status);
    /* A failed run leaves the connection in doubt: clean up without a second message. */
    session_close(&s, end == RUN_FAILED);
    return status;
}
