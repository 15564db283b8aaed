/* Fleets on the command line (issue 13, docs/fleet.md): `nanosh bootstrap -i FILE` and
 * `nanosh -i FILE -c|-p|-f ...` run on every inventory host, -j N at once, through the
 * runner of shell/fleet/; `nanosh report merge` joins the reports of shard runs. */
#ifndef NANOSH_SHELL_CLI_FLEET_CMD_H
#define NANOSH_SHELL_CLI_FLEET_CMD_H
#include "shell/cli/options.h"

enum { FLEET_JOBS_DEFAULT = 8 };

/* The fleet run. Exit status: 0 when every host succeeded (bootstrap: no step failed;
 * -c/-p/-f: the command exited 0 on every host); 1 when a host failed; 255 when nanosh
 * could not run the fleet (a malformed inventory line, bad options or credentials, a
 * report that could not be written); 130 after Ctrl-C (128 + the signal for SIGTERM and
 * SIGHUP), with the hosts that started reported. */
int fleet_main(const nanosh_opts *o);

/* nanosh report merge [-i FILE] REPORT...: argv[0] is "report". The merged report on
 * stdout; doubled and missing hosts on stderr. 0 when none are, 1 when some are, 255 on
 * an unreadable or mismatched report. */
int report_cmd_main(int argc, char **argv);

#endif
