/* PowerShell mode: lines go to the persistent powershell.exe of ps_session.c. When that
 * process ends (Ctrl-C stops a script-run powershell.exe on Windows, "exit", a crash),
 * the user is told its state is gone and the next line starts a new one, back in the
 * last known location. */
#include "shell/repl/repl_state.h"
#include "shell/cli/errors.h"
#include "shell/ps/ps_snippets.h"
#include "shell/cli/signals.h"
#include "shell/repl/meta.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Snippet 4 of docs/powershell-snippets.md; snippet 3 is built by shell/ps/ps_snippets.c. */
static const char list_commands_snippet[] = "(Get-Command -CommandType Alias,Function,Cmdlet).Name";

/* Runs a snippet of nanosh's own, its output collected and its errors dropped. */
static int run_quietly(repl *r, const char *text, ws_buf *out, ps_outcome *oc)
{
    ws_buf err = WS_BUF_INIT;
    ps_io io = {.out = out, .err = &err};
    int st = ps_cli_run(&r->ps, &r->conn, text, strlen(text), &io, oc);
    ws_buf_free(&err);
    return st;
}

int ps_set_location(repl *r, const char *dir)
{
    char *text = ps_snippet_set_location(dir);
    if (!text)
        return fail(NULL, "out of memory");
    ps_outcome oc;
    int st = run_quietly(r, text, NULL, &oc);
    free(text);
    return st;
}

int ps_mode_start(repl *r)
{
    int st = ps_cli_open(&r->ps, r->o, r->s.client, &r->conn);
    r->ps_opened = st == 0;
    if (st != 0)
        return st;
    /* An empty input: PowerShell answers with its location, or the command fails. */
    ws_buf out = WS_BUF_INIT, err = WS_BUF_INIT;
    ps_io io = {.out = &out, .err = &err};
    ps_outcome oc;
    st = ps_cli_run(&r->ps, &r->conn, "", 0, &io, &oc);
    ws_buf_free(&out);
    if (oc.end == RUN_DONE && !oc.process_ended) {
        ws_buf_free(&err);
        r->ps_usable = 1;
        return 0;
    }
    if (oc.end != RUN_DONE) {
        ws_buf_free(&err);
        return st;
    }
    /* cmd.exe's "'powershell.exe' is not recognized ..." or whatever it printed. */
    char *why = err.data ? err.data : "";
    why[strcspn(why, "\r\n")] = '\0';
    warn_line(":cmd mode is used; check powershell.exe on the host",
              "PowerShell did not start (exit status %d%s%s)", st, *why ? ": " : "", why);
    ws_buf_free(&err);
    /* Its shell is of no use now: free it for the user's MaxShellsPerUser. */
    ps_cli_close(&r->ps, 1);
    r->ps_opened = 0;
    return 1;
}

static void report_lost_state(const ps_outcome *oc)
{
    fflush(stdout);
    if (oc->end == RUN_INTERRUPTED || oc->status == 130)
        fputs("nanosh: the remote PowerShell stopped at Ctrl-C; the next line starts a new "
              "one, without the variables, functions and modules of this one\n", stderr);
    else
        fprintf(stderr, "nanosh: the remote PowerShell exited (status %d); the next line "
                "starts a new one, without the variables, functions and modules of this one\n",
                oc->status);
}

int ps_mode_line(repl *r, const char *text, int *quit)
{
    ps_outcome oc;
    if (r->ps.shell_stale) {
        fflush(stdout);
        fputs("nanosh: this line runs in a new remote shell and PowerShell, without the "
              "variables, functions and modules of the old one\n", stderr);
    }
    /* A new process starts where the old one was. */
    if (!r->ps.cid && r->ps.processes > 0 && r->ps.location) {
        char *where = strdup(r->ps.location);
        if (!where)
            return fail(NULL, "out of memory");
        int st = ps_set_location(r, where);
        free(where);
        if (st == NANOSH_EXIT_FAILURE && !r->interactive) {
            *quit = 1;
            return st;
        }
    }
    ps_io io = {.interruptible = 1};
    int st = ps_cli_run(&r->ps, &r->conn, text, strlen(text), &io, &oc);
    if (r->interactive && signals_interrupts() && r->ps.out_at_line_start == 0)
        fputs("\n", stdout);
    signals_reset_interrupts();
    if (oc.process_ended && oc.end != RUN_SIGNALLED)
        report_lost_state(&oc);
    switch (oc.end) {
    case RUN_DONE:
    case RUN_INTERRUPTED:
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
    return st;
}

int ps_list_commands(void *ud, name_list *out)
{
    repl *r = ud;
    ws_buf text = WS_BUF_INIT;
    ps_outcome oc;
    run_quietly(r, list_commands_snippet, &text, &oc);
    int rc = oc.end == RUN_DONE && !oc.process_ended ? 0 : -1;
    for (char *line = text.data; rc == 0 && line && *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        rc = name_list_add(out, line, len);
        line = nl ? nl + 1 : NULL;
    }
    ws_buf_free(&text);
    return rc;
}
