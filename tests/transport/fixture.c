/* See fixture.h. */
#include "tests/transport/fixture.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/buf.h"

extern char **environ;

const char *fixture_path(const fixture *f, const char *name)
{
    static char buf[4][160];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", f->dir, name);
    return p;
}

char *fixture_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ws_buf b = WS_BUF_INIT;
    char chunk[4096];
    size_t n;
    if (!fp)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        ws_buf_append(&b, chunk, n);
    fclose(fp);
    if (!b.data)
        ws_buf_append(&b, "", 0);
    return ws_buf_steal(&b);
}

int fixture_log_count(const fixture *f)
{
    char *s = fixture_slurp(fixture_path(f, "log"));
    int n = 0;
    for (char *p = s; p && *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

const char *fixture_log_field(const fixture *f, int idx, const char *key)
{
    static char bufs[4][1024];
    static int next;
    char *out = bufs[next++ % 4], pat[64];
    char *s = fixture_slurp(fixture_path(f, "log")), *line = s;
    out[0] = '\0';
    for (int i = 0; line && i < idx; i++)
        if ((line = strchr(line, '\n')))
            line++;
    if (line && *line) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        snprintf(pat, sizeof pat, "%s=", key);
        for (char *fld = line; fld; fld = strchr(fld, '\t') ? strchr(fld, '\t') + 1 : NULL) {
            if (strncmp(fld, pat, strlen(pat)) == 0) {
                char *v = fld + strlen(pat), *tab = strchr(v, '\t');
                snprintf(out, sizeof bufs[0], "%.*s", (int)(tab ? tab - v : (long)strlen(v)), v);
                break;
            }
        }
    }
    free(s);
    return out;
}

static int run_quiet(const char *const argv[])
{
    pid_t pid;
    int st, devnull = open("/dev/null", O_WRONLY);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    posix_spawn_file_actions_adddup2(&fa, devnull, 2);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(devnull);
    if (rc != 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void fixture_unset_proxies(void)
{
    const char *proxies[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof *proxies; i++)
        unsetenv(proxies[i]);
}

int fixture_make_dir(fixture *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/nanosh-fx-XXXXXX");
    if (mkdtemp(f->dir))
        return 0;
    f->dir[0] = '\0';
    return -1;
}

int fixture_start(fixture *f, const char *user, const char *password)
{
    const char *py = getenv("PYTHON3"), *top = getenv("TOP_SRCDIR");
    char script[512], key[160], cert[160];
    pid_t pid;

    if (!f->dir[0] && fixture_make_dir(f) != 0)
        return -1;
    snprintf(key, sizeof key, "%s", fixture_path(f, "key.pem"));
    snprintf(cert, sizeof cert, "%s", fixture_path(f, "cert.pem"));
    const char *req[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                         "-subj", "/CN=localhost", "-addext",
                         "subjectAltName=IP:127.0.0.1,DNS:localhost",
                         "-keyout", key, "-out", cert, NULL};
    if (run_quiet(req) != 0)
        return -1;
    if (!py || !*py)
        py = "/usr/bin/python3";
    snprintf(script, sizeof script, "%s/tests/transport/http_fixture.py", top ? top : ".");
    /* Without a user the list ends before --user. */
    const char *argv[] = {py, script, "--dir", f->dir, "--cert", cert, "--key", key,
                          user ? "--user" : NULL, user, "--password", password, NULL};
    if (posix_spawn(&pid, py, NULL, NULL, (char *const *)argv, environ) != 0)
        return -1;
    f->pid = pid;
    for (int i = 0; i < 200; i++) {   /* up to 10 s */
        FILE *fp = fopen(fixture_path(f, "ports"), "r");
        if (fp) {
            int n = fscanf(fp, "%d %d %d", &f->http_port, &f->https_port, &f->v6_port);
            fclose(fp);
            return n == 3 && f->http_port > 0 ? 0 : -1;
        }
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            f->pid = 0;
            return -1;
        }
        usleep(50000);
    }
    return -1;
}

void fixture_stop(fixture *f)
{
    DIR *d;
    struct dirent *e;
    if (f->pid > 0) {
        int gone = 0;
        kill(f->pid, SIGTERM);
        for (int i = 0; i < 100 && !gone; i++) {   /* up to 5 s */
            gone = waitpid(f->pid, NULL, WNOHANG) == f->pid;
            if (!gone)
                usleep(50000);
        }
        if (!gone) {
            kill(f->pid, SIGKILL);
            waitpid(f->pid, NULL, 0);
        }
        f->pid = 0;
    }
    if (!f->dir[0] || !(d = opendir(f->dir)))
        return;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(f->dir);
}
