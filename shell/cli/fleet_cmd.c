/* The fleet command (fleet_cmd.h, docs/fleet.md): the inventory checked first, the
 * password read once, every host run by fleet_run with its own options, connection and
 * deadline, and what the user sees: a progress line on a terminal, else a line per host;
 * -c output prefixed by host, or kept per host in --output-dir; the report streamed. */
#include "shell/cli/fleet_cmd.h"
#include "shell/cli/bootstrap_cmd.h"
#include "shell/cli/config.h"
#include "shell/cli/connect.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "shell/cli/fleet_output.h"
#include "shell/cli/fleet_report.h"
#include "shell/cli/signals.h"
#include "shell/cli/winrs.h"
#include "shell/fleet/runner.h"
#include "shell/fleet/source.h"
#include "shell/localfs/readfile.h"
#include "shell/ps/powershell.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fleet_ctx {
    const nanosh_opts *o;
    int bootstrap;
    bs_shared bs;
    const char *command_line;     /* -c, or -p/-f as one powershell.exe command line */
    int decode_clixml;
    credentials_env env;          /* the password read once, for every host's logon */
    int have_env;
    /* The shared password came from the config file or a prompt, not from
     * --password-file or NANOSH_PASSWORD: a host's own PasswordFile beats it. */
    int own_files_win;
    char *shared_file;            /* the PasswordFile it was read from, if one */
    fleet_output out;
    fleet_report report;
    int reporting;
    size_t failed;
} fleet_ctx;

/* What one host's tries leave for on_done. */
typedef struct host_result {
    bs_host_record rec;
    int exit_status;              /* -c: the command's; -1: it did not end */
    fleet_host_files files;       /* -c: where its output went */
} host_result;

/* ---- one host's options ------------------------------------------------------------- */

/* A host's secrets when its config entry names a PasswordFile other than the shared one. */
typedef struct host_secret {
    credentials_env env;
    char *own_password;           /* read from the host's PasswordFile; wiped after */
} host_secret;

/* The host's PasswordFile, read when it is not the file the shared password came from;
 * else the shared password. Returns 0, or 255 after a line. */
static int host_password(const fleet_ctx *c, nanosh_opts *ho, host_secret *own)
{
    own->env.password = c->env.password;     /* own->env is c->env without it so far */
    if (!ho->config_password_file ||
        (c->shared_file && strcmp(c->shared_file, ho->config_password_file) == 0))
        return 0;
    own->env.password = NULL;
    own->env.prompted = 0;
    int rc = credentials_password(ho, credentials_user(ho), &own->own_password);
    own->env.password = own->own_password;
    return rc;
}

/* The command line, then the inventory line's own user=, port=, auth= and https, then the
 * config file's entry for the host, the defaults and the checks. Returns 0, or 255 after
 * a line. The strings it allocates are freed by entry_opts_free. */
static int entry_opts(const fleet_ctx *c, const inventory_entry *e, nanosh_opts *ho,
                      host_secret *own)
{
    memset(own, 0, sizeof *own);
    const nanosh_opts *o = c->o;
    *ho = *o;
    ho->path = ho->host_alias = NULL;
    ho->target_arg = NULL;
    ho->targets = NULL;
    ho->ntargets = 0;
    ho->host = strdup(e->host);
    ho->user = e->user[0] ? strdup(e->user) : o->user ? strdup(o->user) : NULL;
    ho->user_source = e->user[0] ? "user@host" : o->user ? o->user_source : NULL;
    ho->cacert = o->cacert ? strdup(o->cacert) : NULL;
    if (!ho->host || ((e->user[0] || o->user) && !ho->user) || (o->cacert && !ho->cacert))
        return fail(NULL, "out of memory");
    if (e->port)
        ho->port = (int)e->port;
    if (e->https)
        ho->https = 1;
    if (e->auth != INV_AUTH_DEFAULT && options_parse_auth(inv_auth_name(e->auth), &ho->auth) < 0)
        return fail(NULL, "inventory line %lu: unknown auth", e->line);
    if (c->have_env) {
        ho->password_file = NULL;          /* read once already: c->env has it */
        ho->env_secrets = &c->env;
        if (c->own_files_win) {
            /* No password yet, so the config's PasswordFile is taken (config.c). */
            own->env = c->env;
            own->env.password = NULL;
            ho->env_secrets = &own->env;
        }
    }
    int rc = config_apply(ho);
    if (rc == 0 && c->have_env && c->own_files_win)
        rc = host_password(c, ho, own);
    if (rc == 0) {
        options_finish(ho);
        rc = options_validate(ho);
    }
    return rc;
}

static void entry_opts_free(nanosh_opts *ho, host_secret *own)
{
    options_host_free(ho);
    credentials_wipe(own->own_password);
    own->own_password = NULL;
}

/* ---- one host's run ----------------------------------------------------------------- */

/* The reach step found nobody answering (refused, reset, timed out) or a 503: worth
 * another try, by the same rule as a connection that failed (fleet_error_is_transient). */
static int bootstrap_transient(const bs_host_record *rec)
{
    if (rec->error || rec->report.nsteps == 0)
        return 0;
    const bs_step_result *r = &rec->report.steps[0];
    ws_error e = {.rc = r->rc, .http_status = r->http_status};
    return r->id == BS_REACH && r->status == BS_STATUS_FAILED && r->rc != WS_E_RESOLVE &&
           fleet_error_is_transient(&e);
}

static void run_bootstrap(fleet_ctx *c, const nanosh_opts *ho, host_result *hr,
                          host_outcome *out)
{
    bs_events none = {0};
    int st = bootstrap_host(&c->bs, ho, &none, &hr->rec);
    out->ok = st == 0 && bs_host_ok(&hr->rec);
    out->transient = !out->ok && bootstrap_transient(&hr->rec);
}

/* -c, -p, -f on one host: the remote shell made (a failure there, before the command
 * started, may be retried), the command run with its output into the host's files, the
 * shell deleted whatever happened (Ctrl-C included: session_run stops the command). */
static void run_command(fleet_ctx *c, const nanosh_opts *ho, host_result *hr,
                        host_outcome *out)
{
    connect_ctx cx;
    memset(&cx, 0, sizeof cx);
    ws_client *client = NULL;
    long poll_ms = run_poll_ms(ho, 1);
    if (connect_client(&cx, ho, 1, poll_ms, &client) != 0) {
        bs_host_record_error(&hr->rec, "the connection could not be set up",
                             "see the line above");
        return;
    }
    run_config cfg = {.poll_ms = poll_ms, .idle_timeout_s = run_idle_timeout_s(ho),
                      .deadline_ms = cx.deadline_ms, .cancel = signals_cancel_flag(),
                      .in_fd = -1, .out_fd = hr->files.out_fd, .err_fd = hr->files.err_fd};
    winrs_run_settings(ho, &cfg);       /* --env, --codepage, --no-profile, --text */
    session s;
    ws_error err, warning;
    memset(&err, 0, sizeof err);
    memset(&warning, 0, sizeof warning);
    if (session_open(&s, client, &cfg, ho->cwd, &err) != WS_OK) {
        out->transient = fleet_error_is_transient(&err);
        bs_host_record_error(&hr->rec, err.what, err.fix);
        ws_error_clear(&err);
        session_close(&s, &warning);
        ws_error_clear(&warning);
        return;
    }
    clixml_filter clixml;
    run_filter filter = winrs_clixml_filter(&clixml);
    run_request rq = {.command_line = c->command_line,
                      .err_filter = c->decode_clixml ? &filter : NULL};
    int status = 0;
    run_end end = session_run(&s, &rq, &status, &err);
    if (end != RUN_FAILED && atomic_load(signals_cancel_flag())) {
        /* Ctrl-C reached the command (WinRS ctrl_c), which then ended: say so, not as
         * if it had ended by itself. */
        if (end == RUN_DONE)
            hr->exit_status = status;
        bs_host_record_error(&hr->rec, "interrupted", NULL);
    } else if (end == RUN_DONE) {
        hr->exit_status = status;
        out->ok = status == 0;
        if (status != 0) {
            char what[64];
            snprintf(what, sizeof what, "the command exited with status %d", status);
            bs_host_record_error(&hr->rec, what, NULL);
        }
    } else if (end == RUN_FAILED) {
        bs_host_record_error(&hr->rec, err.what, err.fix);
    } else {
        bs_host_record_error(&hr->rec, end == RUN_PIPE_CLOSED ? "the output was closed"
                             : "interrupted", NULL);
    }
    ws_error_clear(&err);
    session_close(&s, &warning);
    ws_error_clear(&warning);
}

static void run_host(void *ud, const inventory_entry *e, const _Atomic int *cancel,
                     host_outcome *out)
{
    fleet_ctx *c = ud;
    (void)cancel;                 /* the same flag as signals_cancel_flag(), which both
                                   * bootstrap_host and session_run look at */
    host_result *hr = out->data;
    char label[INV_LABEL_MAX];
    inventory_entry_label(e, label);
    if (!hr) {
        hr = calloc(1, sizeof *hr);
        if (!hr) {
            out->ok = 0;
            return;
        }
        hr->files.out_fd = hr->files.err_fd = -1;
        out->data = hr;
    } else {
        /* A retry: the last try's record and output are replaced. */
        free(hr->rec.error);
        free(hr->rec.error_fix);
        hr->rec.error = hr->rec.error_fix = NULL;
        free(hr->rec.host);
        hr->rec.host = NULL;
        fleet_host_files_close(&hr->files, 0);
    }
    hr->exit_status = -1;
    hr->rec.host = strdup(label);
    memset(&hr->rec.report, 0, sizeof hr->rec.report);
    out->ok = 0;
    out->transient = 0;
    nanosh_opts ho;
    host_secret own;
    if (entry_opts(c, e, &ho, &own) != 0) {
        bs_host_record_error(&hr->rec, "the host's options are not valid", "see the line above");
        entry_opts_free(&ho, &own);
        return;
    }
    if (c->bootstrap) {
        run_bootstrap(c, &ho, hr, out);
    } else if (fleet_host_files_open(&c->out, label, &hr->files) != 0) {
        bs_host_record_error(&hr->rec, "cannot make the host's output files",
                             strerror(errno));
    } else {
        run_command(c, &ho, hr, out);
    }
    entry_opts_free(&ho, &own);
}

static void on_done(void *ud, const inventory_entry *e, host_outcome *out)
{
    fleet_ctx *c = ud;
    host_result *hr = out->data;
    char label[INV_LABEL_MAX];
    inventory_entry_label(e, label);
    if (!hr) {
        fleet_output_host_line(&c->out, label, 0, "out of memory");
        c->failed++;
        return;
    }
    if (!hr->rec.host)
        hr->rec.host = strdup(label);
    hr->rec.seconds = out->seconds;
    if (out->cancelled && out->ok == 0 && !hr->rec.error)
        bs_host_record_error(&hr->rec, "interrupted", NULL);
    if (!out->ok)
        c->failed++;
    if (!c->bootstrap)
        fleet_output_host_files(&c->out, label, &hr->files, hr->exit_status,
                                hr->rec.error);
    char reason[768] = "";
    if (!out->ok) {
        if (hr->rec.error)
            snprintf(reason, sizeof reason, "%s", hr->rec.error);
        for (size_t i = 0; !reason[0] && i < hr->rec.report.nsteps; i++) {
            const bs_step_result *r = &hr->rec.report.steps[i];
            if (r->status == BS_STATUS_FAILED)
                snprintf(reason, sizeof reason, "%s: %s", bs_step_name(r->id), r->reason);
        }
        if (out->attempt > 1) {
            size_t n = strlen(reason);
            snprintf(reason + n, sizeof reason - n, " (after %u tries)", out->attempt);
        }
    }
    fleet_output_host_line(&c->out, label, out->ok, reason[0] ? reason : "failed");
    if (c->reporting)
        fleet_report_host(&c->report, &hr->rec, c->bootstrap ? -1 : hr->exit_status);
    free(hr->rec.host);
    free(hr->rec.error);
    free(hr->rec.error_fix);
    free(hr);
    out->data = NULL;
}

static void on_progress(void *ud, const fleet_progress *p)
{
    fleet_ctx *c = ud;
    fleet_output_progress(&c->out, p);
}

/* ---- before the run ----------------------------------------------------------------- */

/* The first host's options, for the password prompt's user and the early checks. */
static int first_entry(const char *path, inventory_entry *e)
{
    inventory_reader *r = NULL;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (inventory_open(path, &r, &err) != WS_OK)
        return fail_ws(&err);
    int got = inventory_next(r, e, &err);
    inventory_close(r);
    if (got < 0)
        return fail_ws(&err);
    if (got == 0)
        return fail("put one host a line in it (docs/fleet.md)", "the inventory %s has no host",
                    path);
    return 0;
}

/* -c as given; -p and -f made into one powershell.exe command line (a script too long
 * for one is refused: a fleet does not stream scripts over stdin). */
static int make_command(fleet_ctx *c, char **owned)
{
    const nanosh_opts *o = c->o;
    *owned = NULL;
    if (o->command_kind == COMMAND_CMD) {
        c->command_line = o->command;
        return 0;
    }
    char *script = NULL;
    size_t len = strlen(o->command);
    ws_error err;
    memset(&err, 0, sizeof err);
    if (o->command_kind == COMMAND_PS_FILE) {
        if (readfile_all(o->command, "-f", &script, &len, &err) != WS_OK)
            return fail_ws(&err);
        if (len >= 3 && memcmp(script, "\xef\xbb\xbf", 3) == 0) {
            memmove(script, script + 3, len - 2);
            len -= 3;
        }
    }
    int rc = powershell_command_line(script ? script : o->command, len, owned, &err);
    free(script);
    if (rc == -1)
        return fail_ws(&err);
    if (rc == POWERSHELL_TOO_LONG)
        return fail("shorten the script, or copy it to the hosts first and run it there",
                    "the script is too long for one command line, which a fleet needs");
    c->command_line = *owned;
    c->decode_clixml = 1;
    return 0;
}

/* The password, read once (a prompt at most once) for every host. Returns 0 or 255. */
static int read_password(fleet_ctx *c, const nanosh_opts *first)
{
    const nanosh_opts *o = c->o;
    if (o->env_secrets)
        c->env = *o->env_secrets;
    int nt = o->nt_hash_file || (o->env_secrets && o->env_secrets->nt_hash);
    if (nt || (first->auth == AUTH_KERBEROS && !credentials_password_given(first)))
        return 0;
    char *pw = NULL;
    int rc = credentials_password(first, credentials_user(first), &pw);
    if (rc != 0)
        return rc;
    c->env.password = pw;
    c->have_env = 1;
    return 0;
}

static int cancel_status(void)
{
    int flag = atomic_load(signals_cancel_flag());
    return flag >= 128 ? flag : 128 + SIGINT;
}

int fleet_main(const nanosh_opts *o)
{
    fleet_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.bootstrap = o->mode == MODE_BOOTSTRAP;
    ws_error err;
    memset(&err, 0, sizeof err);

    /* Nothing runs unless the whole file is right (docs/fleet.md, "Inventory"). */
    size_t inventory_hosts = 0;
    if (inventory_check(o->inventory, &inventory_hosts, &err) != WS_OK)
        return fail_ws(&err);
    shard_spec shard = {0, 0};
    if (o->shard && shard_parse(o->shard, &shard, &err) != WS_OK)
        return fail_ws(&err);
    inventory_entry first_e;
    int rc = first_entry(o->inventory, &first_e);
    if (rc != 0)
        return rc;
    nanosh_opts first;
    host_secret first_own;
    rc = entry_opts(&c, &first_e, &first, &first_own);
    /* The cheap checks before a password is asked for. */
    if (rc == 0 && o->output_dir)
        rc = fleet_output_check_dir(o->output_dir);
    char *command_owned = NULL;
    smb_secret sec;
    memset(&sec, 0, sizeof sec);
    if (rc == 0 && c.bootstrap) {
        rc = bootstrap_prepare(o, &first, &c.bs, &sec, &c.env);
        /* One secret for WinRM and SMB alike: no host reads the file or asks again. */
        if (rc == 0 && sec.secret && !sec.nt_hash) {
            if (!c.env.password && o->env_secrets)
                c.env = *o->env_secrets;
            c.env.password = sec.secret;
            c.have_env = 1;
        }
    } else if (rc == 0) {
        rc = make_command(&c, &command_owned);
        if (rc == 0)
            rc = read_password(&c, &first);
    }
    if (rc == 0 && c.have_env && !o->password_file &&
        !(o->env_secrets && o->env_secrets->password)) {
        c.own_files_win = 1;
        if (first.config_password_file && !(c.shared_file = strdup(first.config_password_file)))
            rc = fail(NULL, "out of memory");
    }
    entry_opts_free(&first, &first_own);

    inventory_reader *reader = NULL;
    fleet_source src = {.shard = shard};
    size_t total = 0;
    if (rc == 0 && (inventory_open(o->inventory, &reader, &err) != WS_OK ||
                    fleet_source_count((src.reader = reader, &src), &total, &err) != WS_OK))
        rc = fail_ws(&err);
    time_t started = time(NULL);
    if (rc == 0 && o->report) {
        fleet_report_head head = {.command = c.bootstrap ? "bootstrap" : "run",
                                  .started = started, .plan = o->plan,
                                  .shard_k = shard.k, .shard_n = shard.n,
                                  .inventory_hosts = inventory_hosts};
        if (fleet_report_begin(&c.report, o->report, &head) != 0)
            rc = fail("check the path given to --report", "cannot write the report %s: %s",
                      o->report, strerror(errno));
        else
            c.reporting = 1;
    }

    fleet_result res;
    memset(&res, 0, sizeof res);
    if (rc == 0) {
        fleet_output_init(&c.out, o->output_dir, c.bootstrap, total);
        fleet_config cfg;
        fleet_config_defaults(&cfg);
        cfg.jobs = o->jobs ? o->jobs : FLEET_JOBS_DEFAULT;
        cfg.total = total;
        cfg.cancel = signals_cancel_flag();
        cfg.progress_ms = c.out.tty ? 100 : 0;   /* redrawn at most 10 times a second */
        cfg.next = fleet_source_next;
        cfg.next_ud = &src;
        cfg.run_host = run_host;
        cfg.host_ud = &c;
        cfg.on_done = on_done;
        cfg.on_progress = c.out.tty ? on_progress : NULL;
        cfg.cb_ud = &c;
        fleet_counts counts;
        if (fleet_run(&cfg, &counts, &res, &err) != WS_OK)
            rc = fail_ws(&err);
        fleet_output_finish(&c.out, &res);
    }
    int cancelled = res.cancelled || atomic_load(signals_cancel_flag());
    if (c.reporting) {
        /* Written after Ctrl-C too: the hosts that started are in it. */
        if (fleet_report_end(&c.report, res.seconds, cancelled) != 0) {
            int e = errno;
            fail("check the path given to --report", "cannot write the report %s: %s",
                 o->report, strerror(e));
            rc = rc ? rc : NANOSH_EXIT_FAILURE;
        }
    }
    if (reader)
        inventory_close(reader);
    free(command_owned);
    if (c.have_env && c.env.password != sec.secret)
        credentials_wipe(c.env.password);
    credentials_wipe(sec.secret);
    free(c.shared_file);
    if (rc != 0)
        return rc;
    if (cancelled)
        return cancel_status();
    return c.failed || res.failed ? 1 : 0;
}
