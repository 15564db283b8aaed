/* The command line's side of the persistent PowerShell and of -p/-f scripts: as one
 * cmd.exe command line while it fits (shell/ps/powershell.c); longer scripts go over
 * stdin to the framed loop of shell/ps/ps_session.c, which prints nothing itself. */
#include "shell/cli/ps_cli.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include "shell/cli/winrs.h"
#include "shell/localfs/readfile.h"
#include "shell/ps/powershell.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ps_cli_open(ps_session *p, const nanosh_opts *o, ws_client *c, const connect_ctx *cx)
{
    ps_config cfg = {.idle_timeout_s = run_idle_timeout_s(o), .deadline_ms = cx->deadline_ms,
                     .cancel = signals_cancel_flag(),
                     .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO,
                     .shell = winrs_shell_settings(o), .working_dir = o->cwd, .text = o->text};
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ps_session_open(p, &cfg, c, &err) == WS_OK)
        return 0;
    int rc = connect_report(cx, &err);
    ws_error_clear(&err);
    return rc;
}

int ps_cli_run(ps_session *p, const connect_ctx *cx, const char *text, size_t len,
               const ps_io *io, ps_outcome *out)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    int st = ps_run(p, text, len, io, out, &err);
    if (out->end == RUN_FAILED)
        st = connect_report(cx, &err);
    ws_error_clear(&err);
    return st;
}

void ps_cli_close(ps_session *p, int quiet)
{
    ws_error warning;
    memset(&warning, 0, sizeof warning);
    ps_session_close(p, &warning);
    winrs_warn(&warning, quiet);
}

/* A script too long for one command line goes to the framed loop over stdin as a
 * single input (PROTOCOL.md 9: "stream via stdin"). */
static int run_streamed(const nanosh_opts *o, const char *script, size_t len)
{
    ws_client *client = NULL;
    connect_ctx conn = {0};
    int rc = connect_client(&conn, o, 1, run_poll_ms(o, isatty(STDIN_FILENO)), &client);
    if (rc != 0)
        return rc;
    ps_session ps;
    rc = ps_cli_open(&ps, o, client, &conn);
    if (rc == 0) {
        ps_io io = {.interruptible = 1};
        ps_outcome out;
        rc = ps_cli_run(&ps, &conn, script, len, &io, &out);
        ps_cli_close(&ps, out.end == RUN_FAILED);
    } else
        ps_cli_close(&ps, 1);
    ws_client_free(client);
    return rc;
}

/* Reads a script file ("-": stdin) into *out, NUL-terminated, without a UTF-8 BOM.
 * Returns 0, or 255 after a one-line error. */
static int read_script(const char *path, char **out, size_t *len)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (readfile_all(path, "-f", out, len, &err) != WS_OK)
        return fail_ws(&err);
    /* Windows editors save scripts with a UTF-8 byte order mark. */
    if (*len >= 3 && memcmp(*out, "\xef\xbb\xbf", 3) == 0) {
        memmove(*out, *out + 3, *len - 2);
        *len -= 3;
    }
    return 0;
}

int powershell_run(const nanosh_opts *o)
{
    char *script = NULL, *cmdline = NULL;
    size_t len;
    int rc = 0;
    if (o->command_kind == COMMAND_PS_FILE)
        rc = read_script(o->command, &script, &len);
    else
        len = strlen(o->command);
    const char *text = script ? script : o->command;
    if (rc == 0) {
        ws_error err;
        memset(&err, 0, sizeof err);
        rc = powershell_command_line(text, len, &cmdline, &err);
        if (rc == -1)
            rc = fail_ws(&err);
    }
    if (rc == 0)
        rc = run_one_shot_ex(o, cmdline, 1);
    else if (rc == POWERSHELL_TOO_LONG)
        rc = run_streamed(o, text, len);
    free(script);
    free(cmdline);
    return rc;
}
