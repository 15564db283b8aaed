/* Child-process plumbing for acceptor.py, with bounded waits (poll) everywhere. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "peer.h"

#define PEER_TIMEOUT_MS 10000

int peer_start(peer *p, const char *const *args)
{
    int in[2], out[2];
    const char *py = getenv("PYTHON3"), *src = getenv("TOP_SRCDIR");
    char script[4096];
    const char *argv[8];
    int n = 0;

    memset(p, 0, sizeof *p);
    p->pid = -1;
    snprintf(script, sizeof script, "%s/tests/krb/acceptor.py", src ? src : ".");
    argv[n++] = py && *py ? py : "/usr/bin/python3";
    argv[n++] = script;
    for (int i = 0; args && args[i] && n < 7; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (pipe(in) || pipe(out))
        return -1;
    fflush(stdout);
    p->pid = fork();
    if (p->pid < 0)
        return -1;
    if (p->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->to = in[1];
    p->from = out[0];
    return 0;
}

static int read_line(peer *p)
{
    size_t used = 0;

    for (;;) {
        struct pollfd pfd = { p->from, POLLIN, 0 };
        int r = poll(&pfd, 1, PEER_TIMEOUT_MS);
        if (r <= 0)
            return -1;
        ssize_t got = read(p->from, p->line + used, 1);
        if (got <= 0)
            return -1;
        if (p->line[used] == '\n') {
            p->line[used] = '\0';
            return 0;
        }
        if (++used >= sizeof p->line - 1)
            return -1;
    }
}

static int write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

const char *peer_call(peer *p, const char *cmd, const char *num, const void *data, size_t len)
{
    static char word[32];
    size_t cap = strlen(cmd) + (num ? strlen(num) : 0) + 4 * (len / 3 + 2) + 8;
    char *msg = malloc(cap);
    int ok;

    p->line[0] = '\0';
    if (!msg)
        return "";
    int n = snprintf(msg, cap, "%s %s%s", cmd, num ? num : "", num ? " " : "");
    n += EVP_EncodeBlock((unsigned char *)msg + n, data, (int)len);
    msg[n++] = '\n';
    ok = write_all(p->to, msg, (size_t)n) == 0 && read_line(p) == 0;
    free(msg);
    if (!ok)
        return "";
    return peer_word(p, 0, word, sizeof word);
}

const char *peer_word(const peer *p, int n, char *buf, size_t size)
{
    const char *s = p->line;

    buf[0] = '\0';
    for (int i = 0; i < n && s; i++) {
        s = strchr(s, ' ');
        if (s)
            s++;
    }
    if (!s)
        return buf;
    size_t len = strcspn(s, " ");
    if (len >= size)
        len = size - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

long peer_word_b64(const peer *p, int n, unsigned char *buf, size_t size)
{
    char *w = malloc(sizeof p->line);
    long len = -1;

    if (!w)
        return -1;
    peer_word(p, n, w, sizeof p->line);
    size_t wl = strlen(w);
    if (wl % 4 == 0 && wl / 4 * 3 <= size) {
        len = EVP_DecodeBlock(buf, (unsigned char *)w, (int)wl);
        if (len >= 0 && wl >= 1 && w[wl - 1] == '=')
            len--;
        if (len >= 0 && wl >= 2 && w[wl - 2] == '=')
            len--;
    }
    free(w);
    return len;
}

void peer_stop(peer *p)
{
    int status;

    if (p->pid <= 0)
        return;
    close(p->to);
    close(p->from);
    for (int i = 0; i < 100; i++) {        /* 5 s at most, then kill */
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = -1;
            return;
        }
        nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = -1;
}
