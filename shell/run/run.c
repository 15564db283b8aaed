/* WinRS command execution: Command, then Receive (and Send for stdin) until
 * CommandState Done, then Signal terminate (PROTOCOL.md 2.7). */
#include "shell/run/run.h"
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

/* Stdin bytes sent before the next Receive, so a command that writes while it reads
 * gets its output drained and cannot stall the server. */
/* Bytes of stdin sent between two Receives: starts small so a command that answers its
 * input is read promptly, grows fourfold while the command prints nothing (an upload). */
#define SEND_BATCH_MIN ((size_t)1024 * 1024)
#define SEND_BATCH_MAX ((size_t)64 * 1024 * 1024)
/* Input this large is an upload worth one request to learn the server's envelope limit. */
#define UPLOAD_ENVELOPE_AT ((size_t)4 * 1024 * 1024)

typedef struct stream_ctx {
    ws_buf *capture;
    clixml_decoder *clixml;     /* non-NULL: stderr is PowerShell's CLIXML stream */
    int pipe_closed;
    int write_errno;
    size_t bytes;               /* output received so far, all streams */
} stream_ctx;

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

static int write_stream(stream_ctx *ctx, int fd, const void *data, size_t len)
{
    if (run_write_all(fd, data, len) < 0) {
        ctx->write_errno = errno;
        ctx->pipe_closed = errno == EPIPE;
        return -1;
    }
    return 0;
}

/* Decoded CLIXML goes to stderr like any other error text. */
static int clixml_to_stderr(void *ud, const char *text, size_t len)
{
    return write_stream(ud, STDERR_FILENO, text, len);
}

/* Output goes out as it arrives: no buffering between the server and the terminal. */
static int on_stream(void *ud, const char *stream, const void *data, size_t len)
{
    stream_ctx *ctx = ud;
    int is_stdout = strcmp(stream, "stdout") == 0;
    ctx->bytes += len;
    if (is_stdout && ctx->capture)
        return ws_buf_append(ctx->capture, data, len) == 0 ? 0 : -1;
    if (!is_stdout && ctx->clixml)
        return clixml_feed(ctx->clixml, data, len);
    return write_stream(ctx, is_stdout ? STDOUT_FILENO : STDERR_FILENO, data, len);
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
        int rc = connect_report(s->o, &err);
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
    int rc = connect_client(o, 1, poll_ms, &s->client);
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

/* Best effort: used when nanosh stops a command early. */
static void signal_quietly(session *s, const char *cid, const char *code)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_shell_signal(s->shell, cid, code, &err);
    ws_error_clear(&err);
}

typedef struct stdin_pump {
    int open;
    int more;            /* the last batch stopped at its size, not for lack of input */
    int eof_deferred;    /* EOF came before any input: sent only if the command waits */
    size_t total;        /* bytes sent so far */
    size_t batch;        /* current batch size, SEND_BATCH_MIN..SEND_BATCH_MAX */
    int limit_asked;     /* the server's envelope limit was asked for */
    char *buf;
    size_t cap;
} stdin_pump;

/* Reads what stdin has ready into buf, up to cap, without blocking: a pipe hands over
 * at most 64 KiB per read, so several reads make one Send. Returns the length, or -1
 * with errno set; *eof is set at end of input. */
static ssize_t read_ready(char *buf, size_t cap, int *eof)
{
    size_t len = 0;
    *eof = 0;
    while (len < cap) {
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&pfd, 1, 0);
        if (r < 0 && errno == EINTR)
            break;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (pfd.revents & POLLNVAL) {   /* stdin is closed: nothing will ever come */
            *eof = 1;
            break;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            break;
        if (n < 0)
            return -1;
        if (n == 0) {
            *eof = 1;
            break;
        }
        len += (size_t)n;
    }
    return (ssize_t)len;
}

/* Sends what stdin has ready, up to one batch, without blocking; End=true at EOF
 * closes the command's stdin (MS-WSMV 3.1.4.13). */
static int pump_stdin(session *s, const char *cid, stdin_pump *in, ws_error *err)
{
    size_t sent = 0;
    in->more = 0;
    while (in->open) {
        if (sent >= in->batch) {
            in->more = 1;
            return 0;
        }
        int eof;
        ssize_t n = read_ready(in->buf, in->cap, &eof);
        if (n < 0)
            return ws_error_set(err, WS_E_IO, "check what feeds nanosh's standard input",
                                "cannot read standard input: %s", strerror(errno));
        if (n == 0 && !eof)
            return 0;
        if (n == 0 && in->total == 0) {
            /* Empty input (e.g. /dev/null) is the same as none: see RUN_EOF_GRACE_MS. */
            in->open = 0;
            in->eof_deferred = 1;
            return 0;
        }
        ws_rc rc = ws_shell_send(s->shell, cid, in->buf, (size_t)n, eof, err);
        if (rc != WS_OK)
            return rc;
        if (eof)
            in->open = 0;
        sent += (size_t)n;
        in->total += (size_t)n;
    }
    return 0;
}

/* For an upload, Sends as large as the server allows: three times the default on
 * Server 2012 and later. A server that will not say keeps the default size. Returns -1
 * only when out of memory. */
static int grow_send_buffer(session *s, stdin_pump *in)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    in->limit_asked = 1;
    if (ws_shell_raise_envelope_limit(s->shell, &err) == WS_OK &&
        ws_shell_max_send(s->shell) > in->cap) {
        char *bigger = realloc(in->buf, ws_shell_max_send(s->shell));
        if (!bigger) {
            ws_error_clear(&err);
            return -1;
        }
        in->buf = bigger;
        in->cap = ws_shell_max_send(s->shell);
    }
    ws_error_clear(&err);
    return 0;
}

/* A fault on a stdin Send most often means the command ended between the last Receive
 * and this Send: Windows then answers "The pipe has been ended" or names an unknown
 * CommandId, and discards the input (MS-WSMV 3.1.4.13). So stdin is closed, the fault
 * is kept, and the command's next state decides: it ended, or it is reported. Returns 1
 * when the failure was such a fault, 0 for any other failure (err is left as it is). */
static int stdin_refused(stdin_pump *in, int *eof_pending, ws_error *err, ws_error *kept)
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

static run_end finish(session *s, run_end end, int *status, int value)
{
    if (end != RUN_DONE)
        s->shell_stale = 1;
    *status = value;
    return end;
}

run_end session_run(session *s, const run_request *rq, int *status)
{
    ws_error err, send_fault;
    memset(&err, 0, sizeof err);
    memset(&send_fault, 0, sizeof send_fault);
    char *cid = NULL;
    run_end end = RUN_FAILED;
    int ctrl_c_sent = 0;
    stream_ctx sc = {.capture = rq->capture};
    clixml_decoder clixml;
    if (rq->decode_clixml) {
        clixml_init(&clixml, clixml_to_stderr, &sc);
        sc.clixml = &clixml;
    }
    stdin_pump in = {.open = rq->forward_stdin, .batch = SEND_BATCH_MIN};
    int eof_pending = !rq->forward_stdin, first_receive = 1;
    size_t output_before;
    ws_receive r;
    memset(&r, 0, sizeof r);

    if (s->shell_stale && session_new_shell(s, NULL) != 0)
        return finish(s, RUN_FAILED, status, NANOSH_EXIT_FAILURE);

    if (ws_shell_command(s->shell, rq->command_line, NULL, 0, &cid, &err) != WS_OK) {
        *status = connect_report(s->o, &err);
        ws_error_clear(&err);
        s->shell_stale = 1;     /* the shell may be gone (IdleTimeOut): a new one next time */
        return RUN_FAILED;
    }

    if (in.open) {
        in.cap = ws_shell_max_send(s->shell);
        if (in.cap == 0)
            in.cap = 1;
        in.buf = malloc(in.cap);
        if (!in.buf) {
            *status = fail(NULL, "out of memory");
            goto out;
        }
    }

    for (;;) {
        int sig = signals_fatal();
        if (sig) {
            signal_quietly(s, cid, WS_SIGNAL_TERMINATE);
            end = finish(s, RUN_SIGNALLED, status, 128 + sig);
            goto out;
        }
        int interrupts = signals_interrupts();
        if (interrupts >= 2) {
            /* Second Ctrl-C: stop the command for good (DESIGN.md, "No hangs"). */
            signal_quietly(s, cid, WS_SIGNAL_TERMINATE);
            end = finish(s, RUN_INTERRUPTED, status, 130);
            goto out;
        }
        if (interrupts == 1 && !ctrl_c_sent) {
            ctrl_c_sent = 1;
            if (ws_shell_signal(s->shell, cid, WS_SIGNAL_CTRL_C, &err) != WS_OK) {
                *status = connect_report(s->o, &err);
                s->shell_stale = 1;
                goto out;
            }
        }
        if (connect_deadline_left() == 0) {
            signal_quietly(s, cid, WS_SIGNAL_TERMINATE);
            ws_error_set(&err, WS_E_TIMEOUT, NULL, "timed out");
            *status = connect_report(s->o, &err);
            s->shell_stale = 1;
            goto out;
        }
        if (in.open && pump_stdin(s, cid, &in, &err) != WS_OK &&
            !stdin_refused(&in, &eof_pending, &err, &send_fault)) {
            *status = connect_report(s->o, &err);
            s->shell_stale = 1;
            goto out;
        }
        if (in.eof_deferred) {
            in.eof_deferred = 0;
            eof_pending = 1;
        }
        ws_receive_free(&r);
        memset(&r, 0, sizeof r);
        /* Short polls while input waits to be sent, or before a command given no input
         * is told EOF; the session's own poll length otherwise. */
        long poll = s->poll_ms;
        if (in.more || (eof_pending && first_receive))
            poll = in.more ? RUN_UPLOAD_POLL_MS : RUN_EOF_GRACE_MS;
        if (poll && s->poll_ms && poll > s->poll_ms)
            poll = s->poll_ms;
        ws_client_set_operation_timeout(s->client, poll);
        output_before = sc.bytes;
        ws_rc received = ws_shell_receive(s->shell, cid, on_stream, &sc, &r, &err);
        ws_client_set_operation_timeout(s->client, s->poll_ms);
        first_receive = 0;
        if (received != WS_OK) {
            if (sc.pipe_closed) {
                signal_quietly(s, cid, WS_SIGNAL_TERMINATE);
                end = finish(s, RUN_PIPE_CLOSED, status, 128 + SIGPIPE);
            } else if (sc.write_errno) {
                signal_quietly(s, cid, WS_SIGNAL_TERMINATE);
                *status = fail("check where nanosh's output goes", "cannot write the output: %s",
                               strerror(sc.write_errno));
                s->shell_stale = 1;
            } else {
                *status = connect_report(s->o, &err);
                s->shell_stale = 1;
            }
            goto out;
        }
        if (r.done)
            break;
        if (send_fault.rc && sc.bytes == output_before) {
            /* Still running, silent, and its stdin refused: the fault was real. */
            *status = connect_report(s->o, &send_fault);
            s->shell_stale = 1;
            goto out;
        }
        /* A command that prints nothing while it is fed is an upload: bigger batches,
         * and once it is clearly big, bigger Sends if the server accepts them. */
        if (in.more && sc.bytes == output_before && in.batch < SEND_BATCH_MAX) {
            in.batch *= 4;
            if (in.batch >= UPLOAD_ENVELOPE_AT && !in.limit_asked && grow_send_buffer(s, &in) < 0) {
                *status = fail(NULL, "out of memory");
                s->shell_stale = 1;
                goto out;
            }
        } else if (sc.bytes != output_before)
            in.batch = SEND_BATCH_MIN;
        /* No input for this command and it is still running: give it EOF, like ssh -n,
         * so a command that reads stdin ends instead of waiting forever. */
        if (eof_pending) {
            eof_pending = 0;
            if (ws_shell_send(s->shell, cid, "", 0, 1, &err) != WS_OK &&
                !stdin_refused(&in, &eof_pending, &err, &send_fault)) {
                *status = connect_report(s->o, &err);
                s->shell_stale = 1;
                goto out;
            }
        }
    }

    /* After the final CommandState the client must send Signal terminate before the
     * shell takes another command (MS-WSMV 3.1.4.14). */
    if (ws_shell_signal(s->shell, cid, WS_SIGNAL_TERMINATE, &err) != WS_OK) {
        ws_error_clear(&err);
        s->shell_stale = 1;
    }
    if (ctrl_c_sent)
        end = finish(s, RUN_DONE, status, 130);
    else if (!r.has_exit_code) {
        *status = fail("the server reported no exit code; -v shows the exchange",
                       "the command finished without an exit code");
        end = RUN_FAILED;
    } else
        end = finish(s, RUN_DONE, status, run_exit_status(r.exit_code));

out:
    if (sc.clixml) {
        clixml_flush(sc.clixml);
        clixml_free(sc.clixml);
    }
    ws_receive_free(&r);
    ws_error_clear(&err);
    ws_error_clear(&send_fault);
    free(in.buf);
    free(cid);
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
