/* The interactive shell's history, one file per host: $XDG_STATE_HOME/nanosh/history.d/HOST,
 * by default ~/.local/state/nanosh/history.d/HOST (XDG Base Directory Specification 0.8).
 * HOST is the name as typed (a config-file alias, not its HostName), lower case, with
 * ":PORT" when the port is not the default. */
#ifndef NANOSH_SHELL_HISTORY_H
#define NANOSH_SHELL_HISTORY_H
#include "shell/repl/rl_loader.h"
#include "shell/cli/options.h"
#include <stddef.h>

typedef struct history {
    const rl_api *rl;
    char *path;          /* where entries are saved; NULL once saving failed */
} history;

/* The file name for a host: lower case, characters other than letters, digits, '-', '_'
 * and '.' (not first) as '_', an IPv6 address in brackets, ":PORT" unless port is the
 * default for https. 0, or -1 when there is no host or size is below 16. */
int history_file_name(const char *host, int port, int https, char *out, size_t size);
/* Loads the host's file into readline's history; remembers its path. A host's new file
 * starts as a copy of the single file of earlier versions ($XDG_STATE_HOME/nanosh/history),
 * which is left as it is. Problems only warn. */
void history_open(history *h, const rl_api *rl, const nanosh_opts *o);
/* Adds an entry (which may span lines) and appends it to the file, unless it starts with
 * a space or repeats the last entry (bash's HISTCONTROL=ignoreboth). */
void history_remember(history *h, const char *entry);
/* Trims the file to the kept size and frees readline's history. */
void history_close(history *h);

#endif
