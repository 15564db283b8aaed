/* Step 8, docker-service (docs/bootstrap.md, NANO.md 1.4, 1.7, 2.3): the docker
 * service registered (dockerd --register-service through WinRS, after its --version
 * says it runs on 14393), started with Win32_Service.StartService, and waited for until
 * Running, once a second, bounded. */
#include "shell/bootstrap/bs_int.h"
#include "base/clock.h"
#include <string.h>
#include <time.h>

#define DOCKERD BS_SYSTEM32 "\\dockerd.exe"

/* 1 with *state filled, 0 when there is no docker service, -1 with the step failed. */
static int service_state(bs_run *run, char *state, size_t cap)
{
    ws_selector sel[] = {{"Name", "docker"}};
    bs_obj s;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_get(run, BS_CIMV2 "Win32_Service", sel, 1, &s, &err) != WS_OK) {
        int absent = bs_wmi_not_found(&err);
        if (!absent)
            bs_fail_err(run, "reading the docker service: ", &err);
        ws_error_clear(&err);
        return absent ? 0 : -1;
    }
    const char *st = bs_obj_get(&s, "State");
    snprintf(state, cap, "%s", st ? st : "");
    bs_obj_free(&s);
    return 1;
}

/* dockerd --version on the host: 0 when it runs on 14393, -1 with the step failed. */
static int version_check(bs_run *run)
{
    bs_cmd_out o;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_cmd_run(run, DOCKERD " --version", 60000, &o, &err) != WS_OK) {
        bs_fail_err(run, "running dockerd --version: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    char v[64];
    int parsed = o.has_exit_code && o.exit_code == 0 && bs_docker_version(o.out, v, sizeof v) == 0;
    int rc = 0;
    if (!parsed) {
        char shown[160];
        bs_fold(o.out_len ? o.out : o.err, shown, sizeof shown);
        bs_set(run, BS_STATUS_FAILED, "check that dockerd.exe in System32 is the Windows engine",
               "dockerd --version did not say its version (exit %llu): %s",
               o.has_exit_code ? o.exit_code : 0ULL, shown);
        rc = -1;
    } else {
        bs_fact_add(run, "EngineVersion", "%s", v);
        if (bs_version_too_new(v)) {
            bs_set(run, BS_STATUS_FAILED, "use a 17.06, 18.09, 19.03 or 20.10 engine (Docker EE "
                   "or Mirantis); engines from 23.0 on need build 17763",
                   "dockerd %s refuses to start on build 14393", v);
            rc = -1;
        }
    }
    bs_cmd_out_free(&o);
    return rc;
}

static int register_service(bs_run *run)
{
    bs_cmd_out o;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_cmd_run(run, DOCKERD " --register-service", 120000, &o, &err) != WS_OK) {
        bs_fail_err(run, "running dockerd --register-service: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    int ok = o.has_exit_code && o.exit_code == 0;
    if (!ok) {
        char shown[200];
        bs_fold(o.err_len ? o.err : o.out, shown, sizeof shown);
        bs_set(run, BS_STATUS_FAILED, "a leftover event-log source 'docker' makes it fail: run "
               "dockerd --unregister-service on the host, then bootstrap again",
               "dockerd --register-service exited with %llu: %s",
               o.has_exit_code ? o.exit_code : 0ULL, shown);
    }
    bs_cmd_out_free(&o);
    return ok ? 0 : -1;
}

static int start_service(bs_run *run)
{
    ws_selector sel[] = {{"Name", "docker"}};
    bs_obj out;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_invoke(run, BS_CIMV2 "Win32_Service", "StartService", sel, 1, NULL, 0, &out,
                      &err) != WS_OK) {
        bs_fail_err(run, "Win32_Service.StartService: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    long long rv = bs_return_value(&out);
    bs_obj_free(&out);
    bs_fact_add(run, "StartServiceReturnValue", "%lld", rv);
    if (rv == 0 || rv == 10)
        return 0;
    bs_set(run, BS_STATUS_FAILED, "look at the host's event log (Get-WinEvent -LogName "
           "Application) for docker's reason",
           "StartService returned %lld: %s", rv,
           rv < 0 ? "no ReturnValue" : bs_start_service_message((unsigned long)rv));
    return -1;
}

/* Polls State once a second until Running, for the wait bound and the run's deadline. */
static int wait_running(bs_run *run, char *state, size_t cap)
{
    long wait_s = run->cfg->service_wait_s > 0 ? run->cfg->service_wait_s : 60;
    long long end = ws_now_ms() + wait_s * 1000LL;
    for (long i = 0; i <= wait_s; i++) {
        int r = service_state(run, state, cap);
        if (r < 0)
            return -1;
        if (r == 1 && strcmp(state, "Running") == 0)
            return 0;
        if (bs_stopped(run))
            return -1;
        long long dl = bs_deadline(run);
        if (r == 0 || ws_now_ms() >= end || (dl && ws_now_ms() + 1000 > dl))
            break;
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    bs_set(run, BS_STATUS_FAILED, "look at the host's event log (Get-WinEvent -LogName "
           "Application) for docker's reason",
           "the docker service did not reach Running within %ld s (State %s)", wait_s,
           state[0] ? state : "unknown");
    return -1;
}

void bs_step_docker_service(bs_run *run)
{
    char state[64] = "";
    int r = service_state(run, state, sizeof state);
    if (r < 0)
        return;
    bs_fact_add(run, "StateBefore", "%s", r ? state : "(no service)");
    if (r == 1 && strcmp(state, "Running") == 0) {
        bs_set(run, BS_STATUS_OK, NULL, "docker service Running");
        return;
    }
    if (run->cfg->plan) {
        bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, r ? "the docker service (%s) would be started"
               : "the docker service would be registered and started%s", r ? state : "");
        return;
    }
    int registered = 0;
    if (r == 0) {
        if (version_check(run) != 0 || bs_stopped(run) || register_service(run) != 0)
            return;
        registered = 1;
    }
    if (bs_stopped(run) || start_service(run) != 0 || wait_running(run, state, sizeof state) != 0)
        return;
    bs_fact_add(run, "State", "%s", state);
    bs_set(run, BS_STATUS_CHANGED, NULL, "%s (%s)", registered ? "registered and started" : "started",
           state);
}
