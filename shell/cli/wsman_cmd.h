/* "nanosh wsman host OPERATION ...": raw WS-Management operations, JSON or XML out. */
#ifndef NANOSH_SHELL_WSMAN_CMD_H
#define NANOSH_SHELL_WSMAN_CMD_H
#include "shell/cli/options.h"

/* Returns 0, or 255 after a one-line error. */
int wsman_main(const nanosh_opts *o);

#endif
