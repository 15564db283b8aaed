/* nanosh report merge: several bootstrap reports into one (docs/fleet.md "Merging
 * reports"; the format is docs/bootstrap-report.schema.json). */
#include "shell/fleet/report_merge.h"
#include "shell/fleet/inventory.h"
#include "shell/fleet/shard.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct report_merge {
    json_t *hosts;            /* lower-cased host -> {"entry", "at", "seq", "reports"} */
    json_t *order;            /* keys in the order first seen */
    json_t *names;            /* the reports' names, in order added */
    json_t *missing;          /* inventory labels in no report */
    json_t *shards;           /* "K" -> true, for reports that record their shard */
    unsigned shard_n;
    long long inventory_hosts;  /* the reports' "inventory_hosts" (the whole inventory); 0 */
    int inventory_checked;
    char *command, *version;
    int plan, have_meta;
    long long first_start, last_end;
    size_t seq, doubled;
};

ws_rc report_merge_new(report_merge **out, ws_error *err)
{
    report_merge *m = calloc(1, sizeof *m);
    if (m) {
        m->hosts = json_object();
        m->order = json_array();
        m->names = json_array();
        m->missing = json_array();
        m->shards = json_object();
    }
    if (!m || !m->hosts || !m->order || !m->names || !m->missing || !m->shards) {
        report_merge_free(m);
        *out = NULL;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory merging reports");
    }
    *out = m;
    return WS_OK;
}

void report_merge_free(report_merge *m)
{
    if (!m)
        return;
    json_decref(m->hosts);
    json_decref(m->order);
    json_decref(m->names);
    json_decref(m->missing);
    json_decref(m->shards);
    free(m->command);
    free(m->version);
    free(m);
}

/* "2026-12-07T05:26:43Z" (the schema's started) as seconds since the epoch; -1 if not. */
static long long parse_started(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return -1;
    return (long long)timegm(&tm);
}

static void lower_key(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; ++i)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

#define REPORT_SECONDS_MAX (100.0 * 366 * 24 * 3600)

#define BADREP(...) ws_error_set(err, WS_E_PROTOCOL, \
    "give reports written by nanosh bootstrap --report (docs/bootstrap-report.schema.json)", \
    __VA_ARGS__)

static ws_rc merge_meta(report_merge *m, json_t *doc, const char *name, ws_error *err)
{
    const char *command = json_string_value(json_object_get(doc, "command"));
    const char *version = json_string_value(json_object_get(doc, "version"));
    json_t *plan = json_object_get(doc, "plan");
    json_t *secs = json_object_get(doc, "seconds");
    long long start = parse_started(json_string_value(json_object_get(doc, "started")));
    if (!command || !version || !json_is_boolean(plan) || !json_is_number(secs) || start < 0)
        return BADREP("%s: not a report: command, version, started, seconds or plan is missing "
                      "or not of its type", name);
    /* The schema's seconds is a number >= 0; a century bounds a run and keeps the sum
     * below in range. */
    if (!(json_number_value(secs) >= 0 && json_number_value(secs) <= REPORT_SECONDS_MAX))
        return BADREP("%s: \"seconds\" is not a run's duration (0 to %.0f)", name,
                      REPORT_SECONDS_MAX);
    if (!m->have_meta) {
        if (!(m->command = strdup(command)) || !(m->version = strdup(version)))
            return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory merging reports");
        m->plan = json_is_true(plan);
        m->first_start = start;
        m->last_end = start;
        m->have_meta = 1;
    } else if (strcmp(command, m->command) != 0 || m->plan != json_is_true(plan)) {
        return ws_error_set(err, WS_E_USAGE, "merge reports of the same command and mode only",
                            "%s: a report of \"%s\"%s cannot join reports of \"%s\"%s", name,
                            command, json_is_true(plan) ? " --plan" : "", m->command,
                            m->plan ? " --plan" : "");
    }
    /* Different nanosh versions may merge; the first one's is kept. */
    long long end = start + (long long)(json_number_value(secs) + 0.999);
    if (start < m->first_start)
        m->first_start = start;
    if (end > m->last_end)
        m->last_end = end;

    json_t *inv = json_object_get(doc, "inventory_hosts");
    if (inv && (!json_is_integer(inv) || json_integer_value(inv) < 1))
        return BADREP("%s: \"inventory_hosts\" is not a count", name);
    if (inv && m->inventory_hosts && json_integer_value(inv) != m->inventory_hosts)
        return ws_error_set(err, WS_E_USAGE, "merge the reports of runs over one inventory",
                            "%s: a run over %lld hosts cannot join runs over %lld", name,
                            (long long)json_integer_value(inv), m->inventory_hosts);
    if (inv)
        m->inventory_hosts = json_integer_value(inv);

    json_t *shard = json_object_get(doc, "shard");
    if (json_is_object(shard)) {
        json_int_t k = json_integer_value(json_object_get(shard, "k"));
        json_int_t n = json_integer_value(json_object_get(shard, "n"));
        if (n < 1 || k < 1 || k > n || n > SHARD_N_MAX)
            return BADREP("%s: \"shard\" is not {\"k\": K, \"n\": N} with 1 <= K <= N <= %d",
                          name, SHARD_N_MAX);
        if (m->shard_n && (json_int_t)m->shard_n != n)
            return ws_error_set(err, WS_E_USAGE, "merge the reports of one split only",
                                "%s: shard %lld/%lld cannot join shards of %u", name,
                                (long long)k, (long long)n, m->shard_n);
        m->shard_n = (unsigned)n;
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)k);
        json_object_set_new(m->shards, key, json_true());
    }
    return WS_OK;
}

static ws_rc merge_host(report_merge *m, json_t *h, long long start, const char *name,
                        size_t i, ws_error *err)
{
    const char *host = json_string_value(json_object_get(h, "host"));
    if (!json_is_object(h) || !host || !*host)
        return BADREP("%s: hosts[%zu] has no \"host\"", name, i);
    char key[1024];
    lower_key(host, key, sizeof key);
    json_t *slot = json_object_get(m->hosts, key);
    if (!slot) {
        slot = json_pack("{s:O, s:I, s:I, s:[s]}", "entry", h, "at", (json_int_t)start,
                         "seq", (json_int_t)m->seq, "reports", name);
        if (!slot || json_object_set_new(m->hosts, key, slot) != 0 ||
            json_array_append_new(m->order, json_string(key)) != 0)
            return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory merging reports");
        return WS_OK;
    }
    json_t *reports = json_object_get(slot, "reports");
    if (json_array_size(reports) == 1)
        ++m->doubled;
    json_array_append_new(reports, json_string(name));
    /* The later run wins: a re-run of a host replaces its first try. */
    if (start >= json_integer_value(json_object_get(slot, "at"))) {
        json_object_set(slot, "entry", h);
        json_object_set_new(slot, "at", json_integer(start));
    }
    return WS_OK;
}

ws_rc report_merge_add(report_merge *m, json_t *doc, const char *name, ws_error *err)
{
    json_t *hosts = json_object_get(doc, "hosts");
    if (!json_is_object(doc) || !json_is_array(hosts))
        return BADREP("%s: not a report: no \"hosts\" list", name);
    ws_rc rc = merge_meta(m, doc, name, err);
    if (rc != WS_OK)
        return rc;
    long long start = parse_started(json_string_value(json_object_get(doc, "started")));
    ++m->seq;
    json_array_append_new(m->names, json_string(name));
    size_t i;
    json_t *h;
    json_array_foreach(hosts, i, h) {
        rc = merge_host(m, h, start, name, i, err);
        if (rc != WS_OK)
            return rc;
    }
    return WS_OK;
}

ws_rc report_merge_add_file(report_merge *m, const char *path, ws_error *err)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return ws_error_set(err, WS_E_IO, "give a report written by nanosh --report",
                            "%s: line %d: %s", path, je.line, je.text);
    ws_rc rc = report_merge_add(m, doc, path, err);
    json_decref(doc);
    return rc;
}

ws_rc report_merge_check_inventory(report_merge *m, const char *inventory_path, ws_error *err)
{
    inventory_reader *r;
    inventory_entry e;
    ws_rc rc = inventory_open(inventory_path, &r, err);
    if (rc != WS_OK)
        return rc;
    json_array_clear(m->missing);
    int got;
    while ((got = inventory_next(r, &e, err)) == 1) {
        char label[INV_LABEL_MAX], key[INV_LABEL_MAX];
        inventory_entry_label(&e, label);
        lower_key(label, key, sizeof key);
        if (!json_object_get(m->hosts, key) &&
            json_array_append_new(m->missing, json_string(label)) != 0) {
            got = -1;
            ws_error_set(err, WS_E_NOMEM, NULL, "out of memory merging reports");
            break;
        }
    }
    inventory_close(r);
    if (got < 0)
        return err ? err->rc : WS_E_USAGE;
    m->inventory_checked = 1;
    return WS_OK;
}

size_t report_merge_doubled_count(const report_merge *m)
{
    return m->doubled;
}

size_t report_merge_missing_count(const report_merge *m)
{
    return json_array_size(m->missing);
}

static json_t *findings(report_merge *m)
{
    json_t *doubled = json_array(), *shards = json_array();
    size_t i;
    json_t *k;
    json_array_foreach(m->order, i, k) {
        json_t *slot = json_object_get(m->hosts, json_string_value(k));
        if (json_array_size(json_object_get(slot, "reports")) > 1)
            json_array_append_new(doubled, json_pack("{s:O, s:O}", "host",
                json_object_get(json_object_get(slot, "entry"), "host"),
                "reports", json_object_get(slot, "reports")));
    }
    for (unsigned s = 1; s <= m->shard_n; ++s) {
        char key[24], spec[48];
        snprintf(key, sizeof key, "%u", s);
        snprintf(spec, sizeof spec, "%u/%u", s, m->shard_n);
        if (!json_object_get(m->shards, key))
            json_array_append_new(shards, json_string(spec));
    }
    /* Without the inventory, the count the reports recorded still tells how many. */
    long long nmissing = (long long)json_array_size(m->missing);
    if (!m->inventory_checked && m->inventory_hosts)
        nmissing = m->inventory_hosts - (long long)json_array_size(m->order);
    return json_pack("{s:O, s:o, s:O, s:I, s:o}", "reports", m->names, "doubled", doubled,
                     "missing", m->missing, "missing_count", (json_int_t)(nmissing > 0 ? nmissing : 0),
                     "missing_shards", shards);
}

json_t *report_merge_result(report_merge *m, int with_findings, ws_error *err)
{
    if (!m->have_meta) {
        ws_error_set(err, WS_E_USAGE, "give at least one report", "no report to merge");
        return NULL;
    }
    char started[32];
    time_t t = (time_t)m->first_start;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *hosts = json_array();
    int ok = json_array_size(m->missing) == 0;
    size_t i;
    json_t *k;
    json_array_foreach(m->order, i, k) {
        json_t *entry = json_object_get(json_object_get(m->hosts, json_string_value(k)), "entry");
        if (!json_is_true(json_object_get(entry, "ok")))
            ok = 0;
        json_array_append(hosts, entry);
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:o}", "command", m->command,
                            "version", m->version, "started", started,
                            "seconds", (json_int_t)(m->last_end - m->first_start),
                            "plan", m->plan, "ok", ok, "hosts", hosts);
    if (doc && with_findings) {
        json_t *f = findings(m);
        if (json_array_size(json_object_get(f, "missing_shards")) > 0 ||
            json_integer_value(json_object_get(f, "missing_count")) > 0)
            json_object_set_new(doc, "ok", json_false());
        json_object_set_new(doc, "merge", f);
    }
    if (!doc)
        ws_error_set(err, WS_E_NOMEM, NULL, "out of memory merging reports");
    return doc;
}

/* Drops timing members at every depth. */
static void drop_timings(json_t *v)
{
    size_t i;
    json_t *x;
    if (json_is_object(v)) {
        json_object_del(v, "seconds");
        json_object_del(v, "started");
        const char *key;
        json_object_foreach(v, key, x)
            drop_timings(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            drop_timings(x);
    }
}

static int by_host(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "host"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "host"));
    return strcmp(x ? x : "", y ? y : "");
}

json_t *report_normalize(const json_t *doc)
{
    json_t *c = json_deep_copy(doc);
    if (!c)
        return NULL;
    json_object_del(c, "merge");
    json_object_del(c, "shard");
    json_object_del(c, "inventory_hosts");
    drop_timings(c);
    json_t *hosts = json_object_get(c, "hosts");
    size_t n = json_array_size(hosts);
    if (n > 1) {
        json_t **v = malloc(n * sizeof *v);
        json_t *sorted = json_array();
        if (!v || !sorted) {
            free(v);
            json_decref(sorted);
            json_decref(c);
            return NULL;
        }
        for (size_t i = 0; i < n; ++i)
            v[i] = json_array_get(hosts, i);
        qsort(v, n, sizeof *v, by_host);
        for (size_t i = 0; i < n; ++i)
            json_array_append(sorted, v[i]);
        free(v);
        json_object_set_new(c, "hosts", sorted);
    }
    return c;
}

int report_equal_timings_aside(const json_t *a, const json_t *b)
{
    json_t *x = report_normalize(a), *y = report_normalize(b);
    int eq = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return eq;
}
