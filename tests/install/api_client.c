/* A client of libnanosh's public API alone (it sees only lib/nanosh.h), for
 * tests/install/test_api.sh: connects as told, runs Identify or one command, and says
 * how the call ended.
 *
 *   api_client [--auth basic|ntlm|kerberos|negotiate] [--https] [--cacert FILE]
 *              [--allow-unencrypted] [--user U] [--timeout MS] [--stop-after BYTES]
 *              [--cancel-after MS ctrl_c|terminate] [--old-options] [--unauthenticated]
 *              [--input TEXT | --failing-input TEXT]
 *              HOST PORT identify|run [COMMAND]
 *
 * The password comes from NANOSH_PASSWORD, an NT hash from NANOSH_NT_HASH. The
 * command's stdout and stderr go to ours; the last line on stderr is
 *   result: RC_NAME exit=CODE ms=ELAPSED | WHAT | FIX
 * Exit status 0 when the call returned NANOSH_OK, 1 otherwise, 2 for bad arguments. */
#include <nanosh.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct sink {
    FILE *to;
    long long left;     /* bytes to pass on before asking the run to stop; -1: all */
} sink;

typedef struct input {
    const char *text;   /* what is left to give */
    size_t chunk;       /* at most this much per call */
    int fail;           /* fail instead of ending */
} input;

/* Hands the text over a few bytes at a time, then end-of-file (or a failure). */
static long give_input(void *ud, void *buf, size_t cap, int *eof)
{
    input *in = ud;
    size_t n = strlen(in->text);
    if (n > cap)
        n = cap;
    if (n > in->chunk)
        n = in->chunk;
    memcpy(buf, in->text, n);
    in->text += n;
    if (!*in->text && in->fail)
        return -1;
    *eof = !*in->text;
    return (long)n;
}

typedef struct canceller {
    nanosh_client *c;
    long after_ms;
    int how;
} canceller;

static int to_file(void *ud, const void *data, size_t len)
{
    sink *s = ud;
    if (s->left >= 0 && (long long)len > s->left)
        len = (size_t)s->left;
    fwrite(data, 1, len, s->to);
    fflush(s->to);
    if (s->left < 0)
        return 0;
    s->left -= (long long)len;
    return s->left > 0 ? 0 : -1;
}

static void *cancel_later(void *ud)
{
    canceller *k = ud;
    struct timespec ts = {k->after_ms / 1000, (k->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    nanosh_cancel(k->c, k->how);
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An empty variable counts as unset. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int parse_auth(const char *s, nanosh_auth *out)
{
    static const char *const names[] = {"negotiate", "ntlm", "kerberos", "basic"};
    static const nanosh_auth values[] = {NANOSH_AUTH_NEGOTIATE, NANOSH_AUTH_NTLM,
                                         NANOSH_AUTH_KERBEROS, NANOSH_AUTH_BASIC};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = values[i];
            return 0;
        }
    return -1;
}

int main(int argc, char **argv)
{
    nanosh_options o = NANOSH_OPTIONS_INIT;
    nanosh_run_options r = NANOSH_RUN_OPTIONS_INIT;
    sink out = {stdout, -1}, err_sink = {stderr, -1};
    canceller k = {NULL, 0, 0};
    input in = {"", 7, 0};
    int unauthenticated = 0, i = 1;
    o.user = "admin";
    o.password = env("NANOSH_PASSWORD");
    o.nt_hash = env("NANOSH_NT_HASH");
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--auth") == 0 && parse_auth(v, &o.auth) == 0) i++;
        else if (strcmp(a, "--https") == 0) o.https = 1;
        else if (strcmp(a, "--cacert") == 0) o.cacert = argv[++i];
        else if (strcmp(a, "--allow-unencrypted") == 0) o.allow_unencrypted = 1;
        else if (strcmp(a, "--user") == 0) o.user = argv[++i];
        else if (strcmp(a, "--timeout") == 0) r.timeout_ms = atol(argv[++i]);
        else if (strcmp(a, "--stop-after") == 0) out.left = atoll(argv[++i]);
        else if (strcmp(a, "--cancel-after") == 0 && i + 2 < argc) {
            k.after_ms = atol(argv[++i]);
            k.how = strcmp(argv[++i], "ctrl_c") == 0 ? NANOSH_CANCEL_CTRL_C
                                                     : NANOSH_CANCEL_TERMINATE;
        }
        /* A program built against an older header: its struct ends before debug. */
        else if (strcmp(a, "--old-options") == 0) o.size = offsetof(nanosh_options, debug);
        else if (strcmp(a, "--unauthenticated") == 0) unauthenticated = 1;
        else if (strcmp(a, "--input") == 0 || strcmp(a, "--failing-input") == 0) {
            in.text = argv[++i];
            in.fail = a[2] == 'f';
            r.in = give_input;
            r.in_ud = &in;
        }
        else return fprintf(stderr, "api_client: bad option %s\n", a), 2;
    }
    if (argc - i < 3)
        return fprintf(stderr, "api_client: give HOST PORT identify|run [COMMAND]\n"), 2;
    o.host = argv[i];
    o.port = atoi(argv[i + 1]);
    const char *what = argv[i + 2], *command = i + 3 < argc ? argv[i + 3] : "";
    r.out = r.err = to_file;
    r.out_ud = &out;
    r.err_ud = &err_sink;

    nanosh_client *c = NULL;
    nanosh_error e;
    unsigned long long code = 0;
    long long start = now_ms();
    nanosh_rc rc = nanosh_client_new(&o, &c, &e);
    if (rc == NANOSH_OK && strcmp(what, "identify") == 0) {
        nanosh_identity id;
        if ((rc = nanosh_identify(c, unauthenticated, &id, &e)) == NANOSH_OK) {
            printf("%s|%s|%s\n", id.product_vendor, id.product_version,
                   id.protocol_version);
            nanosh_identity_free(&id);
        }
    } else if (rc == NANOSH_OK) {
        pthread_t t;
        k.c = c;
        if (k.how && pthread_create(&t, NULL, cancel_later, &k) != 0)
            return fprintf(stderr, "api_client: no thread\n"), 2;
        rc = nanosh_run(c, command, &r, &code, &e);
        if (k.how)
            pthread_join(t, NULL);
    }
    fflush(stdout);
    fprintf(stderr, "result: %s exit=%llu ms=%lld | %s | %s\n", nanosh_rc_name(rc), code,
            now_ms() - start, rc ? e.what : "", rc ? e.fix : "");
    nanosh_client_free(c);
    return rc == NANOSH_OK ? 0 : 1;
}
