/* The nanosh config file: "Host PATTERN..." blocks of "Keyword value" lines, as in
 * ssh_config(5). Keywords are case-insensitive; "Keyword=value" works too; the first
 * value found for the host wins; the command line wins over the file. Host patterns
 * match the host as typed, also after a HostName line (ssh_config(5), HostName). */
#include "shell/cli/config.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct config_ctx {
    nanosh_opts *o;
    const char *path;
    unsigned line;
    int active;            /* the current Host block matches */
    /* Fields the file already set: later matches must not override them. */
    int set_user, set_port, set_https, set_auth, set_cacert, set_connect_timeout;
    int set_hostname, set_password_file, set_spn;
    char *hostname;        /* HostName, %h expanded: replaces o->host once the file is read */
} config_ctx;

static char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && h[0])
        return strdup(h);
    struct passwd *pw = getpwuid(getuid());
    return pw ? strdup(pw->pw_dir) : NULL;
}

static char *config_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    char *p = NULL;
    /* XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/') {
        if (asprintf(&p, "%s/nanosh/config", xdg) < 0)
            p = NULL;
        return p;
    }
    char *home = home_dir();
    if (!home)
        return NULL;
    if (asprintf(&p, "%s/.config/nanosh/config", home) < 0)
        p = NULL;
    free(home);
    return p;
}

static int line_error(const config_ctx *c, const char *fix, const char *what, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, what, arg);
    return fail(fix, "%s:%u: %s", c->path, c->line, msg);
}

/* Splits the next word off *s: whitespace-separated, or "double quoted". */
static int next_word(char **s, char **word)
{
    char *p = *s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p) {
        *word = NULL;
        *s = p;
        return 0;
    }
    if (*p == '"') {
        char *end = strchr(p + 1, '"');
        if (!end)
            return -1;
        *end = '\0';
        *word = p + 1;
        *s = end + 1;
        return 0;
    }
    char *start = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p)
        *p++ = '\0';
    *word = start;
    *s = p;
    return 0;
}

/* ssh_config semantics: the block applies when a pattern matches and no negated
 * pattern ("!pattern") does. */
static int host_matches(char *patterns, const char *host, const config_ctx *c, int *matches)
{
    int positive = 0, negative = 0;
    char *w, *s = patterns;
    int any = 0;
    for (;;) {
        if (next_word(&s, &w) < 0)
            return line_error(c, "close the quote", "%s", "unterminated quote");
        if (!w)
            break;
        any = 1;
        int neg = w[0] == '!';
        if (fnmatch(neg ? w + 1 : w, host, FNM_CASEFOLD) == 0) {
            if (neg)
                negative = 1;
            else
                positive = 1;
        }
    }
    if (!any)
        return line_error(c, "write Host followed by one or more patterns, e.g. Host *.corp",
                          "%s", "Host without a pattern");
    *matches = positive && !negative;
    return 0;
}

static int parse_yes_no(const char *v, int *out)
{
    if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = 1;
    else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

static int set_string(char **field, int *set_flag, int active, const char *value)
{
    if (!active || *set_flag || *field)
        return 0;
    *set_flag = 1;
    char *copy = strdup(value);
    if (!copy)
        return fail(NULL, "out of memory");
    *field = copy;
    return 0;
}

/* "~/x" means the home directory, as in ssh_config. */
static char *expand_tilde(const char *v)
{
    if (strncmp(v, "~/", 2) != 0)
        return strdup(v);
    char *home = home_dir();
    char *p = NULL;
    if (home && asprintf(&p, "%s/%s", home, v + 2) < 0)
        p = NULL;
    free(home);
    return p;
}

/* A name or address alone: no user@, URL, :port (an IPv6 address has two colons or
 * more) or brackets. */
static int bare_host(const char *h)
{
    const char *colon = strchr(h, ':');
    return h[0] && !strpbrk(h, "/@[]\\") && (!colon || strchr(colon + 1, ':'));
}

/* HostName's tokens, as in ssh_config(5) "TOKENS": %h is the host as typed, %% a
 * percent sign. Returns the expansion, or NULL with a reason in why. */
static char *expand_hostname(const char *v, const char *host, char *why, size_t whylen)
{
    size_t hl = strlen(host), n = 0;
    for (const char *p = v; *p; p++)
        n += p[0] == '%' && p[1] == 'h' ? hl : 1;
    char *out = malloc(n + 1), *q = out;
    if (!out) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    for (const char *p = v; *p; p++) {
        if (*p != '%') {
            *q++ = *p;
            continue;
        }
        if (p[1] == 'h') {
            memcpy(q, host, hl);
            q += hl;
        } else if (p[1] == '%') {
            *q++ = '%';
        } else {
            snprintf(why, whylen, "unknown token '%%%.1s' in HostName '%s': only %%h and "
                     "%%%% are known", p[1] ? p + 1 : "", v);
            free(out);
            return NULL;
        }
        p++;
    }
    *q = '\0';
    if (!bare_host(out)) {
        snprintf(why, whylen, "bad HostName '%s': give a host name or address only", v);
        free(out);
        return NULL;
    }
    return out;
}

static int apply_hostname(config_ctx *c, const char *value)
{
    char why[512];
    char *name = expand_hostname(value, c->o->host, why, sizeof why);
    if (!name)
        return line_error(c, "write HostName NAME, e.g. HostName 10.0.0.7 or HostName "
                             "%h.corp.example", "%s", why);
    if (!c->active || c->set_hostname) {
        free(name);
        return 0;
    }
    c->set_hostname = 1;
    c->hostname = name;
    return 0;
}

/* PasswordFile comes after --password-file and NANOSH_PASSWORD (nanosh(1), FILES):
 * checked here only when it is the one that will be read, so the error names the line. */
static int apply_password_file(config_ctx *c, const char *value)
{
    nanosh_opts *o = c->o;
    if (!c->active || c->set_password_file)
        return 0;
    c->set_password_file = 1;
    if (o->password_file || (o->env_secrets && o->env_secrets->password) ||
        o->config_password_file || o->unauthenticated)
        return 0;
    char *path = expand_tilde(value);
    if (!path)
        return fail(NULL, "out of memory");
    if (access(path, R_OK) != 0) {
        int e = errno;
        int rc = fail("fix the path, or give --password-file FILE or NANOSH_PASSWORD",
                      "%s:%u: cannot read PasswordFile %s: %s", c->path, c->line, path,
                      strerror(e));
        free(path);
        return rc;
    }
    o->config_password_file = path;
    return 0;
}

static int apply_keyword(config_ctx *c, const char *key, const char *value)
{
    nanosh_opts *o = c->o;
    int on = c->active;

    if (strcasecmp(key, "User") == 0)
        return set_string(&o->user, &c->set_user, on, value);
    if (strcasecmp(key, "Port") == 0) {
        int port;
        if (options_parse_port(value, &port) < 0)
            return line_error(c, "a port is a number from 1 to 65535", "bad Port '%s'", value);
        if (on && !c->set_port && !o->port)
            o->port = port;
        c->set_port |= on;
        return 0;
    }
    if (strcasecmp(key, "HTTPS") == 0) {
        int yes;
        if (parse_yes_no(value, &yes) < 0)
            return line_error(c, "write HTTPS yes or HTTPS no", "bad HTTPS value '%s'", value);
        if (on && !c->set_https && o->https < 0)
            o->https = yes;
        c->set_https |= on;
        return 0;
    }
    if (strcasecmp(key, "Auth") == 0) {
        auth_mech m;
        if (options_parse_auth(value, &m) < 0)
            return line_error(c, "use negotiate, ntlm, kerberos, basic or certificate",
                              "unknown Auth '%s'", value);
        if (on && !c->set_auth && o->auth == AUTH_UNSET)
            o->auth = m;
        c->set_auth |= on;
        return 0;
    }
    if (strcasecmp(key, "CACert") == 0) {
        if (!on || c->set_cacert || o->cacert)
            return 0;
        c->set_cacert = 1;
        o->cacert = expand_tilde(value);
        return o->cacert ? 0 : fail(NULL, "out of memory");
    }
    if (strcasecmp(key, "ConnectTimeout") == 0) {
        long ms;
        if (options_parse_seconds(value, &ms) < 0)
            return line_error(c, "give a number of seconds greater than 0",
                              "bad ConnectTimeout '%s'", value);
        if (on && !c->set_connect_timeout && !o->connect_timeout_ms)
            o->connect_timeout_ms = ms;
        c->set_connect_timeout |= on;
        return 0;
    }
    if (strcasecmp(key, "HostName") == 0)
        return apply_hostname(c, value);
    if (strcasecmp(key, "PasswordFile") == 0)
        return apply_password_file(c, value);
    if (strcasecmp(key, "SPN") == 0) {
        if (!on || c->set_spn || o->spn)
            return 0;
        c->set_spn = 1;
        if (!(o->config_spn = strdup(value)))
            return fail(NULL, "out of memory");
        o->spn = o->config_spn;
        return 0;
    }
    /* Certificate checks and plaintext stay opt-in per run (DESIGN.md, "Security"). */
    if (strcasecmp(key, "Insecure") == 0 || strcasecmp(key, "AllowUnencrypted") == 0)
        return line_error(c, "give -k or --allow-unencrypted on the command line for the runs "
                             "that need it, or set CACert",
                          "%s is not accepted in the config file", key);
    return line_error(c, "use Host, HostName, User, Port, HTTPS, Auth, PasswordFile, CACert, "
                         "SPN or ConnectTimeout", "unknown keyword '%s'", key);
}

static int parse_line(config_ctx *c, char *line)
{
    char *s = line;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    if (!*s || *s == '#')
        return 0;

    char *key = s;
    while (*s && !isspace((unsigned char)*s) && *s != '=')
        s++;
    char *key_end = s;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '=')
        s++;
    *key_end = '\0';
    if (!*key)
        return line_error(c, "write Keyword value", "%s", "missing keyword");

    if (strcasecmp(key, "Host") == 0)
        return host_matches(s, c->o->host, c, &c->active);

    char *value;
    if (next_word(&s, &value) < 0)
        return line_error(c, "close the quote", "%s", "unterminated quote");
    if (!value || !*value)
        return line_error(c, "write Keyword value", "%s has no value", key);
    char *extra;
    if (next_word(&s, &extra) < 0 || extra)
        return line_error(c, "quote a value that contains spaces", "%s takes one value", key);
    return apply_keyword(c, key, value);
}

/* The host as typed becomes the alias; the HostName is what nanosh connects to. */
static int use_hostname(config_ctx *c)
{
    nanosh_opts *o = c->o;
    if (!c->hostname)
        return 0;
    if (o->host_alias) {           /* applied once already: keep the first */
        free(c->hostname);
        c->hostname = NULL;
        return 0;
    }
    o->host_alias = o->host;
    o->host = c->hostname;
    c->hostname = NULL;
    return 0;
}

int config_apply(nanosh_opts *o)
{
    if (o->no_config)
        return 0;
    /* -F FILE must be there; the default file may be absent (as ssh -F). */
    char *path = o->config_file ? expand_tilde(o->config_file) : config_path();
    if (!path)
        return o->config_file ? fail(NULL, "out of memory") : 0;  /* no home: nothing to read */
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        int rc = 0;
        if (o->config_file)
            rc = fail("check the path given to -F, or drop -F to read ~/.config/nanosh/config",
                      "cannot read the config file %s: %s", path, strerror(e));
        else if (e != ENOENT && e != ENOTDIR)
            rc = fail("fix its permissions, or move it away", "cannot read %s: %s", path, strerror(e));
        free(path);
        return rc;
    }
    config_ctx c = {.o = o, .path = path, .active = 1};
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        c.line++;
        if (strlen(line) != (size_t)len) {
            rc = line_error(&c, "remove the NUL byte", "%s", "line contains a NUL byte");
            break;
        }
        rc = parse_line(&c, line);
        if (rc != 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = fail("check the file", "cannot read %s: %s", path, strerror(errno));
    free(line);
    fclose(f);
    if (rc == 0)
        rc = use_hostname(&c);
    free(c.hostname);
    if (rc == 0 && o->debug)
        fprintf(stderr, "nanosh: debug: read %s\n", path);
    if (rc == 0 && o->debug && o->host_alias)
        fprintf(stderr, "nanosh: debug: %s is %s (HostName)\n", o->host_alias, o->host);
    free(path);
    return rc;
}
