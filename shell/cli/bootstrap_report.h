/* The report of a bootstrap run (--json on stdout, --report FILE.json): one document for
 * the run, one entry per host with its steps. The format is documented by
 * docs/bootstrap-report.schema.json (JSON Schema draft 2020-12) and docs/bootstrap.md,
 * "Report". */
#ifndef NANOSH_SHELL_CLI_BOOTSTRAP_REPORT_H
#define NANOSH_SHELL_CLI_BOOTSTRAP_REPORT_H
#include "shell/bootstrap/bootstrap.h"
#include <stdio.h>
#include <time.h>

/* One host of the run: its steps as bootstrap_run left them, or why it did not run. */
typedef struct bs_host_record {
    char *host;                /* as given, without a user@ part */
    bs_report report;          /* nsteps 0 when no step ran */
    double seconds;
    char *error;               /* what stopped the host (connecting, cancelled); NULL: none */
    char *error_fix;           /* what to do about it; NULL: none */
} bs_host_record;

typedef struct bs_run_record {
    time_t started;            /* wall clock, for "started" (UTC, RFC 3339) */
    double seconds;
    int plan;
    bs_host_record *hosts;
    size_t nhosts, cap;
} bs_run_record;

/* A new host entry (zeroed, host copied), or NULL when out of memory. */
bs_host_record *bs_run_add_host(bs_run_record *run, const char *host);
/* Sets the host's error; the strings are copied. */
void bs_host_record_error(bs_host_record *h, const char *what, const char *fix);
/* Whether every step of every host ended ok, changed, skipped or would-change and no
 * host stopped with an error. */
int bs_run_ok(const bs_run_record *run);
void bs_run_free(bs_run_record *run);

/* Whether the host ran to the end and no step it reported failed. */
int bs_host_ok(const bs_host_record *h);
/* One host's entry, as in the report's "hosts" (a fleet streams them one by one). */
void bootstrap_report_write_host(FILE *out, const bs_host_record *h);

/* Writes the run as one JSON document and a newline. */
void bootstrap_report_write(FILE *out, const bs_run_record *run);
/* Writes it to path safely (shell/localfs/safe_file.h). Returns 0, or -1 with errno. */
int bootstrap_report_save(const char *path, const bs_run_record *run);

#endif
