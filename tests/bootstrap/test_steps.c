/* One bootstrap run (shell/bootstrap) against the test server playing a Nano 2016 host,
 * with what each step must end as; driven by test_steps.sh, which starts the server with
 * a host profile. Writes TAP: one check per expectation, each step's result as a comment.
 *
 *   test_steps [--plan] [--steps a,b,...] [--zip FILE] [--dir DIR] [--smb]
 *              [--share-name N] [--share-path P] [--trusted X] [--wait S] [--user U]
 *              [--password P] [--label TEXT] [--expect-fail]
 *              [STEP=STATUS[~TEXT]]...
 *
 * STEP=STATUS: the step ended so (TEXT: found in its reason, or in its fix, or in a
 * fact's value). The run itself must return WS_OK, and report.ok must be 1 unless a
 * failed status is expected. Credentials default to SIM_USER/SIM_PASSWORD; --smb uses
 * SMB_PORT, SMB_USER and SMB_PW. */
#include "shell/bootstrap/bootstrap.h"
#include "auth/ntlm.h"
#include "tests/tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct expect {
    int step;
    bs_status status;
    const char *text;
} expect;

static int status_parse(const char *s, size_t n, bs_status *out)
{
    static const bs_status all[] = {BS_STATUS_OK, BS_STATUS_CHANGED, BS_STATUS_SKIPPED,
                                    BS_STATUS_FAILED, BS_STATUS_WOULD_CHANGE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strlen(bs_status_name(all[i])) == n && !strncmp(bs_status_name(all[i]), s, n)) {
            *out = all[i];
            return 0;
        }
    return -1;
}

static int parse_expect(const char *arg, expect *e)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    char step[48];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof step)
        return -1;
    memcpy(step, arg, n);
    step[n] = '\0';
    if ((e->step = bs_step_parse(step)) < 0)
        return -1;
    const char *tilde = strchr(eq + 1, '~');
    size_t sl = tilde ? (size_t)(tilde - eq - 1) : strlen(eq + 1);
    e->text = tilde ? tilde + 1 : NULL;
    return status_parse(eq + 1, sl, &e->status);
}

static int mentions(const bs_step_result *r, const char *text)
{
    if (strstr(r->reason, text) || strstr(r->fix, text))
        return 1;
    for (size_t i = 0; i < r->nfacts; i++)
        if (strstr(r->facts[i].value, text))
            return 1;
    return 0;
}

static void step_done(void *ud, const bs_step_result *r)
{
    (void)ud;
    printf("# %-14s %-12s %s (%.2f s)\n", bs_step_name(r->id), bs_status_name(r->status),
           r->reason, r->seconds);
    if (r->fix[0])
        printf("#   fix: %s\n", r->fix);
    for (size_t i = 0; i < r->nfacts; i++)
        printf("#   %s = %s\n", r->facts[i].key, r->facts[i].value);
}

static unsigned steps_parse(const char *list)
{
    unsigned bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int id = bs_step_parse(t);
        if (id < 0) {
            printf("Bail out! unknown step %s\n", t);
            exit(2);
        }
        bits |= 1u << id;
    }
    return bits;
}

int main(int argc, char **argv)
{
    bs_config cfg = {0};
    const char *user = getenv("SIM_USER"), *password = getenv("SIM_PASSWORD");
    const char *port_s = getenv("SIM_PORT"), *label = "run";
    int smb = 0, expect_fail = 0, cancelled = 0, expired = 0;
    expect ex[BS_STEP_COUNT * 2];
    size_t nex = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--plan"))
            cfg.plan = 1;
        else if (!strcmp(a, "--smb"))
            smb = 1;
        else if (!strcmp(a, "--expect-fail"))
            expect_fail = 1;
        else if (!strcmp(a, "--cancelled"))
            cancelled = 1;          /* the cancel flag is set before the run */
        else if (!strcmp(a, "--expired"))
            expired = 1;            /* the deadline has passed before the run */
        else if (v && !strcmp(a, "--steps"))
            cfg.steps = steps_parse(v), i++;
        else if (v && !strcmp(a, "--zip"))
            cfg.docker_zip = v, i++;
        else if (v && !strcmp(a, "--dir"))
            cfg.docker_dir = v, i++;
        else if (v && !strcmp(a, "--share-name"))
            cfg.share_name = v, i++;
        else if (v && !strcmp(a, "--share-path"))
            cfg.share_path = v, i++;
        else if (v && !strcmp(a, "--trusted"))
            cfg.trusted_hosts = v, i++;
        else if (v && !strcmp(a, "--wait"))
            cfg.service_wait_s = atol(v), i++;
        else if (v && !strcmp(a, "--user"))
            user = v, i++;
        else if (v && !strcmp(a, "--password"))
            password = v, i++;
        else if (v && !strcmp(a, "--label"))
            label = v, i++;
        else if (nex < sizeof ex / sizeof ex[0] && parse_expect(a, &ex[nex]) == 0)
            nex++;
        else {
            printf("Bail out! bad argument %s\n", a);
            return 2;
        }
    }
    if (!port_s || !user || !password) {
        printf("1..0 # SKIP SIM_PORT, SIM_USER and SIM_PASSWORD are not set\n");
        return 0;
    }
    ws_error err = {0};
    ws_auth *auth = ws_auth_ntlm_new(user, password, NULL, "Negotiate", &err);
    ws_target t = {.host = "127.0.0.1", .port = atoi(port_s)};
    ws_conn_opts co = {0};
    ws_client *client = NULL;
    if (!auth || ws_client_new(&t, &co, auth, &client, &err) != WS_OK) {
        printf("Bail out! no client: %s\n", err.what);
        return 1;
    }
    winrm_copy_cfg wc = {.client = client};
    /* SMB logs on as the test Samba's user (tests/lib/samba.sh), when there is one. */
    smb_creds creds = {.user = getenv("SMB_USER") ? getenv("SMB_USER") : user,
                       .secret = getenv("SMB_PW") ? getenv("SMB_PW") : password};
    bs_host h = {.name = "127.0.0.1", .client = client, .user = user,
                 .password_given = password[0] != '\0', .blank_password = password[0] == '\0',
                 .push = {.host = "127.0.0.1", .winrm = &wc,
                          .smb = smb ? &creds : NULL,
                          .smb_port = smb && getenv("SMB_PORT") ? (unsigned)atoi(getenv("SMB_PORT")) : 0,
                          .smb_missing = smb ? NULL : "SMB not used by this test"}};
    bs_events ev = {.step_done = step_done};
    bs_report rep;
    static _Atomic int cancel;
    if (cancelled || expired) {
        atomic_store(&cancel, 2);
        h.cancel = cancelled ? &cancel : NULL;
        h.deadline_ms = expired ? 1 : 0;
        ws_rc rc = bootstrap_run(&h, &cfg, &ev, &rep, &err);
        if (cancelled)
            TAP_OK(rc != WS_OK && strstr(err.what, "cancelled") && rep.nsteps == 1 &&
                   rep.steps[0].status == BS_STATUS_FAILED && !rep.ok,
                   "%s: a cancelled run stops at its first step (%s)", label, err.what);
        else
            TAP_OK(rc == WS_OK && rep.nsteps == BS_STEP_COUNT && !rep.ok &&
                   rep.steps[BS_REACH].status == BS_STATUS_FAILED &&
                   strstr(rep.steps[BS_REACH].reason, "--timeout"),
                   "%s: past the deadline, reach fails saying --timeout", label);
        ws_error_clear(&err);
        ws_client_free(client);
        return tap_done();
    }
    ws_rc rc = bootstrap_run(&h, &cfg, &ev, &rep, &err);
    TAP_OK(rc == WS_OK, "%s: the run went through (%s)", label, rc == WS_OK ? "" : err.what);
    TAP_OK(rep.nsteps == BS_STEP_COUNT, "%s: every step is in the report", label);
    int any_failed_expected = expect_fail;
    for (size_t i = 0; i < nex; i++) {
        const bs_step_result *r = NULL;
        for (size_t k = 0; k < rep.nsteps; k++)
            if ((int)rep.steps[k].id == ex[i].step)
                r = &rep.steps[k];
        any_failed_expected |= ex[i].status == BS_STATUS_FAILED;
        TAP_OK(r && r->status == ex[i].status && (!ex[i].text || mentions(r, ex[i].text)),
               "%s: %s %s%s%s", label, bs_step_name((bs_step_id)ex[i].step),
               bs_status_name(ex[i].status), ex[i].text ? " mentioning " : "",
               ex[i].text ? ex[i].text : "");
        if (r && r->status == BS_STATUS_FAILED)
            TAP_OK(r->fix[0] != '\0', "%s: the failed %s says what to do", label,
                   bs_step_name(r->id));
    }
    TAP_OK(rep.ok == !any_failed_expected, "%s: report.ok is %d", label, !any_failed_expected);
    ws_error_clear(&err);
    ws_client_free(client);
    return tap_done();
}
