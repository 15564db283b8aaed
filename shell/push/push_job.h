/* One push or pull: the files of a command line to or from one host, scp-like, over SMB
 * or WinRM (issue 11; DESIGN.md, "Command-line contract").
 *
 * Targets resolve as scp's do: several sources, or -r, need the remote target to be a
 * directory (it ends in '\' or '/', or is one already); a single file to an existing
 * directory goes inside it under its own name; -r walks local directories and sends
 * each regular file below them (the engines make the remote directories on the way).
 * pull -r lists the remote directory (winrm_list, smb_list: remote_list.h) and copies
 * each file into the local directory target under the source's name, making the local
 * directories on the way; a directory the host would not list fails alone.
 *
 * --via auto tries SMB (the admin shares, or --share) and falls back to WinRM when the
 * share cannot be reached or refuses the logon, or libsmbclient cannot be loaded; any
 * other failure (exists, denied, disk full, mismatch) WinRM would meet as well, so it
 * does not fall back. Over SMB with a WinRM connection at hand, the server's SHA-256 of
 * the copy is asked over WinRM instead of reading the copy back.
 *
 * Prints nothing: it tells the caller through push_events, and returns ws_error values. */
#ifndef NANOSH_SHELL_PUSH_JOB_H
#define NANOSH_SHELL_PUSH_JOB_H
#include "shell/push/smb_copy.h"
#include "shell/push/winrm_copy.h"
#include "shell/push/xfer.h"
#include <stddef.h>

typedef enum push_via { PUSH_VIA_AUTO, PUSH_VIA_SMB, PUSH_VIA_WINRM } push_via;

/* The host side: what the caller made before the job (connections, credentials). */
typedef struct push_host {
    const char *host;               /* for SMB */
    unsigned smb_port;              /* 0: 445 */
    const char *share;              /* --share NAME; NULL: the admin shares */
    const smb_creds *smb;           /* NULL: no SMB logon is possible (auto uses WinRM) */
    const char *smb_missing;        /* why smb is NULL, said when auto falls back */
    int smb_timeout_ms;             /* 0: 20 s */
    const winrm_copy_cfg *winrm;    /* NULL: no WinRM (--via smb) */
} push_host;

typedef struct push_request {
    int pull;                       /* 0: push LOCAL... REMOTE; 1: pull REMOTE LOCAL */
    const char *const *sources;     /* push: local paths; pull: one remote path (a
                                     * directory with recursive) */
    size_t nsources;
    const char *target;             /* push: the remote path; pull: the local one */
    push_via via;
    int recursive;                  /* -r */
    xfer_opts xfer;                 /* force, resume, streams, cancel, deadline; the job
                                     * sets progress itself (push_events.progress) */
} push_request;

/* One file as the job sees it. */
typedef struct push_file {
    const char *local;
    const char *remote;             /* a Windows path, or a path inside --share */
    unsigned long long size;        /* push: the local file's size; pull: 0 (unknown) */
    const char *transport;          /* "smb" or "winrm" */
} push_file;

typedef struct push_events {
    /* The transport chosen for what follows ("smb" or "winrm"); why is not NULL when
     * auto fell back to WinRM, and says why. */
    void (*transport)(void *ud, const char *name, const ws_error *why);
    void (*started)(void *ud, const push_file *f);
    void (*progress)(void *ud, unsigned long long done, unsigned long long size);
    void (*finished)(void *ud, const push_file *f, const xfer_result *r);
    /* The file was not copied; the job goes on with the next one (unless cancelled).
     * f->remote or f->local may be "" when the failure came before they were known. */
    void (*failed)(void *ud, const push_file *f, xfer_kind kind, const ws_error *err);
    void *ud;
} push_events;

typedef struct push_totals {
    size_t files, copied, unchanged, failed;
    unsigned long long bytes;       /* bytes of the files copied or unchanged */
    unsigned long long moved;       /* bytes that crossed the network */
    int cancelled;                  /* the cancel flag stopped the job */
    xfer_kind kind;                 /* why the job itself stopped before its files (the
                                     * share unreachable, a logon refused, ...); else 0 */
} push_totals;

/* Runs the job. WS_OK when every file was copied or unchanged. Else an error: one that
 * stopped the job before or between files (bad target, no transport, cancelled), or
 * a summary "N of M files failed" after failed events. */
ws_rc push_job_run(const push_host *h, const push_request *rq, const push_events *ev,
                   push_totals *totals, ws_error *err);

const char *push_via_name(push_via v);
/* "smb", "winrm" or "auto" to *v; 0 or -1. */
int push_via_parse(const char *s, push_via *v);

#endif
