/* The parallel runner (docs/fleet.md "Parallel runs"): a caller-given function on up to
 * -j N hosts at once, each on its own thread with its own context.
 *
 *  - One host's failure never stops the others.
 *  - A failure the host function marks transient (connection refused, reset, timed out)
 *    is retried after a backoff that doubles (1 s, 2 s, 4 s by default, at most
 *    `retries` times); others (authentication, logic) are not.
 *  - The cancel flag (set by the caller's Ctrl-C handler) stops starting new hosts and
 *    is passed to the running ones, which end cleanly and are still reported.
 *  - Memory stays bounded: the runner keeps counters and one entry per running host,
 *    never a list of results. Each result goes to on_done as its host ends.
 *
 * Callbacks: on_done and on_progress are called one at a time, under the runner's lock:
 * on_done on the worker thread that ran the host, on_progress on the thread that called
 * fleet_run. They never overlap, so they may print or append to one report without a
 * lock of their own; they should be quick (every other host waits for them to end). */
#ifndef NANOSH_FLEET_RUNNER_H
#define NANOSH_FLEET_RUNNER_H
#include "base/error.h"
#include "shell/fleet/inventory.h"
#include <stdatomic.h>
#include <stddef.h>

enum { FLEET_JOBS_MAX = 1024 };

/* What one host's run came to. The host function fills it; the runner sets attempt. */
typedef struct host_outcome {
    int ok;                  /* the host succeeded */
    int transient;           /* failed, and trying again may work (connect refused,
                              * reset, timed out): the runner retries; else it does not */
    ws_error err;            /* why it failed (ok 0); the runner clears it between tries */
    unsigned attempt;        /* 1 for the first try, 2 for the first retry, ... */
    int cancelled;           /* the runner saw the cancel flag during or after the host */
    double seconds;          /* wall time of all tries, backoff included */
    void *data;              /* the caller's result (e.g. a bootstrap report): kept across
                              * tries of one host; on_done takes it */
} host_outcome;

/* Runs one host. Its own context only: everything shared with other hosts must be
 * read-only or the caller's own synchronised state. It looks at *cancel between
 * requests and ends cleanly (deleting its remote shells) when it is set. */
typedef void (*fleet_host_fn)(void *ud, const inventory_entry *e, const _Atomic int *cancel,
                              host_outcome *out);
/* The next host: 1 with e filled, 0 at the end, -1 with err set. Called under the lock. */
typedef int (*fleet_next_fn)(void *ud, inventory_entry *e, ws_error *err);

/* Read at any time without a lock (e.g. from a signal-safe progress line). */
typedef struct fleet_counts {
    _Atomic size_t total;    /* from fleet_config.total (0: not known) */
    _Atomic size_t started;
    _Atomic size_t running;
    _Atomic size_t done;     /* ok + failed */
    _Atomic size_t ok;
    _Atomic size_t failed;
    _Atomic size_t retries;  /* retries done, all hosts */
} fleet_counts;

typedef struct fleet_progress {
    size_t total, started, running, done, ok, failed, retries;
    double elapsed_s;
    double eta_s;            /* -1: not known yet (no host done, or total not known) */
} fleet_progress;

typedef struct fleet_config {
    unsigned jobs;           /* -j: hosts at once, 1..FLEET_JOBS_MAX */
    unsigned retries;        /* at most this many retries of a transient failure (3) */
    long backoff_ms;         /* the first wait before a retry (1000) */
    long backoff_max_ms;     /* waits double up to this (30000) */
    long progress_ms;        /* on_progress at most this often (250); 0: never */
    size_t total;            /* hosts expected, for the progress line's ETA; 0: unknown */
    size_t stack_bytes;      /* each worker's stack; 0: the system's default */
    const _Atomic int *cancel; /* may be NULL */

    fleet_next_fn next;
    void *next_ud;
    fleet_host_fn run_host;
    void *host_ud;
    /* A host ended: every started host exactly once, with all its tries. Takes out->data;
     * out->err is cleared by the runner after it returns. May be NULL. */
    void (*on_done)(void *ud, const inventory_entry *e, host_outcome *out);
    /* A progress tick (and a last one when the run ends). May be NULL. */
    void (*on_progress)(void *ud, const fleet_progress *p);
    void *cb_ud;
} fleet_config;

/* jobs 1, retries 3, backoff 1 s doubling up to 30 s, progress every 250 ms. */
void fleet_config_defaults(fleet_config *cfg);

typedef struct fleet_result {
    size_t started, ok, failed, retries;
    int cancelled;           /* the cancel flag stopped the run before the end */
    double seconds;
} fleet_result;

/* Runs every host next gives. Returns WS_OK when the run went through, failed hosts or
 * a cancel included (res says how: the caller's exit status is 0 only when res->failed is
 * 0 and res->cancelled is 0); an error when next failed (the hosts already started are
 * finished and reported first) or no worker thread could start. counts may be NULL; when
 * given, it is updated live for another thread to read. */
ws_rc fleet_run(const fleet_config *cfg, fleet_counts *counts, fleet_result *res,
                ws_error *err);

/* The usual answer for host_outcome.transient: connection refused, unreachable or
 * broken (WS_E_CONNECT, wsman/net_error.c), timed out (WS_E_TIMEOUT), and HTTP 503
 * (the listener is starting or overloaded) are worth another try; names that do not
 * resolve, authentication, TLS, faults and protocol errors are not. */
int fleet_error_is_transient(const ws_error *e);

/* The progress numbers now, with the ETA by the rate so far. */
void fleet_progress_read(const fleet_counts *c, double elapsed_s, fleet_progress *p);

#endif
