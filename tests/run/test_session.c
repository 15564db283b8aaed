/* The run layer (shell/run/run.h), the persistent PowerShell (shell/ps/ps_session.h)
 * and the local file reader (shell/localfs/readfile.h) return their failures as values
 * and print nothing: the same error can then go to a terminal, into a report or to a
 * library caller. Against the test server
 * (tests/server/winrm_sim.py), which it stops at the end to make a Delete fail; needs
 * SIM_PORT, SIM_PID, SIM_USER, SIM_PASSWORD. */
#include "tests/tap.h"
#include "auth/auth.h"
#include "shell/localfs/readfile.h"
#include "shell/ps/ps_session.h"
#include "shell/run/run.h"
#include "wsman/global.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *user, *password;
static int saved_stderr = -1, quiet_fd = -1;

/* A fresh temporary file, already unlinked. */
static int scratch_fd(void)
{
    char path[] = "/tmp/nanosh-test-session-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    return fd;
}

/* Sends fd 2 to a fresh temporary file while the code under test runs. */
static void quiet_begin(void)
{
    quiet_fd = scratch_fd();
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(quiet_fd, STDERR_FILENO);
}

/* Restores fd 2; returns how many bytes were written to it meanwhile (-1: unknown). */
static long quiet_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    struct stat st;
    long n = fstat(quiet_fd, &st) == 0 ? (long)st.st_size : -1;
    close(quiet_fd);
    return n;
}

/* A Basic client of the test server on port (a closed port for a refused connection). */
static ws_client *client_on(int port)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_target t = {.host = "127.0.0.1", .port = port};
    ws_conn_opts co = {.allow_unencrypted = 1};
    ws_auth *auth = ws_auth_basic_new(user, password, &err);
    ws_client *c = NULL;
    if (auth && ws_client_new(&t, &co, auth, &c, &err) != WS_OK)
        c = NULL;
    if (!c)
        printf("# client: %s\n", err.what);
    ws_error_clear(&err);
    return c;
}

static run_config config(int err_fd)
{
    return (run_config){.idle_timeout_s = 60, .in_fd = -1, .out_fd = -1, .err_fd = err_fd};
}

/* Deletes a shell behind its owner's back, as a server's idle timeout would. */
static void delete_shell(ws_shell *shell)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_shell_delete(shell, &err);
    ws_error_clear(&err);
}

static void lose_shell(session *s)
{
    delete_shell(s->shell);
}

/* Runs in s, which stays open for delete_fails_at_close. */
static void runs_and_fails_quietly(int port, session *sp)
{
    session s;
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_buf out = {0};
    run_config cfg = config(STDERR_FILENO);
    int status = -1;
    run_request rq = {.command_line = "echo hi", .capture = &out};

    quiet_begin();
    ws_rc rc = session_open(&s, client_on(port), &cfg, NULL, &err);
    run_end end = rc == WS_OK ? session_run(&s, &rq, &status, &err) : RUN_FAILED;
    long printed = quiet_end();
    TAP_OK(rc == WS_OK && end == RUN_DONE && status == 0, "a command runs: status %d", status);
    TAP_OK(out.len >= 2 && memcmp(out.data, "hi", 2) == 0, "its output went to the capture");
    TAP_OK(printed == 0, "a run prints nothing of its own (%ld bytes)", printed);

    lose_shell(&s);
    quiet_begin();
    end = session_run(&s, &rq, &status, &err);
    printed = quiet_end();
    TAP_OK(end == RUN_FAILED && status == RUN_STATUS_FAILED, "a run in a lost shell fails: 255");
    TAP_OK(err.rc != WS_OK && err.what[0], "... and returns why: %s", err.what);
    TAP_OK(printed == 0, "... without printing it (%ld bytes)", printed);
    ws_error_clear(&err);

    ws_buf_reset(&out);
    end = session_run(&s, &rq, &status, &err);
    TAP_OK(end == RUN_DONE && status == 0 && out.len >= 2, "the next run gets a new shell");
    *sp = s;
    ws_buf_free(&out);
}

/* The server goes away, so the Delete at close fails: the session returns that as a
 * warning for its caller to show or not (the CLI prints it). */
static void delete_fails_at_close(session *s, pid_t server)
{
    char want[512];
    snprintf(want, sizeof want, "could not delete the remote shell %s (", ws_shell_id(s->shell));
    kill(server, SIGTERM);
    for (int i = 0; i < 100 && kill(server, 0) == 0; i++)
        usleep(50 * 1000);
    ws_error warning;
    memset(&warning, 0, sizeof warning);
    quiet_begin();
    session_close(s, &warning);
    long printed = quiet_end();
    TAP_OK(warning.rc != WS_OK && !strncmp(warning.what, want, strlen(want)),
           "a failed Delete at close is returned as a warning: %s", warning.what);
    TAP_STR_EQ(warning.fix, "it closes itself after the server's idle timeout",
               "... with today's fix");
    TAP_OK(printed == 0, "... and not printed (%ld bytes)", printed);
    ws_error_clear(&warning);
}

static void refused_open(void)
{
    session s;
    ws_error err, warning;
    memset(&err, 0, sizeof err);
    memset(&warning, 0, sizeof warning);
    run_config cfg = config(STDERR_FILENO);
    quiet_begin();
    ws_rc rc = session_open(&s, client_on(1), &cfg, "C:\\", &err);
    session_close(&s, &warning);
    long printed = quiet_end();
    TAP_OK(rc == WS_E_CONNECT && err.rc == WS_E_CONNECT && err.what[0],
           "a refused connection is returned: %s", err.what);
    TAP_OK(printed == 0 && warning.rc == WS_OK, "... not printed, and closing has no warning");
    ws_error_clear(&err);
}

/* One input of the PowerShell session in p, collecting its output in out. */
static int ps_input(ps_session *p, const char *text, ws_buf *out, ps_outcome *oc, ws_error *err)
{
    ps_io io = {.out = out};
    ws_buf_reset(out);
    return ps_run(p, text, strlen(text), &io, oc, err);
}

/* The stand-in powershell.exe of the test server runs its inputs with /bin/sh. */
static void ps_session_fails_quietly(int port)
{
    ws_client *c = client_on(port);
    int out_fd = scratch_fd();
    ps_config cfg = {.idle_timeout_s = 60, .out_fd = out_fd, .err_fd = STDERR_FILENO};
    ps_session p;
    ps_outcome oc;
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_buf out = {0};

    quiet_begin();
    ws_rc rc = ps_session_open(&p, &cfg, c, &err);
    ps_io to_fds = {0};
    int st = rc == WS_OK ? ps_run(&p, "echo hi", 7, &to_fds, &oc, &err) : -1;
    long printed = quiet_end();
    char got[16] = "";
    ssize_t n = pread(out_fd, got, sizeof got - 1, 0);
    TAP_OK(rc == WS_OK && st == 0 && oc.end == RUN_DONE, "PowerShell: an input runs: %d", st);
    TAP_OK(n >= 2 && !memcmp(got, "hi", 2), "... its output went to the caller's descriptor");
    TAP_OK(printed == 0, "... and nothing else was printed (%ld bytes)", printed);

    delete_shell(p.shell);
    quiet_begin();
    st = ps_input(&p, "echo again", &out, &oc, &err);
    printed = quiet_end();
    TAP_OK(oc.end == RUN_FAILED && st == RUN_STATUS_FAILED,
           "PowerShell: an input in a lost shell fails: %d", st);
    TAP_OK(err.rc != WS_OK && err.what[0], "... and returns why: %s", err.what);
    TAP_OK(printed == 0, "... without printing it (%ld bytes)", printed);
    ws_error_clear(&err);
    st = ps_input(&p, "echo again", &out, &oc, &err);
    TAP_OK(st == 0 && out.len >= 5 && !memcmp(out.data, "again", 5),
           "... and the next input gets a new shell and PowerShell");

    quiet_begin();
    st = ps_input(&p, "head -c 2000000 /dev/zero | tr '\\0' x", &out, &oc, &err);
    printed = quiet_end();
    TAP_OK(oc.end == RUN_FAILED && st == RUN_STATUS_FAILED, "PowerShell: too much output fails");
    TAP_STR_EQ(err.what, "PowerShell answered a request of nanosh's with more than 1024 KiB "
               "of output (the limit)", "... returning today's message");
    TAP_STR_EQ(err.fix, "the PowerShell was stopped and the next input starts a new one; "
               "-v shows what the host sent", "... and fix");
    TAP_OK(printed == 0, "... without printing it (%ld bytes)", printed);
    ws_error_clear(&err);

    _Atomic int cancel = PS_CANCEL_SIGNAL_BASE + SIGTERM;
    p.cfg.cancel = &cancel;
    st = ps_input(&p, "echo never", &out, &oc, &err);
    TAP_OK(oc.end == RUN_SIGNALLED && st == PS_CANCEL_SIGNAL_BASE + SIGTERM && err.rc == WS_OK,
           "PowerShell: the caller's cancel flag ends an input: %d", st);
    p.cfg.cancel = NULL;
    p.cfg.deadline_ms = 1;
    st = ps_input(&p, "echo never", &out, &oc, &err);
    TAP_OK(oc.end == RUN_FAILED && err.rc == WS_E_TIMEOUT,
           "... and a passed deadline is returned as a timeout: %s", err.what);
    ws_error_clear(&err);

    ws_error warning;
    memset(&warning, 0, sizeof warning);
    quiet_begin();
    ps_session_close(&p, &warning);
    printed = quiet_end();
    TAP_OK(warning.rc == WS_OK && printed == 0, "PowerShell: closing prints nothing");
    ws_error_clear(&warning);
    ws_client_free(c);
    ws_buf_free(&out);
    close(out_fd);
}

static void readfile_error(void)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    char *data = NULL;
    size_t len = 0;
    quiet_begin();
    ws_rc rc = readfile_all("/nonexistent/script.ps1", "-f", &data, &len, &err);
    long printed = quiet_end();
    TAP_OK(rc == WS_E_IO && !data, "a missing file is an I/O error");
    TAP_STR_EQ(err.what, "cannot open /nonexistent/script.ps1 (-f): No such file or directory",
               "... saying what happened");
    TAP_STR_EQ(err.fix, "check the path", "... and what to do");
    TAP_OK(printed == 0, "... without printing it (%ld bytes)", printed);
}

int main(void)
{
    const char *p = getenv("SIM_PORT"), *pid = getenv("SIM_PID");
    user = getenv("SIM_USER");
    password = getenv("SIM_PASSWORD");
    if (!p || !pid || !user || !password)
        TAP_SKIP_ALL("SIM_PORT, SIM_PID, SIM_USER or SIM_PASSWORD unset (run by tests/run/test_session.sh)");
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_global_init(&err) != WS_OK) {
        printf("Bail out! %s\n", err.what);
        return 1;
    }
    session s;
    runs_and_fails_quietly(atoi(p), &s);
    refused_open();
    ps_session_fails_quietly(atoi(p));
    readfile_error();
    delete_fails_at_close(&s, (pid_t)atoi(pid));
    ws_global_cleanup();
    return tap_done();
}
