/* History entries may span lines (a PowerShell block); with timestamps written, readline
 * reads the lines between two timestamps back as one entry (history_multiline_entries).
 * Entries are appended as typed; at exit the file is rewritten through a new file renamed
 * over it (shell/localfs/safe_file.c), never truncated in place. One file per host: what
 * is typed on one host is rarely of use on another, and may be private to it. */
#include "shell/repl/history.h"
#include "shell/cli/errors.h"
#include "shell/localfs/safe_file.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HISTORY_KEEP 2000

/* mkdir -p with mode 0700: commands typed may be private. */
static int make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* $XDG_STATE_HOME/nanosh/SUFFIX, or ~/.local/state/nanosh/SUFFIX. */
static char *state_path(const char *suffix)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;
    int n;
    if (state && state[0] == '/')   /* relative values are to be ignored (XDG spec) */
        n = asprintf(&path, "%s/nanosh/%s", state, suffix);
    else if (home && *home)
        n = asprintf(&path, "%s/.local/state/nanosh/%s", home, suffix);
    else
        return NULL;
    return n < 0 ? NULL : path;
}

int history_file_name(const char *host, int port, int https, char *out, size_t size)
{
    if (!host || !*host || size < 16)
        return -1;
    int v6 = strchr(host, ':') != NULL;
    size_t n = 0, keep = size - 16;       /* room for "[", "]", ":65535" and the NUL */
    if (v6)
        out[n++] = '[';
    for (const char *p = host; *p && n < keep; p++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*p);  /* DNS ignores case */
        int ok = isalnum(c) || c == '-' || c == '_' || (c == '.' && n > 0) || (c == ':' && v6);
        out[n++] = ok ? (char)c : '_';    /* no '/', no leading '.', nothing unprintable */
    }
    if (v6)
        out[n++] = ']';
    out[n] = '\0';
    if (port > 0 && port != (https ? 5986 : 5985))
        snprintf(out + n, size - n, ":%d", port);
    return 0;
}

static char *host_path(const nanosh_opts *o)
{
    char name[256];
    const char *typed = o->host_alias ? o->host_alias : o->host;  /* the name as typed */
    if (history_file_name(typed, o->port, o->https > 0, name, sizeof name) != 0)
        return NULL;
    char suffix[300];
    snprintf(suffix, sizeof suffix, "history.d/%s", name);
    return state_path(suffix);
}

/* Stops saving to h->path, after a problem was reported. */
static void stop_saving(history *h)
{
    free(h->path);
    h->path = NULL;
}

/* Writes readline's history list to path through a new file renamed over it. */
static int write_list(const rl_api *rl, const char *path)
{
    safe_file f;
    if (safe_file_open(&f, path, 0600) != 0)
        return -1;
    HIST_ENTRY **list = rl->history_list();
    int rc = 0;
    for (int i = 0; rc == 0 && list && list[i]; i++) {
        const char *stamp = list[i]->timestamp;
        if (stamp && *stamp)
            rc = safe_file_write(&f, stamp, strlen(stamp)) || safe_file_write(&f, "\n", 1);
        if (rc == 0)
            rc = safe_file_write(&f, list[i]->line, strlen(list[i]->line)) ||
                 safe_file_write(&f, "\n", 1);
    }
    if (rc == 0)
        rc = safe_file_commit(&f);
    safe_file_abort(&f);
    return rc ? -1 : 0;
}

/* Earlier versions kept one file for every host. A host's new file starts as a copy of
 * it; the old file is left as it was (an older nanosh may still use it). */
static void seed_from_shared(const rl_api *rl, const char *path)
{
    char *old = state_path("history");
    struct stat st;
    if (old && lstat(old, &st) == 0 && S_ISREG(st.st_mode) && rl->read_history(old) == 0)
        write_list(rl, path);
    rl->clear_history();
    free(old);
}

void history_open(history *h, const rl_api *rl, const nanosh_opts *o)
{
    h->rl = rl;
    rl->using_history();
    rl->stifle_history(HISTORY_KEEP);
    *rl->history_write_timestamps = 1;
    *rl->history_multiline_entries = 1;
    h->path = host_path(o);
    if (!h->path)
        return;
    char *history_path = h->path;
    if (make_dirs(history_path) != 0) {
        warn_line("set XDG_STATE_HOME to a writable directory", "history is not saved: cannot "
                  "create the directory for %s: %s", history_path, strerror(errno));
        stop_saving(h);
        return;
    }
    struct stat st;
    int is_new = lstat(history_path, &st) != 0 && errno == ENOENT;
    if (is_new)
        seed_from_shared(rl, history_path);
    /* O_NOFOLLOW: a symlink planted at the history's name is not written through. */
    int fd = open(history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == ELOOP)
        warn_line("remove the link or set XDG_STATE_HOME elsewhere", "history is not saved: %s "
                  "is a symbolic link, which nanosh does not write through", history_path);
    else if (fd < 0)
        warn_line("check the file's permissions", "history is not saved: cannot open %s: %s",
                  history_path, strerror(errno));
    if (fd < 0) {
        stop_saving(h);
        return;
    }
    close(fd);
    rl->read_history(history_path);
}

/* The newest entry in readline's list, or NULL. */
static const char *last_entry(const rl_api *rl)
{
    HIST_ENTRY **list = rl->history_list();
    const char *last = NULL;
    for (int i = 0; list && list[i]; i++)
        last = list[i]->line;
    return last;
}

void history_remember(history *h, const char *entry)
{
    /* HISTCONTROL=ignoreboth, as bash: a leading space keeps a line out of the history
     * (a way to type something private), and a repeat of the last entry is not added. */
    if (entry[0] == ' ')
        return;
    const char *last = last_entry(h->rl);
    if (last && strcmp(last, entry) == 0)
        return;
    /* A timestamp line before each entry makes a multi-line entry come back whole. */
    char stamp[32];
    snprintf(stamp, sizeof stamp, "#%ld", (long)time(NULL));
    h->rl->add_history(entry);
    h->rl->add_history_time(stamp);
    if (h->path && h->rl->append_history(1, h->path) != 0) {
        warn_line("check the file's permissions", "cannot append to %s", h->path);
        stop_saving(h);
    }
}

/* The file's last HISTORY_KEEP entries, those other sessions appended included, written
 * as readline writes them (timestamp line, then the entry) to a new file renamed over it. */
static int save_history(const rl_api *rl, const char *path)
{
    rl->clear_history();
    if (rl->read_history(path) != 0)       /* stifled: keeps the last HISTORY_KEEP entries */
        return -1;
    return write_list(rl, path);
}

void history_close(history *h)
{
    if (h->path && save_history(h->rl, h->path) != 0)
        warn_line("check the directory's permissions", "cannot rewrite %s: %s", h->path,
                  strerror(errno));
    stop_saving(h);
    h->rl->clear_history();
}
