/* Report merge (shell/fleet/report_merge.h): N shard runs (by the runner, over one
 * inventory) merged equal a single run's report, timings aside; doubled and missing
 * hosts are reported; reports that cannot join are refused. */
#include "shell/fleet/report_merge.h"
#include "shell/fleet/runner.h"
#include "shell/fleet/source.h"
#include "tests/fleet/fleet_test.h"
#include "tests/tap.h"
#include <stdatomic.h>

enum { HOSTS = 60, SHARDS = 4 };

/* A host's entry as bootstrap writes it (docs/bootstrap-report.schema.json): nano7 and
 * nano23 fail at reach; every host's seconds differ from run to run. */
static void fake_host(void *ud, const inventory_entry *e, const _Atomic int *cancel,
                      host_outcome *out)
{
    unsigned *salt = ud;
    (void)cancel;
    char label[INV_LABEL_MAX];
    inventory_entry_label(e, label);
    int bad = strcmp(e->host, "nano7") == 0 || strcmp(e->host, "nano23") == 0;
    double secs = (double)((e->line * 37 + *salt) % 100) / 10.0;
    json_t *step = json_pack("{s:s, s:s, s:s, s:n, s:f, s:{s:s}, s:n}", "name", "reach",
                             "status", bad ? "failed" : "ok",
                             "reason", bad ? "connection refused" : "WinRM 3.0 over HTTP",
                             "fix", "seconds", secs, "facts", "BuildNumber", "14393", "kind");
    if (bad)
        json_object_set_new(step, "fix", json_string("start WinRM on the host"));
    out->data = json_pack("{s:s, s:b, s:f, s:n, s:[o]}", "host", label, "ok", !bad,
                          "seconds", secs + 0.5, "error", "steps", step);
    out->ok = !bad;
    if (bad)
        ws_error_set(&out->err, WS_E_CONNECT, NULL, "connection refused");
}

static void add_host(void *ud, const inventory_entry *e, host_outcome *out)
{
    (void)e;
    json_array_append_new(json_object_get(ud, "hosts"), out->data);
    out->data = NULL;
}

/* One run over the inventory (shard n 0: all) as nanosh bootstrap --report writes it. */
static json_t *run(const char *inventory, unsigned k, unsigned n, const char *started,
                   unsigned salt)
{
    fleet_source src = {0};
    fleet_config cfg;
    fleet_result res;
    ws_error err = {0};
    src.shard.k = k;
    src.shard.n = n;
    json_t *doc = json_pack("{s:s, s:s, s:s, s:f, s:b, s:b, s:[]}", "command", "bootstrap",
                            "version", "0.9", "started", started, "seconds", 3.5 + salt,
                            "plan", 0, "ok", 0, "hosts");
    if (n) {
        json_object_set_new(doc, "shard", json_pack("{s:i, s:i}", "k", k, "n", n));
        json_object_set_new(doc, "inventory_hosts", json_integer(HOSTS));
    }
    inventory_open(inventory, &src.reader, &err);
    fleet_config_defaults(&cfg);
    cfg.jobs = 8;
    cfg.progress_ms = 0;
    cfg.next = fleet_source_next;
    cfg.next_ud = &src;
    cfg.run_host = fake_host;
    cfg.host_ud = &salt;
    cfg.on_done = add_host;
    cfg.cb_ud = doc;
    fleet_run(&cfg, NULL, &res, &err);
    json_object_set_new(doc, "ok", json_boolean(res.failed == 0 && res.started > 0));
    inventory_close(src.reader);
    return doc;
}

static int has_string(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

static const char *shard_file(unsigned k, char *out, size_t n)
{
    char name[32];
    snprintf(name, sizeof name, "shard%u.json", k);
    ft_path(out, n, name);
    return out;
}

/* argv[1], when given: a directory to keep the merged report in (merged.json), for
 * test_merge.sh to validate against the schema. */
int main(int argc, char **argv)
{
    char inv[512], path[512], other[512];
    ws_error err = {0};
    if (ft_mkdir() != 0)
        TAP_SKIP_ALL("no temporary directory");
    ft_path(inv, sizeof inv, "fleet.txt");
    FILE *f = fopen(inv, "w");
    for (int i = 0; i < HOSTS; ++i)
        fprintf(f, "%s%s%d%s\n", i % 4 ? "" : "ops@", i % 9 ? "nano" : "NANO", i,
                i % 10 ? "" : ":5986 https");
    fclose(f);

    json_t *single = run(inv, 0, 0, "2026-12-07T05:00:00Z", 0);
    TAP_OK(json_array_size(json_object_get(single, "hosts")) == HOSTS &&
           json_is_false(json_object_get(single, "ok")), "the single run: 60 hosts, not ok");

    size_t sum = 0;
    for (unsigned k = 1; k <= SHARDS; ++k) {
        char started[32];
        snprintf(started, sizeof started, "2026-12-07T06:0%u:00Z", k);
        json_t *d = run(inv, k, SHARDS, started, k);
        sum += json_array_size(json_object_get(d, "hosts"));
        json_dump_file(d, shard_file(k, path, sizeof path), JSON_INDENT(1));
        json_decref(d);
    }
    TAP_OK(sum == HOSTS, "4 shard runs wrote 60 host entries in all");

    /* All shards merged: equal to the single run, timings aside. */
    report_merge *m;
    report_merge_new(&m, &err);
    ws_rc rc = WS_OK;
    for (unsigned k = 1; k <= SHARDS && rc == WS_OK; ++k)
        rc = report_merge_add_file(m, shard_file(k, path, sizeof path), &err);
    TAP_OK(rc == WS_OK, "4 shard reports added");
    TAP_OK(report_merge_check_inventory(m, inv, &err) == WS_OK &&
           report_merge_missing_count(m) == 0 && report_merge_doubled_count(m) == 0,
           "none missing, none doubled");
    json_t *merged = report_merge_result(m, 0, &err);
    TAP_OK(merged && report_equal_timings_aside(merged, single),
           "the merged report equals the single run's, timings aside");
    json_t *changed = json_deep_copy(merged);
    json_t *step0 = json_array_get(json_object_get(json_array_get(
        json_object_get(changed, "hosts"), 5), "steps"), 0);
    json_object_set_new(step0, "reason", json_string("something else"));
    TAP_OK(!report_equal_timings_aside(changed, single),
           "one step's reason changed: the comparison fails");
    json_decref(changed);
    TAP_STR_EQ(json_string_value(json_object_get(merged, "started")), "2026-12-07T06:01:00Z",
               "started is the earliest shard's");
    TAP_OK(json_integer_value(json_object_get(merged, "seconds")) == 180 + 8,
           "seconds runs to the end of the last shard");
    TAP_OK(json_object_size(merged) == 7 && !json_object_get(merged, "merge"),
           "without findings: the schema's seven members only");
    if (argc > 1) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s/merged.json", argv[1]);
        TAP_OK(json_dump_file(merged, keep, JSON_INDENT(2)) == 0, "kept %s", keep);
    }
    json_t *found = report_merge_result(m, 1, &err);
    json_t *mg = json_object_get(found, "merge");
    TAP_OK(json_array_size(json_object_get(mg, "reports")) == 4 &&
           json_array_size(json_object_get(mg, "doubled")) == 0 &&
           json_array_size(json_object_get(mg, "missing")) == 0 &&
           json_array_size(json_object_get(mg, "missing_shards")) == 0,
           "findings: 4 reports, nothing doubled or missing");
    json_decref(found);
    json_decref(merged);
    report_merge_free(m);

    /* Shard 1 twice, shard 4 left out. */
    json_t *s1 = json_load_file(shard_file(1, path, sizeof path), 0, NULL);
    json_t *s4 = json_load_file(shard_file(4, other, sizeof other), 0, NULL);
    size_t n1 = json_array_size(json_object_get(s1, "hosts"));
    size_t n4 = json_array_size(json_object_get(s4, "hosts"));
    report_merge_new(&m, &err);
    report_merge_add_file(m, shard_file(1, path, sizeof path), &err);
    report_merge_add_file(m, shard_file(2, path, sizeof path), &err);
    report_merge_add_file(m, shard_file(3, path, sizeof path), &err);
    /* A re-run of shard 1, later: its entries win. */
    json_t *rerun = json_deep_copy(s1);
    json_object_set_new(rerun, "started", json_string("2026-12-07T07:00:00Z"));
    json_t *h0 = json_array_get(json_object_get(rerun, "hosts"), 0);
    json_object_set_new(h0, "steps", json_array());
    const char *h0name = json_string_value(json_object_get(h0, "host"));
    report_merge_add(m, rerun, "rerun.json", &err);
    report_merge_check_inventory(m, inv, &err);
    TAP_OK(report_merge_doubled_count(m) == n1, "shard 1 twice: its %zu hosts doubled", n1);
    TAP_OK(report_merge_missing_count(m) == n4, "shard 4 left out: its %zu hosts missing", n4);
    found = report_merge_result(m, 1, &err);
    mg = json_object_get(found, "merge");
    json_t *dbl = json_array_get(json_object_get(mg, "doubled"), 0);
    TAP_OK(json_array_size(json_object_get(found, "hosts")) == HOSTS - n4,
           "each host once in the merged hosts");
    TAP_OK(has_string(json_object_get(dbl, "reports"), shard_file(1, path, sizeof path)) &&
           has_string(json_object_get(dbl, "reports"), "rerun.json") &&
           json_array_size(json_object_get(dbl, "reports")) == 2,
           "a doubled host names its two reports");
    int all_missing = 1;
    json_t *hh;
    size_t i;
    json_array_foreach(json_object_get(s4, "hosts"), i, hh)
        all_missing &= has_string(json_object_get(mg, "missing"),
                                  json_string_value(json_object_get(hh, "host")));
    TAP_OK(all_missing, "every host of shard 4 is listed missing");
    TAP_OK(json_array_size(json_object_get(mg, "missing_shards")) == 1 &&
           has_string(json_object_get(mg, "missing_shards"), "4/4"),
           "the missing shard is named: 4/4");
    TAP_OK(json_is_false(json_object_get(found, "ok")), "with hosts missing, ok is false");
    int later_won = 0;
    json_array_foreach(json_object_get(found, "hosts"), i, hh)
        if (strcmp(json_string_value(json_object_get(hh, "host")), h0name) == 0)
            later_won = json_array_size(json_object_get(hh, "steps")) == 0;
    TAP_OK(later_won, "a doubled host's entry comes from the later run");
    json_decref(found);
    json_decref(rerun);
    report_merge_free(m);

    /* Without the inventory: the recorded count says how many are missing. */
    report_merge_new(&m, &err);
    for (unsigned k = 1; k <= 3; ++k)
        report_merge_add_file(m, shard_file(k, path, sizeof path), &err);
    found = report_merge_result(m, 1, &err);
    mg = json_object_get(found, "merge");
    TAP_OK(json_integer_value(json_object_get(mg, "missing_count")) == (json_int_t)n4 &&
           json_array_size(json_object_get(mg, "missing")) == 0 &&
           json_is_false(json_object_get(found, "ok")),
           "without -i: inventory_hosts tells %zu hosts missing", n4);
    json_decref(found);
    report_merge_free(m);

    /* Reports that cannot join. */
    report_merge_new(&m, &err);
    report_merge_add(m, s1, "a.json", &err);
    json_t *plan = json_deep_copy(s4);
    json_object_set_new(plan, "plan", json_true());
    ws_error_clear(&err);
    TAP_OK(report_merge_add(m, plan, "plan.json", &err) == WS_E_USAGE &&
           strstr(err.what, "plan.json") && strstr(err.what, "--plan"),
           "a --plan report cannot join a real run's: %s", err.what);
    json_object_set_new(plan, "plan", json_false());
    json_object_set_new(plan, "shard", json_pack("{s:i, s:i}", "k", 2, "n", 5));
    ws_error_clear(&err);
    TAP_OK(report_merge_add(m, plan, "five.json", &err) == WS_E_USAGE &&
           strstr(err.what, "2/5"), "a shard of 5 cannot join shards of 4: %s", err.what);
    json_object_set_new(plan, "shard", json_pack("{s:i, s:i}", "k", 4, "n", 4));
    json_object_set_new(plan, "inventory_hosts", json_integer(HOSTS + 1));
    ws_error_clear(&err);
    TAP_OK(report_merge_add(m, plan, "other.json", &err) == WS_E_USAGE &&
           strstr(err.what, "61 hosts"), "a run over another inventory cannot join: %s", err.what);
    json_object_del(plan, "hosts");
    ws_error_clear(&err);
    TAP_OK(report_merge_add(m, plan, "nohosts.json", &err) == WS_E_PROTOCOL,
           "a document without hosts is refused");
    ft_write(path, sizeof path, "broken.json", "{\"command\": \"bootstrap\",");
    ws_error_clear(&err);
    TAP_OK(report_merge_add_file(m, path, &err) == WS_E_IO && strstr(err.what, path),
           "a file that is not JSON is named: %s", err.what);
    json_decref(plan);
    report_merge_free(m);
    report_merge_new(&m, &err);
    ws_error_clear(&err);
    TAP_OK(report_merge_result(m, 0, &err) == NULL && err.rc == WS_E_USAGE,
           "no report: an error, not an empty document");
    report_merge_free(m);
    ws_error_clear(&err);

    json_decref(s1);
    json_decref(s4);
    json_decref(single);
    ft_cleanup();
    return tap_done();
}
