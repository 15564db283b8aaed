/* The push and pull commands: credentials and connections from the command line, the
 * job (shell/push/push_job.h), and what the user sees: a progress display on a terminal,
 * one line per error, and with --json one summary document on stdout. */
#include "shell/cli/push_cmd.h"
#include "shell/cli/connect.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "shell/cli/progress.h"
#include "shell/cli/push_report.h"
#include "shell/cli/signals.h"
#include "shell/cli/smb_secret.h"
#include "shell/cli/winrs.h"
#include "shell/push/push_job.h"
#include "base/clock.h"
#include "base/buf.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the events need: the display, the --json records, the time a file started. */
typedef struct reporter {
    int pull;
    int one_file;                     /* pull without -r: its file is the total */
    progress bar;
    push_report rep;
    int json;
    long long file_start_ms;
} reporter;

static void on_transport(void *ud, const char *name, const ws_error *why)
{
    reporter *r = ud;
    if (!why)
        return;
    progress_clear(&r->bar);
    warn_line(why->fix[0] ? why->fix : NULL, "SMB not used, copying over %s instead: %s",
              strcmp(name, "winrm") == 0 ? "WinRM" : name, why->what);
    push_report_fallback(&r->rep, why);
}

/* The last component of a local or Windows path, as scp shows it. */
static const char *base_name(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if ((*p == '/' || *p == '\\') && p[1])
            base = p + 1;
    return base;
}

static void on_started(void *ud, const push_file *f)
{
    reporter *r = ud;
    r->file_start_ms = ws_now_ms();
    progress_start(&r->bar, base_name(r->pull ? f->remote : f->local), f->size,
                   f->transport);
}

static void on_progress(void *ud, unsigned long long done, unsigned long long size)
{
    reporter *r = ud;
    if (r->one_file && !r->bar.total_size)
        r->bar.total_size = size;
    progress_update(&r->bar, done, size);
}

static double since(long long ms) { return (double)(ws_now_ms() - ms) / 1000.0; }

static void on_finished(void *ud, const push_file *f, const xfer_result *res)
{
    reporter *r = ud;
    const char *status = res->status == XFER_UNCHANGED ? "unchanged" : "copied";
    progress_finish(&r->bar, status, res->size);
    if (r->json)
        push_report_add(&r->rep, f, status, res, since(r->file_start_ms), XFER_E_NONE, NULL);
}

static void on_failed(void *ud, const push_file *f, xfer_kind kind, const ws_error *err)
{
    reporter *r = ud;
    progress_clear(&r->bar);
    if (kind != XFER_E_CANCELLED)      /* the job's own line says it was interrupted */
        warn_ws(err);
    if (r->json)
        push_report_add(&r->rep, f, "failed", NULL,
                        r->file_start_ms ? since(r->file_start_ms) : 0, kind, err);
    r->file_start_ms = 0;
}

/* Bytes below the local sources, for the total's ETA. Bounded like the job's walk. */
static unsigned long long local_size(const char *path, int recursive, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return (unsigned long long)st.st_size;
    if (!S_ISDIR(st.st_mode) || !recursive || depth >= 64)
        return 0;
    unsigned long long sum = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub = malloc(n);
        if (!sub)
            break;
        snprintf(sub, n, "%s/%s", path, e->d_name);
        sum += local_size(sub, recursive, depth + 1);
        free(sub);
    }
    closedir(d);
    return sum;
}

/* More WinRM connections for --streams N: the same options, credentials already read. */
typedef struct client_factory {
    connect_ctx *cx;
    const nanosh_opts *o;
    long poll_ms;
} client_factory;

static ws_rc another_client(void *ud, ws_client **out, ws_error *err)
{
    client_factory *f = ud;
    if (connect_client(f->cx, f->o, 1, f->poll_ms, out) != 0)
        return ws_error_set(err, WS_E_CONNECT, "use --streams 1",
                            "could not open another connection for --streams");
    return WS_OK;
}

static int exit_status(ws_rc rc, const push_totals *t)
{
    if (rc == WS_OK)
        return 0;
    if (t->cancelled) {
        int flag = *signals_cancel_flag();
        return flag >= 128 ? flag : 128 + SIGINT;
    }
    return NANOSH_EXIT_FAILURE;
}

/* Runs the job with credentials and connections in place; returns the exit status. */
static int run(const nanosh_opts *o, push_via via, const smb_creds *creds,
               const char *smb_missing, connect_ctx *cx, ws_client *client)
{
    const char *const *args = o->copy_args;
    size_t n = o->ncopy_args;
    int pull = o->mode == MODE_PULL;
    long poll_ms = run_poll_ms(o, 1);
    client_factory factory = {.cx = cx, .o = o, .poll_ms = poll_ms};
    winrm_copy_cfg wcfg = {.client = client, .connect = another_client,
                           .connect_ud = &factory, .poll_ms = poll_ms};
    push_host h = {.host = o->host, .smb_port = (unsigned)o->smb_port, .share = o->share,
                   .smb = creds, .smb_missing = smb_missing,
                   .smb_timeout_ms = o->connect_timeout_ms ? (int)o->connect_timeout_ms : 0,
                   .winrm = client ? &wcfg : NULL};
    push_request rq = {.pull = pull, .sources = args, .nsources = pull ? 1 : n - 1,
                       .target = args[n - 1], .via = via, .recursive = o->recursive};
    rq.xfer.force = o->force;
    rq.xfer.resume = o->resume;
    rq.xfer.streams = o->streams ? o->streams : 1;
    rq.xfer.cancel = signals_cancel_flag();
    rq.xfer.deadline_ms = cx->deadline_ms;

    reporter r;
    memset(&r, 0, sizeof r);
    r.pull = pull;
    r.one_file = pull && !o->recursive;
    r.json = o->json;
    unsigned long long total = 0;
    if (isatty(STDERR_FILENO) && !pull)
        for (size_t i = 0; i + 1 < n; i++)
            total += local_size(args[i], o->recursive, 0);
    progress_init(&r.bar, stderr, total);
    push_events ev = {.transport = on_transport, .started = on_started,
                      .progress = on_progress, .finished = on_finished,
                      .failed = on_failed, .ud = &r};
    push_totals t;
    ws_error err;
    memset(&err, 0, sizeof err);
    long long start = ws_now_ms();
    ws_rc rc = push_job_run(&h, &rq, &ev, &t, &err);
    if (rc == WS_OK)
        progress_end(&r.bar, t.files);
    else
        progress_clear(&r.bar);
    /* "1 of 1 file failed" would only repeat the file's own line. */
    int only_file = t.files == 1 && t.failed == 1 && !t.cancelled;
    if (rc != WS_OK && !only_file)
        connect_report(cx, &err);
    if (o->json)
        push_report_write(stdout, &r.rep, pull ? "pull" : "push", o->host,
                          push_via_name(via), &t, since(start), &err);
    if (r.rep.oom)
        warn_line(NULL, "out of memory: the --json summary lacks some files");
    int status = exit_status(rc, &t);
    ws_error_clear(&err);
    push_report_free(&r.rep);
    return status;
}

int push_main(const nanosh_opts *o)
{
    push_via via = PUSH_VIA_AUTO;
    if (o->via)
        push_via_parse(o->via, &via);
    /* --share is a share, not a Windows path: only SMB can reach it. */
    int want_smb = via != PUSH_VIA_WINRM;
    int want_winrm = via == PUSH_VIA_WINRM || (via == PUSH_VIA_AUTO && !o->share);

    const char *user = NULL;
    smb_secret sec;
    memset(&sec, 0, sizeof sec);
    int rc = 0;
    if (want_smb) {
        user = credentials_user(o);
        if (!user && (via == PUSH_VIA_SMB || !want_winrm))
            return fail("give the user with -u USER or user@host", "no user name for SMB");
        if (user)
            rc = smb_secret_read(o, user, via == PUSH_VIA_SMB || !want_winrm, &sec);
        else
            sec.missing = "no user name for SMB";
        if (rc != 0)
            return rc;
    }
    smb_creds creds = {.user = user, .secret = sec.secret, .nt_hash = sec.nt_hash};

    /* A prompted password serves WinRM too: connect_client finds it where it looks for
     * NANOSH_PASSWORD, so nobody is asked twice (and --streams can connect again). */
    nanosh_opts wo = *o;
    credentials_env env = {0};
    if (o->env_secrets)
        env = *o->env_secrets;
    if (sec.prompted && !sec.nt_hash) {
        env.password = sec.secret;
        env.prompted = 1;
        wo.env_secrets = &env;
    }

    connect_ctx cx;
    memset(&cx, 0, sizeof cx);
    ws_client *client = NULL;
    if (want_winrm)
        rc = connect_client(&cx, &wo, 1, run_poll_ms(o, 1), &client);
    else
        connect_deadline_start(&cx, o);
    if (env.prompted) {    /* a wrong password was asked again: SMB takes the new one */
        sec.secret = env.password;
        creds.secret = sec.secret;
    }
    if (rc == 0)
        rc = run(&wo, via, sec.secret ? &creds : NULL, sec.missing, &cx, client);
    if (client)
        ws_client_free(client);
    credentials_wipe(sec.secret);
    return rc;
}
