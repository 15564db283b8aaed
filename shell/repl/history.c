/* History entries may span lines (a PowerShell block); with timestamps written, readline
 * reads the lines between two timestamps back as one entry (history_multiline_entries).
 * Entries are appended as typed; at exit the file is rewritten through a new file renamed
 * over it (shell/localfs/safe_file.c), never truncated in place. */
#include "shell/repl/history.h"
#include "shell/cli/errors.h"
#include "shell/localfs/safe_file.h"
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

static char *default_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;
    int n;
    if (state && state[0] == '/')   /* relative values are to be ignored (XDG spec) */
        n = asprintf(&path, "%s/nanosh/history", state);
    else if (home && *home)
        n = asprintf(&path, "%s/.local/state/nanosh/history", home);
    else
        return NULL;
    return n < 0 ? NULL : path;
}

/* Stops saving to h->path, after a problem was reported. */
static void stop_saving(history *h)
{
    free(h->path);
    h->path = NULL;
}

void history_open(history *h, const rl_api *rl)
{
    h->rl = rl;
    rl->using_history();
    rl->stifle_history(HISTORY_KEEP);
    *rl->history_write_timestamps = 1;
    *rl->history_multiline_entries = 1;
    h->path = default_path();
    if (!h->path)
        return;
    char *history_path = h->path;
    if (make_dirs(history_path) != 0) {
        warn_line("set XDG_STATE_HOME to a writable directory", "history is not saved: cannot "
                  "create the directory for %s: %s", history_path, strerror(errno));
        stop_saving(h);
        return;
    }
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

void history_remember(history *h, const char *entry)
{
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

void history_close(history *h)
{
    if (h->path && save_history(h->rl, h->path) != 0)
        warn_line("check the directory's permissions", "cannot rewrite %s: %s", h->path,
                  strerror(errno));
    stop_saving(h);
    h->rl->clear_history();
}
