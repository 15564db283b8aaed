/* WinRS runs: one session (client and shell) reused from one command to the next, each
 * command run by the library runner (wsman/run.h) with the ends the caller configured.
 * Failures are returned as values; the caller decides how to show them. */
#include "shell/run/run.h"
#include "shell/run/crlf.h"
#include "wsman/run.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The session's side of a run: its descriptors as the library runner's sinks (or a
 * buffer) and input, the caller's cancel flag; it says how the run ended. */
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

static ws_rc create_shell(session *s, const char *working_dir, ws_error *err)
{
    ws_shell_opts so;
    memset(&so, 0, sizeof so);
    so.working_dir = working_dir;
    so.env = s->cfg.shell.env;
    so.codepage = s->cfg.shell.codepage;
    so.noprofile = s->cfg.shell.no_profile;
    so.idle_timeout_s = s->cfg.idle_timeout_s;
    if (ws_shell_create(s->client, &so, &s->shell, err) != WS_OK) {
        s->shell = NULL;
        return err->rc;
    }
    s->shell_stale = 0;
    return WS_OK;
}

void run_delete_shell(ws_shell **shell, ws_error *warning)
{
    if (!*shell)
        return;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_shell_delete(*shell, &err) != WS_OK)
        ws_error_set(warning, err.rc, "it closes itself after the server's idle timeout",
                     "could not delete the remote shell %s (%s)", ws_shell_id(*shell),
                     err.what[0] ? err.what : ws_rc_name(err.rc));
    ws_error_clear(&err);
    ws_shell_free(*shell);
    *shell = NULL;
}

/* Replacing a shell: the old one's failed Delete is not worth a word. */
static void delete_shell_quietly(session *s)
{
    ws_error ignored;
    memset(&ignored, 0, sizeof ignored);
    run_delete_shell(&s->shell, &ignored);
    ws_error_clear(&ignored);
}

static ws_rc set_working_dir(session *s, const char *working_dir, ws_error *err)
{
    char *copy = strdup(working_dir);
    if (!copy)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    free(s->working_dir);
    s->working_dir = copy;
    return WS_OK;
}

ws_rc session_open(session *s, ws_client *client, const run_config *cfg,
                   const char *working_dir, ws_error *err)
{
    memset(s, 0, sizeof *s);
    s->client = client;
    s->cfg = *cfg;
    if (working_dir && set_working_dir(s, working_dir, err) != WS_OK)
        return err->rc;
    return create_shell(s, s->working_dir, err);
}

ws_rc session_new_shell(session *s, const char *working_dir, ws_error *err)
{
    if (working_dir && set_working_dir(s, working_dir, err) != WS_OK)
        return err->rc;
    delete_shell_quietly(s);
    return create_shell(s, s->working_dir, err);
}

void session_close(session *s, ws_error *warning)
{
    run_delete_shell(&s->shell, warning);
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
                             const capture_sink *cap, int *status, ws_error *err)
{
    int e = out->write_errno ? out->write_errno : err_sink->write_errno;
    s->shell_stale = 1;
    if (e == EPIPE)
        return finish(s, RUN_PIPE_CLOSED, status, 128 + SIGPIPE);
    if (cap->nomem || !e)
        ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    else
        ws_error_set(err, WS_E_IO, "check where nanosh's output goes",
                     "cannot write the output: %s", strerror(e));
    return finish(s, RUN_FAILED, status, RUN_STATUS_FAILED);
}

/* How the library run ended, as nanosh reports it and the exit status it gives. */
static run_end run_outcome(session *s, const ws_run_result *res, int *status, ws_error *err)
{
    if (res->end == WS_RUN_CANCELLED)
        return res->cancel == WS_CANCEL_TERMINATE ?
            finish(s, RUN_INTERRUPTED, status, 130) :      /* a second Ctrl-C */
            finish(s, RUN_SIGNALLED, status, res->cancel);  /* 128 + SIGTERM or SIGHUP */
    if (res->ctrl_c_sent)
        return finish(s, RUN_DONE, status, 130);
    if (!res->has_exit_code) {
        ws_error_set(err, WS_E_PROTOCOL, "the server reported no exit code; -v shows the exchange",
                     "the command finished without an exit code");
        *status = RUN_STATUS_FAILED;
        return RUN_FAILED;
    }
    return finish(s, RUN_DONE, status, run_exit_status(res->exit_code));
}

run_end session_run(session *s, const run_request *rq, int *status, ws_error *err)
{
    if (s->shell_stale && session_new_shell(s, NULL, err) != WS_OK)
        return finish(s, RUN_FAILED, status, RUN_STATUS_FAILED);
    fd_sink out = {.fd = s->cfg.out_fd}, err_sink = {.fd = s->cfg.err_fd};
    capture_sink cap = {.buf = rq->capture};
    int in_fd = s->cfg.in_fd;
    ws_source in = {.read = fd_read_ready, .ud = &in_fd};
    ws_run_opts ro = {.command_line = rq->command_line, .poll_ms = s->cfg.poll_ms,
                      .deadline_ms = s->cfg.deadline_ms, .cancel = s->cfg.cancel,
                      .in = rq->forward_stdin ? &in : NULL,
                      .out = {fd_write, &out}, .err = {fd_write, &err_sink}};
    /* --text: the converters sit next to the descriptors, after the CLIXML decoder. */
    crlf_out out_text, err_text;
    crlf_source in_text;
    ws_source in_converted = {crlf_source_read, &in_text};
    int text = s->cfg.text;
    if (text) {
        crlf_out_init(&out_text, ro.out);
        crlf_out_init(&err_text, ro.err);
        crlf_source_init(&in_text, &in);
        ro.out = (ws_sink){crlf_out_write, &out_text};
        ro.err = (ws_sink){crlf_out_write, &err_text};
        if (ro.in)
            ro.in = &in_converted;
    }
    if (rq->capture)
        ro.out = (ws_sink){capture_write, &cap};
    const run_filter *filter = rq->err_filter;
    if (filter) {
        filter->start(filter->ud, ro.err);
        ro.err = (ws_sink){filter->write, filter->ud};
    }
    ws_run_result res;
    run_end end;
    ws_rc rc = ws_run(s->client, s->shell, &ro, &res, err);
    s->shell_stale = res.shell_stale;
    if (rc != WS_OK) {
        *status = RUN_STATUS_FAILED;
        end = RUN_FAILED;
    } else if (res.end == WS_RUN_OUTPUT_CLOSED)
        end = output_closed(s, &out, &err_sink, &cap, status, err);
    else
        end = run_outcome(s, &res, status, err);
    if (filter)
        filter->finish(filter->ud);
    if (text) {
        /* A CR at the very end was a lone one; the run is over, so a failed write of
         * that one byte changes nothing. */
        crlf_out_flush(&out_text);
        crlf_out_flush(&err_text);
    }
    return end;
}
