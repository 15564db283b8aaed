/* The input side of a run: batches from the caller's source sent with WinRS Send
 * (MS-WSMV 3.1.4.13), growing into bigger Sends for an upload. Internal to wsman/run.c. */
#ifndef NANOSH_WSMAN_RUN_INPUT_H
#define NANOSH_WSMAN_RUN_INPUT_H
#include "wsman/run.h"

typedef struct run_input {
    const ws_source *src;
    int open;
    int more;            /* the last batch stopped at its size, not for lack of input */
    int eof_deferred;    /* EOF came before any input: sent only if the command waits */
    size_t total;        /* bytes sent so far */
    size_t batch;        /* current batch size */
    int limit_asked;     /* the server's envelope limit was asked for */
    char *buf;
    size_t cap;
} run_input;

/* 0, or -1 when out of memory. */
int run_input_init(run_input *in, const ws_source *src, ws_shell *shell);
void run_input_free(run_input *in);
/* Sends what the source has ready, up to one batch, without blocking; End=true at EOF
 * closes the command's stdin. */
ws_rc run_input_pump(run_input *in, ws_shell *shell, const char *cid, ws_error *err);
/* After a Receive of a command still running: a command that printed nothing (silent)
 * while fed is an upload, so batches grow. -1 only when out of memory. */
int run_input_after_receive(run_input *in, ws_shell *shell, int silent);
/* A fault on a Send most often means the command ended between the last Receive and
 * this Send: input is closed, the fault moves to *kept and the command's next state
 * decides. Returns 1 when err was such a fault, 0 otherwise (err left as it is). */
int run_input_refused(run_input *in, int *eof_pending, ws_error *err, ws_error *kept);

#endif
