/* The command line's side of the persistent PowerShell (shell/ps/ps_session.h) and of
 * -p TEXT / -f FILE: the session's settings from the options and the signal flag, and
 * its errors as one line. */
#ifndef NANOSH_SHELL_CLI_PS_CLI_H
#define NANOSH_SHELL_CLI_PS_CLI_H
#include "shell/cli/connect.h"
#include "shell/cli/options.h"
#include "shell/ps/ps_session.h"

/* Opens p on c (kept by the caller, with cx, its connect_ctx) with cx's --timeout
 * deadline, the signal flag as its cancel flag, and fd 1 and 2. Returns 0, or 255
 * after a one-line error. */
int ps_cli_open(ps_session *p, const nanosh_opts *o, ws_client *c, const connect_ctx *cx);
/* ps_run, saying why it failed. Returns the outcome's status. */
int ps_cli_run(ps_session *p, const connect_ctx *cx, const char *text, size_t len,
               const ps_io *io, ps_outcome *out);
/* ps_session_close, warning of a failed Delete unless quiet. */
void ps_cli_close(ps_session *p, int quiet);

/* -p TEXT / -f FILE: runs the script and returns the exit status. */
int powershell_run(const nanosh_opts *o);

#endif
