/* Running one command line in a WinRS shell (MS-WSMV 3.1.4.11-3.1.4.14, PROTOCOL.md 2.7):
 * Command, then Receive (and Send for input) until CommandState Done, then Signal
 * terminate. The runner never prints and keeps no global state: output goes to the
 * caller's sinks, input comes from the caller's source, and the deadline and the cancel
 * flag belong to the run. Two runs on two clients may go at once on two threads. */
#ifndef NANOSH_WSMAN_RUN_H
#define NANOSH_WSMAN_RUN_H
#include "base/error.h"
#include "wsman/wsman.h"
#include <stddef.h>

/* Where one output stream goes. write gets each chunk as it arrives, unbuffered, and
 * returns 0, or -1 to stop: the command is terminated and the run ends with
 * WS_RUN_OUTPUT_CLOSED (the sink keeps its own reason, e.g. EPIPE). write NULL: the
 * stream is dropped. */
typedef struct ws_sink {
    int (*write)(void *ud, const void *data, size_t len);
    void *ud;
} ws_sink;

/* Where the command's input comes from. read must not block: it returns the number of
 * bytes it put in buf (at most cap), 0 when nothing is ready now, or -1 on failure,
 * filling err (a generic WS_E_IO message is used when it leaves err->rc at WS_OK). It
 * sets *eof once the input has ended, with or without bytes in the same call. */
typedef struct ws_source {
    long (*read)(void *ud, void *buf, size_t cap, int *eof, ws_error *err);
    void *ud;
} ws_source;

/* Values of the caller's cancel flag, read between requests (so at least once per
 * Receive poll). Any value >= WS_CANCEL_TERMINATE terminates; the value seen is handed
 * back in ws_run_result.cancel, so a caller may store its own reason (e.g. 128 + signal
 * number) there. */
enum {
    WS_CANCEL_NONE = 0,
    WS_CANCEL_CTRL_C = 1,        /* send WinRS ctrl_c once; the run goes on to the end */
    WS_CANCEL_TERMINATE = 2,     /* Signal terminate and end the run now */
};

typedef struct ws_run_opts {
    const char *command_line;    /* passed whole as the WinRS Command, for cmd.exe to parse */
    ws_sink out;                 /* the command's stdout */
    ws_sink err;                 /* the command's stderr */
    const ws_source *in;         /* NULL: no input; the command gets EOF if it waits */
    long poll_ms;                /* Receive OperationTimeout; 0: the client's default. The
                                  * client's timeout is set back to this after each poll. */
    long long deadline_ms;       /* absolute, on ws_now_ms() (base/clock.h); 0: none. Past it the
                                  * command is terminated and the run fails, WS_E_TIMEOUT */
    const _Atomic int *cancel;   /* owned by the caller, may be NULL; safe to set from a
                                  * signal handler or another thread */
} ws_run_opts;

typedef enum ws_run_end {
    WS_RUN_EXITED,               /* CommandState Done; see has_exit_code and exit_code */
    WS_RUN_CANCELLED,            /* the cancel flag asked to terminate */
    WS_RUN_OUTPUT_CLOSED,        /* a sink returned -1; the command was terminated */
    WS_RUN_FAILED,               /* a request failed or the deadline passed: see err */
} ws_run_end;

typedef struct ws_run_result {
    ws_run_end end;
    int has_exit_code;
    unsigned long long exit_code;    /* NTSTATUS-style codes >= 2^31 exist */
    int ctrl_c_sent;                 /* WinRS ctrl_c was sent (cancel flag at 1) */
    int cancel;                      /* the cancel value that ended the run, else 0 */
    int shell_stale;                 /* the shell may be unusable: make a new one first */
    size_t output_bytes;             /* bytes received on all streams */
} ws_run_result;

/* Runs o->command_line in shell, which belongs to client c, to its end. Returns WS_OK
 * when the run ended as res->end says (any end but WS_RUN_FAILED), or the failure with
 * err filled (res->end is then WS_RUN_FAILED). res is always filled. */
ws_rc ws_run(ws_client *c, ws_shell *shell, const ws_run_opts *o, ws_run_result *res,
             ws_error *err);

/* IdleTimeOut for the shell a run creates (MS-WSMV 2.2.4.37): the host deletes a shell
 * that gets no request this long, which is all that frees it when the caller is killed
 * or the network goes. A run deletes its own shell at the end, so this only bounds such
 * a leak: 15 minutes, an eighth of Windows' 7200 s, and still far beyond the pauses a
 * running command causes (output held up by a slow pager). */
#define WS_RUN_IDLE_TIMEOUT_S 900u
/* Receive poll length while a deadline is set: the deadline is looked at between
 * requests, so a run ends within this of it running out. */
#define WS_RUN_DEADLINE_POLL_MS 1000L

#endif
