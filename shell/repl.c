/* Line-by-line cmd.exe session. Every WinRS command starts a new cmd.exe, so a "cd"
 * would be forgotten by the next line: nanosh resolves it remotely and moves the shell
 * to the new directory instead. */
#include "shell/repl.h"
#include "shell/errors.h"
#include "shell/run.h"
#include "shell/signals.h"
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>

typedef struct repl {
    const nanosh_opts *o;
    session s;
    int opened;
    int interactive;     /* reading from a terminal with readline */
    char *cwd;           /* remote working directory, when known */
    int last_status;
} repl;

static int repl_open(repl *r)
{
    if (r->opened)
        return 0;
    int rc = session_open(&r->s, r->o, run_poll_ms(r->o, r->interactive), NULL);
    if (rc != 0) {
        session_close(&r->s, 1);
        return rc;
    }
    r->opened = 1;
    return 0;
}

/* Last non-empty line of cmd.exe output, without CR/LF. */
static char *last_line(const ws_buf *b)
{
    if (!b->data)
        return NULL;
    size_t end = b->len;
    while (end > 0 && (b->data[end - 1] == '\n' || b->data[end - 1] == '\r' || b->data[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && b->data[start - 1] != '\n')
        start--;
    return end > start ? strndup(b->data + start, end - start) : NULL;
}

/* Runs one command line; *quit is set when the session cannot or must not go on. */
static int run_line(repl *r, const char *line, ws_buf *capture, int *quit)
{
    int status;
    if (repl_open(r) != 0) {
        *quit = 1;
        return NANOSH_EXIT_FAILURE;
    }
    run_request rq = {.command_line = line, .forward_stdin = 0, .capture = capture};
    run_end end = session_run(&r->s, &rq, &status);
    /* After ^C the prompt goes on a line of its own, as in bash. */
    if (r->interactive && signals_interrupts())
        fputs("\n", stdout);
    fflush(stdout);
    signals_reset_interrupts();
    switch (end) {
    case RUN_DONE:
        break;
    case RUN_INTERRUPTED:
        /* At the prompt a second Ctrl-C stops the command, not nanosh. */
        if (!r->interactive)
            *quit = 1;
        break;
    case RUN_FAILED:
        if (!r->interactive)
            *quit = 1;
        break;
    case RUN_SIGNALLED:
    case RUN_PIPE_CLOSED:
        *quit = 1;
        break;
    }
    return status;
}

/* "cd", "chdir", "cd..", "cd\dir" and "D:" change the directory of later lines. Returns
 * the argument (after an optional /d), "" for a bare cd, or NULL for other lines. */
static const char *cd_argument(const char *line, char *drive, size_t drivelen)
{
    const char *p = line;
    if (isalpha((unsigned char)p[0]) && p[1] == ':' && p[2] == '\0') {
        snprintf(drive, drivelen, "%c:", p[0]);
        return drive;
    }
    size_t n;
    if (strncasecmp(p, "chdir", 5) == 0)
        n = 5;
    else if (strncasecmp(p, "cd", 2) == 0)
        n = 2;
    else
        return NULL;
    char c = p[n];
    if (c != '\0' && c != ' ' && c != '\t' && c != '.' && c != '\\' && c != '/')
        return NULL;
    p += n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "/d", 2) == 0 && (p[2] == ' ' || p[2] == '\t' || p[2] == '\0')) {
        p += 2;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    return p;
}

static int change_directory(repl *r, const char *arg, int *quit)
{
    if (!*arg && r->cwd) {
        printf("%s\n", r->cwd);
        fflush(stdout);
        return 0;
    }
    char *cmd = NULL;
    if (*arg ? asprintf(&cmd, "cd /d %s && cd", arg) < 0 : !(cmd = strdup("cd")))
        return fail(NULL, "out of memory");
    ws_buf out = WS_BUF_INIT;
    int status = run_line(r, cmd, &out, quit);
    free(cmd);
    if (status == 0 && !*quit) {
        char *dir = last_line(&out);
        if (!dir)
            status = fail("check the directory name", "the server did not report the new directory");
        else if (*arg && session_new_shell(&r->s, dir) != 0) {
            status = NANOSH_EXIT_FAILURE;
            *quit = !r->interactive;
            free(dir);
        } else {
            if (!*arg) {
                printf("%s\n", dir);
                fflush(stdout);
            }
            free(r->cwd);
            r->cwd = dir;
        }
    }
    ws_buf_free(&out);
    return status;
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

static int handle_line(repl *r, char *line, int *quit)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = '\0';
    if (!*p)
        return r->last_status;
    int status;
    if (exit_request(p, r->last_status, &status)) {
        *quit = 1;
        return status;
    }
    char drive[4];
    const char *arg = cd_argument(p, drive, sizeof drive);
    if (arg)
        return change_directory(r, arg, quit);
    return run_line(r, p, NULL, quit);
}

/* ---- reading lines ---- */

static char *rl_line;
static int rl_have_line;

static void on_rl_line(char *line)
{
    rl_line = line;
    rl_have_line = 1;
    rl_callback_handler_remove();
}

/* readline's callback interface, so Ctrl-C at the prompt (a signal that readline does
 * not own here) can clear the line the way bash does. NULL: EOF or SIGTERM/SIGHUP. */
static char *read_tty_line(const char *prompt)
{
    rl_line = NULL;
    rl_have_line = 0;
    rl_callback_handler_install(prompt, on_rl_line);
    while (!rl_have_line) {
        if (signals_fatal())
            break;
        if (signals_interrupts()) {
            signals_reset_interrupts();
            rl_replace_line("", 0);
            rl_crlf();
            rl_on_new_line();
            rl_redisplay();
            continue;
        }
        struct pollfd pfd = {.fd = fileno(rl_instream ? rl_instream : stdin), .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        rl_callback_read_char();
    }
    if (!rl_have_line)
        rl_callback_handler_remove();
    return rl_line;
}

static int interactive_loop(repl *r)
{
    int quit = 0;
    rl_catch_signals = 0;      /* our handlers record SIGINT; see read_tty_line */
    rl_readline_name = "nanosh";

    /* The prompt shows the remote directory, so learn it first. */
    ws_buf out = WS_BUF_INIT;
    int status = run_line(r, "cd", &out, &quit);
    if (status == 0 && !quit)
        r->cwd = last_line(&out);
    ws_buf_free(&out);
    if (quit || status != 0)
        return status ? status : NANOSH_EXIT_FAILURE;

    while (!quit) {
        char *prompt = NULL;
        if (asprintf(&prompt, "%s %s> ", r->o->host, r->cwd ? r->cwd : "") < 0)
            return fail(NULL, "out of memory");
        char *line = read_tty_line(prompt);
        free(prompt);
        if (!line) {
            if (!signals_fatal())
                putchar('\n');     /* Ctrl-D: end the prompt line */
            break;
        }
        if (line[strspn(line, " \t")])
            add_history(line);
        r->last_status = handle_line(r, line, &quit);
        free(line);
    }
    rl_clear_history();
    return signals_fatal() ? 128 + signals_fatal() : r->last_status;
}

static int script_loop(repl *r)
{
    char *line = NULL;
    size_t cap = 0;
    int quit = 0;
    while (!quit && !signals_fatal() && getline(&line, &cap, stdin) >= 0)
        r->last_status = handle_line(r, line, &quit);
    free(line);
    return signals_fatal() ? 128 + signals_fatal() : r->last_status;
}

int repl_run(const nanosh_opts *o)
{
    repl r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.interactive = isatty(STDIN_FILENO) && !o->stdin_null;
    int status;
    if (o->stdin_null)
        status = repl_open(&r);      /* like ssh -n host: log in, read nothing, leave */
    else
        status = r.interactive ? interactive_loop(&r) : script_loop(&r);
    if (r.opened)
        session_close(&r.s, status == NANOSH_EXIT_FAILURE);
    free(r.cwd);
    return status;
}
