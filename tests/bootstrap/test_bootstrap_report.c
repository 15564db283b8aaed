/* The bootstrap report writer (shell/cli/bootstrap_report.c) on reports built by hand:
 * no host is involved, and none of this is a real run. It checks what the writer decides
 * (a host's and the run's ok, null for an empty fix or no kind, host text that is not
 * clean UTF-8 or holds control characters) and the safe save (a symlink at the target is
 * replaced, not written through; a missing directory fails and leaves nothing).
 *
 *   test_bootstrap_report            TAP tests
 *   test_bootstrap_report --write D  writes D/synthetic.json and D/no-steps.json for
 *                                    test_bootstrap_report.sh to check against the schema */
#include "shell/cli/bootstrap_report.h"
#include "tests/tap.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bs_step_result *add_step(bs_host_record *h, bs_step_id id, bs_status st,
                                const char *reason, const char *fix)
{
    bs_step_result *r = &h->report.steps[h->report.nsteps++];
    memset(r, 0, sizeof *r);
    r->id = id;
    r->status = st;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    snprintf(r->fix, sizeof r->fix, "%s", fix ? fix : "");
    r->seconds = 0.25 * (double)h->report.nsteps;
    return r;
}

static void add_fact(bs_step_result *r, const char *key, const char *value)
{
    bs_fact *f = &r->facts[r->nfacts++];
    snprintf(f->key, sizeof f->key, "%s", key);
    snprintf(f->value, sizeof f->value, "%s", value);
}

/* Two hosts: every step and status once, odd host text; and one stopped by an error. */
static int build_synthetic(bs_run_record *run)
{
    memset(run, 0, sizeof *run);
    run->started = 1796617800;          /* a fixed time: 2026-12-07T04:30:00Z */
    run->seconds = 12.5;
    bs_host_record *a = bs_run_add_host(run, "nano01");
    if (!a)
        return -1;
    bs_step_result *r = add_step(a, BS_REACH, BS_STATUS_OK,
                                 "WinRM 3.0 over HTTP, NTLM, encrypted", NULL);
    add_fact(r, "ProductVersion", "OS: 10.0.14393 SP: 0.0 Stack: 3.0");
    r = add_step(a, BS_HOST, BS_STATUS_OK, "Nano Server 2016 (14393.2430)", NULL);
    add_fact(r, "BuildNumber", "14393");
    add_fact(r, "UBR", "2430");
    /* Host text with a quote, a backslash, a tab, a stray byte and a non-ASCII name. */
    r = add_step(a, BS_ADMIN_ACCOUNT, BS_STATUS_CHANGED, "PasswordRequired set for \"Adm\\in\"",
                 NULL);
    add_fact(r, "Caption", "NANO01\\Administrat\xc3\xb6r\t\x01 \xff end");
    add_step(a, BS_TRUSTED_HOSTS, BS_STATUS_WOULD_CHANGE, "TrustedHosts: '' -> '*'", NULL);
    add_step(a, BS_FIREWALL, BS_STATUS_SKIPPED, "not selected", NULL);
    add_step(a, BS_SHARE, BS_STATUS_CHANGED, "created Share -> C:\\Share", NULL);
    r = add_step(a, BS_DOCKER_FILES, BS_STATUS_FAILED, "dockerd.exe: SHA-256 differs on the host",
                 "run bootstrap again");
    r->kind = XFER_E_MISMATCH;
    add_step(a, BS_DOCKER_SERVICE, BS_STATUS_SKIPPED, "needs docker-files", NULL);
    add_step(a, BS_VERIFY, BS_STATUS_SKIPPED, "needs docker-service", NULL);
    bs_host_record *b = bs_run_add_host(run, "nano02");
    if (!b)
        return -1;
    b->seconds = 0.5;
    bs_host_record_error(b, "interrupted", "");
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    if (buf)
        fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

static int write_files(const char *dir)
{
    char path[4096];
    bs_run_record run;
    if (build_synthetic(&run) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/synthetic.json", dir);
    int rc = bootstrap_report_save(path, &run);
    bs_run_free(&run);
    /* One host whose connection could not be set up: no steps at all. */
    memset(&run, 0, sizeof run);
    run.plan = 1;
    bs_host_record *h = bs_run_add_host(&run, "[::1]");
    if (!h)
        return 1;
    bs_host_record_error(h, "the connection could not be set up", NULL);
    snprintf(path, sizeof path, "%s/no-steps.json", dir);
    rc |= bootstrap_report_save(path, &run);
    bs_run_free(&run);
    if (rc != 0)
        perror("bootstrap_report_save");
    return rc ? 1 : 0;
}

static void ok_logic(void)
{
    bs_run_record run;
    TAP_OK(build_synthetic(&run) == 0, "a synthetic report is built");
    TAP_OK(!bs_run_ok(&run), "a failed step makes the run not ok");
    run.hosts[0].report.steps[6].status = BS_STATUS_CHANGED;
    TAP_OK(!bs_run_ok(&run), "a host stopped by an error makes the run not ok");
    free(run.hosts[1].error);
    run.hosts[1].error = NULL;
    TAP_OK(bs_run_ok(&run), "ok, changed, skipped and would-change make the run ok");
    bs_run_free(&run);
    TAP_OK(run.nhosts == 0 && !run.hosts, "bs_run_free empties the record");
}

static void save_is_safe(const char *dir)
{
    char target[4096], victim[4096], missing[4096];
    snprintf(target, sizeof target, "%s/report.json", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/report.json", dir);
    FILE *v = fopen(victim, "w");
    if (v) {
        fputs("keep me\n", v);
        fclose(v);
    }
    TAP_OK(symlink(victim, target) == 0, "a symlink planted at the report's name");
    bs_run_record run;
    build_synthetic(&run);
    TAP_OK(bootstrap_report_save(target, &run) == 0, "the report is saved over it");
    struct stat st;
    TAP_OK(lstat(target, &st) == 0 && S_ISREG(st.st_mode), "the name is now a regular file");
    char *kept = slurp(victim);
    TAP_STR_EQ(kept, "keep me\n", "the symlink's target was not written through");
    free(kept);
    char *text = slurp(target);
    TAP_OK(text && strncmp(text, "{\"command\": \"bootstrap\"", 23) == 0
           && text[strlen(text) - 1] == '\n', "the file holds the document and a newline");
    TAP_OK(text && strstr(text, "\"fix\": null") && strstr(text, "\"kind\": \"mismatch\"")
           && strstr(text, "\"kind\": null"), "an empty fix and no kind are null");
    TAP_OK(text && strstr(text, "\\\\Administrat\xc3\xb6r\\t\\u0001 \\ufffd end"),
           "host text: backslash, tab, control byte escaped, a stray byte U+FFFD, UTF-8 kept");
    TAP_OK(text && strstr(text, "\"started\": \"2026-12-07T04:30:00Z\""),
           "started is UTC, RFC 3339");
    free(text);
    errno = 0;
    TAP_OK(bootstrap_report_save(missing, &run) == -1 && errno == ENOENT,
           "a missing directory fails with ENOENT");
    char dirpath[4096];
    snprintf(dirpath, sizeof dirpath, "%s/no-such-dir", dir);
    TAP_OK(access(dirpath, F_OK) != 0, "and makes nothing");
    bs_run_free(&run);
    unlink(target);
    unlink(victim);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_files(argv[2]);
    char dir[] = "/tmp/nanosh-bsreport.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    ok_logic();
    save_is_safe(dir);
    rmdir(dir);
    return tap_done();
}
