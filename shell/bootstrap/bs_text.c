/* Results, facts and the pure text work of the steps: the TrustedHosts merge
 * (PROTOCOL.md 8), the engine version (NANO.md 1.3, 1.7), return-code messages
 * (NANO.md 2.3). */
#include "shell/bootstrap/bs_int.h"
#include "base/clock.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void bs_fold(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    if (!cap)
        return;
    for (; s && s[i] && i + 1 < cap; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[i] = '\0';
}

void bs_set(bs_run *run, bs_status st, const char *fix, const char *fmt, ...)
{
    char line[sizeof run->r->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    run->r->status = st;
    bs_fold(line, run->r->reason, sizeof run->r->reason);
    /* A failure always says what to do, even one with nothing better than retrying. */
    const char *f = st != BS_STATUS_FAILED ? "" : fix && *fix ? fix
                    : "run it again; if it recurs, run with --debug and report it";
    bs_fold(f, run->r->fix, sizeof run->r->fix);
}

void bs_fail_err(bs_run *run, const char *prefix, const ws_error *err)
{
    run->r->rc = err->rc;
    run->r->http_status = err->http_status;
    bs_set(run, BS_STATUS_FAILED, err->fix[0] ? err->fix : "see the reason; run again with --debug",
           "%s%s", prefix ? prefix : "", err->what[0] ? err->what : ws_rc_name(err->rc));
}

void bs_fact_add(bs_run *run, const char *key, const char *fmt, ...)
{
    bs_step_result *r = run->r;
    if (r->nfacts >= BS_FACTS_MAX)
        return;
    char value[BS_FACT_VALUE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    bs_fold(key, r->facts[r->nfacts].key, BS_FACT_KEY);
    bs_fold(value, r->facts[r->nfacts].value, BS_FACT_VALUE);
    r->nfacts++;
}

long long bs_deadline(const bs_run *run)
{
    return run->h->deadline_ms;
}

int bs_stopped(bs_run *run)
{
    if (run->h->cancel && atomic_load(run->h->cancel)) {
        bs_set(run, BS_STATUS_FAILED, "run it again", "cancelled");
        return 1;
    }
    if (run->h->deadline_ms && ws_now_ms() >= run->h->deadline_ms) {
        bs_set(run, BS_STATUS_FAILED, "give a longer --timeout", "the time allowed (--timeout) ran out");
        return 1;
    }
    return 0;
}

/* The next comma-separated entry of *p, trimmed: *e and *n point into the text, whole
 * (an entry is written back as the host had it, never cut); 0 at the end. */
static int next_entry(const char **p, const char **e, size_t *n)
{
    while (**p) {
        const char *s = *p;
        size_t len = strcspn(s, ",");
        *p = s + len + (s[len] == ',');
        while (len && isspace((unsigned char)*s))
            s++, len--;
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (!len)
            continue;
        *e = s;
        *n = len;
        return 1;
    }
    return 0;
}

/* Whether list (comma-separated) has the entry e (n bytes), without regard to case. */
static int has_entry(const char *list, const char *e, size_t n)
{
    const char *x;
    size_t xn;
    for (const char *p = list; next_entry(&p, &x, &xn);)
        if (xn == n && strncasecmp(x, e, n) == 0)
            return 1;
    return 0;
}

char *bs_trusted_merge(const char *have, const char *add, int *changed)
{
    size_t cap = (have ? strlen(have) : 0) + (add ? strlen(add) : 0) + 2;
    char *out = calloc(1, cap);
    if (!out)
        return NULL;
    size_t len = 0, n;
    const char *p, *e;
    /* Existing entries kept in their order, doubles dropped. */
    for (p = have ? have : ""; next_entry(&p, &e, &n);) {
        if (len && has_entry(out, e, n))
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "," : "", (int)n, e);
    }
    int star = has_entry(out, "*", 1), added = 0;
    for (p = add ? add : ""; !star && next_entry(&p, &e, &n);) {
        if (has_entry(out, e, n))
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "," : "", (int)n, e);
        added++;
    }
    /* Nothing to add: the host's text stays as it is, spaces and doubles included. */
    *changed = added > 0;
    if (!added) {
        free(out);
        return strdup(have ? have : "");
    }
    return out;
}

int bs_docker_version(const char *line, char *out, size_t cap)
{
    char head[256];
    size_t n = strcspn(line, ",\r\n");
    if (n >= sizeof head || !cap)
        return -1;
    memcpy(head, line, n);
    head[n] = '\0';
    char *save = NULL, *t1 = strtok_r(head, " \t", &save), *t2 = strtok_r(NULL, " \t", &save),
         *t3 = strtok_r(NULL, " \t", &save);
    if (!t1 || !t2 || !t3 || strcmp(t1, "Docker") != 0 || strcmp(t2, "version") != 0 ||
        !isdigit((unsigned char)t3[0]) || strlen(t3) >= cap)
        return -1;
    strcpy(out, t3);
    return 0;
}

int bs_version_major_minor(const char *v, int *major, int *minor)
{
    char *end;
    if (!v || !isdigit((unsigned char)v[0]))
        return -1;
    long ma = strtol(v, &end, 10);
    if (*end != '.' || !isdigit((unsigned char)end[1]) || ma > 100000)
        return -1;
    long mi = strtol(end + 1, &end, 10);
    if (mi > 100000)
        return -1;
    *major = (int)ma;
    *minor = (int)mi;
    return 0;
}

int bs_version_too_new(const char *v)
{
    int ma, mi;
    return bs_version_major_minor(v, &ma, &mi) == 0 && ma >= 23;
}

const char *bs_share_create_message(unsigned long code)
{
    switch (code) {
    case 0: return "success";
    case 2: return "access denied";
    case 8: return "unknown failure";
    case 9: return "invalid name";
    case 10: return "invalid level";
    case 21: return "invalid parameter";
    case 22: return "duplicate share (the name is taken)";
    case 23: return "redirected path";
    case 24: return "unknown device or directory";
    case 25: return "net name not found";
    default: return "an undocumented code";
    }
}

const char *bs_start_service_message(unsigned long code)
{
    switch (code) {
    case 0: return "accepted";
    case 1: return "not supported";
    case 2: return "access denied";
    case 3: return "dependent services running";
    case 4: return "invalid service control";
    case 5: return "the service cannot accept the control";
    case 6: return "the service is not active";
    case 7: return "the service did not answer the start in time";
    case 8: return "unknown failure";
    case 9: return "the path to the executable was not found";
    case 10: return "already running";
    case 11: return "the service database is locked";
    case 12: return "a dependency has been removed";
    case 13: return "a dependent service was not found";
    case 14: return "the service is disabled";
    case 15: return "the service account cannot authenticate";
    case 16: return "the service is being removed";
    case 17: return "the service has no execution thread";
    case 18: return "circular dependency";
    case 19: return "duplicate name";
    case 20: return "invalid name";
    case 21: return "invalid parameter";
    case 22: return "bad service account";
    case 23: return "the service exists in the database";
    case 24: return "the service is paused";
    default: return "an undocumented code";
    }
}
