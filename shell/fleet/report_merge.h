/* nanosh report merge (docs/fleet.md "Merging reports"): joins the reports of several
 * runs (--shard K/N on N machines, or a re-run of failed hosts) into one document in the
 * format of docs/bootstrap-report.schema.json, and says which hosts appear in more than
 * one report (doubled) and which inventory hosts appear in none (missing).
 *
 * Doubled hosts: the entry from the report that started last wins (a re-run replaces
 * the first try); on equal start times, the report added last. */
#ifndef NANOSH_FLEET_REPORT_MERGE_H
#define NANOSH_FLEET_REPORT_MERGE_H
#include "base/error.h"
#include <jansson.h>

typedef struct report_merge report_merge;

ws_rc report_merge_new(report_merge **out, ws_error *err);
void report_merge_free(report_merge *m);

/* Adds one report document (borrowed; the hosts are copied). name says where it came
 * from in the doubled list and in errors (the file name). */
ws_rc report_merge_add(report_merge *m, json_t *doc, const char *name, ws_error *err);
/* Reads a report file and adds it. */
ws_rc report_merge_add_file(report_merge *m, const char *path, ws_error *err);

/* The hosts of the inventory in none of the reports. Hosts are matched by the inventory
 * entry's label (inventory_entry_label: "host", "host:port", "[v6]:port") against the
 * reports' "host", without regard to case. Call after every report is added. */
ws_rc report_merge_check_inventory(report_merge *m, const char *inventory_path, ws_error *err);

/* The merged document (a new reference): command, version and plan from the reports
 * (they must agree), started the earliest, seconds to the end of the last, ok when every
 * host is ok and none is missing, hosts in the order first seen. With with_findings, a
 * top-level "merge" object is added:
 *   {"reports": [names], "doubled": [{"host": h, "reports": [names]}], "missing": [hosts],
 *    "missing_count": n, "missing_shards": ["K/N", ...]}
 * missing_shards lists the shards no report came from when the reports record
 * "shard": {"k": K, "n": N} (all with the same N). missing_count is the length of
 * missing after report_merge_check_inventory, else, when the reports record
 * "inventory_hosts" (the whole inventory's count, the same in all), that count less the
 * merged hosts; a count above 0 or a missing shard makes ok false. */
json_t *report_merge_result(report_merge *m, int with_findings, ws_error *err);

/* Counts, after report_merge_check_inventory for missing. */
size_t report_merge_doubled_count(const report_merge *m);
size_t report_merge_missing_count(const report_merge *m);

/* For comparing runs timings aside: a copy with hosts sorted by name and every
 * "seconds" and "started" member, the "merge" findings and "shard" dropped. */
json_t *report_normalize(const json_t *doc);
/* The two reports are equal once normalised. */
int report_equal_timings_aside(const json_t *a, const json_t *b);

#endif
