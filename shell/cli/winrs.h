/* The command line's side of WinRS runs (shell/run/run.h): the run settings from the
 * options, the client from connect_client, and the run layer's errors as one line. */
#ifndef NANOSH_SHELL_CLI_WINRS_H
#define NANOSH_SHELL_CLI_WINRS_H
#include "shell/cli/connect.h"
#include "shell/cli/options.h"
#include "shell/run/run.h"
#include "shell/ps/clixml.h"

/* Receive long-poll length while nanosh also feeds stdin or watches the keyboard, so
 * input and Ctrl-C are not held up behind a 20 s poll. */
#define RUN_SHORT_POLL_MS 2000L
/* At the interactive prompt Ctrl-C must take effect within a second or so. */
#define RUN_INTERACTIVE_POLL_MS 1000L
/* The EOF grace and the upload polls of a run are the library runner's (wsman/run.c). */

/* IdleTimeOut of every shell Create: the library's WS_RUN_IDLE_TIMEOUT_S (wsman/run.h),
 * except at the prompt: a person may pause longer, and would lose the PowerShell state,
 * so there it stays Windows' default. */
#define RUN_IDLE_TIMEOUT_INTERACTIVE_S 7200u

/* OperationTimeout for a session: --operation-timeout if given, else short polls when
 * --timeout is set or want_short (stdin to feed, a user who may press Ctrl-C), else 0
 * for the library default. */
long run_poll_ms(const nanosh_opts *o, int want_short);

/* IdleTimeOut for the shells of this run: --idle-timeout, else one of the defaults. */
unsigned run_idle_timeout_s(const nanosh_opts *o);

/* --env, --codepage and --no-profile as the run layer's shell settings (MS-WSMV
 * 2.2.4.37, 3.1.4.5.2); the strings stay the options'. */
run_shell_settings winrs_shell_settings(const nanosh_opts *o);
/* cfg's shell settings and --text from the options (--cwd goes to session_open). */
void winrs_run_settings(const nanosh_opts *o, run_config *cfg);

/* Connects (cx gets the --timeout deadline) and opens the session on fd 0, 1 and 2 with
 * the signal flag as its cancel flag, in the --cwd directory with the shell settings of
 * winrs_run_settings. Returns 0, or 255 after a one-line error. */
int winrs_open(session *s, connect_ctx *cx, const nanosh_opts *o, long poll_ms);
/* session_new_shell, saying why it failed. Returns 0 or 255. */
int winrs_new_shell(session *s, const connect_ctx *cx, const char *working_dir);
/* session_run, saying why it failed. */
run_end winrs_run(session *s, const connect_ctx *cx, const run_request *rq, int *status);
/* session_close, warning of a failed Delete unless quiet. */
void winrs_close(session *s, int quiet);
/* A failed Delete in *warning, said as a warning (the run goes on) unless quiet; then
 * the warning is freed. */
void winrs_warn(ws_error *warning, int quiet);

/* One-shot: open, run one command line, close. Returns the exit status. */
int run_one_shot(const nanosh_opts *o, const char *command_line);

/* powershell.exe's "#< CLIXML" stderr decoded into text on its way to the run's stderr:
 * a run_filter (shell/run/run.h) whose state lives in the caller's clixml_filter. */
typedef struct clixml_filter {
    clixml_decoder decoder;
    ws_sink to;
} clixml_filter;
run_filter winrs_clixml_filter(clixml_filter *state);
/* The same, decoding a CLIXML stderr into text when decode_clixml is set. */
int run_one_shot_ex(const nanosh_opts *o, const char *command_line, int decode_clixml);

#endif
