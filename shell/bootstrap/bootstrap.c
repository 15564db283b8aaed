/* The runner of nanosh bootstrap (docs/bootstrap.md): the steps in order, --steps
 * selection, a failed step stopping the steps that need it, timing, events, and the
 * deadline and cancel flag looked at between steps (and, inside them, between requests). */
#include "shell/bootstrap/bs_int.h"
#include "base/clock.h"
#include <stdio.h>
#include <string.h>

static const char *const step_names[BS_STEP_COUNT] = {
    "reach", "host", "admin-account", "trusted-hosts", "firewall", "share",
    "docker-files", "docker-service", "verify",
};

#define NEED(id) (1u << (id))
static const struct {
    bs_step_fn fn;
    unsigned needs;             /* steps that must not have failed */
} steps[BS_STEP_COUNT] = {
    [BS_REACH] = {bs_step_reach, 0},
    [BS_HOST] = {bs_step_host, NEED(BS_REACH)},
    [BS_ADMIN_ACCOUNT] = {bs_step_admin, NEED(BS_REACH)},
    [BS_TRUSTED_HOSTS] = {bs_step_trusted_hosts, NEED(BS_REACH)},
    [BS_FIREWALL] = {bs_step_firewall, NEED(BS_REACH)},
    [BS_SHARE] = {bs_step_share, NEED(BS_REACH)},
    /* docker-files needs host: an engine too new, or no Containers, fails there first. */
    [BS_DOCKER_FILES] = {bs_step_docker_files, NEED(BS_REACH) | NEED(BS_HOST)},
    [BS_DOCKER_SERVICE] = {bs_step_docker_service, NEED(BS_HOST) | NEED(BS_DOCKER_FILES)},
    [BS_VERIFY] = {bs_step_verify, NEED(BS_DOCKER_SERVICE)},
};

const char *bs_step_name(bs_step_id id)
{
    return (unsigned)id < BS_STEP_COUNT ? step_names[id] : "?";
}

int bs_step_parse(const char *name)
{
    for (int i = 0; name && i < BS_STEP_COUNT; i++)
        if (strcmp(name, step_names[i]) == 0)
            return i;
    return -1;
}

const char *bs_status_name(bs_status s)
{
    switch (s) {
    case BS_STATUS_OK: return "ok";
    case BS_STATUS_CHANGED: return "changed";
    case BS_STATUS_SKIPPED: return "skipped";
    case BS_STATUS_FAILED: return "failed";
    case BS_STATUS_WOULD_CHANGE: return "would-change";
    }
    return "?";
}

/* The result of step id in this run so far, or NULL. */
static const bs_step_result *result_of(const bs_report *rep, bs_step_id id)
{
    for (size_t i = 0; i < rep->nsteps; i++)
        if (rep->steps[i].id == id)
            return &rep->steps[i];
    return NULL;
}

/* Why step id cannot run: a step it needs failed, or was skipped because one it needs
 * failed (down), or, in a plan, would change what it needs to see. 0 when it can run. */
static int blocked(const bs_report *rep, unsigned down, bs_step_id id, int plan, char *why,
                   size_t cap)
{
    for (int n = 0; n < BS_STEP_COUNT; n++) {
        if (!(steps[id].needs & NEED(n)))
            continue;
        const bs_step_result *r = result_of(rep, (bs_step_id)n);
        if (r && (r->status == BS_STATUS_FAILED || (down & NEED(n)))) {
            snprintf(why, cap, "needs %s", step_names[n]);
            return 1;
        }
        /* verify can only see a service that a plan did not start. */
        if (plan && id == BS_VERIFY && r && r->status == BS_STATUS_WOULD_CHANGE) {
            snprintf(why, cap, "needs %s, which would change first", step_names[n]);
            return 1;
        }
    }
    return 0;
}

static int stop_asked(const bs_host *h)
{
    return h->cancel && atomic_load(h->cancel);
}

ws_rc bootstrap_run(const bs_host *h, const bs_config *cfg, const bs_events *ev,
                    bs_report *report, ws_error *err)
{
    memset(report, 0, sizeof *report);
    if (!h || !h->client || !cfg)
        return ws_error_set(err, WS_E_USAGE, NULL, "bootstrap needs a host connection and a config");
    bs_run run;
    memset(&run, 0, sizeof run);
    run.h = h;
    run.cfg = cfg;
    run.report = report;
    ws_rc rc = WS_OK;
    unsigned down = 0;          /* steps skipped because a step they need failed */
    for (int id = 0; id < BS_STEP_COUNT; id++) {
        bs_step_result *r = &report->steps[report->nsteps++];
        memset(r, 0, sizeof *r);
        r->id = (bs_step_id)id;
        run.r = r;
        char why[128];
        if (cfg->steps && !(cfg->steps & NEED(id)))
            bs_set(&run, BS_STATUS_SKIPPED, NULL, "not selected (--steps/--skip)");
        else if (blocked(report, down, (bs_step_id)id, cfg->plan, why, sizeof why)) {
            bs_set(&run, BS_STATUS_SKIPPED, NULL, "%s", why);
            down |= NEED(id);
        }
        else if (stop_asked(h)) {
            bs_set(&run, BS_STATUS_FAILED, "run it again", "cancelled before it started");
            rc = ws_error_set(err, WS_E_IO, "run it again", "bootstrap was cancelled at %s",
                              step_names[id]);
        } else if (h->deadline_ms && ws_now_ms() >= h->deadline_ms) {
            bs_set(&run, BS_STATUS_FAILED, "give a longer --timeout",
                   "the time allowed (--timeout) ran out before it started");
        } else {
            if (ev && ev->step_started)
                ev->step_started(ev->ud, (bs_step_id)id);
            bs_set(&run, BS_STATUS_FAILED, "report this as a bug", "the step set no result");
            long long t0 = ws_now_ms();
            steps[id].fn(&run);
            r->seconds = (double)(ws_now_ms() - t0) / 1000.0;
            if (r->status != BS_STATUS_FAILED)
                r->fix[0] = '\0';
            if (stop_asked(h))
                rc = ws_error_set(err, WS_E_IO, "run it again", "bootstrap was cancelled at %s",
                                  step_names[id]);
        }
        if (ev && ev->step_done)
            ev->step_done(ev->ud, r);
        if (rc != WS_OK)
            break;
    }
    report->ok = 1;
    for (size_t i = 0; i < report->nsteps; i++)
        if (report->steps[i].status == BS_STATUS_FAILED)
            report->ok = 0;
    bs_local_cleanup(&run);
    return rc;
}
