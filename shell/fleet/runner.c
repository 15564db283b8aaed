/* The parallel runner: -j worker threads take hosts from the source one at a time, run
 * each with retries of transient failures, and hand every outcome to on_done under one
 * lock (docs/fleet.md "Parallel runs"). */
#include "shell/fleet/runner.h"
#include "base/clock.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void fleet_config_defaults(fleet_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->jobs = 1;
    cfg->retries = 3;
    cfg->backoff_ms = 1000;
    cfg->backoff_max_ms = 30000;
    cfg->progress_ms = 250;
}

typedef struct runner {
    const fleet_config *cfg;
    fleet_counts *c;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a worker ended */
    unsigned live;              /* workers not yet ended */
    int source_done;            /* next said end or error: take no more */
    int source_failed;
    ws_error source_err;
    long long t0;
} runner;

static int cancelled(const fleet_config *cfg)
{
    return cfg->cancel && atomic_load(cfg->cancel);
}

/* Waits ms, waking every 20 ms to look at the cancel flag. 1: cancelled meanwhile. */
static int backoff_wait(const fleet_config *cfg, long ms)
{
    long long end = ws_now_ms() + ms;
    for (;;) {
        if (cancelled(cfg))
            return 1;
        long long left = end - ws_now_ms();
        if (left <= 0)
            return 0;
        if (left > 20)
            left = 20;
        struct timespec ts = {0, (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* One host, with its retries. */
static void run_one(runner *r, const inventory_entry *e, host_outcome *out)
{
    const fleet_config *cfg = r->cfg;
    long long t = ws_now_ms();
    long delay = cfg->backoff_ms;
    for (unsigned attempt = 1;; ++attempt) {
        out->attempt = attempt;
        out->ok = 0;
        out->transient = 0;
        ws_error_clear(&out->err);
        cfg->run_host(cfg->host_ud, e, cfg->cancel, out);
        if (out->ok || !out->transient || attempt > cfg->retries || cancelled(cfg))
            break;
        atomic_fetch_add(&r->c->retries, 1);
        if (backoff_wait(cfg, delay))
            break;                      /* keep the last try's error: it is the reason */
        delay = delay > cfg->backoff_max_ms / 2 ? cfg->backoff_max_ms : delay * 2;
    }
    out->cancelled = cancelled(cfg);
    out->seconds = (double)(ws_now_ms() - t) / 1000.0;
}

static void *worker(void *arg)
{
    runner *r = arg;
    const fleet_config *cfg = r->cfg;
    for (;;) {
        inventory_entry e;
        host_outcome out;
        ws_error serr = {0};
        memset(&out, 0, sizeof out);
        pthread_mutex_lock(&r->mu);
        if (r->source_done || cancelled(cfg)) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        int got = cfg->next(cfg->next_ud, &e, &serr);
        if (got <= 0) {
            r->source_done = 1;
            if (got < 0 && !r->source_failed) {
                r->source_failed = 1;
                r->source_err = serr;   /* takes its fault strings, if any */
            } else {
                ws_error_clear(&serr);
            }
            pthread_mutex_unlock(&r->mu);
            break;
        }
        atomic_fetch_add(&r->c->started, 1);
        atomic_fetch_add(&r->c->running, 1);
        pthread_mutex_unlock(&r->mu);

        run_one(r, &e, &out);

        pthread_mutex_lock(&r->mu);
        atomic_fetch_sub(&r->c->running, 1);
        atomic_fetch_add(out.ok ? &r->c->ok : &r->c->failed, 1);
        atomic_fetch_add(&r->c->done, 1);
        if (cfg->on_done)
            cfg->on_done(cfg->cb_ud, &e, &out);
        pthread_mutex_unlock(&r->mu);
        ws_error_clear(&out.err);
    }
    pthread_mutex_lock(&r->mu);
    --r->live;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int fleet_error_is_transient(const ws_error *e)
{
    if (!e)
        return 0;
    return e->rc == WS_E_CONNECT || e->rc == WS_E_TIMEOUT ||
           (e->rc == WS_E_HTTP && e->http_status == 503);
}

void fleet_progress_read(const fleet_counts *c, double elapsed_s, fleet_progress *p)
{
    p->total = atomic_load(&c->total);
    p->started = atomic_load(&c->started);
    p->running = atomic_load(&c->running);
    p->done = atomic_load(&c->done);
    p->ok = atomic_load(&c->ok);
    p->failed = atomic_load(&c->failed);
    p->retries = atomic_load(&c->retries);
    p->elapsed_s = elapsed_s;
    p->eta_s = -1;
    if (p->total && p->done && p->done <= p->total)
        p->eta_s = elapsed_s / (double)p->done * (double)(p->total - p->done);
}

static void progress(runner *r)
{
    fleet_progress p;
    if (!r->cfg->on_progress)
        return;
    fleet_progress_read(r->c, (double)(ws_now_ms() - r->t0) / 1000.0, &p);
    r->cfg->on_progress(r->cfg->cb_ud, &p);
}

static ws_rc check_config(const fleet_config *cfg, ws_error *err)
{
    if (!cfg->next || !cfg->run_host)
        return ws_error_set(err, WS_E_USAGE, NULL, "fleet run without a host source or function");
    if (cfg->jobs < 1 || cfg->jobs > FLEET_JOBS_MAX)
        return ws_error_set(err, WS_E_USAGE, "give -j a number from 1 to 1024",
                            "-j %u: hosts at once must be from 1 to %d", cfg->jobs,
                            FLEET_JOBS_MAX);
    if (cfg->backoff_ms < 0 || cfg->backoff_max_ms < cfg->backoff_ms || cfg->progress_ms < 0)
        return ws_error_set(err, WS_E_USAGE, NULL, "fleet run: backoff or progress bounds out of order");
    return WS_OK;
}

ws_rc fleet_run(const fleet_config *cfg, fleet_counts *counts, fleet_result *res,
                ws_error *err)
{
    fleet_counts own;
    runner r;
    memset(res, 0, sizeof *res);
    ws_rc rc = check_config(cfg, err);
    if (rc != WS_OK)
        return rc;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.c = counts ? counts : &own;
    atomic_store(&r.c->total, cfg->total);
    atomic_store(&r.c->started, 0);
    atomic_store(&r.c->running, 0);
    atomic_store(&r.c->done, 0);
    atomic_store(&r.c->ok, 0);
    atomic_store(&r.c->failed, 0);
    atomic_store(&r.c->retries, 0);
    r.t0 = ws_now_ms();
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);

    unsigned want = cfg->jobs;
    if (cfg->total && cfg->total < want)
        want = (unsigned)cfg->total;    /* no idle threads for a short inventory */
    pthread_t *t = calloc(want, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (cfg->stack_bytes)
        pthread_attr_setstacksize(&attr, cfg->stack_bytes);
    unsigned made = 0;
    pthread_mutex_lock(&r.mu);
    for (; t && made < want; ++made) {
        if (pthread_create(&t[made], &attr, worker, &r) != 0)
            break;                      /* run with the threads there are */
        ++r.live;
    }
    pthread_attr_destroy(&attr);
    if (made == 0) {
        pthread_mutex_unlock(&r.mu);
        rc = ws_error_set(err, t ? WS_E_IO : WS_E_NOMEM, "lower -j",
                          "could not start a thread for the fleet run");
        goto out;
    }
    long long next_tick = r.t0 + cfg->progress_ms;
    while (r.live > 0) {
        /* Wake for the next progress tick, or at least once a second. */
        long long now = ws_now_ms();
        long long wait = cfg->on_progress && cfg->progress_ms ? next_tick - now : 1000;
        if (wait > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec += 1;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&r.cv, &r.mu, &ts);
        }
        if (cfg->on_progress && cfg->progress_ms && ws_now_ms() >= next_tick) {
            progress(&r);
            next_tick = ws_now_ms() + cfg->progress_ms;
        }
    }
    progress(&r);
    pthread_mutex_unlock(&r.mu);
    for (unsigned i = 0; i < made; ++i)
        pthread_join(t[i], NULL);

    res->started = atomic_load(&r.c->started);
    res->ok = atomic_load(&r.c->ok);
    res->failed = atomic_load(&r.c->failed);
    res->retries = atomic_load(&r.c->retries);
    res->cancelled = cancelled(cfg);
    res->seconds = (double)(ws_now_ms() - r.t0) / 1000.0;
    if (r.source_failed) {
        if (err)
            *err = r.source_err;
        else
            ws_error_clear(&r.source_err);
        rc = r.source_err.rc;
    }
out:
    free(t);
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
