/* The --json summary of push and pull (issue 11): one document on stdout.
 *
 *   {"command": "push"|"pull", "host": H, "via": "auto"|"smb"|"winrm",
 *    "transport": "smb"|"winrm"|null, "fallback": REASON|null,
 *    "status": "ok"|"failed"|"interrupted",
 *    "files": [{"local": L, "remote": R, "transport": T,
 *               "status": "copied"|"unchanged"|"failed", "bytes": N, "moved": N,
 *               "resumed_from": N, "sha256": HEX|null, "seconds": S,
 *               "error": null|{"kind": K, "message": M, "fix": F}}],
 *    "totals": {"files": N, "copied": N, "unchanged": N, "failed": N, "bytes": N,
 *               "moved": N, "seconds": S},
 *    "error": null|{"kind": K, "message": M, "fix": F}}
 *
 * K is xfer_kind_name's word ("exists", "denied", "notfound", "diskfull", "mismatch",
 * "unreachable", "logon", "cancelled", "other"). */
#ifndef NANOSH_SHELL_CLI_PUSH_REPORT_H
#define NANOSH_SHELL_CLI_PUSH_REPORT_H
#include "base/error.h"
#include "shell/push/push_job.h"
#include <stdio.h>

typedef struct push_report_file {
    char *local, *remote;
    const char *transport;
    const char *status;          /* "copied", "unchanged", "failed" */
    xfer_result r;
    double seconds;
    xfer_kind kind;
    char *message, *fix;         /* when failed */
} push_report_file;

typedef struct push_report {
    push_report_file *files;
    size_t nfiles, cap;
    const char *transport;       /* the last one used */
    char *fallback;              /* why auto fell back; NULL: it did not */
    int oom;                     /* a record could not be kept */
} push_report;

/* Adds one file's record (strings copied). */
void push_report_add(push_report *rp, const push_file *f, const char *status,
                     const xfer_result *r, double seconds, xfer_kind kind,
                     const ws_error *err);
void push_report_fallback(push_report *rp, const ws_error *why);
/* Writes the document. job_err: the job's own error (NULL or WS_OK: none). */
void push_report_write(FILE *out, const push_report *rp, const char *command,
                       const char *host, const char *via, const push_totals *t,
                       double seconds, const ws_error *job_err);
void push_report_free(push_report *rp);

#endif
