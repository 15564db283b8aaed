/* nanosh report merge [-i FILE] REPORT... (fleet_cmd.h, docs/fleet.md "Merging reports"):
 * the merged report on stdout, what is doubled or missing on stderr. */
#include "shell/cli/errors.h"
#include "shell/cli/fleet_cmd.h"
#include "shell/fleet/report_merge.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char merge_usage[] =
    "usage: nanosh report merge [-i INVENTORY] REPORT.json...\n"
    "Joins the reports of several runs (shards, re-runs) into one report on stdout; says on\n"
    "stderr which hosts are in more than one report (doubled: the latest run's entry is\n"
    "kept) and which are in none (missing: with -i, or from the reports' inventory_hosts).\n"
    "Exit status 0 when no host is doubled or missing, 1 when some are, 255 on an error.\n";

/* The findings, one line each, on stderr. Returns how many there were. */
static size_t tell(const json_t *merged)
{
    const json_t *m = json_object_get(merged, "merge");
    size_t n = 0, i;
    const json_t *v;
    json_array_foreach(json_object_get(m, "doubled"), i, v) {
        const json_t *names = json_object_get(v, "reports");
        fprintf(stderr, "nanosh: report merge: %s is doubled, in", json_string_value(json_object_get(v, "host")));
        size_t j;
        const json_t *name;
        json_array_foreach(names, j, name)
            fprintf(stderr, "%s %s", j ? "," : "", json_string_value(name));
        fputs(" (the latest run's entry is kept)\n", stderr);
        n++;
    }
    json_array_foreach(json_object_get(m, "missing"), i, v) {
        fprintf(stderr, "nanosh: report merge: %s is missing (in no report)\n",
                json_string_value(v));
        n++;
    }
    json_array_foreach(json_object_get(m, "missing_shards"), i, v) {
        fprintf(stderr, "nanosh: report merge: no report of shard %s\n", json_string_value(v));
        n++;
    }
    json_int_t count = json_integer_value(json_object_get(m, "missing_count"));
    if (count > 0 && json_array_size(json_object_get(m, "missing")) == 0) {
        fprintf(stderr, "nanosh: report merge: %lld hosts of the inventory are in no report "
                "(give -i INVENTORY to name them)\n", (long long)count);
        n++;
    }
    return n;
}

int report_cmd_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "merge") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            fputs(merge_usage, stdout);
            return 0;
        }
        return fail("write nanosh report merge [-i INVENTORY] REPORT.json...",
                    "'nanosh report' knows one operation: merge");
    }
    const char *inventory = NULL;
    int first = 2;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (!strcmp(argv[first], "--")) {
            first++;
            break;
        }
        if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
            fputs(merge_usage, stdout);
            return 0;
        }
        if ((!strcmp(argv[first], "-i") || !strcmp(argv[first], "--inventory")) &&
            first + 1 < argc) {
            inventory = argv[++first];
            continue;
        }
        return fail("see 'nanosh report merge --help'", "unknown option '%s' for report merge",
                    argv[first]);
    }
    if (first >= argc)
        return fail("give the reports to merge, e.g. nanosh report merge shard*.json",
                    "no report given");
    ws_error err;
    memset(&err, 0, sizeof err);
    report_merge *m = NULL;
    if (report_merge_new(&m, &err) != WS_OK)
        return fail_ws(&err);
    int rc = 0;
    for (int i = first; rc == 0 && i < argc; i++)
        if (report_merge_add_file(m, argv[i], &err) != WS_OK)
            rc = fail_ws(&err);
    if (rc == 0 && inventory && report_merge_check_inventory(m, inventory, &err) != WS_OK)
        rc = fail_ws(&err);
    json_t *merged = NULL;
    if (rc == 0 && !(merged = report_merge_result(m, 1, &err)))
        rc = fail_ws(&err);
    if (rc == 0) {
        if (json_dumpf(merged, stdout, JSON_INDENT(1)) != 0 || fputc('\n', stdout) == EOF ||
            fflush(stdout) != 0)
            rc = fail(NULL, "cannot write the merged report on stdout");
        else
            rc = tell(merged) ? 1 : 0;
    }
    json_decref(merged);
    report_merge_free(m);
    ws_error_clear(&err);
    return rc;
}
