/* getopt_long parsing of the nanosh command line, OpenSSH style: options may come before
 * or after the target, the target is [user@]host[:port]. */
#include "shell/cli/options.h"
#include "shell/cli/errors.h"
#include "shell/cli/version.h"
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    OPT_PORT = 256,
    OPT_CACERT,
    OPT_ALLOW_UNENCRYPTED,
    OPT_PASSWORD_FILE,
    OPT_NT_HASH_FILE,
    OPT_KEYTAB,
    OPT_SPN,
    OPT_DELEGATE,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_OPERATION_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_JSON,
    OPT_XML,
    OPT_FILTER,
    OPT_SELECTOR,
    OPT_UNAUTHENTICATED,
    OPT_VIA,
    OPT_SHARE,
    OPT_SMB_PORT,
    OPT_RESUME,
    OPT_STREAMS,
    OPT_FORCE,
    OPT_DOCKER_ZIP,
    OPT_DOCKER_DIR,
    OPT_TRUSTED_HOSTS,
    OPT_SHARE_PATH,
    OPT_SHARE_NAME,
    OPT_STEPS,
    OPT_SKIP,
    OPT_REPORT,
    OPT_PLAN,
    OPT_SHARD,
    OPT_OUTPUT_DIR,
    OPT_NO_CONFIG,
    OPT_NO_HTTPS,
    OPT_ENV,
    OPT_NO_PROFILE,
    OPT_CODEPAGE,
    OPT_CWD,
    OPT_TEXT,
    OPT_LOG,
};

static const struct option long_options[] = {
    {"help",              no_argument,       NULL, 'h'},
    {"version",           no_argument,       NULL, 'V'},
    {"debug",             no_argument,       NULL, 'v'},
    {"user",              required_argument, NULL, 'u'},
    {"auth",              required_argument, NULL, 'a'},
    {"https",             no_argument,       NULL, 's'},
    {"port",              required_argument, NULL, OPT_PORT},
    {"cacert",            required_argument, NULL, OPT_CACERT},
    {"insecure",          no_argument,       NULL, 'k'},
    {"allow-unencrypted", no_argument,       NULL, OPT_ALLOW_UNENCRYPTED},
    {"password-file",     required_argument, NULL, OPT_PASSWORD_FILE},
    {"nt-hash-file",      required_argument, NULL, OPT_NT_HASH_FILE},
    {"keytab",            required_argument, NULL, OPT_KEYTAB},
    {"spn",               required_argument, NULL, OPT_SPN},
    {"delegate",          no_argument,       NULL, OPT_DELEGATE},
    {"timeout",           required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout",   required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"operation-timeout", required_argument, NULL, OPT_OPERATION_TIMEOUT},
    {"idle-timeout",      required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"json",              no_argument,       NULL, OPT_JSON},
    {"xml",               no_argument,       NULL, OPT_XML},
    {"filter",            required_argument, NULL, OPT_FILTER},
    {"selector",          required_argument, NULL, OPT_SELECTOR},
    {"unauthenticated",   no_argument,       NULL, OPT_UNAUTHENTICATED},
    {"via",               required_argument, NULL, OPT_VIA},
    {"share",             required_argument, NULL, OPT_SHARE},
    {"smb-port",          required_argument, NULL, OPT_SMB_PORT},
    {"resume",            no_argument,       NULL, OPT_RESUME},
    {"streams",           required_argument, NULL, OPT_STREAMS},
    {"recursive",         no_argument,       NULL, 'r'},
    {"force",             no_argument,       NULL, OPT_FORCE},
    {"docker-zip",        required_argument, NULL, OPT_DOCKER_ZIP},
    {"docker-dir",        required_argument, NULL, OPT_DOCKER_DIR},
    {"trusted-hosts",     required_argument, NULL, OPT_TRUSTED_HOSTS},
    {"share-path",        required_argument, NULL, OPT_SHARE_PATH},
    {"share-name",        required_argument, NULL, OPT_SHARE_NAME},
    {"steps",             required_argument, NULL, OPT_STEPS},
    {"skip",              required_argument, NULL, OPT_SKIP},
    {"report",            required_argument, NULL, OPT_REPORT},
    {"plan",              no_argument,       NULL, OPT_PLAN},
    {"inventory",         required_argument, NULL, 'i'},
    {"jobs",              required_argument, NULL, 'j'},
    {"shard",             required_argument, NULL, OPT_SHARD},
    {"output-dir",        required_argument, NULL, OPT_OUTPUT_DIR},
    {"config",            required_argument, NULL, 'F'},
    {"no-config",         no_argument,       NULL, OPT_NO_CONFIG},
    {"no-https",          no_argument,       NULL, OPT_NO_HTTPS},
    {"env",               required_argument, NULL, OPT_ENV},
    {"no-profile",        no_argument,       NULL, OPT_NO_PROFILE},
    {"codepage",          required_argument, NULL, OPT_CODEPAGE},
    {"cwd",               required_argument, NULL, OPT_CWD},
    {"text",              no_argument,       NULL, OPT_TEXT},
    {"log",               required_argument, NULL, OPT_LOG},
    {NULL, 0, NULL, 0},
};

/* '-' first: non-options come back in order as option 1, whatever POSIXLY_CORRECT says,
 * so "-k" can mean --insecure before a wsman operation and a selector after it.
 * ':' next: a missing argument is reported as ':' and we print the message ourselves. */
static const char short_options[] = "-:hVvu:a:skc:p:f:nri:j:F:";
/* The same after a wsman operation word, where -k takes a key=value selector. */
static const char short_options_wsman_op[] = "-:hVvu:a:sk:c:p:f:nri:j:F:";

static const char usage_text[] =
    "usage: nanosh [options] [user@]host[:port]                 interactive shell\n"
    "       nanosh [options] http[s]://[user@]host[:port][/path] the same, as a URL\n"
    "       nanosh [options] host -c 'cmd.exe command line'      run one command\n"
    "       nanosh [options] host -p 'PowerShell text' | -f FILE run PowerShell (-f - reads stdin)\n"
    "       nanosh wsman [options] host identify [--unauthenticated]\n"
    "       nanosh wsman [options] host get URI [-k key=value]...\n"
    "       nanosh wsman [options] host put URI FILE|- [-k key=value]...\n"
    "       nanosh wsman [options] host enumerate URI [--filter WQL] [-k key=value]...\n"
    "       nanosh wsman [options] host invoke URI METHOD [FILE|-] [-k key=value]...\n"
    "       nanosh push [options] host LOCAL... REMOTE            copy files to the host\n"
    "       nanosh pull [options] host REMOTE LOCAL               copy a file from the host\n"
    "       nanosh bootstrap [options] host...                    ready Nano 2016 hosts for docker\n"
    "       nanosh [bootstrap] -i FILE [-j N] [--shard K/N] ...   the same on every inventory host\n"
    "       nanosh report merge [-i FILE] REPORT.json...          join the reports of shard runs\n"
    "\n"
    "options:\n"
    "  -u, --user USER            DOMAIN\\user, user@REALM or a bare name\n"
    "  -a, --auth MECH            negotiate, ntlm, kerberos, basic or certificate\n"
    "                             (default negotiate: Kerberos, else NTLM, else Basic over HTTPS)\n"
    "  -s, --https                use HTTPS (port 5986 unless given; port 5986 implies it)\n"
    "      --no-https             use HTTP even where the config file says HTTPS yes\n"
    "      --port N               port (default 5985, or 5986 with -s)\n"
    "      --cacert FILE          trust the CA certificates in FILE\n"
    "  -k, --insecure             do not verify the server's certificate (unsafe)\n"
    "      --allow-unencrypted    permit Basic auth and plaintext SOAP over plain HTTP\n"
    "      --password-file FILE   read the password from the first line of FILE\n"
    "      --nt-hash-file FILE    read an NT hash from FILE (NTLM)\n"
    "      --keytab FILE          Kerberos keytab\n"
    "      --spn SPN              Kerberos service principal (default HTTP/host)\n"
    "      --delegate             delegate Kerberos credentials to the host\n"
    "      --timeout SECONDS      bound the whole run\n"
    "      --connect-timeout SECONDS\n"
    "                             bound connecting (default 30)\n"
    "      --operation-timeout SECONDS\n"
    "                             WS-Management OperationTimeout (length of one poll)\n"
    "      --idle-timeout SECONDS\n"
    "                             the server deletes a remote shell left idle this long\n"
    "                             (default 900; 7200 for an interactive session)\n"
    "  -c CMD                     run a cmd.exe command line; exit with its exit code\n"
    "  -p TEXT                    run PowerShell text\n"
    "  -f FILE                    run a PowerShell script file (- for stdin)\n"
    "  -n                         give the command an empty stdin (like ssh -n)\n"
    "      --env NAME=VALUE       set an environment variable in the remote shell (repeatable)\n"
    "      --no-profile           do not load the user's profile in the remote shell\n"
    "      --codepage N           the remote shell's console code page (default 65001, UTF-8)\n"
    "      --cwd DIR              the remote shell's working directory\n"
    "      --text                 CRLF to LF on output, LF to CRLF on input (for grep, diff)\n"
    "      --log FILE             keep a transcript of the interactive session in FILE\n"
    "  -F, --config FILE          read this config file instead of ~/.config/nanosh/config\n"
    "      --no-config            read no config file\n"
    "  -v, --debug                trace the wire protocol on stderr, secrets redacted\n"
    "      --json                 machine-readable output (wsman, push, pull, bootstrap)\n"
    "      --xml                  wsman: print raw XML instead of JSON\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n"
    "\n"
    "push and pull:\n"
    "      --via smb|winrm|auto   transport (default auto: SMB, else WinRM)\n"
    "      --share NAME           REMOTE is a path inside this SMB share\n"
    "      --smb-port N           SMB port (default 445)\n"
    "  -r, --recursive            copy directories (push, pull)\n"
    "      --force                replace a target that holds other bytes\n"
    "      --resume               continue an interrupted copy\n"
    "      --streams N            WinRM: send one file as N ranges at once (1-16)\n"
    "\n"
    "bootstrap (docs/bootstrap.md):\n"
    "      --docker-zip FILE      the docker zip holding docker/docker.exe, docker/dockerd.exe\n"
    "      --docker-dir DIR       or a directory holding docker.exe and dockerd.exe\n"
    "      --plan                 run the checks only: say what would change, change nothing\n"
    "      --steps LIST           run only these steps (comma-separated), or\n"
    "      --skip LIST            all steps but these: reach, host, admin-account,\n"
    "                             trusted-hosts, firewall, share, docker-files,\n"
    "                             docker-service, verify\n"
    "      --trusted-hosts LIST   entries merged into the host's TrustedHosts (default *)\n"
    "      --share-path PATH      the share to create (default C:\\Share)\n"
    "      --share-name NAME      its name (default Share)\n"
    "      --report FILE.json     write the report (every step, its reason, facts, time)\n"
    "      --smb-port N           SMB port for the docker files (default 445)\n"
    "\n"
    "fleets (docs/fleet.md), for bootstrap and -c/-p/-f:\n"
    "  -i, --inventory FILE       every host of FILE (one a line; see nanosh(1))\n"
    "  -j, --jobs N               hosts at once (1-1024, default 8)\n"
    "      --shard K/N|auto/N     only the hosts of shard K of N (auto: JOB_COMPLETION_INDEX)\n"
    "      --output-dir DIR       -c/-p/-f: DIR/HOST.out, .err, .status instead of prefixed lines\n"
    "      --report FILE.json     every host's result (bootstrap: its steps)\n"
    "\n"
    "The password comes from --password-file, NANOSH_PASSWORD or a prompt; never from\n"
    "the command line. Per-host defaults: ~/.config/nanosh/config. See nanosh(1).\n";

static int usage_error(const char *fmt, const char *arg)
{
    char what[512];
    snprintf(what, sizeof what, fmt, arg);
    return fail("see 'nanosh --help'", "%s", what);
}

int options_parse_port(const char *s, int *port)
{
    char *end;
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* Seconds, possibly fractional like curl's; at most a year so milliseconds fit a long. */
int options_parse_seconds(const char *s, long *ms)
{
    char *end;
    if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v <= 0 || v > 31536000.0)
        return -1;
    double scaled = v * 1000.0;
    *ms = (long)scaled;
    if ((double)*ms < scaled)
        (*ms)++;            /* round up: 0.0001 s still means "some time" */
    return 0;
}

static const struct { const char *name; auth_mech mech; } auth_names[] = {
    {"negotiate", AUTH_NEGOTIATE},
    {"ntlm", AUTH_NTLM},
    {"kerberos", AUTH_KERBEROS},
    {"basic", AUTH_BASIC},
    {"certificate", AUTH_CERTIFICATE},
};

int options_parse_auth(const char *s, auth_mech *m)
{
    for (size_t i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++)
        if (strcasecmp(s, auth_names[i].name) == 0) {
            *m = auth_names[i].mech;
            return 0;
        }
    return -1;
}

const char *options_auth_name(auth_mech m)
{
    for (size_t i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++)
        if (auth_names[i].mech == m)
            return auth_names[i].name;
    return "unset";
}

/* Never echo what follows '=' in an unknown option: it may be a secret, and must not
 * end up in a terminal scrollback or a CI log. */
static int unknown_option(const char *arg)
{
    char name[128];
    size_t n = strcspn(arg, "=");
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, arg, n);
    name[n] = '\0';
    return usage_error("unknown option '%s'", name);
}

static int password_refused(void)
{
    return fail("use NANOSH_PASSWORD, --password-file FILE or the prompt",
                "passwords are not accepted on the command line, where other users and "
                "logs can see them");
}

static int set_command(nanosh_opts *o, command_kind kind, const char *text, int opt)
{
    if (o->command_kind != COMMAND_NONE)
        return fail("give one of -c, -p or -f", "-%c cannot be combined with an earlier -c, -p or -f",
                    opt);
    if (!text[0])
        return fail("give the command to run, e.g. -c 'hostname'", "-%c was given an empty command",
                    opt);
    o->command_kind = kind;
    o->command = text;
    return 0;
}

static int add_selector(nanosh_opts *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return fail("write -k key=value after the operation; to skip the certificate check, "
                    "write --insecure (or -k before the operation)",
                    "selector '%s' is not key=value", kv);
    ws_selector *s = realloc(o->selectors, (o->nselectors + 1) * sizeof *s);
    if (!s)
        return fail(NULL, "out of memory");
    o->selectors = s;
    char *name = strndup(kv, (size_t)(eq - kv));
    char *value = strdup(eq + 1);
    if (!name || !value) {
        free(name);
        free(value);
        return fail(NULL, "out of memory");
    }
    s[o->nselectors].name = name;
    s[o->nselectors].value = value;
    o->nselectors++;
    return 0;
}

/* --env NAME=VALUE: the name must be a Windows environment variable name (no '=', not
 * empty); the value may be empty, as "set NAME=" allows. */
static int add_env(nanosh_opts *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return fail("write --env NAME=VALUE, e.g. --env DOCKER_HOST=npipe:////./pipe/docker_engine",
                    "bad --env '%s': no NAME= before the value", kv);
    for (const char *p = kv; p < eq; p++)
        if ((unsigned char)*p < ' ')
            return fail("write --env NAME=VALUE with a plain name",
                        "bad --env name: it holds a control character");
    const char **a = realloc(o->env, (o->nenv + 2) * sizeof *a);
    if (!a)
        return fail(NULL, "out of memory");
    o->env = a;
    a[o->nenv++] = kv;
    a[o->nenv] = NULL;
    return 0;
}

/* bootstrap: every positional argument is a host, checked now so that a typo is a
 * usage error before any host is touched. */
static int add_target(nanosh_opts *o, const char *arg)
{
    char why[256];
    target_spec t;
    if (target_parse(arg, &t, why, sizeof why) < 0)
        return fail("write [user@]host[:port] or http[s]://host[:port][/path], with IPv6 "
                    "addresses in brackets", "bad target '%s': %s", arg, why);
    target_spec_free(&t);
    const char **a = realloc(o->targets, (o->ntargets + 1) * sizeof *a);
    if (!a)
        return fail(NULL, "out of memory");
    o->targets = a;
    a[o->ntargets++] = arg;
    return 0;
}

static int add_positional(nanosh_opts *o, const char *arg)
{
    if (o->mode == MODE_BOOTSTRAP && o->target_arg)
        return add_target(o, arg);
    if (o->mode == MODE_BOOTSTRAP) {
        int rc = add_target(o, arg);
        if (rc != 0)
            return rc;
    }
    if (!o->target_arg) {
        char why[256];
        target_spec t;
        if (target_parse(arg, &t, why, sizeof why) < 0)
            return fail("write [user@]host[:port] or http[s]://host[:port][/path], with IPv6 "
                        "addresses in brackets", "bad target '%s': %s", arg, why);
        char *user = t.user;
        int port = t.port;
        o->host = t.host;
        o->path = t.path;
        if (t.https >= 0) {
            if (o->https >= 0 && o->https != t.https) {
                free(user);
                return fail("drop -s or --no-https: the URL's scheme says which",
                            "'%s' says %s, the options %s", arg, t.https ? "HTTPS" : "HTTP",
                            o->https ? "HTTPS" : "HTTP");
            }
            o->https = t.https;
            o->target_is_url = 1;
        }
        if (port && o->port && port != o->port) {
            free(user);
            return fail("give the port once, with --port or as host:port",
                        "two different ports: %d and %d", o->port, port);
        }
        if (port)
            o->port = port;
        o->target_arg = strdup(arg);
        if (!o->target_arg) {
            free(user);
            return fail(NULL, "out of memory");
        }
        if (user && o->user && strcmp(user, o->user) != 0) {
            int rc = fail("give the user once, with -u or as user@host",
                          "two different users: '%s' (%s) and '%s' (user@host)", o->user,
                          o->user_source, user);
            free(user);
            return rc;
        }
        if (user) {
            free(o->user);
            o->user = user;
            o->user_source = "user@host";
        }
        return 0;
    }
    if (o->mode == MODE_BOOTSTRAP)
        return add_target(o, arg);
    if (o->mode == MODE_PUSH || o->mode == MODE_PULL) {
        const char **a = realloc(o->copy_args, (o->ncopy_args + 1) * sizeof *a);
        if (!a)
            return fail(NULL, "out of memory");
        o->copy_args = a;
        a[o->ncopy_args++] = arg;
        return 0;
    }
    if (o->mode == MODE_WSMAN) {
        if (!o->wsman_op) {
            o->wsman_op = arg;
            return 0;
        }
        const char **a = realloc(o->wsman_args, (o->nwsman_args + 1) * sizeof *a);
        if (!a)
            return fail(NULL, "out of memory");
        o->wsman_args = a;
        a[o->nwsman_args++] = arg;
        return 0;
    }
    if (strcmp(o->target_arg, "wsman") == 0 || strcmp(o->target_arg, "push") == 0
        || strcmp(o->target_arg, "pull") == 0 || strcmp(o->target_arg, "bootstrap") == 0)
        return fail("put it first, before any option: nanosh wsman [options] host ...",
                    "'%s' was read as the host name", o->target_arg);
    return fail("quote the whole command line and pass it with -c, e.g. nanosh host -c 'dir C:\\'",
                "unexpected argument '%s' after the host", arg);
}

static int set_user(nanosh_opts *o, const char *u)
{
    if (!u[0])
        return usage_error("%s", "empty user name after -u");
    if (o->user && strcmp(o->user, u) != 0)
        return fail("give the user once, with -u or as user@host",
                    "two different users: '%s' (%s) and '%s' (-u)", o->user, o->user_source, u);
    free(o->user);
    o->user = strdup(u);
    o->user_source = "-u";
    return o->user ? 0 : fail(NULL, "out of memory");
}

/* A value that must not be empty (a path, a list). */
static int set_path(const char **dst, const char *arg, const char *current)
{
    if (!arg[0])
        return usage_error("%s was given an empty value", current);
    *dst = arg;
    return 0;
}

/* A whole number from min to max, digits only (no sign, no space). Returns 0 or -1. */
static int parse_count(const char *s, long min, long max, unsigned *out)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || *end || n < min || n > max)
        return -1;
    *out = (unsigned)n;
    return 0;
}

static int parse_one(nanosh_opts *o, int c, const char *arg, const char *current)
{
    int port;
    switch (c) {
    case 1:   return add_positional(o, arg);
    case 'h': fputs(usage_text, stdout); return -1;
    case 'V': version_print(stdout); return -1;
    case 'v': o->debug = 1; return 0;
    case 'u': return set_user(o, arg);
    case 'a':
        if (options_parse_auth(arg, &o->auth) < 0)
            return fail("use one of negotiate, ntlm, kerberos, basic, certificate",
                        "unknown auth mechanism '%s'", arg);
        return 0;
    case 's':
    case OPT_NO_HTTPS:
        if (o->target_is_url && o->https != (c == 's'))
            return fail("drop the option: the URL's scheme says which",
                        "%s contradicts the target URL '%s'", current, o->target_arg);
        o->https = c == 's';
        return 0;
    case 'F': return set_path(&o->config_file, arg, current);
    case OPT_NO_CONFIG: o->no_config = 1; return 0;
    case OPT_ENV: return add_env(o, arg);
    case OPT_NO_PROFILE: o->no_profile = 1; return 0;
    case OPT_CODEPAGE:
        if (parse_count(arg, 1, 65535, &o->codepage) < 0)
            return fail("give a Windows code page number, e.g. 65001 (UTF-8) or 437",
                        "bad value '%s' for --codepage", arg);
        return 0;
    case OPT_CWD: return set_path(&o->cwd, arg, current);
    case OPT_TEXT: o->text = 1; return 0;
    case OPT_LOG: return set_path(&o->log_file, arg, current);
    case 'k':
        /* After a wsman operation word, -k is a selector as in wsmancli. */
        if (o->mode == MODE_WSMAN && o->wsman_op)
            return add_selector(o, arg);
        o->insecure = 1;
        return 0;
    case 'c': return set_command(o, COMMAND_CMD, arg, 'c');
    case 'p': return set_command(o, COMMAND_PS_TEXT, arg, 'p');
    case 'f': return set_command(o, COMMAND_PS_FILE, arg, 'f');
    case 'n': o->stdin_null = 1; return 0;
    case OPT_PORT:
        if (options_parse_port(arg, &port) < 0)
            return fail("a port is a number from 1 to 65535", "bad port '%s'", arg);
        if (o->port && o->port != port)
            return fail("give the port once, with --port or as host:port",
                        "two different ports: %d and %d", o->port, port);
        o->port = port;
        o->port_option = port;
        return 0;
    case OPT_CACERT:
        free(o->cacert);
        o->cacert = strdup(arg);
        return o->cacert ? 0 : fail(NULL, "out of memory");
    case OPT_ALLOW_UNENCRYPTED: o->allow_unencrypted = 1; return 0;
    case OPT_PASSWORD_FILE: o->password_file = arg; return 0;
    case OPT_NT_HASH_FILE: o->nt_hash_file = arg; return 0;
    case OPT_KEYTAB: o->keytab = arg; return 0;
    case OPT_SPN: o->spn = arg; return 0;
    case OPT_DELEGATE: o->delegate = 1; return 0;
    case OPT_TIMEOUT:
    case OPT_CONNECT_TIMEOUT:
    case OPT_OPERATION_TIMEOUT: {
        long ms;
        if (options_parse_seconds(arg, &ms) < 0)
            return fail("give a number of seconds greater than 0, e.g. 30 or 2.5",
                        "bad value '%s' for %s", arg, current);
        if (c == OPT_TIMEOUT) o->timeout_ms = ms;
        else if (c == OPT_CONNECT_TIMEOUT) o->connect_timeout_ms = ms;
        else o->operation_timeout_ms = ms;
        return 0;
    }
    case OPT_IDLE_TIMEOUT: {
        long ms;
        if (options_parse_seconds(arg, &ms) < 0)
            return fail("give a number of seconds greater than 0, e.g. 900",
                        "bad value '%s' for %s", arg, current);
        o->idle_timeout_s = (unsigned)((ms + 999) / 1000);   /* IdleTimeOut is PT<n>S */
        return 0;
    }
    case OPT_JSON: o->json = 1; return 0;
    case OPT_XML: o->xml = 1; return 0;
    case OPT_FILTER: o->filter = arg; return 0;
    case OPT_SELECTOR: return add_selector(o, arg);
    case OPT_UNAUTHENTICATED: o->unauthenticated = 1; return 0;
    case OPT_VIA:
        if (strcmp(arg, "smb") != 0 && strcmp(arg, "winrm") != 0 && strcmp(arg, "auto") != 0)
            return fail("use --via smb, --via winrm or --via auto", "unknown transport '%s'",
                        arg);
        o->via = arg;
        return 0;
    case OPT_SHARE:
        if (!arg[0] || strpbrk(arg, "\\/"))
            return fail("give the share's name, e.g. --share C$ or --share data",
                        "bad share name '%s'", arg);
        o->share = arg;
        return 0;
    case OPT_SMB_PORT:
        if (options_parse_port(arg, &o->smb_port) < 0)
            return fail("a port is a number from 1 to 65535", "bad port '%s' for --smb-port",
                        arg);
        return 0;
    case OPT_RESUME: o->resume = 1; return 0;
    case OPT_STREAMS:
        if (parse_count(arg, 1, 16, &o->streams) < 0)
            return fail("give a number from 1 to 16", "bad value '%s' for --streams", arg);
        return 0;
    case 'r': o->recursive = 1; return 0;
    case OPT_FORCE: o->force = 1; return 0;
    case OPT_DOCKER_ZIP: return set_path(&o->docker_zip, arg, current);
    case OPT_DOCKER_DIR: return set_path(&o->docker_dir, arg, current);
    case OPT_TRUSTED_HOSTS: return set_path(&o->trusted_hosts, arg, current);
    case OPT_SHARE_PATH:
        if (!((isalpha((unsigned char)arg[0]) && arg[1] == ':' && arg[2] == '\\') ||
              (arg[0] == '\\' && arg[1] == '\\')))
            return fail("give a Windows path, e.g. --share-path 'C:\\Share'",
                        "bad path '%s' for --share-path", arg);
        o->share_path = arg;
        return 0;
    case OPT_SHARE_NAME:
        if (!arg[0] || strpbrk(arg, "\\/"))
            return fail("give the share's name, e.g. --share-name Share",
                        "bad share name '%s' for --share-name", arg);
        o->share_name = arg;
        return 0;
    case OPT_STEPS: return set_path(&o->steps, arg, current);
    case OPT_SKIP: return set_path(&o->skip, arg, current);
    case OPT_REPORT: return set_path(&o->report, arg, current);
    case OPT_PLAN: o->plan = 1; return 0;
    case 'i': return set_path(&o->inventory, arg, current);
    case 'j':
        if (parse_count(arg, 1, 1024, &o->jobs) < 0)
            return fail("give a number from 1 to 1024", "bad value '%s' for -j", arg);
        return 0;
    case OPT_SHARD: return set_path(&o->shard, arg, current);
    case OPT_OUTPUT_DIR: return set_path(&o->output_dir, arg, current);
    default: break;
    }
    return usage_error("unknown option '%s'", current);
}

/* Options that belong to the wsman subcommand only. */
static int wsman_only(int c)
{
    return c == OPT_XML || c == OPT_FILTER || c == OPT_SELECTOR || c == OPT_UNAUTHENTICATED;
}

/* Options that belong to push and pull only. */
static int copy_only(int c)
{
    return c == OPT_VIA || c == OPT_SHARE || c == OPT_SMB_PORT || c == OPT_RESUME
        || c == OPT_STREAMS || c == 'r' || c == OPT_FORCE;
}

/* Options that shape the remote shell of -c, -p, -f and the interactive shell. */
static int shell_only(int c)
{
    return c == OPT_ENV || c == OPT_NO_PROFILE || c == OPT_CODEPAGE || c == OPT_CWD
        || c == OPT_TEXT || c == OPT_LOG;
}

/* Options that belong to bootstrap only. */
static int bootstrap_only(int c)
{
    return c == OPT_DOCKER_ZIP || c == OPT_DOCKER_DIR || c == OPT_TRUSTED_HOSTS
        || c == OPT_SHARE_PATH || c == OPT_SHARE_NAME || c == OPT_STEPS || c == OPT_SKIP
        || c == OPT_PLAN;
}

/* bootstrap: host... and its options; the step names are checked by the command, which
 * knows them (shell/cli/bootstrap_cmd.c). */
static int check_bootstrap(const nanosh_opts *o)
{
    if (o->command_kind != COMMAND_NONE || o->stdin_null)
        return fail("run commands with 'nanosh host -c' instead",
                    "-c, -p, -f and -n do not apply to 'nanosh bootstrap'");
    if (o->docker_zip && o->docker_dir)
        return fail("give one of them", "--docker-zip and --docker-dir cannot be combined");
    if (o->steps && o->skip)
        return fail("give one of them: --steps names the steps to run, --skip those to "
                    "leave out", "--steps and --skip cannot be combined");
    return 0;
}

/* -i and the options that go with it (docs/fleet.md): bootstrap, or one command (-c, -p,
 * -f FILE) on every inventory host; the hosts come from the file only. */
static int check_fleet(const nanosh_opts *o)
{
    int fleet_mode = o->mode == MODE_BOOTSTRAP ||
                     (o->mode == MODE_SHELL && o->command_kind != COMMAND_NONE);
    if (o->report && o->mode != MODE_BOOTSTRAP && !o->inventory)
        return fail("it belongs to 'nanosh bootstrap' and to fleets (-i FILE)",
                    "option '--report' is only for bootstrap and fleets");
    if (!o->inventory) {
        if (o->jobs || o->shard || o->output_dir)
            return fail("give the hosts with -i FILE (docs/fleet.md)", "%s applies only to "
                        "a fleet (-i FILE)", o->jobs ? "-j" : o->shard ? "--shard" : "--output-dir");
        return 0;
    }
    if (!fleet_mode)
        return fail("use -i with 'nanosh bootstrap' or with -c, -p or -f",
                    "-i runs bootstrap or one command on every host; the interactive shell, "
                    "wsman, push and pull take one host");
    if (o->host)
        return fail("put every host in the inventory", "a host on the command line ('%s') "
                    "and an inventory (-i) cannot be combined", o->target_arg);
    if (o->json)
        return fail("write the report to a file with --report FILE.json",
                    "--json does not apply to fleets (-i)");
    if (o->output_dir && o->mode == MODE_BOOTSTRAP)
        return fail("use --report FILE.json", "--output-dir applies to -c, -p and -f");
    if (o->command_kind == COMMAND_PS_FILE && strcmp(o->command, "-") == 0)
        return fail("give the script as a file", "-f - cannot serve a fleet: every host "
                    "needs the script, and stdin can be read once");
    return 0;
}

/* push: host LOCAL... REMOTE; pull: host REMOTE LOCAL. */
static int check_copy(const nanosh_opts *o)
{
    const char *cmd = o->mode == MODE_PUSH ? "push" : "pull";
    if (o->command_kind != COMMAND_NONE || o->stdin_null)
        return fail("run commands with 'nanosh host -c' instead",
                    "-c, -p, -f and -n do not apply to 'nanosh %s'", cmd);
    if (o->mode == MODE_PUSH && o->ncopy_args < 2)
        return fail("write nanosh push [options] host LOCAL... REMOTE, e.g. nanosh push "
                    "host ./app.exe 'C:\\Temp\\'", "push needs local files and a remote target");
    if (o->mode == MODE_PULL && o->ncopy_args != 2)
        return fail("write nanosh pull [options] host REMOTE LOCAL, e.g. nanosh pull host "
                    "'C:\\Windows\\Logs\\CBS\\CBS.log' ./",
                    o->ncopy_args < 2 ? "pull needs a remote source and a local target"
                                      : "pull takes one remote source and one local target");
    for (size_t i = 0; i < o->ncopy_args; i++)
        if (!o->copy_args[i][0])
            return fail("give a path", "empty path argument to '%s'", cmd);
    if (o->via && strcmp(o->via, "winrm") == 0 && o->share)
        return fail("drop --share, or use --via smb", "--share names an SMB share, "
                    "which --via winrm does not use");
    if (o->via && strcmp(o->via, "winrm") == 0 && o->smb_port)
        return fail("drop --smb-port, or use --via smb",
                    "--smb-port applies to SMB, which --via winrm does not use");
    if (o->via && strcmp(o->via, "smb") == 0 && o->streams > 1)
        return fail("drop --streams, or use --via winrm",
                    "--streams applies to WinRM; SMB keeps several requests in flight itself");
    return 0;
}

int options_parse(int argc, char **argv, nanosh_opts *o)
{
    int first = 1;
    memset(o, 0, sizeof *o);
    o->https = -1;

    if (argc > 1) {
        if (strcmp(argv[1], "wsman") == 0) {
            o->mode = MODE_WSMAN;
            first = 2;
        } else if (strcmp(argv[1], "push") == 0) {
            o->mode = MODE_PUSH;
            first = 2;
        } else if (strcmp(argv[1], "pull") == 0) {
            o->mode = MODE_PULL;
            first = 2;
        } else if (strcmp(argv[1], "bootstrap") == 0) {
            o->mode = MODE_BOOTSTRAP;
            first = 2;
        }
    }

    /* getopt_long accepts abbreviations, so "--password=SECRET" would otherwise be read
     * as --password-file and the secret echoed in an error about a missing file. */
    for (int i = first; i < argc && strcmp(argv[i], "--") != 0; i++) {
        size_t n = strcspn(argv[i], "=");
        if (n >= 4 && n <= 10 && strncmp(argv[i], "--password", n) == 0)
            return password_refused();
    }

    /* getopt_long starts at argv[1]; hand it a view that begins before the first option. */
    char **av = argv + first - 1;
    int ac = argc - first + 1;
    opterr = 0;
    optind = 0;      /* glibc: full re-initialisation */
    for (;;) {
        int idx = -1;
        int after_op = o->mode == MODE_WSMAN && o->wsman_op;
        int c = getopt_long(ac, av, after_op ? short_options_wsman_op : short_options,
                            long_options, &idx);
        if (c == -1)
            break;
        const char *current = av[optind - 1];
        if (c == '?') {
            if (optopt == 'P')
                return password_refused();
            return optopt ? usage_error("unknown option '-%s'", (char[]){(char)optopt, 0})
                          : unknown_option(current);
        }
        if (c == ':') {
            if (optopt == 'k' && o->mode == MODE_WSMAN && o->wsman_op)
                return usage_error("%s", "-k needs key=value");
            return usage_error("option '%s' needs a value", current);
        }
        /* The option as named, not av[optind - 1], which is its value when it has one. */
        char name[64];
        if (idx >= 0)
            snprintf(name, sizeof name, "--%s", long_options[idx].name);
        else
            snprintf(name, sizeof name, "-%c", c);
        if (o->mode != MODE_WSMAN && wsman_only(c))
            return fail("it belongs to 'nanosh wsman'", "option '%s' is only for wsman operations",
                        name);
        /* --smb-port serves bootstrap's docker files too. */
        if (o->mode != MODE_PUSH && o->mode != MODE_PULL && copy_only(c)
            && !(o->mode == MODE_BOOTSTRAP && c == OPT_SMB_PORT))
            return fail("it belongs to 'nanosh push' and 'nanosh pull'",
                        "option '%s' is only for push and pull", name);
        if (o->mode != MODE_SHELL && shell_only(c))
            return fail("it shapes the remote shell of -c, -p, -f and the interactive shell",
                        "option '%s' does not apply to 'nanosh %s'", name,
                        o->mode == MODE_WSMAN ? "wsman" : o->mode == MODE_PUSH ? "push"
                        : o->mode == MODE_PULL ? "pull" : "bootstrap");
        if (o->mode != MODE_BOOTSTRAP && bootstrap_only(c))
            return fail("it belongs to 'nanosh bootstrap'",
                        "option '%s' is only for bootstrap", name);
        int rc = parse_one(o, c, optarg, c == 1 ? current : name);
        if (rc != 0)
            return rc;
    }
    /* Whatever follows "--" is positional, e.g. a host named like a subcommand. */
    for (int i = optind; i < ac; i++) {
        int rc = add_positional(o, av[i]);
        if (rc != 0)
            return rc;
    }

    int rc = check_fleet(o);
    if (rc != 0)
        return rc;
    if (o->log_file && (o->command_kind != COMMAND_NONE || o->inventory))
        return fail("use it for an interactive session; keep the output of -c, -p and -f "
                    "with tee or --output-dir", "--log records an interactive session only");
    if (o->inventory)
        return o->mode == MODE_BOOTSTRAP ? check_bootstrap(o) : 0;
    if (!o->host && o->mode == MODE_BOOTSTRAP)
        return fail("name the hosts to ready, e.g. nanosh bootstrap -u Administrator "
                    "--docker-zip docker.zip nano01", "no host given");
    if (!o->host)
        return fail("give the host to connect to, e.g. nanosh admin@host -c 'hostname'",
                    "no host given");
    if (o->mode == MODE_WSMAN) {
        if (o->command_kind != COMMAND_NONE)
            return fail("run commands with 'nanosh host -c' instead",
                        "-c, -p and -f do not apply to 'nanosh wsman'");
        static const char *const known[] = {"identify", "get", "put", "enumerate", "invoke"};
        int found = 0;
        if (!o->wsman_op)
            return fail("add identify, get, put, enumerate or invoke after the host",
                        "no wsman operation given");
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            found |= strcmp(o->wsman_op, known[i]) == 0;
        if (!found)
            return fail("use identify, get, put, enumerate or invoke",
                        "unknown wsman operation '%s'", o->wsman_op);
        if (o->xml && o->json)
            return usage_error("%s", "--xml and --json cannot be combined");
    } else if (o->mode == MODE_PUSH || o->mode == MODE_PULL) {
        return check_copy(o);
    } else if (o->mode == MODE_BOOTSTRAP) {
        return check_bootstrap(o);
    } else if (o->json) {
        return fail("drop --json: the output of -c, -p, -f and the shell is the remote "
                    "command's own, and its exit code is nanosh's exit status",
                    "--json applies only to 'nanosh wsman', 'push', 'pull' and 'bootstrap'");
    }
    return 0;
}

void options_finish(nanosh_opts *o)
{
    /* Port 5986 is WinRM's HTTPS listener (MS-WSMV 2.1), so it means HTTPS as in
     * pywinrm unless HTTPS was said either way. */
    if (o->https < 0)
        o->https = o->port == 5986;
    if (o->port == 0)
        o->port = o->https ? 5986 : 5985;
    /* Kerberos, falling back to NTLM, as Windows does (DESIGN.md). */
    if (o->auth == AUTH_UNSET)
        o->auth = AUTH_NEGOTIATE;
}

int options_validate(const nanosh_opts *o)
{
    int authenticated = !(o->mode == MODE_WSMAN && o->unauthenticated);
    const char *mech = options_auth_name(o->auth);

    if (authenticated && o->auth == AUTH_CERTIFICATE)
        return fail("use -a negotiate, ntlm, kerberos or basic",
                    "client certificate authentication (-a certificate) is not supported by this "
                    "version of nanosh");
    if (authenticated && o->auth == AUTH_BASIC && !o->https && !o->allow_unencrypted)
        return fail("use -s (HTTPS), or add --allow-unencrypted if a plaintext password is "
                    "acceptable on this network",
                    "refusing Basic auth over plain HTTP to %s:%d: the password would cross "
                    "the network unencrypted", o->host, o->port);
    if (o->nt_hash_file && o->auth != AUTH_NTLM && o->auth != AUTH_NEGOTIATE)
        return fail("use the password instead, or -a ntlm",
                    "--nt-hash-file works only with NTLM, not -a %s", mech);
    if ((o->keytab || o->spn || o->delegate) && o->auth != AUTH_KERBEROS
        && o->auth != AUTH_NEGOTIATE)
        return fail("drop the Kerberos options, or use -a kerberos or -a negotiate",
                    "--keytab, --spn and --delegate apply to Kerberos, not -a %s", mech);
    if (o->command_kind == COMMAND_PS_FILE && strcmp(o->command, "-") == 0 && o->stdin_null)
        return fail("drop -n, or give the script as a file", "-f - reads the script from stdin, "
                    "which -n empties");
    if (o->unauthenticated && (!o->wsman_op || strcmp(o->wsman_op, "identify") != 0))
        return fail("use it with 'identify' only", "--unauthenticated applies only to identify");
    return 0;
}

void options_host_free(nanosh_opts *ho)
{
    free(ho->host);
    free(ho->user);
    free(ho->cacert);
    free(ho->path);
    free(ho->host_alias);
    ho->host = ho->user = ho->cacert = ho->path = ho->host_alias = NULL;
    if (ho->spn == ho->config_spn)
        ho->spn = NULL;
    free(ho->config_spn);
    free(ho->config_password_file);
    ho->config_spn = ho->config_password_file = NULL;
}

void options_free(nanosh_opts *o)
{
    free(o->target_arg);
    options_host_free(o);
    free(o->env);
    free(o->wsman_args);
    free(o->copy_args);
    free(o->targets);
    for (size_t i = 0; i < o->nselectors; i++) {
        free((char *)o->selectors[i].name);
        free((char *)o->selectors[i].value);
    }
    free(o->selectors);
    memset(o, 0, sizeof *o);
}
