/* Inside push_job: the state of one job, shared by push_job.c (transport, one file) and
 * push_flow.c (the files of a push or a pull). Not for use outside shell/push/. */
#ifndef NANOSH_SHELL_PUSH_JOB_INT_H
#define NANOSH_SHELL_PUSH_JOB_INT_H
#include "shell/push/push_job.h"

enum { PUSH_T_NONE, PUSH_T_SMB, PUSH_T_WINRM };

typedef struct push_job {
    const push_host *h;
    const push_request *rq;
    const push_events *ev;
    push_totals *t;
    xfer_opts xo;
    xfer_progress prog;
    int active;                 /* PUSH_T_* */
    smb_conn *smb;
    winrm_copy *wc;
    smb_hasher hasher;          /* sha256 NULL: SMB reads the copy back */
    int can_fallback;           /* auto over SMB with WinRM open: may switch mid-job */
} push_job;

/* Opens the WinRM side if not yet open. */
ws_rc push_job_winrm(push_job *j, ws_error *err);
/* Picks SMB or WinRM for remote (see push_job.h) and tells the transport event. */
ws_rc push_job_choose(push_job *j, const char *remote, ws_error *err);
const char *push_job_transport_name(const push_job *j);
/* Copies one file with the active transport (falling back under auto), telling
 * started and finished or failed, and counting it. */
void push_job_copy(push_job *j, const char *local, const char *remote,
                   unsigned long long size);
/* Lists the files under remote with the active transport (pull -r; remote_list.h),
 * switching to WinRM under auto when the share goes away. *what as winrm_list's. */
ws_rc push_job_list(push_job *j, const char *remote, char *what, remote_list *out,
                    xfer_kind *kind, ws_error *err);
/* Counts a file that failed before its copy began, and tells failed. */
void push_job_fail(push_job *j, const char *local, const char *remote, xfer_kind kind,
                   const ws_error *e);
int push_job_cancelled(const push_job *j);
xfer_kind push_kind_of_errno(int e);

/* The two flows (push_flow.c). They return an error only when the job as a whole
 * cannot go on; a file's failure is told and counted. */
ws_rc push_job_push(push_job *j, ws_error *err);
ws_rc push_job_pull(push_job *j, ws_error *err);

#endif
