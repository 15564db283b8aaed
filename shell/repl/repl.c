/* The interactive shell, "nanosh host": readline at a terminal, or lines read from stdin
 * when it is not one (as "ssh host < script" does). Lines go to PowerShell or cmd.exe
 * (repl_ps.c, repl_cmd.c) unless they are nanosh's own commands (meta.c). */
#include "shell/repl/repl.h"
#include "shell/repl/complete.h"
#include "shell/cli/errors.h"
#include "shell/repl/history.h"
#include "shell/repl/meta.h"
#include "shell/repl/multiline.h"
#include "shell/repl/repl_state.h"
#include "shell/cli/signals.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int repl_open(repl *r)
{
    long poll = run_poll_ms(r->o, r->interactive);
    if (r->interactive && !r->o->operation_timeout_ms && (!poll || poll > RUN_INTERACTIVE_POLL_MS))
        poll = RUN_INTERACTIVE_POLL_MS;
    int rc = winrs_open(&r->s, &r->conn, r->o, poll);
    if (rc != 0) {
        winrs_close(&r->s, 1);
        return rc;
    }
    r->opened = 1;
    if (ps_new_nonce(r->listing_sep) != 0)
        return fail("check the system's random source (getrandom)", "cannot make a session nonce");
    return 0;
}

/* "exit", "exit N" and "exit /b N" end the session, as they end a cmd.exe script. */
static int exit_request(const char *line, int last_status, int *status)
{
    if (strncasecmp(line, "exit", 4) != 0 || (line[4] && line[4] != ' ' && line[4] != '\t'))
        return 0;
    const char *p = line + 4;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "/b", 2) == 0 && (p[2] == ' ' || p[2] == '\t' || p[2] == '\0')) {
        p += 2;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (!*p) {
        *status = last_status;
        return 1;
    }
    char *end;
    long long v = strtoll(p, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return 0;     /* not a plain number: let cmd.exe handle it */
    *status = run_exit_status((unsigned long long)v);
    return 1;
}

static int switch_mode(repl *r, shell_mode to, int *quit)
{
    if (to == SHELL_PS && !r->ps_usable)
        return fail("stay in :cmd mode", "this host's PowerShell did not start, so :ps is unavailable");
    if (to == r->mode)
        return 0;
    int st = 0;
    if (to == SHELL_CMD)
        st = cmd_mode_enter(r, r->ps.location, quit);
    else if (r->cwd)
        st = ps_set_location(r, r->cwd);
    if (st == 0)
        r->mode = to;
    return st;
}

static int handle_meta(repl *r, meta_kind kind, const char *args, int *quit)
{
    switch (kind) {
    case META_HELP:
        meta_print_help();
        return 0;
    case META_PS:
        return switch_mode(r, SHELL_PS, quit);
    case META_CMD:
        return switch_mode(r, SHELL_CMD, quit);
    case META_PUT:
    case META_GET:
        if (!r->ps_usable)
            return fail("copy the file another way", ":put and :get need PowerShell on the host, "
                        "which did not start");
        return ps_transfer(r, kind == META_PUT, args);
    case META_EXIT:
        *quit = 1;
        return r->last_status;
    case META_LOCAL: {
        transcript_pause(&r->log);
        int st = meta_run_local(args);
        transcript_resume(&r->log);
        return st;
    }
    case META_UNKNOWN:
        fputs("nanosh: unknown command; :help lists nanosh's own commands\n", stderr);
        return 1;
    case META_NONE:
        break;
    }
    return 0;
}

/* Runs one complete input (which may span lines in PowerShell mode). */
static int handle_input(repl *r, char *text, int *quit)
{
    char *p = text + strspn(text, " \t\r\n");
    size_t n = strlen(p);
    while (n > 0 && strchr(" \t\r\n", p[n - 1]))
        p[--n] = '\0';
    if (!*p)
        return r->last_status;
    int status;
    if (!strchr(p, '\n') && exit_request(p, r->last_status, &status)) {
        *quit = 1;
        return status;
    }
    const char *args;
    meta_kind kind = meta_parse(p, &args);
    if (kind != META_NONE)
        return handle_meta(r, kind, args, quit);
    complete_forget_dirs(&r->tty.comp);   /* the command may change what a listing shows */
    return r->mode == SHELL_PS ? ps_mode_line(r, p, quit) : cmd_mode_line(r, p, quit);
}

static int input_incomplete(const repl *r, const char *text)
{
    const char *p = text + strspn(text, " \t");
    if (*p == ':' || *p == '!')
        return 0;
    return r->mode == SHELL_PS ? ps_input_incomplete(text) : cmd_input_incomplete(text);
}

/* Adds a line to the input being collected. 0 or -1. */
static int add_line(const repl *r, ws_buf *input, const char *line)
{
    if (r->mode == SHELL_CMD)
        return cmd_join_line(input, line);
    if (input->len && ws_buf_append(input, "\n", 1) != 0)
        return -1;
    return ws_buf_appends(input, line);
}

/* ---- reading from a terminal ---- */

/* readline's line handler carries no user pointer: the editor reading on this thread. */
static _Thread_local tty_editor *reading;

static void on_rl_line(char *line)
{
    reading->line = line;
    reading->have_line = 1;
    reading->rl.rl_callback_handler_remove();
}

/* Whether input waits on the terminal: typed before the prompt appeared, while a remote
 * command ran. Called once readline has put the terminal in its mode, so that a line
 * typed without its Enter counts too. */
static int input_waiting(const tty_editor *t)
{
    FILE *in = *t->rl.rl_instream;
    struct pollfd pfd = {.fd = fileno(in ? in : stdin), .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

/* readline's callback interface, so Ctrl-C at the prompt (a signal that readline does
 * not own here) can drop the line the way bash does. 1 with *line set (NULL: EOF or
 * SIGTERM/SIGHUP), or -1 for Ctrl-C. *ahead: the line was (partly) typed before its
 * prompt appeared. */
static int read_tty_line(tty_editor *t, const char *prompt, char **line, int *ahead)
{
    const rl_api *rl = &t->rl;
    t->line = NULL;
    t->have_line = 0;
    reading = t;
    rl->rl_callback_handler_install(prompt, on_rl_line);
    *ahead = input_waiting(t);
    while (!t->have_line) {
        if (signals_fatal())
            break;
        if (signals_interrupts()) {
            signals_reset_interrupts();
            rl->rl_replace_line("", 0);
            rl->rl_free_line_state();
            rl->rl_crlf();
            rl->rl_callback_handler_remove();
            return -1;
        }
        FILE *in = *rl->rl_instream;
        struct pollfd pfd = {.fd = fileno(in ? in : stdin), .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        rl->rl_callback_read_char();
    }
    if (!t->have_line)
        rl->rl_callback_handler_remove();
    *line = t->line;
    return 1;
}

static char *make_prompt(const repl *r)
{
    char *prompt = NULL;
    int n = r->mode == SHELL_PS
                ? asprintf(&prompt, "%s PS %s> ", r->o->host, r->ps.location ? r->ps.location : "")
                : asprintf(&prompt, "%s %s> ", r->o->host, r->cwd ? r->cwd : "");
    return n < 0 ? NULL : prompt;
}

/* Reads one complete input, continuing with ">> " while it is unfinished. Returns 1 with
 * *input filled, 0 at EOF, -1 for Ctrl-C (the input is dropped). *hidden: its first line
 * was typed while a remote command ran, maybe as an answer to a prompt of the command
 * (Read-Host, a password), which nanosh's shell does not pass on: such a line runs as
 * typed ahead, as in bash, and goes to the history as bash's does (a leading space keeps
 * it out), but the transcript shows TRANSCRIPT_HIDDEN instead. */
static int read_tty_input(repl *r, ws_buf *input, int *hidden)
{
    ws_buf_reset(input);
    *hidden = 0;
    if (r->mode == SHELL_PS && !r->ps.out_at_line_start) {
        fputs("\n", stdout);     /* output without a final newline: keep the prompt clear */
        r->ps.out_at_line_start = 1;
    }
    transcript_sync(&r->log);    /* the output before the prompt, not after it */
    char *prompt = make_prompt(r);
    if (!prompt)
        return fail(NULL, "out of memory"), 0;
    int rc = 1;
    for (int first = 1;; first = 0) {
        char *line;
        int ahead;
        if (read_tty_line(&r->tty, first ? prompt : ">> ", &line, &ahead) < 0) {
            rc = -1;
            break;
        }
        if (first)
            *hidden = ahead && r->ran_command;
        if (line)
            transcript_input(&r->log, first ? prompt : ">> ", line, *hidden);
        if (!line) {
            if (!signals_fatal())
                putchar('\n');     /* Ctrl-D: end the prompt line */
            rc = first ? 0 : -1;
            break;
        }
        int bad = add_line(r, input, line);
        free(line);
        if (bad) {
            rc = 0;
            break;
        }
        if (!input_incomplete(r, input->data ? input->data : ""))
            break;
    }
    free(prompt);
    return rc;
}

static int interactive_loop(repl *r)
{
    int quit = 0;
    tty_editor *t = &r->tty;
    *t->rl.rl_catch_signals = 0;      /* our handlers record SIGINT; see read_tty_line */
    *t->rl.rl_readline_name = "nanosh";
    if (r->log.tty_out)
        *t->rl.rl_outstream = r->log.tty_out;   /* the editor's echo is not transcribed */
    history_open(&t->hist, &t->rl, r->o);
    completer src = {.list_dir = cmd_list_dir, .ud = r};
    complete_install(&t->comp, &t->rl, &src);
    ws_buf input = WS_BUF_INIT;
    while (!quit) {
        src.list_commands = r->mode == SHELL_PS ? ps_list_commands : NULL;
        src.cwd = r->mode == SHELL_PS ? r->ps.location : r->cwd;
        int hidden;
        int got = read_tty_input(r, &input, &hidden);
        if (got == 0)
            break;
        if (got < 0)
            continue;
        if (input.data[strspn(input.data, " \t")])
            history_remember(&t->hist, input.data);
        r->last_status = handle_input(r, input.data, &quit);
        r->ran_command = 1;
    }
    ws_buf_free(&input);
    complete_free(&t->comp);
    history_close(&t->hist);
    return signals_fatal() ? 128 + signals_fatal() : r->last_status;
}

/* Lines from a terminal without readline: a line already waiting before it is read was
 * typed while a remote command ran (see read_tty_input), and the transcript hides it. */
static int script_line_waiting(const repl *r)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    return r->log.fd >= 0 && r->ran_command && isatty(STDIN_FILENO) && poll(&pfd, 1, 0) > 0;
}

static int script_loop(repl *r)
{
    char *line = NULL;
    size_t cap = 0;
    int quit = 0;
    ws_buf input = WS_BUF_INIT;
    while (!quit && !signals_fatal()) {
        int ahead = !input.len && script_line_waiting(r);
        if (getline(&line, &cap, stdin) < 0)
            break;
        line[strcspn(line, "\r\n")] = '\0';
        transcript_input(&r->log, input.len ? ">> " : "> ", line, ahead);
        if (add_line(r, &input, line) != 0) {
            r->last_status = fail(NULL, "out of memory");
            break;
        }
        if (input_incomplete(r, input.data))
            continue;
        r->last_status = handle_input(r, input.data, &quit);
        r->ran_command = 1;
        ws_buf_reset(&input);
    }
    /* An unfinished block at the end still goes to the host, which reports it. */
    if (!quit && !signals_fatal() && input.len)
        r->last_status = handle_input(r, input.data, &quit);
    ws_buf_free(&input);
    free(line);
    return signals_fatal() ? 128 + signals_fatal() : r->last_status;
}

/* Loads readline for a terminal; 0 (after saying so) when it cannot be, so that lines are
 * read as from a script. */
static int load_editor(tty_editor *t)
{
    ws_error err = {0};
    if (rl_api_load(&t->rl, &err) == WS_OK)
        return 1;
    warn_line(err.fix, "%s; reading lines without editing or history", err.what);
    return 0;
}

/* PowerShell when the host has it (DESIGN.md), else cmd.exe. */
static int choose_mode(repl *r)
{
    int quit = 0;
    int st = ps_mode_start(r);
    if (st == 0) {
        r->mode = SHELL_PS;
        return 0;
    }
    if (st != 1)
        return st;
    r->mode = SHELL_CMD;
    st = cmd_mode_enter(r, NULL, &quit);
    return quit && !st ? NANOSH_EXIT_FAILURE : st;
}

int repl_run(const nanosh_opts *o)
{
    repl r;
    memset(&r, 0, sizeof r);
    r.o = o;
    transcript_init(&r.log);
    /* The file first: a bad --log fails before any password prompt. */
    if (o->log_file && transcript_open(&r.log, o->log_file,
                                       o->host_alias ? o->host_alias : o->host) != 0)
        return NANOSH_EXIT_FAILURE;
    r.interactive = isatty(STDIN_FILENO) && !o->stdin_null && load_editor(&r.tty);
    int status = repl_open(&r);
    /* -n: like ssh -n host, log in, read nothing, leave. */
    if (status == 0 && !o->stdin_null) {
        status = choose_mode(&r);
        /* Copied from here on: after the log-in, so no password prompt is in it. Not
         * stderr with -v: the wire trace carries every line sent, typed ahead or not. */
        if (status == 0)
            status = transcript_capture(&r.log, !o->debug);
        if (status == 0 && isatty(STDIN_FILENO)) {
            fputs("nanosh: :help lists nanosh's own commands (:put, :get, :cmd, :exit)\n", stderr);
            fflush(stderr);
        }
        if (status == 0)
            status = r.interactive ? interactive_loop(&r) : script_loop(&r);
    }
    if (r.ps_opened)
        ps_cli_close(&r.ps, status == NANOSH_EXIT_FAILURE);
    if (r.opened)
        winrs_close(&r.s, status == NANOSH_EXIT_FAILURE);
    transcript_close(&r.log);
    free(r.cwd);
    return status;
}
