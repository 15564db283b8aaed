/* The library runner (wsman/run.h) against the test server (tests/server/winrm_sim.py):
 * two runs at once on two threads, each with its own client, shell and sinks; the
 * cancel flag (ctrl_c, terminate); the deadline; a sink that closes. Built twice by
 * tests/run/Makemodule.am: once as the tree is built, once with ThreadSanitizer, so a
 * data race between the two runs fails the test. Needs SIM_PORT, SIM_USER, SIM_PASSWORD. */
#include "tests/tap.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "wsman/global.h"
#include "wsman/run.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* The test server's code for a command stopped by ctrl_c (STATUS_CONTROL_C_EXIT). */
#define CONTROL_C_EXIT 3221225786ULL
/* A cancelled or timed-out run must end within this, far below the 30 s command. */
#define PROMPT_MS 8000LL

static int port;
static const char *user, *password;

typedef struct mem_source {
    const char *data;
    size_t len, off;
} mem_source;

static long mem_read(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    (void)err;
    mem_source *m = ud;
    size_t n = m->len - m->off < cap ? m->len - m->off : cap;
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    *eof = m->off == m->len;
    return (long)n;
}

static int buf_write(void *ud, const void *data, size_t len)
{
    return ws_buf_append(ud, data, len) == 0 ? 0 : -1;
}

static int closed_write(void *ud, const void *data, size_t len)
{
    (void)data;
    (void)len;
    ++*(int *)ud;
    return -1;
}

static ws_client *connect_sim(void)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_auth *auth = ws_auth_basic_new(user, password, &err);
    ws_target t = {.host = "127.0.0.1", .port = port};
    ws_conn_opts co = {.allow_unencrypted = 1};
    ws_client *c = NULL;
    if (!auth || ws_client_new(&t, &co, auth, &c, &err) != WS_OK) {
        printf("# connect: %s\n", err.what);
        c = NULL;
    }
    ws_error_clear(&err);
    return c;
}

/* One host's run: its own client, shell, sinks and result. */
typedef struct host_run {
    const char *command;
    const char *input;          /* NULL: no input */
    ws_buf out, err;
    ws_run_result res;
    ws_rc rc;
    ws_error error;
    long long started, ended;
    long long deadline;         /* absolute, 0: none */
    const _Atomic int *cancel;
} host_run;

static void *run_host(void *arg)
{
    host_run *h = arg;
    h->rc = WS_E_CONNECT;
    ws_client *c = connect_sim();
    ws_shell *shell = NULL;
    ws_shell_opts so = {0};
    if (!c || ws_shell_create(c, &so, &shell, &h->error) != WS_OK) {
        ws_client_free(c);
        return NULL;
    }
    mem_source src = {.data = h->input, .len = h->input ? strlen(h->input) : 0};
    ws_source in = {mem_read, &src};
    ws_run_opts o = {.command_line = h->command, .out = {buf_write, &h->out},
                     .err = {buf_write, &h->err}, .in = h->input ? &in : NULL,
                     .poll_ms = 1000, .deadline_ms = h->deadline, .cancel = h->cancel};
    h->started = ws_now_ms();
    h->rc = ws_run(c, shell, &o, &h->res, &h->error);
    h->ended = ws_now_ms();
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_shell_delete(shell, &err);
    ws_error_clear(&err);
    ws_shell_free(shell);
    ws_client_free(c);
    return NULL;
}

static void host_free(host_run *h)
{
    ws_buf_free(&h->out);
    ws_buf_free(&h->err);
    ws_error_clear(&h->error);
}

static char *text(ws_buf *b)
{
    static const char nul = 0;
    ws_buf_append(b, &nul, 1);
    return b->data;
}

static void two_hosts_at_once(void)
{
    host_run a = {.command = "echo from-a & echo err-a 1>&2 & sleep 1 & exit 3",
                  .out = WS_BUF_INIT, .err = WS_BUF_INIT};
    host_run b = {.command = "cat & sleep 1 & exit 5", .input = "input-of-b\n",
                  .out = WS_BUF_INIT, .err = WS_BUF_INIT};
    pthread_t ta, tb;
    int started = pthread_create(&ta, NULL, run_host, &a) == 0;
    started += pthread_create(&tb, NULL, run_host, &b) == 0;
    TAP_OK(started == 2, "two threads started");
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    TAP_OK(a.rc == WS_OK && b.rc == WS_OK, "both runs succeed (%s / %s)", a.error.what, b.error.what);
    TAP_OK(a.res.end == WS_RUN_EXITED && a.res.has_exit_code && a.res.exit_code == 3,
           "host a: exit code 3 (got %llu)", a.res.exit_code);
    TAP_OK(b.res.end == WS_RUN_EXITED && b.res.has_exit_code && b.res.exit_code == 5,
           "host b: exit code 5 (got %llu)", b.res.exit_code);
    TAP_STR_EQ(text(&a.out), "from-a \r\n", "host a: its stdout in its own sink");
    TAP_STR_EQ(text(&a.err), "err-a  \r\n", "host a: its stderr in its own sink");
    TAP_STR_EQ(text(&b.out), "input-of-b\n", "host b: its input came back through its sink");
    TAP_STR_EQ(text(&b.err), "", "host b: nothing on stderr");
    TAP_OK(a.started < b.ended && b.started < a.ended, "the two runs overlapped in time");
    host_free(&a);
    host_free(&b);
}

typedef struct later {
    _Atomic int *flag;
    int value;
    long ms;
} later;

static void *set_later(void *arg)
{
    later *l = arg;
    struct timespec ts = {l->ms / 1000, (l->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(l->flag, l->value);
    return NULL;
}

/* Runs `sleep 30` and sets the cancel flag to value after 1 s from another thread. */
static void cancel_with(int value, host_run *h)
{
    _Atomic int flag = 0;
    *h = (host_run){.command = "sleep 30", .out = WS_BUF_INIT, .err = WS_BUF_INIT,
                    .cancel = &flag};
    later l = {&flag, value, 1000};
    pthread_t t;
    int ok = pthread_create(&t, NULL, set_later, &l) == 0;
    run_host(h);
    if (ok)
        pthread_join(t, NULL);
}

static void cancel_flag(void)
{
    host_run h;
    cancel_with(WS_CANCEL_TERMINATE, &h);
    TAP_OK(h.rc == WS_OK && h.res.end == WS_RUN_CANCELLED, "terminate: the run ends as cancelled");
    TAP_OK(h.res.cancel == WS_CANCEL_TERMINATE, "terminate: the cancel value is handed back");
    TAP_OK(h.ended - h.started < PROMPT_MS, "terminate: sleep 30 stopped promptly (%lld ms)",
           h.ended - h.started);
    TAP_OK(h.res.shell_stale, "terminate: the shell is marked for renewal");
    host_free(&h);

    cancel_with(128 + 15, &h);   /* a caller's own value above 2: 128 + SIGTERM */
    TAP_OK(h.res.end == WS_RUN_CANCELLED && h.res.cancel == 143,
           "a caller's own cancel value terminates and comes back");
    host_free(&h);

    cancel_with(WS_CANCEL_CTRL_C, &h);
    TAP_OK(h.rc == WS_OK && h.res.end == WS_RUN_EXITED && h.res.ctrl_c_sent,
           "ctrl_c: sent, and the command ends on its own");
    TAP_OK(h.res.exit_code == CONTROL_C_EXIT, "ctrl_c: exit code STATUS_CONTROL_C_EXIT (got %llu)",
           h.res.exit_code);
    TAP_OK(h.ended - h.started < PROMPT_MS, "ctrl_c: sleep 30 stopped promptly (%lld ms)",
           h.ended - h.started);
    host_free(&h);
}

static void deadline(void)
{
    host_run h = {.command = "sleep 30", .out = WS_BUF_INIT, .err = WS_BUF_INIT,
                  .deadline = ws_now_ms() + 1500};
    run_host(&h);
    TAP_OK(h.rc == WS_E_TIMEOUT && h.error.rc == WS_E_TIMEOUT, "deadline: the run fails with WS_E_TIMEOUT");
    TAP_OK(h.res.end == WS_RUN_FAILED && h.res.shell_stale, "deadline: failed, shell marked stale");
    TAP_OK(h.ended - h.started < PROMPT_MS, "deadline: ended promptly (%lld ms)", h.ended - h.started);
    host_free(&h);
}

static void closed_sink(void)
{
    int calls = 0;
    ws_client *c = connect_sim();
    ws_shell *shell = NULL;
    ws_shell_opts so = {0};
    ws_error err;
    memset(&err, 0, sizeof err);
    if (!c || ws_shell_create(c, &so, &shell, &err) != WS_OK) {
        TAP_OK(0, "closed sink: shell created (%s)", err.what);
        ws_error_clear(&err);
        ws_client_free(c);
        return;
    }
    ws_run_opts o = {.command_line = "echo x & sleep 30", .out = {closed_write, &calls},
                     .poll_ms = 1000};
    ws_run_result res;
    long long t0 = ws_now_ms();
    ws_rc rc = ws_run(c, shell, &o, &res, &err);
    TAP_OK(rc == WS_OK && res.end == WS_RUN_OUTPUT_CLOSED && calls == 1,
           "a sink returning -1 ends the run as output closed");
    TAP_OK(ws_now_ms() - t0 < PROMPT_MS, "closed sink: the command was terminated promptly");
    ws_error_clear(&err);
    ws_shell_delete(shell, &err);
    ws_error_clear(&err);
    ws_shell_free(shell);
    ws_client_free(c);
}

int main(void)
{
    const char *p = getenv("SIM_PORT");
    user = getenv("SIM_USER");
    password = getenv("SIM_PASSWORD");
    if (!p || !user || !password)
        TAP_SKIP_ALL("SIM_PORT, SIM_USER or SIM_PASSWORD unset (run by tests/run/test_run.sh)");
    port = atoi(p);
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_global_init(&err) != WS_OK) {
        printf("Bail out! %s\n", err.what);
        return 1;
    }
    two_hosts_at_once();
    cancel_flag();
    deadline();
    closed_sink();
    ws_global_cleanup();
    return tap_done();
}
