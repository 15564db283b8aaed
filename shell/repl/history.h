/* The interactive shell's history file: $XDG_STATE_HOME/nanosh/history, by default
 * ~/.local/state/nanosh/history (XDG Base Directory Specification 0.8). */
#ifndef NANOSH_SHELL_HISTORY_H
#define NANOSH_SHELL_HISTORY_H

/* Loads the file into readline's history; remembers its path. Problems only warn. */
void history_open(void);
/* Adds an entry (which may span lines) and appends it to the file. */
void history_remember(const char *entry);
/* Trims the file to the kept size and frees readline's history. */
void history_close(void);

#endif
