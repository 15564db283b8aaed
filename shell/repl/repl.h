/* "nanosh host" without -c/-p/-f: the interactive shell (PowerShell or cmd.exe mode) at a
 * readline prompt, or lines read from stdin when it is not a terminal (as
 * "ssh host < script" does). */
#ifndef NANOSH_SHELL_REPL_H
#define NANOSH_SHELL_REPL_H
#include "shell/cli/options.h"

/* Returns the exit status: that of the last input, or of "exit N". */
int repl_run(const nanosh_opts *o);

#endif
