/* Turning the parsed options into a connected-ready ws_client, and the --timeout bound. */
#ifndef NANOSH_SHELL_CONNECT_H
#define NANOSH_SHELL_CONNECT_H
#include "shell/cli/options.h"
#include "wsman/wsman.h"

/* Time allowed past --timeout to stop the command and delete the remote shell. */
#define CONNECT_CLEANUP_GRACE_MS 2000L

/* Starts the --timeout clock; later calls keep the first start. connect_client calls it
 * once credentials are read. */
void connect_deadline_start(const nanosh_opts *o);
/* Milliseconds left before --timeout, LONG_MAX without one; 0 once it has passed. */
long connect_deadline_left(void);

/* Creates the client. authenticated=0 is for unauthenticated Identify: no credentials
 * are read. operation_timeout_ms = 0 leaves the library default. Returns 0, or 255
 * after a one-line error. */
int connect_client(const nanosh_opts *o, int authenticated, long operation_timeout_ms,
                   ws_client **out);

/* Reports a failed library call as one line; a timeout after --timeout ran out says so. */
int connect_report(const nanosh_opts *o, const ws_error *e);

#endif
