/* Meta-command parsing and the local "!" escape. */
#include "shell/meta.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

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
          ":get REMOTE LOCAL     copy a file from the host (SHA-256 checked)\n"
          ":exit, exit, Ctrl-D   leave; the remote shell is deleted\n"
          "!COMMAND              run COMMAND on this machine\n"
          "Ctrl-C stops the running remote command; a second Ctrl-C ends it for good.\n"
          "Tab completes meta-commands, remote paths and, in PowerShell mode, command names.\n",
          stdout);
    fflush(stdout);
}

int meta_run_local(const char *command)
{
    if (!*command) {
        fputs("nanosh: '!' needs a command: for example !ls\n", stderr);
        return 1;
    }
    fflush(stdout);
    int st = system(command);    /* ignores SIGINT while it waits, as a shell does */
    if (st < 0)
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
    if (*p == '"') {
        start = ++p;
        end = strchr(p, '"');
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
    *a = *b = NULL;
    const char *p = word(args, a);
    if (p)
        p = word(p, b);
    if (!p || p[strspn(p, " \t")]) {
        free(*a);
        free(*b);
        *a = *b = NULL;
        return -1;
    }
    return 0;
}
