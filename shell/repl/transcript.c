/* The --log transcript (transcript.h): the file, and the thread that copies fd 1 and 2
 * to the terminal and to it. */
#include "shell/repl/transcript.h"
#include "shell/cli/errors.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void transcript_init(transcript *t)
{
    memset(t, 0, sizeof *t);
    t->fd = t->term_out = t->term_err = t->out_r = t->err_r = t->out_w = t->err_w = -1;
    t->ctl[0] = t->ctl[1] = t->ack[0] = t->ack[1] = -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void write_stamp(int fd, const char *what)
{
    char date[64], line[1024];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %z", localtime_r(&now, &tm));
    int n = snprintf(line, sizeof line, "--- nanosh: %s, %s ---\n", what, date);
    if (n > 0)
        write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

int transcript_open(transcript *t, const char *path, const char *host)
{
    /* O_NOFOLLOW: no planted symlink is written through; O_NONBLOCK: a FIFO planted at
     * the name does not hang the open (it is refused below, as anything but a file). */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
                  O_NONBLOCK, 0600);
    if (fd < 0 && errno == ELOOP)
        return fail("give --log a file, not a symbolic link", "cannot keep a transcript in %s: "
                    "it is a symbolic link, which nanosh does not write through", path);
    if (fd < 0)
        return fail("check the path and the directory's permissions", "cannot keep a transcript "
                    "in %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail("give --log a regular file", "cannot keep a transcript in %s: it is not a "
                    "regular file", path);
    }
    fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
    if (st.st_mode & 077)
        warn_line("chmod 600 it", "the transcript %s is readable by others, and a session "
                  "may show private data", path);
    t->fd = fd;
    char what[600];
    snprintf(what, sizeof what, "session on %.512s", host ? host : "");
    write_stamp(fd, what);    /* appended after earlier sessions: this line starts ours */
    return 0;
}

/* Copies one chunk from *src to dst and the file. 1 when it copied, 0 when nothing was
 * there; the source is closed (set to -1) at its end, or when the terminal is gone, so
 * that writers get EPIPE as they would from a closed terminal. */
static int copy_some(transcript *t, int *src, int dst, char *buf, size_t size)
{
    if (*src < 0)
        return 0;
    ssize_t n = read(*src, buf, size);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n > 0 && write_all(dst, buf, (size_t)n) == 0) {
        if (t->fd >= 0 && write_all(t->fd, buf, (size_t)n) != 0) {
            close(t->fd);        /* a full disk: the session goes on without its file */
            t->fd = -1;
        }
        return 1;
    }
    close(*src);
    *src = -1;
    return 0;
}

static void *copier(void *arg)
{
    transcript *t = arg;
    char buf[4096];
    int *src[2] = {&t->out_r, &t->err_r};
    int dst[2] = {t->term_out, t->term_err};
    for (;;) {
        struct pollfd p[3] = {{.fd = t->ctl[0], .events = POLLIN},
                              {.fd = t->out_r, .events = POLLIN},
                              {.fd = t->err_r, .events = POLLIN}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++)
            if (p[i + 1].revents)
                copy_some(t, src[i], dst[i], buf, sizeof buf);
        if (!p[0].revents)
            continue;
        char c = 'q';
        if (read(t->ctl[0], &c, 1) != 1)
            c = 'q';
        /* Everything written before the request is in the pipes now: drain them. */
        for (int i = 0; i < 2; i++)
            while (copy_some(t, src[i], dst[i], buf, sizeof buf))
                ;
        if (write_all(t->ack[1], &c, 1) != 0 || c == 'q')
            break;
    }
    return NULL;
}

/* Puts a pipe's write end on target (1 or 2), keeping it in *w for transcript_resume;
 * its read end in *r, non-blocking. */
static int pipe_onto(int target, int *r, int *w)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    if (dup2(p[1], target) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    *r = p[0];
    *w = p[1];
    return 0;
}

static int same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino && x.st_rdev == y.st_rdev;
}

int transcript_capture(transcript *t, int with_stderr)
{
    if (t->fd < 0)
        return 0;
    fflush(stdout);
    fflush(stderr);
    int shared = same_file(STDOUT_FILENO, STDERR_FILENO);
    t->term_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (with_stderr)
        t->term_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (t->term_out < 0 || (with_stderr && t->term_err < 0) || pipe2(t->ctl, O_CLOEXEC) != 0 ||
        pipe2(t->ack, O_CLOEXEC) != 0 || pipe_onto(STDOUT_FILENO, &t->out_r, &t->out_w) != 0)
        goto failed;
    /* One pipe when 1 and 2 are the same terminal, so their order is kept. */
    if (with_stderr && (shared ? dup2(STDOUT_FILENO, STDERR_FILENO) < 0
                               : pipe_onto(STDERR_FILENO, &t->err_r, &t->err_w) != 0))
        goto failed;
    t->err_shared = with_stderr && shared;
    /* stdout on a pipe would be fully buffered: keep it by lines, as on the terminal. */
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    t->tty_out = fdopen(fcntl(t->term_out, F_DUPFD_CLOEXEC, 3), "w");
    if (with_stderr)
        t->tty_err = fdopen(fcntl(t->term_err, F_DUPFD_CLOEXEC, 3), "w");
    if (t->tty_err)
        setvbuf(t->tty_err, NULL, _IONBF, 0);
    /* The thread takes no signal: the shell's handlers run on the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, copier, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        goto failed;
    t->running = 1;
    return 0;
failed:
    transcript_close(t);
    return fail("check the process's limits on open files", "cannot copy the session to the "
                "transcript: %s", strerror(errno));
}

/* Asks the thread to drain ('s') or to drain and stop ('q'), and waits for its answer. */
static void ask(transcript *t, char c)
{
    fflush(stdout);
    fflush(stderr);
    if (!t->running || write_all(t->ctl[1], &c, 1) != 0)
        return;
    char got;
    while (read(t->ack[0], &got, 1) < 0 && errno == EINTR)
        ;
}

void transcript_sync(transcript *t)
{
    ask(t, 's');
}

/* A local command gets the terminal itself (an editor, a pager, a program that asks for
 * a passphrase need one), and what it shows is this machine's, not the session's. */
void transcript_pause(transcript *t)
{
    if (!t->running)
        return;
    transcript_sync(t);
    dup2(t->term_out, STDOUT_FILENO);
    if (t->term_err >= 0)
        dup2(t->term_err, STDERR_FILENO);
    static const char note[] = TRANSCRIPT_LOCAL "\n";
    if (t->fd >= 0 && write_all(t->fd, note, sizeof note - 1) != 0) {
        close(t->fd);
        t->fd = -1;
    }
}

void transcript_resume(transcript *t)
{
    if (!t->running)
        return;
    fflush(stdout);
    fflush(stderr);
    dup2(t->out_w, STDOUT_FILENO);
    if (t->term_err >= 0)
        dup2(t->err_shared ? t->out_w : t->err_w, STDERR_FILENO);
}

void transcript_input(transcript *t, const char *prompt, const char *line, int hidden)
{
    if (t->fd < 0)
        return;
    transcript_sync(t);
    const char *text = hidden ? TRANSCRIPT_HIDDEN : line;
    if (write_all(t->fd, prompt, strlen(prompt)) != 0 || write_all(t->fd, text, strlen(text)) ||
        write_all(t->fd, "\n", 1) != 0) {
        close(t->fd);
        t->fd = -1;
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void transcript_close(transcript *t)
{
    if (t->running) {
        ask(t, 'q');
        pthread_join(t->thread, NULL);
        t->running = 0;
    }
    if (t->term_out >= 0)
        dup2(t->term_out, STDOUT_FILENO);
    if (t->term_err >= 0)
        dup2(t->term_err, STDERR_FILENO);
    if (t->tty_out)
        fclose(t->tty_out);
    if (t->tty_err)
        fclose(t->tty_err);
    t->tty_out = t->tty_err = NULL;
    int *fds[] = {&t->term_out, &t->term_err, &t->out_r, &t->err_r, &t->out_w, &t->err_w,
                  &t->ctl[0], &t->ctl[1], &t->ack[0], &t->ack[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close_fd(fds[i]);
    if (t->fd >= 0)
        write_stamp(t->fd, "end of session");
    close_fd(&t->fd);
}
