/* libFuzzer target: nanosh report merge (shell/fleet/report_merge.c, docs/fleet.md
 * "Merging reports"). An input is one or more JSON reports one after the other (each read
 * as report_merge_add_file reads one), then optionally a line "%%" and an inventory to
 * find the missing hosts with. The merged document, with and without findings, is built
 * and normalised as the command does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/fuzz/fuzz_tempfile.h"
#include "shell/fleet/report_merge.h"

enum { MAX_REPORTS = 8 };
static const char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    path = fuzz_temp_file("merge");
    return 0;
}

static const char *find(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return p + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *sep = find(p, size, "\n%%\n");
    const char *json_end = sep ? sep : end;

    report_merge *m;
    ws_error err = {0};
    if (report_merge_new(&m, &err) != WS_OK)
        return 0;
    json_t *docs[MAX_REPORTS];
    size_t ndocs = 0, added = 0;
    for (const char *at = p; at < json_end && ndocs < MAX_REPORTS;) {
        json_error_t je;
        json_t *doc = json_loadb(at, (size_t)(json_end - at),
                                 JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
        if (!doc || je.position <= 0)
            break;
        at += je.position;
        char name[32];
        snprintf(name, sizeof name, "report%zu.json", ndocs + 1);
        docs[ndocs++] = doc;
        if (report_merge_add(m, doc, name, &err) == WS_OK)
            added++;
        else if (!err.what[0])
            abort();
        ws_error_clear(&err);
    }

    if (sep) {
        FILE *f = fopen(path, "we");
        size_t n = (size_t)(end - (sep + 4));
        if (!f || (n && fwrite(sep + 4, 1, n, f) != n) || fclose(f) != 0)
            abort();
        if (report_merge_check_inventory(m, path, &err) != WS_OK && !err.what[0])
            abort();
        ws_error_clear(&err);
    }

    for (int findings = 0; findings < 2; findings++) {
        json_t *merged = report_merge_result(m, findings, &err);
        if (!merged) {
            if (!err.what[0])
                abort();
            ws_error_clear(&err);
            continue;
        }
        char *text = json_dumps(merged, JSON_COMPACT);
        if (!text)
            abort();
        /* What the command writes reads back as the same document. */
        json_t *again = json_loads(text, 0, NULL);
        if (!again || !json_equal(again, merged) || !report_equal_timings_aside(again, merged))
            abort();
        json_decref(again);
        free(text);
        if (ndocs)
            (void)report_equal_timings_aside(merged, docs[0]);
        json_decref(merged);
    }
    (void)report_merge_doubled_count(m);
    (void)report_merge_missing_count(m);
    (void)added;
    for (size_t i = 0; i < ndocs; i++)
        json_decref(docs[i]);
    report_merge_free(m);
    return 0;
}
