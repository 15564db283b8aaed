/* "nanosh host" without -c/-p/-f: cmd.exe lines typed at a readline prompt, or read
 * from stdin when it is not a terminal (as "ssh host < script" does). */
#ifndef NANOSH_SHELL_REPL_H
#define NANOSH_SHELL_REPL_H
#include "shell/options.h"

/* Returns the exit status: that of the last command, or of "exit N". */
int repl_run(const nanosh_opts *o);

#endif
