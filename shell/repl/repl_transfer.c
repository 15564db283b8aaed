/* :put and :get in the interactive shell: the same job as `nanosh push|pull --via winrm`
 * (shell/push/push_job.h), on the session's own connection, with the same progress
 * display, SHA-256 checks and partial copies. Relative remote paths are taken from the
 * PowerShell location, as the prompt shows it. A target that exists is replaced, as cp
 * does (still through a partial copy and a rename). */
#include "shell/repl/repl_state.h"
#include "shell/repl/meta.h"
#include "shell/cli/errors.h"
#include "shell/cli/progress.h"
#include "shell/cli/signals.h"
#include "shell/push/push_job.h"
#include "shell/push/push_path.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The remote path made absolute against the PowerShell location: WinRM resolves a
 * relative one against the process directory, which the user does not see. */
static char *absolute_remote(const repl *r, const char *remote)
{
    if (remote[0] == '\\' || remote[0] == '/' || (remote[0] && remote[1] == ':'))
        return strdup(remote);
    const char *loc = r->ps.location ? r->ps.location : "";
    if (!*loc)
        return strdup(remote);
    size_t n = strlen(loc);
    int sep = loc[n - 1] == '\\';
    char *out = NULL;
    if (strcmp(remote, ".") == 0)
        return asprintf(&out, "%s%s", loc, sep ? "" : "\\") < 0 ? NULL : out;
    return asprintf(&out, "%s%s%s", loc, sep ? "" : "\\", remote) < 0 ? NULL : out;
}

/* The file name at the end of a Windows path: after the last '\\' or '/', or after a
 * drive's "C:". NULL when there is none ("C:\\dir\\", "..", "."). */
static char *windows_base_name(const char *path)
{
    const char *base = push_remote_base(path[0] && path[1] == ':' ? path + 2 : path);
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return NULL;
    return strdup(base);
}

/* A local path with each run of '/' made one: a directory typed with a final '/' and the
 * name joined to it print as "dir/name", not "dir//name". */
static void squeeze_slashes(char *path)
{
    char *out = path;
    for (const char *p = path; *p; p++)
        if (!(*p == '/' && out > path && out[-1] == '/'))
            *out++ = *p;
    *out = '\0';
}

typedef struct copy_view {
    progress bar;
    int pull;
    int failed;
} copy_view;

static void on_started(void *ud, const push_file *f)
{
    copy_view *v = ud;
    const char *name = v->pull ? f->remote : f->local;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if ((*p == '/' || *p == '\\') && p[1])
            base = p + 1;
    progress_start(&v->bar, base, f->size, f->transport);
}

static void on_progress(void *ud, unsigned long long done, unsigned long long size)
{
    progress_update(&((copy_view *)ud)->bar, done, size);
}

static void on_finished(void *ud, const push_file *f, const xfer_result *res)
{
    copy_view *v = ud;
    progress_clear(&v->bar);
    printf("%s -> %s: %llu bytes, SHA-256 %s%s\n", v->pull ? f->remote : f->local,
           v->pull ? f->local : f->remote, res->size, res->sha256,
           res->status == XFER_UNCHANGED ? " (unchanged)" : "");
    fflush(stdout);
}

/* The copy job's advice is for "nanosh push|pull": :put and :get take no -r or --resume,
 * and always replace (--force). Said in the shell's terms instead. */
static void warn_copy_error(const ws_error *err)
{
    ws_error e = *err;
    if (strstr(e.fix, "-r"))
        snprintf(e.fix, sizeof e.fix, "copy directories with :put -r or :get -r");
    else if (strstr(e.fix, "--resume"))
        snprintf(e.fix, sizeof e.fix, "run the copy again");
    else if (strstr(e.fix, "--force"))
        snprintf(e.fix, sizeof e.fix, "remove what is in the way, or copy under another name");
    warn_ws(&e);
}

static void on_failed(void *ud, const push_file *f, xfer_kind kind, const ws_error *err)
{
    copy_view *v = ud;
    (void)f; (void)kind;
    progress_clear(&v->bar);
    v->failed = 1;
    warn_copy_error(err);
}

int ps_transfer(repl *r, int put, const char *args)
{
    char *a, *b;
    int recursive = meta_take_recursive(&args);
    if (meta_args(args, &a, &b, !put) != 0) {
        fprintf(stderr, "nanosh: usage: %s\n", put ? ":put [-r] LOCAL REMOTE"
                                                  : ":get [-r] REMOTE [LOCAL]");
        return 1;
    }
    /* :get REMOTE alone: into the current directory, under the remote file's name (with
     * -r the remote directory's name: pull -r makes it below "./"). */
    if (!put && !b && recursive && !(b = strdup("./"))) {
        warn_line(NULL, "out of memory");
        free(a);
        return 1;
    }
    if (!put && !b && !(b = windows_base_name(a))) {
        fprintf(stderr, "nanosh: %s names no file; give the local name too: "
                ":get REMOTE LOCAL\n", a);
        free(a);
        return 1;
    }
    squeeze_slashes(put ? a : b);
    transcript_sync(&r->log);    /* earlier output before the progress bar */
    char *remote = absolute_remote(r, put ? b : a);
    const char *local = put ? a : b;
    int rc = 1;
    if (!remote)
        warn_line(NULL, "out of memory");
    else {
        winrm_copy_cfg w = {.client = r->ps.client};
        push_host h = {.host = r->o->host, .winrm = &w};
        const char *sources[1] = { put ? local : remote };
        push_request rq = {.pull = !put, .sources = sources, .nsources = 1,
                           .target = put ? remote : local, .via = PUSH_VIA_WINRM,
                           .recursive = recursive};
        rq.xfer.streams = 1;
        rq.xfer.force = 1;      /* as cp and the shell's copies always did: replace */
        rq.xfer.cancel = signals_cancel_flag();
        rq.xfer.deadline_ms = r->conn.deadline_ms;
        copy_view v;
        memset(&v, 0, sizeof v);
        v.pull = !put;
        progress_init(&v.bar, r->log.tty_err ? r->log.tty_err : stderr, 0);
        push_events ev = {.started = on_started, .progress = on_progress,
                          .finished = on_finished, .failed = on_failed, .ud = &v};
        push_totals t;
        ws_error err;
        memset(&err, 0, sizeof err);
        ws_rc wrc = push_job_run(&h, &rq, &ev, &t, &err);
        progress_clear(&v.bar);
        if (wrc != WS_OK && !v.failed)      /* failed events said it already */
            connect_report(&r->conn, &err);
        ws_error_clear(&err);
        rc = wrc == WS_OK ? 0 : 1;
    }
    signals_reset_interrupts();
    free(remote);
    free(a);
    free(b);
    return rc;
}
