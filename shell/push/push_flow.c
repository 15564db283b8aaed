/* The files of a push or a pull, resolved as scp resolves them (see push_job.h). */
#include "shell/push/push_job_int.h"
#include "shell/push/push_path.h"
#include "shell/push/smb_path.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Deep enough for any real tree; a symbolic link loop stops here. */
enum { WALK_DEPTH_MAX = 64 };

/* 'F', 'D' or 'N' for what is at remote, over the active transport. */
static ws_rc remote_kind(push_job *j, const char *remote, char *what, ws_error *err)
{
    if (j->active == PUSH_T_SMB) {
        smb_target t;
        ws_rc rc = smb_target_map(remote, j->h->share, &t, err);
        if (rc != WS_OK)
            return rc;
        struct stat st;
        int exists = 0;
        rc = smb_stat_path(j->smb, t.share, t.path, &st, &exists, err);
        if (rc == WS_OK)
            *what = !exists ? 'N' : S_ISDIR(st.st_mode) ? 'D' : 'F';
        return rc;
    }
    remote_stat st;
    xfer_kind kind = XFER_E_NONE;
    memset(&st, 0, sizeof st);
    ws_rc rc = winrm_stat(j->wc, remote, 0, &st, &kind, err);
    if (rc == WS_OK)
        *what = st.kind;
    return rc;
}

static void fail_errno(push_job *j, const char *local, const char *remote, int e,
                       const char *fix, const char *what)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_error_set(&err, WS_E_IO, fix, "%s: %s", what, strerror(e));
    push_job_fail(j, local, remote, push_kind_of_errno(e), &err);
}

static void fail_text(push_job *j, const char *local, const char *remote, xfer_kind kind,
                      const char *fix, const char *what)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_error_set(&err, WS_E_USAGE, fix, "%s", what);
    push_job_fail(j, local, remote, kind, &err);
}

static void fail_nomem(push_job *j, const char *local)
{
    fail_text(j, local, "", XFER_E_OTHER, "free some memory and try again", "out of memory");
}

static void walk(push_job *j, const char *dir, const char *remote_dir, int depth);

/* One local path (file or directory) to remote, its final name. */
static void push_path(push_job *j, const char *local, const char *remote, int depth)
{
    struct stat st;
    char what[1200];
    if (push_job_cancelled(j))
        return;
    if (stat(local, &st) != 0) {
        snprintf(what, sizeof what, "cannot read %s", local);
        fail_errno(j, local, remote, errno, "check the local path", what);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!j->rq->recursive) {
            snprintf(what, sizeof what, "%s is a directory", local);
            fail_text(j, local, remote, XFER_E_OTHER, "add -r to copy directories", what);
        } else if (depth >= WALK_DEPTH_MAX) {
            snprintf(what, sizeof what, "%s is more than %d directories deep", local,
                     WALK_DEPTH_MAX);
            fail_text(j, local, remote, XFER_E_OTHER, "check for a symbolic link loop", what);
        } else {
            walk(j, local, remote, depth + 1);
        }
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(what, sizeof what, "%s is not a regular file", local);
        fail_text(j, local, remote, XFER_E_OTHER, "copy regular files and directories only",
                  what);
        return;
    }
    push_job_copy(j, local, remote, (unsigned long long)st.st_size);
}

static int skip_dots(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Each entry of dir into remote_dir, in name order. An empty directory makes nothing
 * on the host: the engines make directories as they write files into them. */
static void walk(push_job *j, const char *dir, const char *remote_dir, int depth)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, skip_dots, alphasort);
    if (n < 0) {
        char what[1200];
        snprintf(what, sizeof what, "cannot list %s", dir);
        fail_errno(j, dir, remote_dir, errno, "check the directory's permissions", what);
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char why[128];
        char *local = push_local_join(dir, name);
        char *remote = push_remote_join(remote_dir, name);
        if (!local || !remote) {
            fail_nomem(j, dir);
        } else if (push_windows_name_ok(name, why, sizeof why) != 0) {
            char what[1400];
            snprintf(what, sizeof what, "cannot copy %s: %s", local, why);
            fail_text(j, local, remote, XFER_E_OTHER, "rename it, or leave it out", what);
        } else {
            push_path(j, local, remote, depth);
        }
        free(local);
        free(remote);
        free(names[i]);
    }
    free(names);
}

/* The remote name a source gets inside a target directory, or NULL after a failure. */
static char *name_inside(push_job *j, const char *src, const char *dir)
{
    char base[1024], why[128];
    if (push_local_base(src, base, sizeof base) != 0) {
        /* "." or "/": its entries go straight into the target, as cp -r does with "." */
        char *copy = strdup(dir);
        if (!copy)
            fail_nomem(j, src);
        return copy;
    }
    if (push_windows_name_ok(base, why, sizeof why) != 0) {
        char what[1400];
        snprintf(what, sizeof what, "cannot copy %s: %s", src, why);
        fail_text(j, src, "", XFER_E_OTHER, "rename it first", what);
        return NULL;
    }
    char *remote = push_remote_join(dir, base);
    if (!remote)
        fail_nomem(j, src);
    return remote;
}

ws_rc push_job_push(push_job *j, ws_error *err)
{
    const push_request *rq = j->rq;
    int dir_syntax = 0;
    char *target = push_remote_normalize(rq->target, &dir_syntax, err);
    if (!target)
        return err->rc;
    ws_rc rc = push_job_choose(j, target, err);
    char what = dir_syntax ? 'D' : 0;
    if (rc == WS_OK && !dir_syntax)
        rc = remote_kind(j, target, &what, err);
    int many = rq->nsources > 1 || rq->recursive;
    if (rc == WS_OK && many && what != 'D')
        rc = ws_error_set(err, WS_E_USAGE, "end it with '\\' to copy into a directory "
                          "(made if missing), e.g. 'C:\\Temp\\'", "remote target %s %s; "
                          "several files or -r need a directory", target,
                          what == 'F' ? "is a file" : "does not exist");
    for (size_t i = 0; rc == WS_OK && i < rq->nsources && !push_job_cancelled(j); i++) {
        const char *src = rq->sources[i];
        if (what != 'D') {
            push_path(j, src, target, 0);
            continue;
        }
        char *remote = name_inside(j, src, target);
        if (remote)
            push_path(j, src, remote, 0);
        free(remote);
    }
    free(target);
    return rc;
}

ws_rc push_job_pull(push_job *j, ws_error *err)
{
    const push_request *rq = j->rq;
    if (rq->recursive)
        return ws_error_set(err, WS_E_USAGE, "pull the files one by one, or push from the "
                            "host's side", "pull -r is not supported: nanosh has no way yet "
                            "to list a remote directory");
    if (rq->nsources != 1)
        return ws_error_set(err, WS_E_USAGE, "give one remote file, then the local target",
                            "pull takes one remote file");
    int dir_syntax = 0;
    char *source = push_remote_normalize(rq->sources[0], &dir_syntax, err);
    if (!source)
        return err->rc;
    const char *base = push_remote_base(source);
    if (dir_syntax || !base[0]) {
        ws_error_set(err, WS_E_USAGE, "name a file, e.g. 'C:\\Windows\\Logs\\CBS\\CBS.log'",
                     "remote source %s is a directory; pull copies one file", rq->sources[0]);
        free(source);
        return WS_E_USAGE;
    }
    ws_rc rc = push_job_choose(j, source, err);
    if (rc == WS_OK) {
        struct stat st;
        size_t len = strlen(rq->target);
        int into = (len > 0 && rq->target[len - 1] == '/')
                   || (stat(rq->target, &st) == 0 && S_ISDIR(st.st_mode));
        char *local = into ? push_local_join(rq->target, base) : strdup(rq->target);
        if (!local)
            rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        else
            push_job_copy(j, local, source, 0);
        free(local);
    }
    free(source);
    return rc;
}
