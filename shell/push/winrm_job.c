/* Jobs: each remote process of a copy runs the library runner (wsman/run.h) on a thread
 * of its own, so that the caller's thread stays free to watch them: it relays the
 * caller's cancel flag to every run, stops the others when one fails, reports progress
 * (the callback is only ever called on the caller's thread, xfer.h) and hashes the
 * bytes while they move. WinRM clients are independent, so N streams on N clients run
 * in parallel with no shared state but the atomics here. */
#include "shell/push/winrm_int.h"
#include "shell/ps/powershell.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long the watch sleeps when there is nothing to hash: the cancel flag's latency. */
#define WATCH_TICK_MS 50L
#define HASH_STEP ((size_t)1 << 20)

static int capture_write(void *ud, const void *data, size_t len)
{
    ws_buf *b = ud;
    size_t room = b->len < WR_CAPTURE_MAX ? WR_CAPTURE_MAX - b->len : 0;
    if (len > room)
        len = room;        /* more than a few lines: the rest says nothing new */
    return len == 0 || ws_buf_append(b, data, len) == 0 ? 0 : -1;
}

void wr_job_init(wr_job *j, winrm_copy *c, const char *text, const xfer_opts *o)
{
    memset(j, 0, sizeof *j);
    j->client = c->cfg.client;
    j->shell = &c->shell;
    j->cfg = &c->cfg;
    j->text = text;
    j->poll_ms = c->cfg.poll_ms;
    /* The cancel flag and the deadline are looked at between requests: keep polls short. */
    if (o && (o->cancel || o->deadline_ms) &&
        (j->poll_ms == 0 || j->poll_ms > WS_RUN_DEADLINE_POLL_MS))
        j->poll_ms = WS_RUN_DEADLINE_POLL_MS;
    j->deadline_ms = o ? o->deadline_ms : 0;
}

void wr_job_use_own_connection(wr_job *j)
{
    j->client = NULL;
    j->shell = NULL;
}

void wr_job_free(wr_job *j)
{
    ws_error_clear(&j->err);
    ws_buf_free(&j->captured);
    ws_buf_free(&j->errtext);
}

/* Connects (own connection), makes the shell, runs the snippet; everything made for
 * the job alone is freed before it returns. */
static void job_exec(wr_job *j)
{
    if (!j->client) {
        if (!j->cfg->connect) {
            j->rc = ws_error_set(&j->err, WS_E_USAGE, NULL, "no second connection can be made");
            return;
        }
        j->rc = j->cfg->connect(j->cfg->connect_ud, &j->own_client, &j->err);
        if (j->rc != WS_OK)
            return;
        j->client = j->own_client;
    }
    ws_shell **shell = j->shell ? j->shell : &j->own_shell;
    char *line = NULL;
    int r;
    if ((j->rc = wr_shell_ensure(j->client, shell, &j->err)) != WS_OK)
        goto out;
    r = powershell_encoded_command(j->text, strlen(j->text), &line, &j->err);
    if (r == POWERSHELL_TOO_LONG)
        j->rc = ws_error_set(&j->err, WS_E_USAGE, "use a shorter path",
                             "the path is too long for one cmd.exe command line");
    else if (r != 0)
        j->rc = j->err.rc ? j->err.rc : WS_E_NOMEM;
    if (r != 0)
        goto out;
    ws_run_opts ro = {
        .command_line = line,
        .out = j->out.write ? j->out : (ws_sink){capture_write, &j->captured},
        .err = {capture_write, &j->errtext},
        .in = j->in,
        .poll_ms = j->poll_ms,
        .deadline_ms = j->deadline_ms,
        .cancel = &j->cancel,
    };
    j->started = 1;
    j->rc = ws_run(j->client, *shell, &ro, &j->res, &j->err);
    if (j->res.shell_stale || j->rc != WS_OK)
        wr_shell_drop(shell);
out:
    free(line);
    if (shell == &j->own_shell)
        wr_shell_drop(shell);
    if (j->own_client) {
        ws_client_free(j->own_client);
        j->own_client = NULL;
        j->client = NULL;
    }
}

typedef struct job_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
} job_sync;

typedef struct job_thread {
    wr_job *j;
    job_sync *s;
    pthread_t t;
    int live;
} job_thread;

static void *job_main(void *arg)
{
    job_thread *t = arg;
    job_exec(t->j);
    pthread_mutex_lock(&t->s->mu);
    atomic_store(&t->j->finished, 1);
    pthread_cond_broadcast(&t->s->cv);
    pthread_mutex_unlock(&t->s->mu);
    return NULL;
}

static int job_failed(const wr_job *j)
{
    return j->rc != WS_OK || j->res.end != WS_RUN_EXITED ||
           (j->res.has_exit_code && j->res.exit_code != 0);
}

static void report(const wr_watch *w, const wr_job *jobs, unsigned n,
                   unsigned long long *last)
{
    if (!w->report || !w->o || !w->o->progress || !w->o->progress->update)
        return;
    unsigned long long done = w->base;
    for (unsigned i = 0; i < n; i++)
        done += atomic_load(&jobs[i].moved);
    if (done == *last)
        return;
    *last = done;
    w->o->progress->update(w->o->progress->ud, done, w->size);
}

/* Hashes up to one step of what is there. 1 when it did, 0 when nothing was ready or
 * on failure (*rc set). */
static int hash_step(wr_hash *h, unsigned char *buf, ws_rc *rc, ws_error *err)
{
    unsigned long long ready = h->ready ? h->ready(h->ud) : h->total;
    if (ready > h->total)
        ready = h->total;
    if (h->hashed >= ready || *rc != WS_OK)
        return 0;
    size_t want = ready - h->hashed < HASH_STEP ? (size_t)(ready - h->hashed) : HASH_STEP;
    ssize_t n = pread(h->fd, buf, want, (off_t)h->hashed);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0) {
        *rc = ws_error_set(err, WS_E_IO, "check that nothing else changes the file",
                           "cannot read the local file to hash it: %s",
                           n < 0 ? strerror(errno) : "it is shorter than it was");
        return 0;
    }
    EVP_DigestUpdate(h->md, buf, (size_t)n);
    h->hashed += (unsigned long long)n;
    return 1;
}

static void wait_tick(job_sync *s, const wr_job *jobs, unsigned n, unsigned seen)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += WATCH_TICK_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    unsigned fin = 0;
    for (unsigned i = 0; i < n; i++)
        fin += atomic_load(&jobs[i].finished) != 0;
    if (fin == seen)
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    pthread_mutex_unlock(&s->mu);
}

static void stop_all(wr_job *jobs, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        atomic_store(&jobs[i].cancel, WS_CANCEL_TERMINATE);
}

ws_rc wr_jobs_run(wr_job *jobs, unsigned n, const wr_watch *w, ws_error *err)
{
    job_sync s;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, &ca);
    pthread_condattr_destroy(&ca);
    job_thread th[XFER_STREAMS_MAX];
    ws_rc hrc = WS_OK;
    unsigned char *buf = w->hash ? malloc(HASH_STEP) : NULL;
    if (w->hash && !buf)
        hrc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    for (unsigned i = 0; i < n; i++) {
        th[i] = (job_thread){.j = &jobs[i], .s = &s};
        if (hrc == WS_OK && pthread_create(&th[i].t, NULL, job_main, &th[i]) == 0)
            th[i].live = 1;
        else {
            if (hrc == WS_OK)
                hrc = ws_error_set(err, WS_E_NOMEM, NULL, "cannot start a thread");
            jobs[i].rc = ws_error_set(&jobs[i].err, WS_E_NOMEM, NULL, "not started");
            atomic_store(&jobs[i].finished, 1);
        }
    }
    int stopping = 0;
    unsigned long long last = ~0ULL;
    for (;;) {
        unsigned fin = 0;
        int failed = 0;
        for (unsigned i = 0; i < n; i++)
            if (atomic_load(&jobs[i].finished)) {
                fin++;
                failed |= job_failed(&jobs[i]);
            }
        if (fin == n)
            break;
        const _Atomic int *cancel = w->o ? w->o->cancel : NULL;
        if (!stopping && ((cancel && *cancel) || failed || hrc != WS_OK)) {
            stopping = 1;
            stop_all(jobs, n);
        }
        report(w, jobs, n, &last);
        if (!stopping && w->hash && hash_step(w->hash, buf, &hrc, err))
            continue;
        wait_tick(&s, jobs, n, fin);
    }
    for (unsigned i = 0; i < n; i++)
        if (th[i].live)
            pthread_join(th[i].t, NULL);
    report(w, jobs, n, &last);
    int failed = 0;
    for (unsigned i = 0; i < n; i++)
        failed |= job_failed(&jobs[i]);
    /* The rest of the hash once every byte is there. */
    if (w->hash && !failed) {
        const _Atomic int *cancel = w->o ? w->o->cancel : NULL;
        while (hrc == WS_OK && !(cancel && *cancel) && hash_step(w->hash, buf, &hrc, err))
            ;
    }
    free(buf);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return hrc;
}

ws_rc wr_run_control(winrm_copy *c, const char *text, const xfer_opts *o, wr_job *j,
                     ws_error *err)
{
    wr_job_init(j, c, text, o);
    wr_watch w = {.o = o};
    return wr_jobs_run(j, 1, &w, err);
}
