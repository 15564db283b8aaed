/* The parallel runner (shell/fleet/runner.h) with fake hosts: 50 at -j 16 with 3
 * broken, retries of transient failures, no retry of authentication failures, Ctrl-C in
 * the middle, at most -j at once, progress, and a source error. Built twice: under
 * AddressSanitizer and under ThreadSanitizer (test_runner_tsan). */
#include "shell/fleet/runner.h"
#include "tests/tap.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { MAXH = 20000 };

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The fake fleet: hosts h0..h(n-1); what each does is in the plan. */
typedef struct fake {
    size_t n, next;                 /* next: under the runner's lock */
    long sleep_ms;
    int vary;                       /* host i sleeps sleep_ms * (1 + i % 8) */
    int fail_every;                 /* host i % fail_every == 1 fails (authentication) */
    int transient_times;            /* host 0 fails transiently this many times first */
    int source_error_at;            /* next fails at this host (0: never) */
    _Atomic int running, max_running;
    _Atomic int saw_cancel;
    _Atomic int calls[MAXH];        /* run_host calls per host */
    /* Written only in callbacks, which the runner serialises. */
    int reported[MAXH];
    size_t on_done_calls, progress_calls, last_progress_done, failed_with_reason;
    size_t next_after_cancel, cancel_at_done;
    _Atomic int cancel;
    unsigned attempts0;
} fake;

static int fake_next(void *ud, inventory_entry *e, ws_error *err)
{
    fake *f = ud;
    if (atomic_load(&f->cancel))
        f->next_after_cancel++;
    if (f->next >= f->n)
        return 0;
    if (f->source_error_at && f->next == (size_t)f->source_error_at) {
        ws_error_set(err, WS_E_USAGE, "fix it", "inventory line %zu: broken", f->next + 1);
        return -1;
    }
    memset(e, 0, sizeof *e);
    snprintf(e->host, sizeof e->host, "h%zu", f->next);
    e->line = ++f->next;
    return 1;
}

static void fake_host(void *ud, const inventory_entry *e, const _Atomic int *cancel,
                      host_outcome *out)
{
    fake *f = ud;
    int i = atoi(e->host + 1);
    atomic_fetch_add(&f->calls[i], 1);
    int now = atomic_fetch_add(&f->running, 1) + 1;
    int max = atomic_load(&f->max_running);
    while (now > max && !atomic_compare_exchange_weak(&f->max_running, &max, now))
        ;
    /* Sleep in slices, ending early and cleanly when cancelled. */
    long ms = f->vary ? f->sleep_ms * (1 + i % 8) : f->sleep_ms;
    for (long t = 0; t < ms; t += 2) {
        if (atomic_load(cancel)) {
            atomic_fetch_add(&f->saw_cancel, 1);
            ws_error_set(&out->err, WS_E_IO, "run it again", "cancelled");
            atomic_fetch_sub(&f->running, 1);
            return;
        }
        sleep_ms(2);
    }
    atomic_fetch_sub(&f->running, 1);
    if (i == 0 && out->attempt <= (unsigned)f->transient_times) {
        out->transient = 1;
        ws_error_set(&out->err, WS_E_CONNECT, "start WinRM", "connection refused (try %u)",
                     out->attempt);
        return;
    }
    if (f->fail_every && i % f->fail_every == 1) {
        ws_error_set(&out->err, WS_E_AUTH, "check -u and the password",
                     "%s: the server refused the logon", e->host);
        return;
    }
    out->ok = 1;
}

static void fake_done(void *ud, const inventory_entry *e, host_outcome *out)
{
    fake *f = ud;
    int i = atoi(e->host + 1);
    f->reported[i]++;
    f->on_done_calls++;
    if (!out->ok && out->err.what[0])
        f->failed_with_reason++;
    if (i == 0)
        f->attempts0 = out->attempt;
    /* Ctrl-C from inside a callback: the runner holds its lock, so no host can be
     * taken between the flag and the check, and the test can demand none is. */
    if (f->cancel_at_done && f->on_done_calls == f->cancel_at_done)
        atomic_store(&f->cancel, 1);
}

static void fake_progress(void *ud, const fleet_progress *p)
{
    fake *f = ud;
    f->progress_calls++;
    f->last_progress_done = p->done;
}

static fake *new_fake(size_t n, long sleep)
{
    fake *f = calloc(1, sizeof *f);
    f->n = n;
    f->sleep_ms = sleep;
    return f;
}

static void config(fleet_config *cfg, fake *f, unsigned jobs)
{
    fleet_config_defaults(cfg);
    cfg->jobs = jobs;
    cfg->backoff_ms = 5;
    cfg->backoff_max_ms = 40;
    cfg->progress_ms = 5;
    cfg->total = f->n;
    cfg->cancel = &f->cancel;
    cfg->next = fake_next;
    cfg->next_ud = f;
    cfg->run_host = fake_host;
    cfg->host_ud = f;
    cfg->on_done = fake_done;
    cfg->on_progress = fake_progress;
    cfg->cb_ud = f;
}

static int each_once(const fake *f, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (f->reported[i] != 1)
            return 0;
    return 1;
}

static void fifty_hosts(void)
{
    fake *f = new_fake(50, 10);
    f->fail_every = 17;                   /* hosts 1, 18, 35 */
    fleet_config cfg;
    fleet_counts counts;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 16);
    TAP_OK(fleet_run(&cfg, &counts, &res, &err) == WS_OK, "50 hosts at -j 16 run through");
    TAP_OK(res.ok == 47 && res.failed == 3 && res.started == 50 && !res.cancelled,
           "47 ok, 3 failed (ok %zu, failed %zu)", res.ok, res.failed);
    TAP_OK(f->failed_with_reason == 3, "each failed host has its reason");
    TAP_OK(f->on_done_calls == 50 && each_once(f, 50), "every host reported exactly once");
    TAP_OK(atomic_load(&f->calls[1]) == 1, "an authentication failure is not retried");
    TAP_OK(atomic_load(&f->max_running) <= 16 && atomic_load(&f->max_running) > 1,
           "at most 16 at once, and more than one (%d)", atomic_load(&f->max_running));
    TAP_OK(f->progress_calls >= 1 && f->last_progress_done == 50,
           "progress ticked %zu times, the last with 50 done", f->progress_calls);
    TAP_OK(atomic_load(&counts.done) == 50 && atomic_load(&counts.running) == 0,
           "the live counters end at 50 done, none running");
    free(f);
}

static void one_at_a_time(void)
{
    fake *f = new_fake(12, 1);
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 1);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_OK && res.ok == 12 &&
           atomic_load(&f->max_running) == 1, "-j 1: one host at a time");
    free(f);
}

static void retries(void)
{
    fake *f = new_fake(5, 0);
    f->transient_times = 2;
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 4);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_OK && res.ok == 5 && res.failed == 0,
           "a host refused twice then reached: all 5 ok");
    TAP_OK(f->attempts0 == 3 && atomic_load(&f->calls[0]) == 3 && res.retries == 2,
           "it took 3 tries, 2 retries (attempt %u, retries %zu)", f->attempts0, res.retries);
    free(f);

    f = new_fake(1, 0);
    f->transient_times = 99;
    config(&cfg, f, 1);
    cfg.retries = 3;
    cfg.backoff_ms = 10;
    cfg.backoff_max_ms = 20;
    long long t = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    fleet_run(&cfg, NULL, &res, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    t = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    TAP_OK(res.failed == 1 && atomic_load(&f->calls[0]) == 4 && f->attempts0 == 4,
           "always refused: 1 try and 3 retries, then failed");
    TAP_OK(t >= 10 + 20 + 20, "backoff 10, 20, 20 ms (capped): the run took %lld ms", t);
    free(f);

    f = new_fake(1, 0);
    f->transient_times = 99;
    config(&cfg, f, 1);
    cfg.retries = 0;
    fleet_run(&cfg, NULL, &res, &err);
    TAP_OK(res.failed == 1 && atomic_load(&f->calls[0]) == 1, "retries 0: no retry");
    free(f);
}

static void cancel_in_the_middle(void)
{
    fake *f = new_fake(200, 10);
    f->vary = 1;                          /* hosts end at different times */
    f->cancel_at_done = 10;
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 8);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_OK && res.cancelled,
           "Ctrl-C after 10 hosts: the run ends, marked cancelled");
    TAP_OK(f->next_after_cancel == 0, "no host was taken after the flag");
    TAP_OK(res.started < 200 && res.started >= 10, "%zu of 200 hosts started", res.started);
    TAP_OK(atomic_load(&f->saw_cancel) >= 1, "running hosts saw the flag (%d)",
           atomic_load(&f->saw_cancel));
    int once = each_once(f, res.started), none_after = 1;
    for (size_t i = res.started; i < 200; ++i)
        none_after &= f->reported[i] == 0 && atomic_load(&f->calls[i]) == 0;
    TAP_OK(once && none_after && f->on_done_calls == res.started,
           "every started host reported exactly once, no other");
    free(f);

    /* The flag set before the run: nothing starts, the run still ends normally. */
    f = new_fake(5, 0);
    config(&cfg, f, 2);
    atomic_store(&f->cancel, 1);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_OK && res.started == 0 && res.cancelled &&
           f->on_done_calls == 0, "cancelled before the start: no host starts");
    free(f);
}

/* A thread sets the flag while host 0 waits for its first retry. */
static void *cancel_later(void *arg)
{
    sleep_ms(100);
    atomic_store((_Atomic int *)arg, 1);
    return NULL;
}

static void cancel_in_backoff(void)
{
    fake *f = new_fake(1, 0);
    f->transient_times = 99;
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 1);
    cfg.backoff_ms = 60000;
    cfg.backoff_max_ms = 60000;
    pthread_t t;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pthread_create(&t, NULL, cancel_later, &f->cancel);
    fleet_run(&cfg, NULL, &res, &err);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
    TAP_OK(res.failed == 1 && res.cancelled && ms < 5000 && f->on_done_calls == 1,
           "Ctrl-C during a 60 s backoff ends it (%ld ms) and the host is reported", ms);
    free(f);
}

static void errors(void)
{
    fake *f = new_fake(20, 1);
    f->source_error_at = 6;
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 4);
    ws_rc rc = fleet_run(&cfg, NULL, &res, &err);
    TAP_OK(rc == WS_E_USAGE && strstr(err.what, "line 7") && res.started == 6 &&
           f->on_done_calls == 6, "a source error stops the run after finishing the 6 started");
    ws_error_clear(&err);
    config(&cfg, f, 0);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_E_USAGE && strstr(err.what, "-j 0"),
           "-j 0 is refused");
    ws_error_clear(&err);
    config(&cfg, f, FLEET_JOBS_MAX + 1);
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_E_USAGE, "-j %d is refused",
           FLEET_JOBS_MAX + 1);
    ws_error_clear(&err);
    free(f);
}

/* Many quick hosts: the runner keeps counters only. */
static void many(void)
{
    fake *f = new_fake(MAXH, 0);
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    config(&cfg, f, 32);
    cfg.progress_ms = 0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long before = ru.ru_maxrss;
    TAP_OK(fleet_run(&cfg, NULL, &res, &err) == WS_OK && res.ok == MAXH &&
           each_once(f, MAXH), "%d quick hosts at -j 32, each reported once", MAXH);
    getrusage(RUSAGE_SELF, &ru);
#ifndef __SANITIZE_THREAD__
    /* 32 threads' stacks are touched, not 20000 hosts' worth of anything. */
    TAP_OK(ru.ru_maxrss - before < 16 * 1024, "the peak memory grew by %ld KiB (< 16 MiB)",
           ru.ru_maxrss - before);
#else
    (void)before;
#endif
    free(f);
}

static void transient_kinds(void)
{
    ws_error e = {0};
    static const ws_rc yes[] = {WS_E_CONNECT, WS_E_TIMEOUT};
    static const ws_rc no[] = {WS_OK, WS_E_AUTH, WS_E_RESOLVE, WS_E_TLS_VERIFY, WS_E_TLS,
                               WS_E_FAULT, WS_E_PROTOCOL, WS_E_USAGE, WS_E_IO};
    int good = 1;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i) {
        e.rc = yes[i];
        good &= fleet_error_is_transient(&e);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; ++i) {
        e.rc = no[i];
        good &= !fleet_error_is_transient(&e);
    }
    e.rc = WS_E_HTTP;
    e.http_status = 503;
    good &= fleet_error_is_transient(&e);
    e.http_status = 500;
    good &= !fleet_error_is_transient(&e);
    TAP_OK(good, "refused, reset, timed out and 503 are transient; logon, TLS, faults are not");
}

int main(void)
{
    transient_kinds();
    fifty_hosts();
    one_at_a_time();
    retries();
    cancel_in_the_middle();
    cancel_in_backoff();
    errors();
    many();
    return tap_done();
}
