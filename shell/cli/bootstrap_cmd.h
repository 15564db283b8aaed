/* "nanosh bootstrap [options] host..." (issue 12, docs/bootstrap.md): readies standalone
 * Nano Server 2016 hosts for containers, one host after another, with a line per step as
 * it ends, or the report as JSON (--json, --report FILE.json). */
#ifndef NANOSH_SHELL_CLI_BOOTSTRAP_CMD_H
#define NANOSH_SHELL_CLI_BOOTSTRAP_CMD_H
#include "shell/cli/bootstrap_report.h"
#include "shell/cli/credentials.h"
#include "shell/cli/options.h"
#include "shell/cli/smb_secret.h"

/* What every host of a run shares, made once before the first host and only read while
 * hosts run, so that a fleet runner can call bootstrap_host for many hosts at once. */
typedef struct bs_shared {
    bs_config cfg;
    const char *secret;          /* the password or NT hash (hex), for SMB; NULL: none */
    int nt_hash;
    const char *smb_missing;     /* why there is no SMB secret */
    int password_given;          /* a non-empty password or an NT hash will log on */
    int quiet;                   /* a fleet: no lines of bootstrap_host's own (the fleet's
                                  * on_done prints one line per host) */
    const char *no_smb;          /* non-NULL: copy the docker files over WinRM, for this
                                  * reason (a fleet: libsmbclient is not thread-safe) */
} bs_shared;

/* What a fleet needs before its first host (shell/cli/fleet_cmd.c): s->cfg from the
 * command line o, and the secret read once with first's options (the first host's: -u or
 * its user=). A prompted password is put in *env for every host's WinRM logon. The
 * secret is sec->secret, to wipe with credentials_wipe at the end. Returns 0 or 255 after
 * a line. */
int bootstrap_prepare(const nanosh_opts *o, const nanosh_opts *first, bs_shared *s,
                      smb_secret *sec, credentials_env *env);

/* Runs the steps on one host: connects with ho (the host's own options: the command line,
 * its target and the config file's entry for it), fills rec, and passes each step's end to
 * ev. Returns 0 when the steps ran (rec says how each ended), 130 (or 128 + the signal)
 * when cancelled, 255 when the host could not be run (rec->error says why; the line was
 * printed). */
int bootstrap_host(const bs_shared *s, const nanosh_opts *ho, const bs_events *ev,
                   bs_host_record *rec);

/* The command. o is the command line as parsed, before the config file: each host gets
 * its own options from it (config file, defaults, checks). Exit status: 0 when every step
 * of every host ended ok, changed, skipped or would-change; 1 when a step failed; 255 when
 * nanosh could not run (bad options or credentials, a blank password, a host whose
 * connection could not be set up, a report that could not be written); 130 after Ctrl-C
 * (128 + the signal for SIGTERM and SIGHUP), with the steps that ran reported. */
int bootstrap_main(const nanosh_opts *o);

#endif
