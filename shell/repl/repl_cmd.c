/* cmd.exe mode. Every WinRS command starts a new cmd.exe, so a "cd" would be forgotten
 * by the next line: nanosh resolves it remotely and moves the shell to the new directory
 * instead. */
#include "shell/repl/repl_state.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Runs one command line in the cmd shell. */
static int run_line(repl *r, const char *line, ws_buf *capture, int *quit)
{
    int status;
    run_request rq = {.command_line = line, .forward_stdin = 0, .capture = capture};
    run_end end = winrs_run(&r->s, &r->conn, &rq, &status);
    /* After ^C the prompt goes on a line of its own, as in bash. */
    if (r->interactive && signals_interrupts())
        fputs("\n", stdout);
    fflush(stdout);
    signals_reset_interrupts();
    switch (end) {
    case RUN_DONE:
        break;
    case RUN_INTERRUPTED:
    case RUN_FAILED:
        /* At the prompt a second Ctrl-C stops the command, not nanosh. */
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
        else if (*arg && winrs_new_shell(&r->s, &r->conn, dir) != 0) {
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

int cmd_mode_enter(repl *r, const char *dir, int *quit)
{
    /* A drive path from PowerShell's location carries over; "HKLM:\" and the like do not. */
    if (dir && isalpha((unsigned char)dir[0]) && dir[1] == ':' && dir[2] == '\\') {
        if (winrs_new_shell(&r->s, &r->conn, dir) != 0)
            return NANOSH_EXIT_FAILURE;
        free(r->cwd);
        r->cwd = strdup(dir);
        return r->cwd ? 0 : fail(NULL, "out of memory");
    }
    if (r->cwd)
        return 0;
    ws_buf out = WS_BUF_INIT;
    int status = run_line(r, "cd", &out, quit);
    if (status == 0 && !*quit)
        r->cwd = last_line(&out);
    ws_buf_free(&out);
    return status;
}

int cmd_mode_line(repl *r, const char *line, int *quit)
{
    char drive[4];
    const char *arg = cd_argument(line, drive, sizeof drive);
    if (arg)
        return change_directory(r, arg, quit);
    return run_line(r, line, NULL, quit);
}

/* One command lists directories then files, split by a random line; "2>nul" keeps
 * "File Not Found" off the terminal. */
int cmd_list_dir(void *ud, const char *dir, name_list *out)
{
    repl *r = ud;
    if (strchr(dir, '"'))
        return -1;
    size_t n = strlen(dir);
    while (n > 3 && (dir[n - 1] == '\\' || dir[n - 1] == '/'))
        n--;
    char *cmd = NULL;
    if (asprintf(&cmd, "dir /b /ad \"%.*s\" 2>nul & echo %s& dir /b /a-d \"%.*s\" 2>nul",
                 (int)n, dir, r->listing_sep, (int)n, dir) < 0)
        return -1;
    ws_buf text = WS_BUF_INIT;
    int status;
    run_request rq = {.command_line = cmd, .capture = &text};
    run_end end = winrs_run(&r->s, &r->conn, &rq, &status);
    free(cmd);
    int rc = end == RUN_DONE ? 0 : -1;
    int dirs = 1;
    for (char *line = text.data; rc == 0 && line && *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (len == strlen(r->listing_sep) && !strncmp(line, r->listing_sep, len))
            dirs = 0;
        else if (len) {
            char name[1024];
            if (len < sizeof name - 1) {
                memcpy(name, line, len);
                if (dirs)
                    name[len++] = '\\';
                rc = name_list_add(out, name, len);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    ws_buf_free(&text);
    return rc;
}
