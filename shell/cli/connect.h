/* Turning the parsed options into a connected-ready ws_client, and the --timeout bound. */
#ifndef NANOSH_SHELL_CONNECT_H
#define NANOSH_SHELL_CONNECT_H
#include "shell/cli/options.h"
#include "wsman/wsman.h"

/* Time allowed past --timeout to stop the command and delete the remote shell. */
#define CONNECT_CLEANUP_GRACE_MS 2000L

/* What one connection holds beyond the options, owned by the caller and kept as long as
 * its client: the --timeout deadline and why Kerberos was not used. No process-wide state,
 * so each host of a run has its own. Zero it before use. */
typedef struct connect_ctx {
    long long deadline_ms;        /* CLOCK_MONOTONIC ms when --timeout runs out; 0: none */
    long timeout_ms;              /* the --timeout it came from, for the message */
    char kerberos_skipped[512];   /* from negotiate: why the last handshake was not Kerberos */
} connect_ctx;

/* Starts the --timeout clock in cx; later calls keep the first start. connect_client
 * calls it once credentials are read. */
void connect_deadline_start(connect_ctx *cx, const nanosh_opts *o);
/* Milliseconds left before --timeout, LONG_MAX without one; 0 once it has passed. */
long connect_deadline_left(const connect_ctx *cx);

/* Creates the client in cx. authenticated=0 is for unauthenticated Identify: no
 * credentials are read. operation_timeout_ms = 0 leaves the library default. Returns 0,
 * or 255 after a one-line error. */
int connect_client(connect_ctx *cx, const nanosh_opts *o, int authenticated,
                   long operation_timeout_ms, ws_client **out);

/* Reports a failed library call as one line; a timeout after --timeout ran out says so. */
int connect_report(const connect_ctx *cx, const ws_error *e);

#endif
