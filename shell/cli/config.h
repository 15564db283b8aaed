/* Per-host defaults from ~/.config/nanosh/config (ssh_config style). */
#ifndef NANOSH_SHELL_CONFIG_H
#define NANOSH_SHELL_CONFIG_H
#include "shell/cli/options.h"

/* Reads $XDG_CONFIG_HOME/nanosh/config (default ~/.config/nanosh/config), if it exists,
 * and fills in what the command line left unset, from the first matching value as ssh
 * does. Every line is checked, matching or not. Returns 0, or 255 after a one-line
 * error naming file:line. */
int config_apply(nanosh_opts *o);

#endif
