/* "nanosh push host LOCAL... REMOTE" and "nanosh pull host REMOTE LOCAL" (issue 11). */
#ifndef NANOSH_SHELL_CLI_PUSH_CMD_H
#define NANOSH_SHELL_CLI_PUSH_CMD_H
#include "shell/cli/options.h"

/* Exit status: 0 when every file was copied or already held the same bytes; 255 when
 * anything failed (one line per failure on stderr); after Ctrl-C 130 (128 + SIGINT), or
 * 128 + the signal for SIGTERM and SIGHUP, with the partial copy kept for --resume. */
int push_main(const nanosh_opts *o);

#endif
