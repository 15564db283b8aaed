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
#include <readline/history.h>

#define HISTORY_KEEP 2000

static char *history_path;

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

void history_open(void)
{
    using_history();
    stifle_history(HISTORY_KEEP);
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    history_path = default_path();
    if (!history_path)
        return;
    if (make_dirs(history_path) != 0) {
        warn_line("set XDG_STATE_HOME to a writable directory", "history is not saved: cannot "
                  "create the directory for %s: %s", history_path, strerror(errno));
        free(history_path);
        history_path = NULL;
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
        free(history_path);
        history_path = NULL;
        return;
    }
    close(fd);
    read_history(history_path);
}

void history_remember(const char *entry)
{
    /* A timestamp line before each entry makes a multi-line entry come back whole. */
    char stamp[32];
    snprintf(stamp, sizeof stamp, "#%ld", (long)time(NULL));
    add_history(entry);
    add_history_time(stamp);
    if (history_path && append_history(1, history_path) != 0) {
        warn_line("check the file's permissions", "cannot append to %s", history_path);
        free(history_path);
        history_path = NULL;
    }
}

/* The file's last HISTORY_KEEP entries, those other sessions appended included, written
 * as readline writes them (timestamp line, then the entry) to a new file renamed over it. */
static int save_history(const char *path)
{
    clear_history();
    if (read_history(path) != 0)       /* stifled: keeps the last HISTORY_KEEP entries */
        return -1;
    safe_file f;
    if (safe_file_open(&f, path, 0600) != 0)
        return -1;
    HIST_ENTRY **list = history_list();
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

void history_close(void)
{
    if (history_path && save_history(history_path) != 0)
        warn_line("check the directory's permissions", "cannot rewrite %s: %s", history_path,
                  strerror(errno));
    free(history_path);
    history_path = NULL;
    clear_history();
}
