/* Running commands in a remote WinRS shell (MS-WSMV 3.1.4.11-3.1.4.14, PROTOCOL.md 2.7):
 * one session holds the client and the shell, reused from one command to the next. */
#ifndef NANOSH_SHELL_RUN_H
#define NANOSH_SHELL_RUN_H
#include "base/buf.h"
#include "base/error.h"
#include "wsman/run.h"
#include "wsman/wsman.h"

/* The WinRS settings of every shell Create (MS-WSMV 2.2.4.37 rsp:Environment, 3.1.4.5.2
 * options WINRS_CODEPAGE and WINRS_NOPROFILE); zeroed: none, 65001, profile loaded. */
typedef struct run_shell_settings {
    const char *const *env;     /* NAME=VALUE, NULL-terminated; NULL: none */
    unsigned codepage;          /* 0: 65001 (UTF-8) */
    int no_profile;
} run_shell_settings;

/* What a session needs from its caller, who fills it from its own settings (the CLI
 * from the command line): no options, no terminal, no process-wide state here. */
typedef struct run_config {
    long poll_ms;               /* Receive OperationTimeout (0: library default) */
    unsigned idle_timeout_s;    /* IdleTimeOut sent on every shell Create */
    long long deadline_ms;      /* CLOCK_MONOTONIC ms when the run must end; 0: none */
    const _Atomic int *cancel;  /* the caller's cancel flag (wsman/run.h), may be NULL */
    int in_fd, out_fd, err_fd;  /* the run's input and its stdout and stderr */
    run_shell_settings shell;   /* sent on every Create */
    int text;                   /* CR LF to LF on out_fd and err_fd, LF to CR LF on in_fd
                                 * (shell/run/crlf.h); a capture stays as sent */
} run_config;

typedef struct session {
    ws_client *client;     /* owned: freed by session_close */
    run_config cfg;
    ws_shell *shell;
    int shell_stale;       /* a command ended abnormally: make a new shell before the next */
    char *working_dir;     /* directory the shell was created in, NULL: server default */
} session;

/* The exit status of a run nanosh could not carry out (DESIGN.md, "Command-line contract"). */
#define RUN_STATUS_FAILED 255

typedef enum run_end {
    RUN_DONE,              /* the command finished; status is its exit status */
    RUN_INTERRUPTED,       /* a second Ctrl-C terminated it; status 130 */
    RUN_SIGNALLED,         /* SIGTERM or SIGHUP; status 128 + signal */
    RUN_PIPE_CLOSED,       /* our stdout or stderr was closed; status 141 */
    RUN_FAILED,            /* nanosh failed: the error says why; status 255 */
} run_end;

/* A caller's filter on the command's stderr on its way to err_fd (the CLI's decoder of
 * powershell.exe's "#< CLIXML" stream): start hands it the sink for its text before the
 * run, write gets the raw stream, finish flushes and frees it after the run. */
typedef struct run_filter {
    void (*start)(void *ud, ws_sink to);
    int (*write)(void *ud, const void *data, size_t len);
    void (*finish)(void *ud);
    void *ud;
} run_filter;

typedef struct run_request {
    const char *command_line;  /* passed whole as the WinRS Command, for cmd.exe to parse */
    int forward_stdin;         /* copy our stdin to the command until EOF */
    ws_buf *capture;           /* non-NULL: collect stdout here instead of writing fd 1 */
    const run_filter *err_filter;  /* non-NULL: stderr passes through it */
} run_request;

/* Takes client (freed by session_close even when this fails) and creates the shell in
 * working_dir (NULL: server default). Returns WS_OK, or the error with err filled.
 * Every err and warning below is the caller's, zeroed, never NULL; nothing is printed. */
ws_rc session_open(session *s, ws_client *client, const run_config *cfg,
                   const char *working_dir, ws_error *err);
/* Replaces the shell with a fresh one in working_dir (NULL: keep the current one). */
ws_rc session_new_shell(session *s, const char *working_dir, ws_error *err);
/* Deletes *shell on the server, frees it and sets *shell to NULL; does nothing when
 * *shell is NULL. A failed Delete is not fatal (the shell closes itself after the idle
 * timeout): it is returned in *warning, for the caller to show or not. */
void run_delete_shell(ws_shell **shell, ws_error *warning);
/* Deletes the remote shell and frees everything; a failed Delete goes to *warning. */
void session_close(session *s, ws_error *warning);

/* Runs one command line with the library runner (wsman/run.h): output to cfg's out_fd and
 * err_fd (or rq->capture), input from in_fd, cancelled by cfg's flag, bounded by its
 * deadline; renews a stale shell first. *status is the exit status; on RUN_FAILED it is
 * 255 and err says why. */
run_end session_run(session *s, const run_request *rq, int *status, ws_error *err);

/* Remote exit code to a process exit status: the low byte, except that a non-zero code
 * whose low byte is 0 (e.g. 0x80070000) gives 1 so failure stays failure. */
int run_exit_status(unsigned long long code);

/* Writes everything, waiting when the descriptor is non-blocking and full. 0 or -1. */
int run_write_all(int fd, const char *p, size_t len);

#endif
