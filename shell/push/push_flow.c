/* The files of a push or a pull, resolved as scp resolves them (see push_job.h). */
#include "shell/push/push_job_int.h"
#include "shell/push/push_path.h"
#include "shell/push/smb_path.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* mkdir of a local directory; one that is there already is fine. 0, or an errno. */
static int make_dir(const char *path)
{
    int e = mkdir(path, 0777) == 0 ? 0 : errno;
    struct stat st;
    if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        e = 0;
    return e;
}

/* mkdir -p of the directories of path (its last component excluded), from below root,
 * which exists. 0, or an errno. */
static int make_parents(const char *root, char *path)
{
    size_t skip = strlen(root);
    for (char *p = path + skip + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        int e = make_dir(path);
        *p = '/';
        if (e)
            return e;
    }
    return 0;
}

/* A local directory target for pull -r: an existing one, or one ending in '/' (made,
 * parents too, as push makes a remote one). */
static ws_rc local_dir_target(const char *target, ws_error *err)
{
    struct stat st;
    size_t len = strlen(target);
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return WS_OK;
        return ws_error_set(err, WS_E_USAGE, "give a directory, e.g. ./logs/",
                            "local target %s is a file; -r needs a directory", target);
    }
    if (len == 0 || target[len - 1] != '/')
        return ws_error_set(err, WS_E_USAGE, "end it with '/' to copy into a directory "
                            "(made if missing), e.g. ./logs/",
                            "local target %s does not exist; -r needs a directory", target);
    char *path = strdup(target);
    if (!path)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    int e = make_parents("", path);       /* every component: the last ends in '/' */
    free(path);
    if (e)
        return ws_error_set(err, WS_E_IO, "check the local path and its permissions",
                            "cannot make the local directory %s: %s", target, strerror(e));
    return WS_OK;
}

/* One listed file: checked, its local directories made, then copied. */
static void pull_listed(push_job *j, const char *source, const char *root,
                        const remote_entry *f)
{
    char why[128], what[1400];
    char *remote = push_remote_join(source, f->rel);
    char *local = push_local_join(root, f->rel);
    if (!remote || !local) {
        fail_nomem(j, root);
    } else if (remote_rel_check(f->rel, why, sizeof why) != 0) {
        snprintf(what, sizeof what, "cannot pull %s: its name has %s", remote, why);
        fail_text(j, "", remote, XFER_E_OTHER, "rename it on the host, or pull the other "
                  "files one by one", what);
    } else {
        for (char *p = local + strlen(root); *p; p++)
            if (*p == '\\')
                *p = '/';
        int e = make_parents(root, local);
        if (e) {
            snprintf(what, sizeof what, "cannot make the directories of %s", local);
            fail_errno(j, local, remote, e, "check the local directory", what);
        } else {
            push_job_copy(j, local, remote, f->size);
        }
    }
    free(remote);
    free(local);
}

/* One remote file to the target: inside it when it is a directory or ends in '/', else
 * under the target's name (as scp). */
static ws_rc pull_file(push_job *j, const char *source, ws_error *err)
{
    const char *target = j->rq->target;
    struct stat st;
    size_t len = strlen(target);
    int into = (len > 0 && target[len - 1] == '/')
               || (stat(target, &st) == 0 && S_ISDIR(st.st_mode));
    char *local = into ? push_local_join(target, push_remote_base(source)) : strdup(target);
    if (!local)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    push_job_copy(j, local, source, 0);
    free(local);
    return WS_OK;
}

/* pull -r: a remote directory's files, every level down, into target/NAME; a remote
 * file is pulled as without -r (as scp -r takes one). Directories that hold no file are
 * not made, as push -r makes none on the host. */
static ws_rc pull_tree(push_job *j, const char *source, ws_error *err)
{
    const push_request *rq = j->rq;
    remote_list list;
    memset(&list, 0, sizeof list);
    char what = 'N';
    xfer_kind kind = XFER_E_NONE;
    ws_rc rc = push_job_list(j, source, &what, &list, &kind, err);
    if (rc == WS_OK && what == 'N') {
        kind = XFER_E_NOTFOUND;
        rc = ws_error_set(err, WS_E_IO, "check the remote path", "remote source %s does not "
                          "exist", source);
    }
    if (rc != WS_OK) {
        j->t->kind = kind ? kind : XFER_E_OTHER;
        remote_list_free(&list);
        return rc;
    }
    if (what == 'F') {
        /* A target ending in '/' is made, as for a directory. */
        size_t len = strlen(rq->target);
        remote_list_free(&list);
        if (len && rq->target[len - 1] == '/' && (rc = local_dir_target(rq->target, err)))
            return rc;
        return pull_file(j, source, err);
    }
    if ((rc = local_dir_target(rq->target, err)) != WS_OK) {
        remote_list_free(&list);
        return rc;
    }
    const char *base = push_remote_base(source);
    char *root = base[0] ? push_local_join(rq->target, base) : strdup(rq->target);
    if (!root) {
        remote_list_free(&list);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    int e = make_dir(root);
    if (e) {
        char text[1200];
        snprintf(text, sizeof text, "cannot make the local directory %s", root);
        fail_errno(j, root, source, e, "check the local target", text);
    }
    for (size_t i = 0; !e && i < list.nunreadable; i++) {
        char text[1400];
        char *remote = push_remote_join(source, list.unreadable[i].rel);
        snprintf(text, sizeof text, "cannot list %s: %s", remote ? remote : source,
                 list.why[i]);
        /* The host's reason is its own text (any language): "denied" is a hint only. */
        int denied = strcasestr(list.why[i], "denied") != NULL;
        fail_text(j, "", remote ? remote : source, denied ? XFER_E_DENIED : XFER_E_OTHER,
                  denied ? "check the account's rights to that directory on the host; "
                           "the other files were pulled"
                         : "check that directory on the host; the other files were pulled",
                  text);
        free(remote);
    }
    remote_list_sort(&list);
    for (size_t i = 0; !e && i < list.nfiles && !push_job_cancelled(j); i++)
        pull_listed(j, source, root, &list.files[i]);
    free(root);
    remote_list_free(&list);
    return WS_OK;
}

ws_rc push_job_pull(push_job *j, ws_error *err)
{
    const push_request *rq = j->rq;
    if (rq->nsources != 1)
        return ws_error_set(err, WS_E_USAGE, "give one remote file or directory, then the "
                            "local target", "pull takes one remote source");
    int dir_syntax = 0;
    char *source = push_remote_normalize(rq->sources[0], &dir_syntax, err);
    if (!source)
        return err->rc;
    const char *base = push_remote_base(source);
    if (!rq->recursive && (dir_syntax || !base[0])) {
        ws_error_set(err, WS_E_USAGE, "add -r to pull a directory, or name a file, e.g. "
                     "'C:\\Windows\\Logs\\CBS\\CBS.log'",
                     "remote source %s is a directory", rq->sources[0]);
        free(source);
        return WS_E_USAGE;
    }
    ws_rc rc = push_job_choose(j, source, err);
    if (rc == WS_OK)
        rc = rq->recursive ? pull_tree(j, source, err) : pull_file(j, source, err);
    free(source);
    return rc;
}
