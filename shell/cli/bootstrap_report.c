/* The bootstrap report as JSON (see bootstrap_report.h and
 * docs/bootstrap-report.schema.json). */
#include "shell/cli/bootstrap_report.h"
#include "shell/cli/json.h"
#include "shell/localfs/safe_file.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

bs_host_record *bs_run_add_host(bs_run_record *run, const char *host)
{
    if (run->nhosts == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 4;
        bs_host_record *n = realloc(run->hosts, cap * sizeof *n);
        if (!n)
            return NULL;
        run->hosts = n;
        run->cap = cap;
    }
    bs_host_record *h = &run->hosts[run->nhosts];
    memset(h, 0, sizeof *h);
    h->host = strdup(host);
    if (!h->host)
        return NULL;
    run->nhosts++;
    return h;
}

void bs_host_record_error(bs_host_record *h, const char *what, const char *fix)
{
    free(h->error);
    free(h->error_fix);
    h->error = strdup(what && what[0] ? what : "failed");
    h->error_fix = fix && fix[0] ? strdup(fix) : NULL;
}

/* A host is ok when it ran to the end and every step it reported is acceptable. */
int bs_host_ok(const bs_host_record *h)
{
    if (h->error)
        return 0;
    for (size_t i = 0; i < h->report.nsteps; i++)
        if (h->report.steps[i].status == BS_STATUS_FAILED)
            return 0;
    return 1;
}

int bs_run_ok(const bs_run_record *run)
{
    for (size_t i = 0; i < run->nhosts; i++)
        if (!bs_host_ok(&run->hosts[i]))
            return 0;
    return 1;
}

void bs_run_free(bs_run_record *run)
{
    for (size_t i = 0; i < run->nhosts; i++) {
        free(run->hosts[i].host);
        free(run->hosts[i].error);
        free(run->hosts[i].error_fix);
    }
    free(run->hosts);
    memset(run, 0, sizeof *run);
}

/* An empty string is written as null: "no fix", "no kind". */
static void string_or_null(FILE *out, const char *s)
{
    json_write_string(out, s && s[0] ? s : NULL);
}

static void write_step(FILE *out, const bs_step_result *r)
{
    fputs("{\"name\": ", out);
    json_write_string(out, bs_step_name(r->id));
    fputs(", \"status\": ", out);
    json_write_string(out, bs_status_name(r->status));
    fputs(", \"reason\": ", out);
    json_write_string(out, r->reason);
    fputs(", \"fix\": ", out);
    string_or_null(out, r->fix);
    fprintf(out, ", \"seconds\": %.3f, \"facts\": {", r->seconds >= 0 ? r->seconds : 0.0);
    size_t n = r->nfacts < BS_FACTS_MAX ? r->nfacts : BS_FACTS_MAX;
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        json_write_string(out, r->facts[i].key);
        fputs(": ", out);
        json_write_string(out, r->facts[i].value);
    }
    fputs("}, \"kind\": ", out);
    string_or_null(out, r->kind == XFER_E_NONE ? NULL : xfer_kind_name(r->kind));
    fputs("}", out);
}

void bootstrap_report_write_host(FILE *out, const bs_host_record *h)
{
    fputs("{\"host\": ", out);
    json_write_string(out, h->host);
    fprintf(out, ", \"ok\": %s, \"seconds\": %.3f, \"error\": ", bs_host_ok(h) ? "true" : "false",
            h->seconds >= 0 ? h->seconds : 0.0);
    if (h->error) {
        fputs("{\"message\": ", out);
        json_write_string(out, h->error);
        fputs(", \"fix\": ", out);
        string_or_null(out, h->error_fix);
        fputs("}", out);
    } else {
        fputs("null", out);
    }
    fputs(", \"steps\": [", out);
    size_t n = h->report.nsteps < BS_STEP_COUNT ? h->report.nsteps : BS_STEP_COUNT;
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        write_step(out, &h->report.steps[i]);
    }
    fputs(n ? "\n  ]}" : "]}", out);
}

void bootstrap_report_write(FILE *out, const bs_run_record *run)
{
    char started[32] = "1970-01-01T00:00:00Z";
    struct tm tm;
    if (gmtime_r(&run->started, &tm))
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fputs("{\"command\": \"bootstrap\", \"version\": ", out);
    json_write_string(out, PACKAGE_VERSION);
    fprintf(out, ", \"started\": \"%s\", \"seconds\": %.3f, \"plan\": %s, \"ok\": %s, "
            "\"hosts\": [", started, run->seconds >= 0 ? run->seconds : 0.0,
            run->plan ? "true" : "false", bs_run_ok(run) ? "true" : "false");
    for (size_t i = 0; i < run->nhosts; i++) {
        fputs(i ? ",\n  " : "\n  ", out);
        bootstrap_report_write_host(out, &run->hosts[i]);
    }
    fputs(run->nhosts ? "\n]}\n" : "]}\n", out);
}

int bootstrap_report_save(const char *path, const bs_run_record *run)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return -1;
    bootstrap_report_write(mem, run);
    if (fclose(mem) != 0) {
        free(text);
        return -1;
    }
    safe_file f;
    int rc = safe_file_open(&f, path, 0644);
    if (rc == 0 && safe_file_write(&f, text, len) != 0) {
        int e = errno;
        safe_file_abort(&f);
        errno = e;
        rc = -1;
    } else if (rc == 0) {
        rc = safe_file_commit(&f);
    }
    free(text);
    return rc;
}
