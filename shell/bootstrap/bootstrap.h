/* nanosh bootstrap: readying one standalone Nano Server 2016 host for containers, as a
 * unit a fleet runner can call for many hosts at once (docs/bootstrap.md).
 *
 * Nine steps run in order, each check -> apply -> verify; each reports ok, changed,
 * skipped, failed or (with plan) would-change, with a reason, the facts it read and its
 * time. Everything the run needs comes in bs_host and bs_config: no process-wide state,
 * no printing. Results go to the caller's callback as each step ends, and all of them
 * into bs_report. */
#ifndef NANOSH_SHELL_BOOTSTRAP_H
#define NANOSH_SHELL_BOOTSTRAP_H
#include "base/error.h"
#include "shell/push/push_job.h"
#include "wsman/wsman.h"
#include <stdatomic.h>
#include <stddef.h>

typedef enum bs_step_id {
    BS_REACH,
    BS_HOST,
    BS_ADMIN_ACCOUNT,
    BS_TRUSTED_HOSTS,
    BS_FIREWALL,
    BS_SHARE,
    BS_DOCKER_FILES,
    BS_DOCKER_SERVICE,
    BS_VERIFY,
    BS_STEP_COUNT
} bs_step_id;

typedef enum bs_status {
    BS_STATUS_OK,             /* already as wanted; nothing changed */
    BS_STATUS_CHANGED,        /* changed, and the verify saw the wanted state */
    BS_STATUS_SKIPPED,        /* not selected, or a step it needs failed */
    BS_STATUS_FAILED,
    BS_STATUS_WOULD_CHANGE,   /* plan: the check found work to do */
} bs_status;

/* "reach", "host", "admin-account", ... as on the command line and in reports. */
const char *bs_step_name(bs_step_id id);
/* The step named name (exactly as bs_step_name), or -1. */
int bs_step_parse(const char *name);
/* "ok", "changed", "skipped", "failed", "would-change". */
const char *bs_status_name(bs_status s);

enum { BS_FACTS_MAX = 24, BS_FACT_KEY = 48, BS_FACT_VALUE = 256 };

/* A fact a step read from the host, e.g. {"BuildNumber", "14393"}. Values are host text
 * with control characters folded. */
typedef struct bs_fact {
    char key[BS_FACT_KEY];
    char value[BS_FACT_VALUE];
} bs_fact;

typedef struct bs_step_result {
    bs_step_id id;
    bs_status status;
    char reason[512];         /* one line: what the step found or did (the report's reason) */
    char fix[256];            /* for failed: what to do; else "" */
    xfer_kind kind;           /* docker-files: why a copy failed; else XFER_E_NONE */
    ws_rc rc;                 /* failed on a request: its result code (a fleet runner
                               * retries WS_E_CONNECT/WS_E_TIMEOUT); else WS_OK */
    long http_status;         /* with rc: the HTTP status, 0 when none */
    double seconds;
    size_t nfacts;
    bs_fact facts[BS_FACTS_MAX];
} bs_step_result;

typedef struct bs_report {
    bs_step_result steps[BS_STEP_COUNT];
    size_t nsteps;            /* in order of running; every step appears, skipped ones too */
    int ok;                   /* every step ok, changed, skipped or would-change */
} bs_report;

typedef struct bs_config {
    const char *docker_zip;          /* --docker-zip; or */
    const char *docker_dir;          /* --docker-dir (holding docker.exe and dockerd.exe) */
    const char *trusted_hosts;       /* --trusted-hosts, comma-separated; NULL: "*" */
    const char *share_path;          /* NULL: "C:\Share" */
    const char *share_name;          /* NULL: "Share" */
    unsigned steps;                  /* bit (1u << bs_step_id) set: run it; 0: all */
    int plan;                        /* --plan: checks only, nothing changed */
    long service_wait_s;             /* bound on waiting for Running; 0: 60 */
} bs_config;

/* The host side: made by the caller before the run. */
typedef struct bs_host {
    const char *name;                /* as the user gave it, for messages */
    ws_client *client;               /* authenticated WinRM connection, borrowed */
    const char *user;                /* the connecting account as given (-u) */
    int password_given;              /* a non-empty password (or NT hash) logged on: the
                                      * evidence that the account has a password */
    int blank_password;              /* the password is empty: reach refuses it before any
                                      * request (a Kerberos logon has neither flag set) */
    push_host push;                  /* for docker-files: SMB credentials, port, the WinRM
                                      * copy config (push.winrm->client is client) */
    long long deadline_ms;           /* ws_now_ms() based; 0: none */
    const _Atomic int *cancel;       /* may be NULL; non-zero stops between requests */
    /* For reach's line only ("WinRM 3.0 over HTTP, NTLM, encrypted"); may be NULL/0. */
    const char *mechanism;           /* "NTLM", "Kerberos", "Basic" as negotiated */
    int encrypted;                   /* messages sealed (MS-WSMV 2.2.9.1) or HTTPS */
} bs_host;

typedef struct bs_events {
    void (*step_started)(void *ud, bs_step_id id);                 /* may be NULL */
    void (*step_done)(void *ud, const bs_step_result *r);          /* may be NULL */
    void *ud;
} bs_events;

/* Runs the selected steps on the host. Returns WS_OK when the run went through (report
 * says how each step ended: report->ok), or an error that stopped it (cancelled, out of
 * memory), with the steps so far in report. */
ws_rc bootstrap_run(const bs_host *h, const bs_config *cfg, const bs_events *ev,
                    bs_report *report, ws_error *err);

#endif
