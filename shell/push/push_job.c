/* One push or pull over SMB or WinRM (see push_job.h): the transport, then each file. */
#include "shell/push/push_job.h"
#include "shell/push/push_job_int.h"
#include "shell/push/push_path.h"
#include "shell/push/smb_path.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *push_via_name(push_via v)
{
    return v == PUSH_VIA_SMB ? "smb" : v == PUSH_VIA_WINRM ? "winrm" : "auto";
}

int push_via_parse(const char *s, push_via *v)
{
    if (strcmp(s, "auto") == 0) *v = PUSH_VIA_AUTO;
    else if (strcmp(s, "smb") == 0) *v = PUSH_VIA_SMB;
    else if (strcmp(s, "winrm") == 0) *v = PUSH_VIA_WINRM;
    else return -1;
    return 0;
}

/* The share could not be used at all: a copy over WinRM may still work. */
static int smb_unusable(ws_rc rc, xfer_kind kind)
{
    return kind == XFER_E_UNREACHABLE || kind == XFER_E_LOGON || rc == WS_E_CONNECT
        || rc == WS_E_TIMEOUT || rc == WS_E_AUTH || rc == WS_E_RESOLVE;
}

static void forward_progress(void *ud, unsigned long long done, unsigned long long size)
{
    const push_events *ev = ud;
    if (ev->progress)
        ev->progress(ev->ud, done, size);
}

/* The server's SHA-256 of share/path, asked over WinRM (winrm_stat with hash), so SMB
 * need not read the copy back (smb_copy.h, smb_hasher). */
static ws_rc hash_over_winrm(void *ud, const char *share, const char *path, char out[65],
                             ws_error *err)
{
    push_job *j = ud;
    char *win = push_share_to_windows(share, path);
    if (!win)
        return ws_error_set(err, WS_E_USAGE, NULL, "no Windows path for \\%s\\%s", share, path);
    remote_stat st;
    xfer_kind kind = XFER_E_NONE;
    memset(&st, 0, sizeof st);
    ws_rc rc = winrm_stat(j->wc, win, 1, &st, &kind, err);
    if (rc == WS_OK && (st.kind != 'F' || !st.sha256[0]))
        rc = ws_error_set(err, WS_E_PROTOCOL, "retry; -v shows the exchange",
                          "the host gave no SHA-256 for %s", win);
    if (rc == WS_OK)
        memcpy(out, st.sha256, 65);
    free(win);
    return rc;
}

ws_rc push_job_winrm(push_job *j, ws_error *err)
{
    if (j->wc)
        return WS_OK;
    if (!j->h->winrm)
        return ws_error_set(err, WS_E_USAGE, "use --via winrm or --via auto",
                            "no WinRM connection for this copy");
    return winrm_copy_open(&j->wc, j->h->winrm, err);
}

static ws_rc smb_open(push_job *j, ws_error *err)
{
    if (j->smb)
        return WS_OK;
    if (!j->h->smb)
        return ws_error_set(err, WS_E_AUTH, "give the password (NANOSH_PASSWORD, "
                            "--password-file) or an NT hash (--nt-hash-file)", "%s",
                            j->h->smb_missing ? j->h->smb_missing
                                              : "no credentials for SMB");
    return smb_conn_open(&j->smb, j->h->host, j->h->smb_port, j->h->smb,
                         j->h->smb_timeout_ms ? j->h->smb_timeout_ms : 20000, err);
}

/* Opens SMB and the share that holds remote: a logon or reachability failure shows
 * here, once, before any file. */
static ws_rc smb_start(push_job *j, const char *remote, ws_error *err)
{
    smb_target t;
    ws_rc rc = smb_target_map(remote, j->h->share, &t, err);
    if (rc == WS_OK)
        rc = smb_open(j, err);
    if (rc == WS_OK) {
        struct stat st;
        int exists = 0;
        rc = smb_stat_path(j->smb, t.share, "", &st, &exists, err);
    }
    return rc;
}

static void use(push_job *j, int transport, const ws_error *why)
{
    j->active = transport;
    if (j->ev->transport)
        j->ev->transport(j->ev->ud, transport == PUSH_T_SMB ? "smb" : "winrm", why);
}

/* What stopped a job before its files, for --json. */
static xfer_kind kind_of_rc(ws_rc rc)
{
    switch (rc) {
    case WS_E_CONNECT: case WS_E_TIMEOUT: case WS_E_RESOLVE: return XFER_E_UNREACHABLE;
    case WS_E_AUTH:                                          return XFER_E_LOGON;
    default:                                                 return XFER_E_OTHER;
    }
}

/* Picks the transport for a job whose remote side is remote (a Windows path, or a path
 * in --share). */
static ws_rc choose(push_job *j, const char *remote, ws_error *err)
{
    const push_request *rq = j->rq;
    int share = j->h->share && j->h->share[0];
    if (!share && !push_remote_is_absolute(remote))
        return ws_error_set(err, WS_E_USAGE, "give a full path such as 'C:\\Temp\\', or the "
                            "share it is in with --share", "remote path %s is not absolute",
                            remote);
    if (rq->via == PUSH_VIA_WINRM) {
        ws_rc rc = push_job_winrm(j, err);
        if (rc == WS_OK)
            use(j, PUSH_T_WINRM, NULL);
        return rc;
    }
    ws_error why;
    memset(&why, 0, sizeof why);
    ws_rc rc = smb_start(j, remote, rq->via == PUSH_VIA_SMB ? err : &why);
    /* --share names a share, not a Windows path, so WinRM cannot reach the same file. */
    int winrm_ok = rq->via == PUSH_VIA_AUTO && !share && j->h->winrm;
    if (rq->via == PUSH_VIA_SMB || !winrm_ok) {
        if (rc != WS_OK && rq->via != PUSH_VIA_SMB) {
            *err = why;
            return rc;
        }
        if (rc == WS_OK)
            use(j, PUSH_T_SMB, NULL);
        return rc;
    }
    if (rc == WS_OK) {
        /* The hash check over WinRM; without it SMB reads the copy back. */
        ws_error werr;
        memset(&werr, 0, sizeof werr);
        if (push_job_winrm(j, &werr) == WS_OK) {
            j->hasher.sha256 = hash_over_winrm;
            j->hasher.ud = j;
            j->can_fallback = 1;
        }
        ws_error_clear(&werr);
        use(j, PUSH_T_SMB, NULL);
        return WS_OK;
    }
    rc = push_job_winrm(j, err);
    if (rc != WS_OK) {
        char both[2 * sizeof err->what + 16];
        snprintf(both, sizeof both, "SMB: %s; WinRM: %s", why.what, err->what);
        memcpy(err->what, both, sizeof err->what - 1);
        err->what[sizeof err->what - 1] = '\0';
        ws_error_clear(&why);
        return rc;
    }
    use(j, PUSH_T_WINRM, &why);
    ws_error_clear(&why);
    return WS_OK;
}

ws_rc push_job_choose(push_job *j, const char *remote, ws_error *err)
{
    ws_rc rc = choose(j, remote, err);
    if (rc != WS_OK)
        j->t->kind = kind_of_rc(rc);
    return rc;
}

const char *push_job_transport_name(const push_job *j)
{
    return j->active == PUSH_T_SMB ? "smb" : "winrm";
}

static void tell_failed(push_job *j, const push_file *f, xfer_kind kind, const ws_error *e)
{
    j->t->failed++;
    if (kind == XFER_E_CANCELLED)
        j->t->cancelled = 1;
    if (j->ev->failed)
        j->ev->failed(j->ev->ud, f, kind, e);
}

void push_job_fail(push_job *j, const char *local, const char *remote, xfer_kind kind,
                   const ws_error *e)
{
    push_file f = {.local = local ? local : "", .remote = remote ? remote : "",
                   .transport = push_job_transport_name(j)};
    j->t->files++;
    tell_failed(j, &f, kind, e);
}

xfer_kind push_kind_of_errno(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: return XFER_E_NOTFOUND;
    case EACCES: case EPERM:   return XFER_E_DENIED;
    case ENOSPC: case EDQUOT:  return XFER_E_DISKFULL;
    case EEXIST:               return XFER_E_EXISTS;
    default:                   return XFER_E_OTHER;
    }
}

static ws_rc copy_smb(push_job *j, const char *local, const char *remote, xfer_result *r,
                      xfer_kind *kind, ws_error *err)
{
    smb_target t;
    ws_rc rc = smb_target_map(remote, j->h->share, &t, err);
    if (rc != WS_OK) {
        *kind = XFER_E_OTHER;
        return rc;
    }
    const smb_hasher *hs = j->hasher.sha256 ? &j->hasher : NULL;
    if (j->rq->pull)
        return smb_get(j->smb, t.share, t.path, local, hs, &j->xo, r, kind, err);
    return smb_put(j->smb, local, t.share, t.path, hs, &j->xo, r, kind, err);
}

static ws_rc copy_winrm(push_job *j, const char *local, const char *remote, xfer_result *r,
                        xfer_kind *kind, ws_error *err)
{
    if (j->rq->pull)
        return winrm_get(j->wc, remote, local, &j->xo, r, kind, err);
    return winrm_put(j->wc, local, remote, &j->xo, r, kind, err);
}

void push_job_copy(push_job *j, const char *local, const char *remote,
                   unsigned long long size)
{
    push_file f = {.local = local, .remote = remote, .size = size};
    xfer_result r;
    ws_error err;
    xfer_kind kind;
    ws_rc rc;
    j->t->files++;
    for (;;) {
        memset(&r, 0, sizeof r);
        memset(&err, 0, sizeof err);
        kind = XFER_E_NONE;
        f.transport = push_job_transport_name(j);
        if (j->ev->started)
            j->ev->started(j->ev->ud, &f);
        if (j->active == PUSH_T_SMB)
            rc = copy_smb(j, local, remote, &r, &kind, &err);
        else
            rc = copy_winrm(j, local, remote, &r, &kind, &err);
        if (rc == WS_OK || j->active != PUSH_T_SMB || !j->can_fallback
            || !smb_unusable(rc, kind))
            break;
        /* The share went away or refused us mid-job: the rest goes over WinRM. */
        use(j, PUSH_T_WINRM, &err);
        ws_error_clear(&err);
    }
    if (rc == WS_OK) {
        if (r.status == XFER_UNCHANGED)
            j->t->unchanged++;
        else
            j->t->copied++;
        j->t->bytes += r.size;
        j->t->moved += r.moved;
        if (j->ev->finished)
            j->ev->finished(j->ev->ud, &f, &r);
    } else {
        if (kind == XFER_E_NONE)
            kind = XFER_E_OTHER;
        if (j->xo.discard_partial)
            xfer_fix_without_resume(&err, kind);
        tell_failed(j, &f, kind, &err);
    }
    ws_error_clear(&err);
}

ws_rc push_job_list(push_job *j, const char *remote, char *what, remote_list *out,
                    xfer_kind *kind, ws_error *err)
{
    for (;;) {
        *kind = XFER_E_NONE;
        ws_rc rc;
        if (j->active == PUSH_T_SMB) {
            smb_target t;
            rc = smb_target_map(remote, j->h->share, &t, err);
            if (rc == WS_OK)
                rc = smb_list(j->smb, t.share, t.path, what, out, kind, err);
        } else {
            rc = winrm_list(j->wc, remote, &j->xo, what, out, kind, err);
        }
        if (rc == WS_OK || j->active != PUSH_T_SMB || !j->can_fallback ||
            !smb_unusable(rc, *kind))
            return rc;
        /* The share went away or refused us: the listing and the files go over WinRM. */
        remote_list_free(out);
        use(j, PUSH_T_WINRM, err);
        ws_error_clear(err);
    }
}

int push_job_cancelled(const push_job *j)
{
    return j->t->cancelled || (j->xo.cancel && *j->xo.cancel);
}

ws_rc push_job_run(const push_host *h, const push_request *rq, const push_events *ev,
                   push_totals *totals, ws_error *err)
{
    push_job j;
    memset(&j, 0, sizeof j);
    memset(totals, 0, sizeof *totals);
    j.h = h;
    j.rq = rq;
    j.ev = ev;
    j.t = totals;
    j.xo = rq->xfer;
    j.prog.update = forward_progress;
    j.prog.ud = (void *)ev;
    j.xo.progress = &j.prog;

    ws_rc rc = rq->pull ? push_job_pull(&j, err) : push_job_push(&j, err);

    if (j.wc) {
        ws_error warning;
        memset(&warning, 0, sizeof warning);
        winrm_copy_close(j.wc, &warning);
        ws_error_clear(&warning);
    }
    if (j.smb)
        smb_conn_close(j.smb);
    if (rc != WS_OK)
        return rc;
    if (push_job_cancelled(&j)) {
        totals->cancelled = 1;
        totals->kind = XFER_E_CANCELLED;
        if (rq->xfer.discard_partial)
            return ws_error_set(err, WS_E_IO, "run it again", "interrupted");
        return ws_error_set(err, WS_E_IO, "run the same command with --resume to continue "
                            "from the partial copy", "interrupted; the partial copy is kept "
                            "beside the target");
    }
    if (totals->failed)
        return ws_error_set(err, WS_E_IO, "the lines above say why, and what to do",
                            "%zu of %zu file%s failed", totals->failed,
                            totals->files, totals->files == 1 ? "" : "s");
    return WS_OK;
}
