/* Per-host defaults from ~/.config/nanosh/config (ssh_config style). */
#ifndef NANOSH_SHELL_CONFIG_H
#define NANOSH_SHELL_CONFIG_H
#include "shell/cli/options.h"

/* Reads -F FILE (which must exist), else $XDG_CONFIG_HOME/nanosh/config (default
 * ~/.config/nanosh/config) if it exists, or nothing with --no-config; fills in what the
 * command line left unset, from the first matching value as ssh does. A HostName moves
 * o->host to o->host_alias. Every line is checked, matching or not. Returns 0, or 255
 * after a one-line error naming file:line. */
int config_apply(nanosh_opts *o);

#endif
