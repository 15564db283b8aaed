/* What a fleet shows (docs/fleet.md, "Output"): on a terminal (stderr), one progress line
 * redrawn at most 10 times a second, with failed hosts above it; without one, a line per
 * host as it ends: "HOST ok" or "HOST failed REASON". -c/-p/-f output goes to per-host
 * files while the host runs, then out whole: prefixed "HOST: " line by line on stdout and
 * stderr (so lines of two hosts never mix), or kept as --output-dir's DIR/HOST.out,
 * DIR/HOST.err and DIR/HOST.status. Every function but files_open runs in the runner's
 * serialised callbacks, so no lock of its own is needed. */
#ifndef NANOSH_SHELL_CLI_FLEET_OUTPUT_H
#define NANOSH_SHELL_CLI_FLEET_OUTPUT_H
#include "shell/fleet/runner.h"
#include "shell/localfs/safe_file.h"
#include <stdio.h>

typedef struct fleet_output {
    int tty;                  /* stderr is a terminal: the progress line */
    FILE *lines;              /* the per-host lines: stdout for bootstrap, else stderr */
    const char *output_dir;   /* --output-dir, or NULL */
    size_t total;
    int drawn;                /* a progress line is on the screen */
    char last[160];           /* what it says: not drawn again unchanged */
} fleet_output;

typedef struct fleet_host_files {
    int out_fd, err_fd;       /* -1: none */
    safe_file out_sf, err_sf; /* --output-dir: the files being written */
    int in_dir;
} fleet_host_files;

void fleet_output_init(fleet_output *o, const char *output_dir, int bootstrap, size_t total);
/* --output-dir exists and is writable. 0, or 255 after a line. */
int fleet_output_check_dir(const char *dir);

/* The host's stdout and stderr: unlinked temporary files, or in --output-dir the
 * temporary files that become DIR/HOST.out and DIR/HOST.err. 0, or -1 with errno. */
int fleet_host_files_open(const fleet_output *o, const char *label, fleet_host_files *f);
/* Closes them; commit renames --output-dir's files into place (else they are dropped). */
void fleet_host_files_close(fleet_host_files *f, int commit);

/* The host's output out (prefixed lines, or --output-dir's files and DIR/HOST.status:
 * the exit status, then a reason line when the host failed), files closed. */
void fleet_output_host_files(fleet_output *o, const char *label, fleet_host_files *f,
                             int exit_status, const char *error);
/* The host ended. */
void fleet_output_host_line(fleet_output *o, const char *label, int ok, const char *reason);
void fleet_output_progress(fleet_output *o, const fleet_progress *p);
/* The last progress line ends; a summary line on stderr. */
void fleet_output_finish(fleet_output *o, const fleet_result *res);

#endif
