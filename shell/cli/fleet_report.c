/* The streamed fleet report (fleet_report.h). */
#include "shell/cli/fleet_report.h"
#include "shell/cli/json.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(fleet_report *r, const char *text, size_t len)
{
    if (!r->open || r->failed_errno)
        return;
    if (safe_file_write(&r->file, text, len) != 0)
        r->failed_errno = errno ? errno : EIO;
}

int fleet_report_begin(fleet_report *r, const char *path, const fleet_report_head *head)
{
    memset(r, 0, sizeof *r);
    r->ok = 1;
    if (safe_file_open(&r->file, path, 0644) != 0)
        return -1;
    r->open = 1;
    char started[32] = "1970-01-01T00:00:00Z";
    struct tm tm;
    if (gmtime_r(&head->started, &tm))
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return fleet_report_abort(r), -1;
    fputs("{\"command\": ", m);
    json_write_string(m, head->command);
    fputs(", \"version\": ", m);
    json_write_string(m, PACKAGE_VERSION);
    fprintf(m, ", \"started\": \"%s\", \"plan\": %s", started, head->plan ? "true" : "false");
    if (head->shard_n)
        fprintf(m, ", \"shard\": {\"k\": %u, \"n\": %u}", head->shard_k, head->shard_n);
    fprintf(m, ", \"inventory_hosts\": %zu, \"hosts\": [", head->inventory_hosts);
    if (fclose(m) != 0) {
        free(text);
        return fleet_report_abort(r), -1;
    }
    put(r, text, len);
    free(text);
    return 0;
}

void fleet_report_host(fleet_report *r, const bs_host_record *h, int exit_status)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        r->failed_errno = ENOMEM;
        return;
    }
    fputs(r->nhosts ? ",\n  " : "\n  ", m);
    bootstrap_report_write_host(m, h);
    if (exit_status >= 0) {
        /* The entry ends with "]}": the exit status goes in before the closing brace. */
        fflush(m);
        if (len && text[len - 1] == '}')
            fseeko(m, -1, SEEK_END);
        fprintf(m, ", \"exit_status\": %d}", exit_status);
    }
    if (fclose(m) != 0) {
        free(text);
        r->failed_errno = ENOMEM;
        return;
    }
    put(r, text, len);
    free(text);
    r->nhosts++;
    if (!bs_host_ok(h))
        r->ok = 0;
}

int fleet_report_end(fleet_report *r, double seconds, int cancelled)
{
    char tail[128];
    int n = snprintf(tail, sizeof tail, "%s], \"seconds\": %.3f, \"ok\": %s}\n",
                     r->nhosts ? "\n" : "", seconds >= 0 ? seconds : 0.0,
                     r->ok && !cancelled ? "true" : "false");
    put(r, tail, (size_t)n);
    if (r->failed_errno) {
        int e = r->failed_errno;
        fleet_report_abort(r);
        errno = e;
        return -1;
    }
    r->open = 0;
    return safe_file_commit(&r->file);
}

void fleet_report_abort(fleet_report *r)
{
    if (r->open)
        safe_file_abort(&r->file);
    r->open = 0;
}
