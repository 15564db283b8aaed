/* :put and :get in the interactive shell: small-file copies over WinRM through the
 * PowerShell session, in base64 chunks, with SHA-256 checked on both ends and the target
 * written under a temporary name first (DESIGN.md, "Bad input"). */
#ifndef NANOSH_SHELL_TRANSFER_H
#define NANOSH_SHELL_TRANSFER_H
#include "shell/ps/ps_session.h"

/* What a copy tells its caller, who decides how to show it (the REPL prints it). */
typedef struct transfer_ctx {
    ps_session *ps;
    const _Atomic int *cancel;   /* the session's cancel flag: a Ctrl-C stops the copy */
    void *ud;
    /* The PowerShell session failed; err says why (the REPL: connect_report). */
    void (*session_failed)(void *ud, const ws_error *err);
    /* A one-line message "what: fix" (fix may be NULL) about a failed copy. */
    void (*message)(void *ud, const char *what, const char *fix);
    /* The copy is done: "SRC -> DST: N bytes, SHA-256 HASH". */
    void (*done)(void *ud, const char *summary);
} transfer_ctx;

/* Copies local to remote (put) or remote to local. Returns 0, or 1 after a message. */
int transfer_put(const transfer_ctx *t, const char *local, const char *remote);
int transfer_get(const transfer_ctx *t, const char *remote, const char *local);

#endif
