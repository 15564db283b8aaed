/* Step 7, docker-files (docs/bootstrap.md): docker.exe and dockerd.exe in System32 with
 * the local SHA-256 (snippet 9), else pushed: through ADMIN$; when SMB refuses the
 * admin share (remote UAC), into the share of step 6 and moved into place over WinRM
 * with the hash checked (snippet 11); else over WinRM alone. bootstrap has no --resume,
 * so a failed copy removes its partial copy on the host (xfer_opts.discard_partial,
 * snippet 14 over WinRM): none is left in System32, or the reason says it is. */
#include "shell/bootstrap/bs_int.h"
#include "base/clock.h"
#include "shell/push/push_job.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[2] = {"docker.exe", "dockerd.exe"};

typedef struct local_file {
    unsigned long long size;
    char sha256[65];
} local_file;

static int hash_local(bs_run *run, local_file lf[2])
{
    for (int i = 0; i < 2; i++) {
        int fd = open(run->local[i], O_RDONLY | O_CLOEXEC);
        struct stat st;
        ws_error err;
        memset(&err, 0, sizeof err);
        if (fd < 0 || fstat(fd, &st) != 0 ||
            xfer_hash_fd(fd, (unsigned long long)st.st_size, run->h->cancel, lf[i].sha256, &err) != WS_OK) {
            if (fd >= 0)
                close(fd);
            bs_set(run, BS_STATUS_FAILED, "check the local files", "cannot read %s%s%s",
                   run->local[i], err.what[0] ? ": " : "", err.what);
            return -1;
        }
        lf[i].size = (unsigned long long)st.st_size;
        close(fd);
        bs_fact_add(run, i ? "dockerd.exe sha256" : "docker.exe sha256", "%s", lf[i].sha256);
    }
    return 0;
}

static winrm_copy_cfg winrm_cfg(const bs_run *run)
{
    if (run->h->push.winrm)
        return *run->h->push.winrm;
    return (winrm_copy_cfg){.client = run->h->client};
}

/* Which files differ on the host (bit i); -1 with the step failed. */
static int differing(bs_run *run, winrm_copy *c, const local_file lf[2])
{
    int bits = 0;
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, BS_SYSTEM32 "\\%s", names[i]);
        remote_stat st;
        xfer_kind kind;
        ws_error err;
        memset(&err, 0, sizeof err);
        if (winrm_stat(c, path, 1, &st, &kind, &err) != WS_OK) {
            bs_fail_err(run, "looking at System32: ", &err);
            ws_error_clear(&err);
            return -1;
        }
        if (!(st.kind == 'F' && strcasecmp(st.sha256, lf[i].sha256) == 0))
            bits |= 1 << i;
    }
    return bits;
}

typedef struct push_note {
    char transport[16];
    xfer_kind kind;
    char failure[400];
    char fix[160];              /* that file's fix (the job's says "the lines above") */
} push_note;

static void on_transport(void *ud, const char *name, const ws_error *why)
{
    (void)why;
    snprintf(((push_note *)ud)->transport, sizeof ((push_note *)ud)->transport, "%s", name);
}

static void on_failed(void *ud, const push_file *f, xfer_kind kind, const ws_error *err)
{
    push_note *n = ud;
    if (n->failure[0])
        return;                 /* the first file's reason is the one told */
    const char *base = f && f->local ? strrchr(f->local, '/') : NULL;
    n->kind = kind;
    snprintf(n->failure, sizeof n->failure, "%.20s%s%.360s", base ? base + 1 : "",
             base ? ": " : "", err ? err->what : "");
    snprintf(n->fix, sizeof n->fix, "%.150s", err ? err->fix : "");
}

/* The step failed with the job's error, and the first file's own reason when a file
 * failed ("1 of 2 files failed" alone says little). */
static void push_failed(bs_run *run, const char *via, const ws_error *err, const push_note *note,
                        const push_totals *t)
{
    if (note->failure[0])
        bs_set(run, BS_STATUS_FAILED, note->fix[0] ? note->fix : "run it again", "pushing over %s: "
               "%s (%s)", via, note->failure, err->what);
    else {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "pushing over %s: ", via);
        bs_fail_err(run, prefix, err);
    }
    run->r->kind = note->kind ? note->kind : t->kind;
}

/* One push_job_run of the files in bits to target (in share when not NULL). */
static ws_rc push(bs_run *run, int bits, push_via via, const char *share, const char *target,
                  push_note *note, push_totals *t, ws_error *err)
{
    winrm_copy_cfg wc = winrm_cfg(run);
    push_host ph = run->h->push;
    ph.share = share;
    ph.winrm = &wc;
    if (!ph.host)
        ph.host = run->h->name;
    const char *src[2];
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        if (bits >> i & 1)
            src[n++] = run->local[i];
    push_request rq = {.sources = src, .nsources = n, .target = target, .via = via,
                       .xfer = {.force = 1, .cancel = run->h->cancel,
                                .deadline_ms = bs_deadline(run), .discard_partial = 1}};
    push_events ev = {.transport = on_transport, .failed = on_failed, .ud = note};
    memset(t, 0, sizeof *t);
    memset(note, 0, sizeof *note);
    return push_job_run(&ph, &rq, &ev, t, err);
}

/* Files in the step-6 share moved into System32 over WinRM, hash checked. */
static ws_rc move_from_share(bs_run *run, winrm_copy *c, int bits, const local_file lf[2],
                             xfer_kind *kind, ws_error *err)
{
    const char *dir = run->cfg->share_path ? run->cfg->share_path : "C:\\Share";
    for (int i = 0; i < 2; i++) {
        if (!(bits >> i & 1))
            continue;
        char from[600], to[64];
        size_t dl = strlen(dir);
        snprintf(from, sizeof from, "%s%s%s", dir, dl && dir[dl - 1] == '\\' ? "" : "\\", names[i]);
        snprintf(to, sizeof to, BS_SYSTEM32 "\\%s", names[i]);
        xfer_opts o = {.cancel = run->h->cancel, .deadline_ms = bs_deadline(run)};
        ws_rc rc = winrm_move(c, from, to, lf[i].size, lf[i].sha256, &o, kind, err);
        if (rc != WS_OK)
            return rc;
    }
    return WS_OK;
}

static int share_usable(const bs_run *run)
{
    for (size_t i = 0; i < run->report->nsteps; i++)
        if (run->report->steps[i].id == BS_SHARE)
            return run->report->steps[i].status == BS_STATUS_OK ||
                   run->report->steps[i].status == BS_STATUS_CHANGED;
    return 0;
}

/* The three ways in order; 0 with how filled, or -1 with the step failed. */
static int apply(bs_run *run, winrm_copy *c, int bits, const local_file lf[2], char *how,
                 size_t cap)
{
    push_note note;
    push_totals t;
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_rc rc = WS_E_IO;
    int tried_smb = 0;
    if (run->h->push.smb) {
        tried_smb = 1;
        rc = push(run, bits, PUSH_VIA_SMB, NULL, BS_SYSTEM32 "\\", &note, &t, &err);
        if (rc == WS_OK) {
            snprintf(how, cap, "SMB ADMIN$");
            return 0;
        }
        /* A job that stopped before its files could not use the share at all (no
         * ADMIN$, a logon refused: remote UAC); a file's own failure says its kind. */
        int share_refused = note.kind == XFER_E_NONE ? t.kind != XFER_E_UNREACHABLE
                                                     : note.kind == XFER_E_LOGON;
        int unreachable = note.kind == XFER_E_NONE ? t.kind == XFER_E_UNREACHABLE
                                                   : note.kind == XFER_E_UNREACHABLE;
        if (share_refused && share_usable(run) && !bs_stopped(run)) {
            bs_fact_add(run, "ADMIN$", "%s", err.what);
            ws_error_clear(&err);
            rc = push(run, bits, PUSH_VIA_SMB, run->cfg->share_name ? run->cfg->share_name : "Share",
                      "\\", &note, &t, &err);
            if (rc == WS_OK) {
                xfer_kind mk;
                rc = move_from_share(run, c, bits, lf, &mk, &err);
                if (rc == WS_OK) {
                    snprintf(how, cap, "SMB share %s, moved over WinRM",
                             run->cfg->share_name ? run->cfg->share_name : "Share");
                    return 0;
                }
                bs_fail_err(run, "moving from the share: ", &err);
                run->r->kind = mk;
                ws_error_clear(&err);
                return -1;
            }
            share_refused = note.kind == XFER_E_NONE || note.kind == XFER_E_LOGON;
            unreachable = note.kind == XFER_E_UNREACHABLE || t.kind == XFER_E_UNREACHABLE;
        }
        if (!share_refused && !unreachable) {
            push_failed(run, "SMB", &err, &note, &t);
            ws_error_clear(&err);
            return -1;
        }
        bs_fact_add(run, "SMB", "%s", err.what);
        ws_error_clear(&err);
    }
    if (bs_stopped(run))
        return -1;
    rc = push(run, bits, PUSH_VIA_WINRM, NULL, BS_SYSTEM32 "\\", &note, &t, &err);
    if (rc != WS_OK) {
        push_failed(run, "WinRM", &err, &note, &t);
        ws_error_clear(&err);
        return -1;
    }
    snprintf(how, cap, "WinRM%s", tried_smb ? " (SMB refused)" : "");
    return 0;
}

void bs_step_docker_files(bs_run *run)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_local_files(run, &err) != WS_OK) {
        bs_fail_err(run, "", &err);
        return;
    }
    local_file lf[2];
    if (hash_local(run, lf) != 0)
        return;
    winrm_copy_cfg wc = winrm_cfg(run);
    winrm_copy *c = NULL;
    if (winrm_copy_open(&c, &wc, &err) != WS_OK) {
        bs_fail_err(run, "", &err);
        ws_error_clear(&err);
        return;
    }
    int bits = differing(run, c, lf);
    if (bits < 0)
        goto out;
    if (bits == 0) {
        bs_set(run, BS_STATUS_OK, NULL, "docker.exe, dockerd.exe in " BS_SYSTEM32 " (sha256 ok)");
        goto out;
    }
    const char *which = bits == 3 ? "docker.exe, dockerd.exe" : names[bits == 1 ? 0 : 1];
    if (run->cfg->plan) {
        bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "%s would be copied to " BS_SYSTEM32, which);
        goto out;
    }
    char how[80];
    long long t0 = ws_now_ms();
    if (bs_stopped(run) || apply(run, c, bits, lf, how, sizeof how) != 0)
        goto out;
    double secs = (double)(ws_now_ms() - t0) / 1000.0, mb = 0;
    for (int i = 0; i < 2; i++)
        mb += bits >> i & 1 ? (double)lf[i].size / 1e6 : 0;
    bs_fact_add(run, "Transport", "%s", how);
    bs_fact_add(run, "Rate", "%.1f MB/s", secs > 0 ? mb / secs : 0);
    int left = differing(run, c, lf);
    if (left < 0)
        goto out;
    if (left) {
        bs_set(run, BS_STATUS_FAILED, "run it again; if it recurs, check the host's disk",
               "after the copy, %s in " BS_SYSTEM32 " still differs from the local file",
               names[left & 1 ? 0 : 1]);
        run->r->kind = XFER_E_MISMATCH;
        goto out;
    }
    bs_set(run, BS_STATUS_CHANGED, NULL, "%s -> " BS_SYSTEM32 " (%s, %.1f MB/s, sha256 ok)", which,
           how, secs > 0 ? mb / secs : 0);
out:
    winrm_copy_close(c, NULL);
}
