/* The bootstrap command: options for each host, credentials read once, the steps of
 * shell/bootstrap/ host after host, and what the user sees: one line per step as it ends
 * (docs/bootstrap.md), or the report as JSON. */
#include "shell/cli/bootstrap_cmd.h"
#include "shell/cli/config.h"
#include "shell/cli/connect.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include "shell/cli/smb_secret.h"
#include "shell/cli/winrs.h"
#include "base/clock.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ---------------------------------------------------------------------- */

static int usage(const char *fix, const char *what)
{
    return fail(fix ? fix : "see 'nanosh --help'", "%s", what);
}

/* The step names, comma-separated, for messages. */
static void step_names(char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < BS_STEP_COUNT && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", bs_step_name(i));
}

/* Parses a --steps/--skip list into a mask of (1u << bs_step_id). */
static int parse_steps(const char *list, const char *opt, unsigned *mask)
{
    char names[256];
    *mask = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        char name[64];
        if (len == 0 || len >= sizeof name) {
            step_names(names, sizeof names);
            char what[512];
            snprintf(what, sizeof what, "%s needs step names separated by commas; "
                     "the steps are %s", opt, names);
            return usage("e.g. --skip trusted-hosts,firewall", what);
        }
        memcpy(name, p, len);
        name[len] = '\0';
        int id = bs_step_parse(name);
        if (id < 0) {
            step_names(names, sizeof names);
            char what[512];
            snprintf(what, sizeof what, "unknown step '%.64s' in %s; the steps are %s", name,
                     opt, names);
            return usage(NULL, what);
        }
        *mask |= 1u << id;
        if (!p[len])
            break;
        p += len + 1;
    }
    return 0;
}

static int readable(const char *path, const char *opt)
{
    if (access(path, R_OK) == 0)
        return 0;
    return fail("check the path", "cannot read %s %s: %s", opt, path, strerror(errno));
}

/* --report's directory can take the file: found out before any host is touched, not
 * after a run whose record would be lost. */
static int report_writable(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) == 0)
        return 0;
    return fail("check that the directory exists and is writable",
                "cannot write the report %s: %s", path, strerror(errno));
}

/* The run's bs_config from the command line. Returns 0 or 255 after a line. */
static int make_config(const nanosh_opts *o, bs_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->docker_zip = o->docker_zip;
    cfg->docker_dir = o->docker_dir;
    cfg->trusted_hosts = o->trusted_hosts;
    cfg->share_path = o->share_path;
    cfg->share_name = o->share_name;
    cfg->plan = o->plan;
    unsigned all = (1u << BS_STEP_COUNT) - 1, mask = all;
    if (o->steps && parse_steps(o->steps, "--steps", &mask) != 0)
        return NANOSH_EXIT_FAILURE;
    if (o->skip) {
        unsigned skip;
        if (parse_steps(o->skip, "--skip", &skip) != 0)
            return NANOSH_EXIT_FAILURE;
        mask = all & ~skip;
        if (!mask)
            return usage("leave at least one step", "--skip leaves no step to run");
    }
    cfg->steps = mask;
    /* The docker files are read by the docker-files step and, for the engine version,
     * by the host step (docs/bootstrap.md, steps 2 and 7). */
    if ((mask & (1u << BS_DOCKER_FILES)) && !o->docker_zip && !o->docker_dir)
        return usage("give --docker-zip FILE or --docker-dir DIR, or --skip docker-files",
                     "the docker-files step needs docker.exe and dockerd.exe");
    if (o->docker_zip && readable(o->docker_zip, "--docker-zip") != 0)
        return NANOSH_EXIT_FAILURE;
    if (o->docker_dir && readable(o->docker_dir, "--docker-dir") != 0)
        return NANOSH_EXIT_FAILURE;
    if (o->report && report_writable(o->report) != 0)
        return NANOSH_EXIT_FAILURE;
    return 0;
}

/* One host's options: the command line with the host's own target, then the config
 * file's entry for that host, the defaults and the checks. The strings it allocates
 * are freed by host_opts_free. Returns 0 or 255 after a line. */
static int host_opts(const nanosh_opts *o, const char *target, nanosh_opts *ho)
{
    char why[256];
    target_spec t;
    *ho = *o;
    ho->host = ho->user = ho->cacert = ho->path = ho->host_alias = NULL;
    ho->target_arg = NULL;
    ho->targets = NULL;
    ho->ntargets = 0;
    if (target_parse(target, &t, why, sizeof why) < 0)
        return fail("write [user@]host[:port] or http[s]://host[:port][/path]",
                    "bad target '%s': %s", target, why);
    char *user = t.user;
    int port = t.port;
    ho->host = t.host;
    ho->path = t.path;
    /* The first target's URL scheme is that target's own, like its user@. */
    if (o->target_is_url)
        ho->https = -1;
    ho->target_is_url = t.https >= 0;
    if (t.https >= 0)
        ho->https = t.https;
    /* -u serves every host; a user@ of the first target belongs to that target only. */
    const char *cli_user = o->user_source && strcmp(o->user_source, "-u") == 0 ? o->user : NULL;
    if (user && cli_user && strcmp(user, cli_user) != 0) {
        int rc = fail("give the user once, with -u or as user@host",
                      "two different users: '%s' (-u) and '%s' (%s)", cli_user, user, target);
        free(user);
        return rc;
    }
    ho->user = user ? user : cli_user ? strdup(cli_user) : NULL;
    ho->user_source = user ? "user@host" : cli_user ? "-u" : NULL;
    if (port && o->port_option && port != o->port_option)
        return fail("give the port once, with --port or as host:port",
                    "two different ports: %d and %d", o->port_option, port);
    ho->port = port ? port : o->port_option;
    if (o->cacert && !(ho->cacert = strdup(o->cacert)))
        return fail(NULL, "out of memory");
    if ((cli_user && !ho->user))
        return fail(NULL, "out of memory");
    int rc = config_apply(ho);
    if (rc == 0) {
        options_finish(ho);
        rc = options_validate(ho);
    }
    return rc;
}

/* How a host is named in the lines and the report: as given, without a user@ (so
 * that two ports of one address stay apart). */
static const char *host_label(const char *target)
{
    const char *at = strrchr(target, '@');
    return at ? at + 1 : target;
}

static void host_opts_free(nanosh_opts *ho)
{
    options_host_free(ho);
}

/* ---- what the user sees ----------------------------------------------------------- */

typedef struct display {
    FILE *out;
    int lines;            /* not --json: a line per step */
    int tty;              /* stdout is a terminal: a failed step's fix on a second line */
    int host_width;
    int status_width;
    const char *host;     /* the host running now */
} display;

static void on_step_done(void *ud, const bs_step_result *r)
{
    display *d = ud;
    if (!d->lines)
        return;
    if (r->reason[0])
        fprintf(d->out, "%-*s%-15s%-*s%s\n", d->host_width, d->host, bs_step_name(r->id),
                d->status_width, bs_status_name(r->status), r->reason);
    else
        fprintf(d->out, "%-*s%-15s%s\n", d->host_width, d->host, bs_step_name(r->id),
                bs_status_name(r->status));
    if (r->status == BS_STATUS_FAILED && r->fix[0] && d->tty)
        fprintf(d->out, "%*sfix: %s\n", d->host_width + 1, "", r->fix);
    fflush(d->out);
    /* Not on a terminal, stdout stays one line per step for scripts; the fix goes to
     * stderr as nanosh's other lines do. */
    if (r->status == BS_STATUS_FAILED && r->fix[0] && !d->tty)
        warn_line(r->fix, "%s: %s failed", d->host, bs_step_name(r->id));
}

/* ---- one host --------------------------------------------------------------------- */

static int cancel_status(void)
{
    int flag = *signals_cancel_flag();
    return flag >= 128 ? flag : 128 + SIGINT;
}

int bootstrap_host(const bs_shared *s, const nanosh_opts *ho, const bs_events *ev,
                   bs_host_record *rec)
{
    long long start = ws_now_ms();
    connect_ctx cx;
    memset(&cx, 0, sizeof cx);
    ws_client *client = NULL;
    long poll_ms = run_poll_ms(ho, 1);
    if (connect_client(&cx, ho, 1, poll_ms, &client) != 0) {
        bs_host_record_error(rec, "the connection could not be set up", NULL);
        rec->seconds = (double)(ws_now_ms() - start) / 1000.0;
        return NANOSH_EXIT_FAILURE;
    }
    const char *user = credentials_user(ho);
    /* A typed password that was wrong was asked again by connect_client: SMB takes the
     * new one (bootstrap_main keeps it for the next host). */
    const char *secret = s->secret;
    if (secret && !s->nt_hash && ho->env_secrets && ho->env_secrets->prompted)
        secret = ho->env_secrets->password;
    smb_creds creds = {.user = user, .secret = secret, .nt_hash = s->nt_hash};
    winrm_copy_cfg wcfg = {.client = client, .poll_ms = poll_ms};
    bs_host h = {
        .name = ho->host, .client = client, .user = user,
        .password_given = s->password_given,
        .push = {.host = ho->host, .smb_port = (unsigned)ho->smb_port,
                 .smb = secret && user && !s->no_smb ? &creds : NULL,
                 .smb_missing = s->no_smb ? s->no_smb : secret && user ? NULL
                                : s->smb_missing ? s->smb_missing : "no user name for SMB",
                 .smb_timeout_ms = ho->connect_timeout_ms ? (int)ho->connect_timeout_ms : 0,
                 .winrm = &wcfg},
        .deadline_ms = cx.deadline_ms,
        .cancel = signals_cancel_flag(),
    };
    ws_error err;
    memset(&err, 0, sizeof err);
    memset(&rec->report, 0, sizeof rec->report);
    ws_rc rc = bootstrap_run(&h, &s->cfg, ev, &rec->report, &err);
    rec->seconds = (double)(ws_now_ms() - start) / 1000.0;
    int status = 0;
    /* Ctrl-C is Ctrl-C even when it landed inside the last step, which then failed and
     * let the run end as if nothing had stopped it. */
    if (*signals_cancel_flag()) {
        bs_host_record_error(rec, rc != WS_OK && err.what[0] ? err.what : "interrupted",
                             rc != WS_OK ? err.fix : NULL);
        if (!s->quiet)
            warn_line(NULL, "%s: interrupted; the steps that ran are reported", rec->host);
        status = cancel_status();
    } else if (rc != WS_OK) {
        bs_host_record_error(rec, err.what, err.fix);
        if (!s->quiet)
            connect_report(&cx, &err);
        status = NANOSH_EXIT_FAILURE;
    }
    ws_error_clear(&err);
    ws_client_free(client);
    return status;
}

/* ---- the command ------------------------------------------------------------------ */

static const char blank_fix[] = "give the account a password on the host (net user NAME * at its "
                                "Recovery Console), then run bootstrap again";

/* Reads the secret once for every host. Returns 0 or 255 after a line. */
static int read_secret(const nanosh_opts *first, smb_secret *sec, bs_shared *s)
{
    const char *user = credentials_user(first);
    /* -a kerberos may log on without a password; the others need one (or an NT hash). */
    int must = first->auth != AUTH_KERBEROS;
    memset(sec, 0, sizeof *sec);
    if (user) {
        int rc = smb_secret_read(first, user, must, sec);
        if (rc != 0)
            return rc;
    } else if (must) {
        return fail("give the user with -u USER or user@host", "no user name");
    }
    /* Before any request (docs/bootstrap.md, reach): the host would answer 401 and lock
     * nothing, but the user learns more from the reason than from the 401. */
    if (sec->secret && !sec->nt_hash && !sec->secret[0])
        return fail(blank_fix, "WinRM refuses network logons of blank-password accounts: "
                    "set a password for %s first", user);
    s->secret = sec->secret;
    s->nt_hash = sec->nt_hash;
    s->smb_missing = sec->missing;
    s->password_given = sec->secret && sec->secret[0];
    return 0;
}

int bootstrap_prepare(const nanosh_opts *o, const nanosh_opts *first, bs_shared *s,
                      smb_secret *sec, credentials_env *env)
{
    memset(s, 0, sizeof *s);
    memset(sec, 0, sizeof *sec);
    int rc = make_config(o, &s->cfg);
    if (rc == 0)
        rc = read_secret(first, sec, s);
    if (rc == 0 && sec->prompted && !sec->nt_hash) {
        if (o->env_secrets)
            *env = *o->env_secrets;
        env->password = sec->secret;
    }
    s->quiet = 1;
    /* libsmbclient keeps process-wide state (talloc stacks, one context list) and is not
     * safe from several threads: a fleet's hosts copy over WinRM. */
    s->no_smb = "a fleet copies over WinRM (libsmbclient is not thread-safe)";
    return rc;
}

static int write_report(const nanosh_opts *o, const bs_run_record *run)
{
    if (o->json) {
        bootstrap_report_write(stdout, run);
        fflush(stdout);
    }
    if (o->report && bootstrap_report_save(o->report, run) != 0)
        return fail("check the path given to --report",
                    "cannot write the report %s: %s", o->report, strerror(errno));
    return 0;
}

int bootstrap_main(const nanosh_opts *o)
{
    bs_shared s;
    memset(&s, 0, sizeof s);
    int rc = make_config(o, &s.cfg);
    if (rc != 0)
        return rc;
    size_t n = o->ntargets;
    nanosh_opts *hosts = calloc(n, sizeof *hosts);
    if (!hosts)
        return fail(NULL, "out of memory");
    /* Every host's options are checked before the first host is touched. */
    size_t made = 0;
    int width = 0;
    for (; made < n && rc == 0; made++) {
        rc = host_opts(o, o->targets[made], &hosts[made]);
        int len = (int)strlen(host_label(o->targets[made]));
        width = len > width ? len : width;
    }
    smb_secret sec;
    memset(&sec, 0, sizeof sec);
    credentials_env env = {0};
    if (rc == 0)
        rc = read_secret(&hosts[0], &sec, &s);
    /* A prompted password serves WinRM too: connect_client finds it where it looks for
     * NANOSH_PASSWORD, so nobody is asked twice (as push does), and asks again when the
     * host refuses it (three tries in all, as ssh). */
    if (rc == 0 && sec.prompted && !sec.nt_hash) {
        if (o->env_secrets)
            env = *o->env_secrets;
        env.password = sec.secret;
        env.prompted = 1;
        for (size_t i = 0; i < n; i++)
            hosts[i].env_secrets = &env;
    }

    bs_run_record run;
    memset(&run, 0, sizeof run);
    run.started = time(NULL);
    run.plan = o->plan;
    long long start = ws_now_ms();
    display d = {.out = stdout, .lines = !o->json, .tty = isatty(STDOUT_FILENO),
                 .host_width = width + 2, .status_width = o->plan ? 13 : 9};
    bs_events ev = {.step_done = on_step_done, .ud = &d};
    int worst = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bs_host_record *rec = bs_run_add_host(&run, host_label(o->targets[i]));
        if (!rec) {
            rc = fail(NULL, "out of memory");
            break;
        }
        d.host = rec->host;
        int st = bootstrap_host(&s, &hosts[i], &ev, rec);
        if (env.prompted)     /* asked again: the old one is wiped, the new one serves on */
            s.secret = sec.secret = env.password;
        if (st != 0 && st != NANOSH_EXIT_FAILURE) {
            worst = st;             /* cancelled: the hosts after it are not started */
            break;
        }
        if (st != 0)
            worst = st;
    }
    run.seconds = (double)(ws_now_ms() - start) / 1000.0;
    if (rc == 0 && run.nhosts && write_report(o, &run) != 0)
        worst = worst && worst != NANOSH_EXIT_FAILURE ? worst : NANOSH_EXIT_FAILURE;
    if (rc == 0)
        rc = worst ? worst : bs_run_ok(&run) ? 0 : 1;
    bs_run_free(&run);
    credentials_wipe(sec.secret);
    for (size_t i = 0; i < made; i++)
        host_opts_free(&hosts[i]);
    free(hosts);
    return rc;
}
