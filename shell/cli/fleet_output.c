/* A fleet's output (fleet_output.h). */
#include "shell/cli/fleet_output.h"
#include "shell/cli/errors.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fleet_output_init(fleet_output *o, const char *output_dir, int bootstrap, size_t total)
{
    memset(o, 0, sizeof *o);
    o->tty = isatty(STDERR_FILENO);
    o->lines = bootstrap ? stdout : stderr;
    o->output_dir = output_dir;
    o->total = total;
}

int fleet_output_check_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("create the directory first", "--output-dir %s is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return fail("check the directory's permissions", "cannot write in --output-dir %s: %s",
                    dir, strerror(errno));
    return 0;
}

/* An unlinked file in TMPDIR: the output of a host may be large; memory stays flat. */
static int temp_fd(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT))
        return fd;
    char path[4096];
    snprintf(path, sizeof path, "%s/nanosh-fleet.XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

int fleet_host_files_open(const fleet_output *o, const char *label, fleet_host_files *f)
{
    memset(f, 0, sizeof *f);
    f->out_fd = f->err_fd = -1;
    f->out_sf.fd = f->err_sf.fd = -1;
    if (o->output_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.out", o->output_dir, label);
        if (safe_file_open(&f->out_sf, path, 0644) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s.err", o->output_dir, label);
        if (safe_file_open(&f->err_sf, path, 0644) != 0) {
            int e = errno;
            safe_file_abort(&f->out_sf);
            errno = e;
            return -1;
        }
        f->in_dir = 1;
        f->out_fd = f->out_sf.fd;
        f->err_fd = f->err_sf.fd;
        return 0;
    }
    f->out_fd = temp_fd();
    f->err_fd = f->out_fd >= 0 ? temp_fd() : -1;
    if (f->err_fd < 0) {
        int e = errno;
        if (f->out_fd >= 0)
            close(f->out_fd);
        f->out_fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

void fleet_host_files_close(fleet_host_files *f, int commit)
{
    if (f->in_dir) {
        if (commit) {
            if (safe_file_commit(&f->out_sf) != 0)
                warn_line(NULL, "cannot write %s: %s", f->out_sf.target, strerror(errno));
            if (safe_file_commit(&f->err_sf) != 0)
                warn_line(NULL, "cannot write %s: %s", f->err_sf.target, strerror(errno));
        } else {
            safe_file_abort(&f->out_sf);
            safe_file_abort(&f->err_sf);
        }
    } else {
        if (f->out_fd >= 0)
            close(f->out_fd);
        if (f->err_fd >= 0)
            close(f->err_fd);
    }
    memset(f, 0, sizeof *f);
    f->out_fd = f->err_fd = -1;
}

static void clear_progress(fleet_output *o)
{
    if (o->drawn) {
        fputs("\r\033[K", stderr);
        o->drawn = 0;
    }
}

/* The file from its start to `to`, each line prefixed "LABEL: "; a last line without a
 * newline gets one. */
static void copy_prefixed(int fd, FILE *to, const char *label)
{
    if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
        return;
    FILE *in = fdopen(dup(fd), "r");
    if (!in)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        fprintf(to, "%s: ", label);
        fwrite(line, 1, (size_t)n, to);
        if (line[n - 1] != '\n')
            fputc('\n', to);
    }
    free(line);
    fclose(in);
    fflush(to);
}

static void write_status(const char *dir, const char *label, int exit_status, const char *error)
{
    char path[4096], text[1024];
    snprintf(path, sizeof path, "%s/%s.status", dir, label);
    int n = snprintf(text, sizeof text, "%d\n", exit_status >= 0 ? exit_status : 255);
    if (error && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s\n", error);
    if ((size_t)n >= sizeof text)
        n = (int)sizeof text - 1;
    safe_file f;
    if (safe_file_open(&f, path, 0644) != 0 || safe_file_write(&f, text, (size_t)n) != 0 ||
        safe_file_commit(&f) != 0) {
        int e = errno;
        safe_file_abort(&f);
        warn_line(NULL, "cannot write %s: %s", path, strerror(e));
    }
}

void fleet_output_host_files(fleet_output *o, const char *label, fleet_host_files *f,
                             int exit_status, const char *error)
{
    if (f->in_dir) {
        fleet_host_files_close(f, 1);
        write_status(o->output_dir, label, exit_status, error);
        return;
    }
    clear_progress(o);
    copy_prefixed(f->out_fd, stdout, label);
    copy_prefixed(f->err_fd, stderr, label);
    fleet_host_files_close(f, 0);
}

void fleet_output_host_line(fleet_output *o, const char *label, int ok, const char *reason)
{
    if (o->tty) {
        /* On a terminal, the failures stay above the progress line. */
        if (ok)
            return;
        clear_progress(o);
        fprintf(stderr, "%s failed %s\n", label, reason);
        return;
    }
    if (ok)
        fprintf(o->lines, "%s ok\n", label);
    else
        fprintf(o->lines, "%s failed %s\n", label, reason);
    fflush(o->lines);
}

static void format_eta(double s, char *out, size_t cap)
{
    if (s < 0) {
        snprintf(out, cap, "--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, cap, "%lds", t);
}

void fleet_output_progress(fleet_output *o, const fleet_progress *p)
{
    enum { WIDTH = 20 };
    char bar[WIDTH + 1], eta[32];
    size_t total = p->total ? p->total : 1;
    size_t fill = p->done * WIDTH / total;
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[WIDTH] = '\0';
    format_eta(p->eta_s, eta, sizeof eta);
    char line[sizeof o->last];
    snprintf(line, sizeof line, "[%s] %zu/%zu hosts  %zu ok  %zu failed  ETA %s", bar, p->done,
             p->total, p->ok, p->failed, eta);
    if (o->drawn && strcmp(line, o->last) == 0)
        return;
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    snprintf(o->last, sizeof o->last, "%s", line);
    o->drawn = 1;
}

void fleet_output_finish(fleet_output *o, const fleet_result *res)
{
    if (o->tty && o->drawn)
        fputc('\n', stderr);
    o->drawn = 0;
    fprintf(stderr, "%zu hosts: %zu ok, %zu failed%s, %.1f s\n", res->started, res->ok,
            res->failed, res->cancelled ? ", interrupted" : "", res->seconds);
    fflush(stderr);
}
