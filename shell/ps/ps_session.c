/* The persistent PowerShell: Command once, then per input a Send of one frame line and
 * Receives until both end markers (stdout and stderr) have arrived (MS-WSMV 3.1.4.11,
 * 3.1.4.13, 3.1.4.14). If powershell.exe exits instead, its CommandState Done ends the
 * input and the next input starts a new process. */
#include "shell/ps/ps_session.h"
#include "shell/ps/clixml.h"
#include "shell/ps/powershell.h"
#include "base/clock.h"
#include "shell/run/crlf.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Snippet 2 of docs/powershell-snippets.md; "@N@" stands for the nonce. Each input
 * line is dot-sourced so variables, functions and the location persist; "| Out-Default"
 * formats each input on its own, as the console does; "$?" of the user's last statement
 * is read by a line appended to the text. The markers go through $host.UI, the same
 * path as the output and errors before them, so they arrive after those. */
static const char loop_script[] =
    "$ProgressPreference='SilentlyContinue'\n"
    "try{[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false}catch{}\n"
    "while(($__nanosh=[Console]::In.ReadLine()) -ne $null){$__nanosh_ok=$true\n"
    "try{. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String("
    "$__nanosh))+\"`n`$__nanosh_ok=`$?\"))|Out-Default}"
    "catch{$__nanosh_ok=$false;$host.UI.WriteErrorLine(($_|Out-String))}\n"
    "$host.UI.WriteErrorLine(\"`n@N@\")\n"
    "$host.UI.WriteLine(\"`n@N@ $__nanosh_ok $LASTEXITCODE $((Get-Location).Path)\")}\n";

/* The cmd.exe command line that starts the loop with this session's nonce. */
static ws_rc ps_session_command_line(const char *nonce, char **out, ws_error *err)
{
    ws_buf script = WS_BUF_INIT;
    const char *p = loop_script;
    for (const char *at; (at = strstr(p, "@N@")); p = at + 3) {
        ws_buf_append(&script, p, (size_t)(at - p));
        ws_buf_appends(&script, nonce);
    }
    if (ws_buf_appends(&script, p) != 0) {
        ws_buf_free(&script);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    int rc = powershell_encoded_command(script.data, script.len, out, err);
    ws_buf_free(&script);
    if (rc == POWERSHELL_TOO_LONG)
        return ws_error_set(err, WS_E_USAGE, NULL,
                            "the PowerShell loop script does not fit a cmd.exe command line");
    return rc == 0 ? WS_OK : err->rc;
}

typedef struct frame_io {
    ps_session *p;
    const ps_io *io;
    frame_filter out, err;
    int write_errno;
    int capture_full;            /* collected output reached PS_CAPTURE_MAX */
    crlf_out out_text, err_text; /* --text, on the way to the descriptors */
} frame_io;

static int capture(frame_io *f, ws_buf *b, const char *data, size_t len)
{
    if (b->len + len > PS_CAPTURE_MAX) {
        f->capture_full = 1;
        return -1;
    }
    return ws_buf_append(b, data, len);
}

/* Output on its way to a descriptor (after --text's conversion, if any). */
static int write_fd(frame_io *f, int fd, const char *data, size_t len)
{
    if (len == 0)
        return 0;
    if (run_write_all(fd, data, len) != 0) {
        f->write_errno = errno ? errno : EIO;
        return -1;
    }
    f->p->out_at_line_start = data[len - 1] == '\n';
    return 0;
}

static int write_out_fd(void *ud, const void *data, size_t len)
{
    frame_io *f = ud;
    return write_fd(f, f->p->cfg.out_fd, data, len);
}

static int write_err_fd(void *ud, const void *data, size_t len)
{
    frame_io *f = ud;
    return write_fd(f, f->p->cfg.err_fd, data, len);
}

/* One stream of an input's output: into the caller's buffer when given, else to fd. */
static int to_stream(frame_io *f, ws_buf *buf, crlf_out *text, int fd, const char *data,
                     size_t len)
{
    if (buf)
        return capture(f, buf, data, len);
    if (f->p->cfg.text)
        return crlf_out_write(text, data, len);
    return write_fd(f, fd, data, len);
}

static int to_stdout(void *ud, const char *data, size_t len)
{
    frame_io *f = ud;
    return to_stream(f, f->io->out, &f->out_text, f->p->cfg.out_fd, data, len);
}

static int to_stderr(void *ud, const char *data, size_t len)
{
    frame_io *f = ud;
    return to_stream(f, f->io->err, &f->err_text, f->p->cfg.err_fd, data, len);
}

/* The decoder lives as long as the process (the CLIXML header comes once); its text goes
 * to the input being run. */
static int decoded_stderr(void *ud, const char *text, size_t len)
{
    ps_session *p = ud;
    frame_io *f = p->frame;
    return frame_filter_feed(&f->err, text, len);
}

static int on_stream(void *ud, const char *stream, const void *data, size_t len)
{
    frame_io *f = ud;
    if (!strcmp(stream, "stdout"))
        return frame_filter_feed(&f->out, data, len);
    return clixml_feed(&f->p->clixml, data, len);
}

static ws_rc create_shell(ps_session *p, ws_error *err)
{
    ws_shell_opts so;
    memset(&so, 0, sizeof so);   /* code page 65001 is the library default */
    so.working_dir = p->cfg.working_dir;
    so.env = p->cfg.shell.env;
    so.codepage = p->cfg.shell.codepage;
    so.noprofile = p->cfg.shell.no_profile;
    so.idle_timeout_s = p->cfg.idle_timeout_s;
    if (ws_shell_create(p->client, &so, &p->shell, err) != WS_OK)
        return err->rc;
    p->shell_stale = 0;
    return WS_OK;
}

ws_rc ps_session_open(ps_session *p, const ps_config *cfg, ws_client *c, ws_error *err)
{
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->client = c;
    p->out_at_line_start = 1;
    if (ps_new_nonce(p->nonce) != 0)
        return ws_error_set(err, WS_E_IO, "check the system's random source (getrandom)",
                            "cannot make a session nonce");
    return create_shell(p, err);
}

static void signal_quietly(ps_session *p, const char *code)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_shell_signal(p->shell, p->cid, code, &err);
    ws_error_clear(&err);
}

/* The process is gone (or must be): end the command as WinRS requires and forget it. */
static void forget_process(ps_session *p, int terminate)
{
    if (!p->cid)
        return;
    if (terminate)
        signal_quietly(p, WS_SIGNAL_TERMINATE);
    clixml_free(&p->clixml);
    free(p->cid);
    p->cid = NULL;
    p->frames_done = 0;
}

static ws_rc launch(ps_session *p, ws_error *err)
{
    char *cmdline = NULL;
    if (ps_session_command_line(p->nonce, &cmdline, err) != WS_OK)
        return err->rc;
    ws_rc rc = ws_shell_command(p->shell, cmdline, NULL, 0, &p->cid, err);
    free(cmdline);
    if (rc != WS_OK)
        return rc;
    p->processes++;
    clixml_init(&p->clixml, decoded_stderr, p);
    return WS_OK;
}

static ws_rc send_frame(ps_session *p, const char *text, size_t len, ws_error *err)
{
    ws_buf frame = WS_BUF_INIT;
    if (ps_frame_encode(text, len, &frame) != 0)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    size_t chunk = ws_shell_max_send(p->shell);
    if (chunk == 0)
        chunk = 1;
    ws_rc rc = WS_OK;
    for (size_t off = 0; off < frame.len && rc == WS_OK; off += chunk) {
        size_t n = frame.len - off < chunk ? frame.len - off : chunk;
        rc = ws_shell_send(p->shell, p->cid, frame.data + off, n, 0, err);
    }
    ws_buf_free(&frame);
    return rc;
}

/* Applies the stdout marker's status to the session. */
static ws_rc take_status(ps_session *p, frame_filter *out, ws_error *err)
{
    int ok;
    const char *lec, *loc;
    if (ps_parse_status(out->status.data ? out->status.data : "", &ok, &lec, &loc) != 0)
        return ws_error_set(err, WS_E_PROTOCOL, "-v shows the exchange",
                            "PowerShell sent a malformed end-of-output marker");
    char *l = strdup(loc), *e = strdup(lec);
    if (!l || !e) {
        free(l);
        free(e);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    free(p->location);
    free(p->last_exit_code);
    p->location = l;
    p->last_exit_code = e;
    p->ok = ok;
    return WS_OK;
}

/* The host sent more than an input can: say which bound it hit. The process is gone. */
static void report_capped(const frame_io *f, ws_error *err)
{
    const char *fix = "the PowerShell was stopped and the next input starts a new one; "
                      "-v shows what the host sent";
    ws_error_clear(err);
    if (f->capture_full)
        ws_error_set(err, WS_E_PROTOCOL, fix, "PowerShell answered a request of nanosh's "
                     "with more than %zu KiB of output (the limit)", PS_CAPTURE_MAX / 1024);
    else
        ws_error_set(err, WS_E_PROTOCOL, fix, "PowerShell sent an end-of-output marker line "
                     "longer than %zu KiB (the limit)", PS_MARKER_LINE_MAX / 1024);
}

static void frame_io_free(frame_io *f)
{
    frame_filter_free(&f->out);
    frame_filter_free(&f->err);
}

static int finish(ps_outcome *out, run_end end, int status)
{
    out->end = end;
    out->status = status;
    return status;
}

/* The caller's cancel flag: Ctrl-Cs counted up to 2, or 128 + a fatal signal. */
static int cancel_state(const ps_session *p)
{
    return p->cfg.cancel ? atomic_load(p->cfg.cancel) : 0;
}

static int deadline_passed(const ps_session *p)
{
    return p->cfg.deadline_ms && ws_now_ms() >= p->cfg.deadline_ms;
}

/* A failed request: the process is gone with it. 255, with err saying why. */
static int request_failed(ps_session *p, ps_outcome *out)
{
    forget_process(p, 1);
    p->shell_stale = 1;
    return finish(out, RUN_FAILED, RUN_STATUS_FAILED);
}

int ps_run(ps_session *p, const char *text, size_t len, const ps_io *io, ps_outcome *out,
           ws_error *err)
{
    memset(out, 0, sizeof *out);
    if (p->shell_stale) {
        /* As cmd.exe mode does (run.c): whatever the failure was, start afresh. */
        ws_error gone;
        memset(&gone, 0, sizeof gone);
        run_delete_shell(&p->shell, &gone);
        ws_error_clear(&gone);
        if (create_shell(p, err) != WS_OK)
            return finish(out, RUN_FAILED, RUN_STATUS_FAILED);
    }
    if (!p->cid && launch(p, err) != WS_OK) {
        p->shell_stale = 1;
        return finish(out, RUN_FAILED, RUN_STATUS_FAILED);
    }
    if (send_frame(p, text, len, err) != WS_OK)
        return request_failed(p, out);

    frame_io f = {.p = p, .io = io};
    frame_filter_init(&f.out, p->nonce, to_stdout, &f);
    frame_filter_init(&f.err, p->nonce, to_stderr, &f);
    crlf_out_init(&f.out_text, (ws_sink){write_out_fd, &f});
    crlf_out_init(&f.err_text, (ws_sink){write_err_fd, &f});
    p->frame = &f;
    ws_receive r;
    memset(&r, 0, sizeof r);
    int ctrl_c_sent = 0, st = 0;
    run_end end = RUN_DONE;

    for (;;) {
        int cancel = cancel_state(p);
        if (cancel >= PS_CANCEL_SIGNAL_BASE) {
            forget_process(p, 1);
            end = RUN_SIGNALLED, st = cancel;
            break;
        }
        int interrupts = io->interruptible ? cancel : 0;
        if (interrupts >= 2) {
            /* Second Ctrl-C: end the process for good (DESIGN.md, "No hangs"). */
            forget_process(p, 1);
            out->process_ended = 1;
            end = RUN_INTERRUPTED, st = 130;
            break;
        }
        if (interrupts == 1 && !ctrl_c_sent) {
            ctrl_c_sent = 1;
            signal_quietly(p, WS_SIGNAL_CTRL_C);
        }
        if (deadline_passed(p)) {
            forget_process(p, 1);
            ws_error_set(err, WS_E_TIMEOUT, NULL, "timed out");
            end = RUN_FAILED, st = RUN_STATUS_FAILED;
            break;
        }
        ws_receive_free(&r);
        memset(&r, 0, sizeof r);
        if (ws_shell_receive(p->shell, p->cid, on_stream, &f, &r, err) != WS_OK) {
            forget_process(p, 1);
            end = RUN_FAILED, st = RUN_STATUS_FAILED;
            if (f.capture_full || f.out.too_long || f.err.too_long)
                report_capped(&f, err);
            else if (f.write_errno == EPIPE)
                end = RUN_PIPE_CLOSED, st = 128 + SIGPIPE;
            else if (f.write_errno) {
                ws_error_clear(err);
                ws_error_set(err, WS_E_IO, "check where nanosh's output goes",
                             "cannot write the output: %s", strerror(f.write_errno));
            }
            break;
        }
        if (f.out.found && f.err.found) {
            p->frames_done++;
            if (take_status(p, &f.out, err) != WS_OK)
                end = RUN_FAILED, st = RUN_STATUS_FAILED;
            else
                st = ctrl_c_sent ? 130 : p->ok ? 0 : 1;
            break;
        }
        if (r.done) {
            /* powershell.exe exited: "exit", a stopped script, a crash, or no PowerShell. */
            clixml_flush(&p->clixml);
            forget_process(p, 1);
            frame_filter_flush(&f.err);
            frame_filter_flush(&f.out);
            out->process_ended = 1;
            out->has_exit_code = r.has_exit_code;
            out->exit_code = r.exit_code;
            st = ctrl_c_sent ? 130 : r.has_exit_code ? run_exit_status(r.exit_code) : 1;
            break;
        }
    }
    if (end == RUN_FAILED && !p->cid)
        p->shell_stale = 1;      /* the process was lost with the request: the shell too? */
    if (end == RUN_PIPE_CLOSED)
        ws_error_clear(err);
    ws_receive_free(&r);
    /* A CR that ended the input's output was a lone one. */
    crlf_out_flush(&f.out_text);
    crlf_out_flush(&f.err_text);
    p->frame = NULL;
    frame_io_free(&f);
    return finish(out, end, st);
}

void ps_session_close(ps_session *p, ws_error *warning)
{
    forget_process(p, 1);
    run_delete_shell(&p->shell, warning);
    free(p->location);
    free(p->last_exit_code);
    memset(p, 0, sizeof *p);
}
