/* Running commands in a remote WinRS shell (MS-WSMV 3.1.4.11-3.1.4.14, PROTOCOL.md 2.7):
 * one session holds the client and the shell, reused from one command to the next. */
#ifndef NANOSH_SHELL_RUN_H
#define NANOSH_SHELL_RUN_H
#include "base/buf.h"
#include "shell/cli/connect.h"
#include "shell/cli/options.h"
#include "wsman/wsman.h"

/* Receive long-poll length while nanosh also feeds stdin or watches the keyboard, so
 * input and Ctrl-C are not held up behind a 20 s poll. */
#define RUN_SHORT_POLL_MS 2000L
/* At the interactive prompt Ctrl-C must take effect within a second or so. */
#define RUN_INTERACTIVE_POLL_MS 1000L
/* With --timeout, polls end soon after it runs out, within CONNECT_CLEANUP_GRACE_MS. */
#define RUN_DEADLINE_POLL_MS 1000L
/* The EOF grace and the upload polls of a run are the library runner's (wsman/run.c). */

/* IdleTimeOut sent on every shell Create (MS-WSMV 2.2.4.37): the server deletes a shell
 * that gets no request this long, which is all that frees it when nanosh is killed or
 * crashes. A run deletes its own shell at the end, so this only bounds such a leak:
 * 15 minutes, an eighth of Windows' 7200 s, and still far beyond the pauses a running
 * command causes (output held up by a slow pager). A person at the prompt may pause
 * longer, and would lose the PowerShell state: there it stays Windows' default. */
#define RUN_IDLE_TIMEOUT_S 900u
#define RUN_IDLE_TIMEOUT_INTERACTIVE_S 7200u

typedef struct session {
    const nanosh_opts *o;
    ws_client *client;
    long poll_ms;          /* the session's OperationTimeout (0: library default) */
    ws_shell *shell;
    int shell_stale;       /* a command ended abnormally: make a new shell before the next */
    char *working_dir;     /* directory the shell was created in, NULL: server default */
    connect_ctx conn;      /* this connection's --timeout deadline and Kerberos note */
} session;

typedef enum run_end {
    RUN_DONE,              /* the command finished; status is its exit status */
    RUN_INTERRUPTED,       /* a second Ctrl-C terminated it; status 130 */
    RUN_SIGNALLED,         /* SIGTERM or SIGHUP; status 128 + signal */
    RUN_PIPE_CLOSED,       /* our stdout or stderr was closed; status 141 */
    RUN_FAILED,            /* nanosh failed and said why; status 255 */
} run_end;

typedef struct run_request {
    const char *command_line;  /* passed whole as the WinRS Command, for cmd.exe to parse */
    int forward_stdin;         /* copy our stdin to the command until EOF */
    ws_buf *capture;           /* non-NULL: collect stdout here instead of writing fd 1 */
    int decode_clixml;         /* stderr is powershell.exe's "#< CLIXML" stream: decode it */
} run_request;

/* OperationTimeout for a session: --operation-timeout if given, else short polls when
 * --timeout is set or want_short (stdin to feed, a user who may press Ctrl-C), else 0
 * for the library default. */
long run_poll_ms(const nanosh_opts *o, int want_short);

/* IdleTimeOut for the shells of this run: --idle-timeout, else one of the defaults. */
unsigned run_idle_timeout_s(const nanosh_opts *o);

/* Connects and creates the shell. poll_ms: OperationTimeout (0: library default).
 * Returns 0, or 255 after a one-line error. */
int session_open(session *s, const nanosh_opts *o, long poll_ms, const char *working_dir);
/* Replaces the shell with a fresh one in working_dir (NULL: keep the current one). */
int session_new_shell(session *s, const char *working_dir);
/* Deletes *shell on the server (saying so when that fails, unless quiet), frees it and
 * sets *shell to NULL. Does nothing when *shell is NULL. */
void run_delete_shell(ws_shell **shell, int quiet);
/* Deletes the remote shell (quietly when quiet is set) and frees everything. */
void session_close(session *s, int quiet);

/* Runs one command line with the library runner (wsman/run.h): output to fd 1 and 2 (or
 * rq->capture), input from fd 0, cancelled by the signal flag, bounded by --timeout;
 * renews a stale shell first. Reports failures as one line; *status is the exit status. */
run_end session_run(session *s, const run_request *rq, int *status);

/* Remote exit code to a process exit status: the low byte, except that a non-zero code
 * whose low byte is 0 (e.g. 0x80070000) gives 1 so failure stays failure. */
int run_exit_status(unsigned long long code);

/* One-shot: open, run one command line, close. Returns the exit status. */
int run_one_shot(const nanosh_opts *o, const char *command_line);
/* The same, decoding a CLIXML stderr into text when decode_clixml is set. */
int run_one_shot_ex(const nanosh_opts *o, const char *command_line, int decode_clixml);

/* Writes everything, waiting when the descriptor is non-blocking and full. 0 or -1. */
int run_write_all(int fd, const char *p, size_t len);

#endif
