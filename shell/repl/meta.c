/* Meta-command parsing and the local "!" escape. */
#include "shell/repl/meta.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    meta_kind kind;
} names[] = {
    {"help", META_HELP}, {"ps", META_PS}, {"cmd", META_CMD}, {"put", META_PUT},
    {"get", META_GET}, {"exit", META_EXIT}, {"quit", META_EXIT},
};

meta_kind meta_parse(const char *line, const char **args)
{
    *args = "";
    if (line[0] == '!') {
        *args = line + 1 + strspn(line + 1, " \t");
        return META_LOCAL;
    }
    if (line[0] != ':')
        return META_NONE;
    size_t n = strcspn(line + 1, " \t");
    *args = line + 1 + n + strspn(line + 1 + n, " \t");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && !strncmp(line + 1, names[i].name, n))
            return names[i].kind;
    return META_UNKNOWN;
}

void meta_print_help(void)
{
    fputs(":help                 this list\n"
          ":ps                   PowerShell mode: one remote powershell.exe keeps its state\n"
          ":cmd                  cmd.exe mode: each line is one WinRS command\n"
          ":put LOCAL REMOTE     copy a local file to the host (SHA-256 checked)\n"
          ":get REMOTE [LOCAL]   copy a file from the host (SHA-256 checked); without LOCAL,\n"
          "                      into this directory under the remote file's name\n"
          ":put -r, :get -r      the same for a directory and every file below it\n"
          ":exit, :quit, exit    leave (Ctrl-D too); the remote shell is deleted\n"
          "!COMMAND              run COMMAND on this machine\n"
          "Ctrl-C stops the running remote command; a second Ctrl-C ends it for good.\n"
          "Tab completes meta-commands, remote paths and, in PowerShell mode, command names.\n",
          stdout);
    fflush(stdout);
}

/* The environment a local command gets: what a shell needs, nothing of nanosh's
 * (NANOSH_*, KRB5CCNAME, agent sockets, tokens): DESIGN.md, "Security". */
static int kept_variable(const char *entry)
{
    static const char *const keep[] = {
        "PATH=", "HOME=", "USER=", "LOGNAME=", "SHELL=", "TERM=", "COLORTERM=", "LANG=",
        "LC_", "TZ=", "TMPDIR=", "PWD=", "COLUMNS=", "LINES=",
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (!strncmp(entry, keep[i], strlen(keep[i])))
            return 1;
    return 0;
}

/* In the child: only descriptors 0-2 (no authenticated socket, no file nanosh has
 * open), default signal handling, a clean environment; then the shell. */
static void exec_local(const char *command, const sigset_t *mask)
{
    extern char **environ;
    char *env[64];
    size_t n = 0;

    for (char **e = environ; *e && n < sizeof env / sizeof env[0] - 1; e++)
        if (kept_variable(*e))
            env[n++] = *e;
    env[n] = NULL;
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
    execve("/bin/sh", (char *[]){"sh", "-c", (char *)command, NULL}, env);
    _exit(127);
}

int meta_run_local(const char *command)
{
    if (!*command) {
        fputs("nanosh: '!' needs a command: for example !ls\n", stderr);
        return 1;
    }
    fflush(stdout);
    fflush(stderr);
    /* As system(3): the terminal's Ctrl-C and Ctrl-\ are the command's while it runs. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigset_t chld, old_mask;
    sigemptyset(&ignore.sa_mask);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigprocmask(SIG_BLOCK, &chld, &old_mask);
    int st = -1;
    pid_t pid = fork();
    if (pid == 0)
        exec_local(command, &old_mask);
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    if (pid < 0 || st < 0)
        return 127;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

static const char *word(const char *p, char **out)
{
    p += strspn(p, " \t");
    if (!*p)
        return NULL;
    const char *start = p, *end;
    if (*p == '"' || *p == '\'') {      /* 'C:\dir\f.txt' as PowerShell users quote it */
        char q = *p;
        start = ++p;
        end = strchr(p, q);
        if (!end)
            return NULL;
        p = end + 1;
    } else {
        end = p + strcspn(p, " \t");
        p = end;
    }
    *out = strndup(start, (size_t)(end - start));
    return *out ? p : NULL;
}

int meta_two_args(const char *args, char **a, char **b)
{
    return meta_args(args, a, b, 0);
}

int meta_args(const char *args, char **a, char **b, int b_optional)
{
    *a = *b = NULL;
    const char *p = word(args, a);
    if (p && !(b_optional && !p[strspn(p, " \t")]))
        p = word(p, b);
    if (!p || p[strspn(p, " \t")]) {
        free(*a);
        free(*b);
        *a = *b = NULL;
        return -1;
    }
    return 0;
}

int meta_take_recursive(const char **args)
{
    const char *p = *args;
    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] != '-' || p[1] != 'r' || (p[2] != ' ' && p[2] != '\t'))
        return 0;
    *args = p + 3;
    return 1;
}
