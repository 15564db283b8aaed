/* A fleet's --report FILE.json, streamed (docs/fleet.md, docs/bootstrap-report.schema.json):
 * the header when the run starts, one host entry as each host ends, the run's ok and
 * seconds at the end, into a temporary file (shell/localfs/safe_file.h) that is fsynced
 * and renamed over FILE only then. Memory stays flat however many hosts there are. */
#ifndef NANOSH_SHELL_CLI_FLEET_REPORT_H
#define NANOSH_SHELL_CLI_FLEET_REPORT_H
#include "shell/cli/bootstrap_report.h"
#include "shell/localfs/safe_file.h"
#include <stddef.h>
#include <time.h>

typedef struct fleet_report {
    safe_file file;
    int open;
    int failed_errno;          /* the first write that failed; 0: none */
    size_t nhosts;
    int ok;                    /* every host so far is ok */
} fleet_report;

typedef struct fleet_report_head {
    const char *command;       /* "bootstrap", or "run" for -c, -p, -f */
    time_t started;
    int plan;
    unsigned shard_k, shard_n; /* n 0: not a shard run */
    size_t inventory_hosts;    /* every host of the inventory, whatever the shard */
} fleet_report_head;

/* Opens the temporary file next to path and writes the header. 0, or -1 with errno. */
int fleet_report_begin(fleet_report *r, const char *path, const fleet_report_head *head);
/* One host. exit_status < 0: none (bootstrap, or the command did not end). */
void fleet_report_host(fleet_report *r, const bs_host_record *h, int exit_status);
/* The end: seconds, ok (also false when cancelled), fsync, rename. 0, or -1 with errno. */
int fleet_report_end(fleet_report *r, double seconds, int cancelled);
/* Drops the temporary file (nanosh could not run the fleet). */
void fleet_report_abort(fleet_report *r);

#endif
