/* One long-lived powershell.exe in its own WinRS shell, fed over stdin with the framing
 * of ps_framing.h, so state persists between inputs as in Enter-PSSession. */
#ifndef NANOSH_SHELL_PS_SESSION_H
#define NANOSH_SHELL_PS_SESSION_H
#include "shell/ps/clixml.h"
#include "shell/ps/ps_framing.h"
#include "shell/run/run.h"
#include "wsman/wsman.h"

/* What a session needs from its caller, who fills it from its own settings (the CLI
 * from the command line and its signal flag): no options, no terminal, no process-wide
 * state here. */
#define PS_CANCEL_SIGNAL_BASE 128

typedef struct ps_config {
    unsigned idle_timeout_s;     /* IdleTimeOut sent on every shell Create */
    long long deadline_ms;       /* CLOCK_MONOTONIC ms when inputs must end; 0: none */
    const _Atomic int *cancel;   /* may be NULL: 1 or 2 Ctrl-Cs (WS_CANCEL_*), or
                                    PS_CANCEL_SIGNAL_BASE + a signal number, which ends
                                    the input at once with that as its status */
    int out_fd, err_fd;          /* where the remote output goes unless ps_io collects it */
    run_shell_settings shell;    /* sent on every Create (shell/run/run.h); borrowed */
    const char *working_dir;     /* rsp:WorkingDirectory, so PowerShell starts there;
                                    NULL: the server's default; borrowed */
    int text;                    /* CR LF to LF on out_fd and err_fd (shell/run/crlf.h) */
} ps_config;

typedef struct ps_session {
    ps_config cfg;
    ws_client *client;           /* borrowed */
    ws_shell *shell;
    int shell_stale;             /* an input failed: the shell may be gone (idle timeout, a
                                    WinRM restart), so the next input gets a new one */
    char *cid;                   /* the running powershell.exe, NULL when none */
    char nonce[PS_NONCE_LEN + 1];
    int processes;               /* powershell.exe processes started so far */
    int frames_done;             /* frames finished by the current process */
    char *location;              /* reported by the last frame, NULL before */
    int ok;                      /* $? of the last input */
    char *last_exit_code;        /* $LASTEXITCODE as text, "" when unset */
    int out_at_line_start;       /* the terminal's cursor is at the start of a line */
    clixml_decoder clixml;       /* the process's error stream */
    struct frame_io *frame;      /* the input being run */
} ps_session;

/* Most output of one input that ps_io collects in memory: nanosh's own snippets answer
 * with a command list of tens of KiB, or one :get chunk (64 KiB of base64). More means
 * a broken or hostile host, and the input fails instead of eating memory. */
#define PS_CAPTURE_MAX ((size_t)1024 * 1024)

typedef struct ps_io {
    ws_buf *out;                 /* non-NULL: collect stdout here (up to PS_CAPTURE_MAX) */
    ws_buf *err;                 /* non-NULL: collect decoded stderr here (the same) */
    int interruptible;           /* Ctrl-C sends ctrl_c; a second one terminates */
} ps_io;

typedef struct ps_outcome {
    run_end end;                 /* RUN_DONE: the input ran (see process_ended) */
    int status;                  /* exit status for the input */
    int process_ended;           /* powershell.exe exited during the input: state lost */
    int has_exit_code;
    unsigned long long exit_code;   /* of the ended process */
} ps_outcome;

/* Creates the shell on c (kept by the caller). Returns WS_OK, or the error with err
 * filled. Every err and warning below is the caller's, zeroed, never NULL; nothing is
 * printed: only the remote output goes to cfg's descriptors. */
ws_rc ps_session_open(ps_session *p, const ps_config *cfg, ws_client *c, ws_error *err);
/* Runs one input; starts powershell.exe first when none runs, in a new shell when the
 * last input failed (shell_stale). Returns the outcome's status. Output streams to
 * cfg's descriptors as it arrives unless io collects it. On RUN_FAILED (status 255) err
 * says why; a passed deadline gives WS_E_TIMEOUT. */
int ps_run(ps_session *p, const char *text, size_t len, const ps_io *io, ps_outcome *out,
           ws_error *err);
/* Stops powershell.exe and deletes the shell; a failed Delete goes to *warning. */
void ps_session_close(ps_session *p, ws_error *warning);

#endif
