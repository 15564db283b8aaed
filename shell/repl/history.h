/* The interactive shell's history file: $XDG_STATE_HOME/nanosh/history, by default
 * ~/.local/state/nanosh/history (XDG Base Directory Specification 0.8). */
#ifndef NANOSH_SHELL_HISTORY_H
#define NANOSH_SHELL_HISTORY_H
#include "shell/repl/rl_loader.h"

typedef struct history {
    const rl_api *rl;
    char *path;          /* where entries are saved; NULL once saving failed */
} history;

/* Loads the file into readline's history; remembers its path. Problems only warn. */
void history_open(history *h, const rl_api *rl);
/* Adds an entry (which may span lines) and appends it to the file. */
void history_remember(history *h, const char *entry);
/* Trims the file to the kept size and frees readline's history. */
void history_close(history *h);

#endif
