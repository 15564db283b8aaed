/* Inside the WinRM copy engine (shell/push/winrm_copy.h): the copy's shell, one remote
 * process as a job run on a thread of its own, and the watch the caller's thread keeps
 * over a copy's jobs (cancel, a failed stream stopping the others, progress, hashing
 * while the bytes move). Not for use outside shell/push/winrm_*.c. */
#ifndef NANOSH_SHELL_PUSH_WINRM_INT_H
#define NANOSH_SHELL_PUSH_WINRM_INT_H
#include "base/buf.h"
#include "shell/push/winrm_copy.h"
#include "wsman/run.h"
#include <openssl/evp.h>
#include <stdatomic.h>

/* A file at least this large is split over --streams connections; a smaller one is not
 * worth their set-up. */
#define WR_STREAMS_MIN_SIZE (8ULL << 20)
/* Most stdout and stderr kept from a control snippet (9, 10, 11): a few lines. */
#define WR_CAPTURE_MAX 65536u

struct winrm_copy {
    winrm_copy_cfg cfg;
    ws_shell *shell;        /* NULL after a run left it unusable: made again when needed */
};

/* The client's shell, made when *shell is NULL (codepage 65001, no profile). */
ws_rc wr_shell_ensure(ws_client *client, ws_shell **shell, ws_error *err);
/* Deletes *shell, quietly (the host closes it after its idle timeout), and NULLs it. */
void wr_shell_drop(ws_shell **shell);

/* One remote powershell.exe running one snippet. The caller fills the first part; the
 * job fills the rest. */
typedef struct wr_job {
    ws_client *client;          /* NULL: made with cfg.connect on the job's thread */
    ws_shell **shell;           /* where the client's shell is kept; NULL: own_shell */
    const winrm_copy_cfg *cfg;
    const char *text;           /* the snippet */
    const ws_source *in;        /* NULL: no stdin */
    ws_sink out;                /* write NULL: stdout captured in captured */
    long poll_ms;
    long long deadline_ms;

    _Atomic int cancel;                 /* the run's flag, set by the watch */
    _Atomic unsigned long long moved;   /* data bytes moved so far, set by source or sink */
    _Atomic int finished;

    ws_client *own_client;
    ws_shell *own_shell;
    ws_rc rc;                   /* of ws_run or of what came before it */
    ws_error err;
    ws_run_result res;
    int started;                /* the command was given to the host */
    ws_buf captured;            /* stdout when not given to a sink */
    ws_buf errtext;             /* stderr as received (CLIXML possibly) */
} wr_job;

/* Hashing on the caller's thread while the jobs run: fd's bytes [hashed, total) are fed
 * to md as ready() says they are there. */
typedef struct wr_hash {
    int fd;
    EVP_MD_CTX *md;
    unsigned long long hashed, total;
    unsigned long long (*ready)(void *ud);   /* NULL: everything is there */
    void *ud;
} wr_hash;

/* Everything the caller's thread watches while jobs run. */
typedef struct wr_watch {
    const xfer_opts *o;
    unsigned long long base;    /* bytes counted as done before the jobs (resumed) */
    unsigned long long size;    /* the file's size, for progress */
    wr_hash *hash;              /* may be NULL */
    int report;                 /* call the progress callback (data jobs only) */
} wr_watch;

void wr_job_init(wr_job *j, winrm_copy *c, const char *text, const xfer_opts *o);
void wr_job_free(wr_job *j);
/* Runs the jobs at once, each on a thread of its own, while the caller's thread relays
 * the cancel flag, stops them all when one fails, reports progress and hashes. Returns
 * WS_OK when hashing went well (each job's outcome is in the job), else the hashing's
 * error (a job may then have been stopped). */
ws_rc wr_jobs_run(wr_job *jobs, unsigned n, const wr_watch *w, ws_error *err);
/* One control job on the copy's shell, no input, output captured. */
ws_rc wr_run_control(winrm_copy *c, const char *text, const xfer_opts *o, wr_job *j,
                     ws_error *err);

/* How a job ended, as an error value: WS_OK only when the process exited 0. A
 * "NANOSH-E KIND MESSAGE" line on stderr sets *kind and the message; a cancelled run is
 * XFER_E_CANCELLED. doing: what the snippet was for, e.g. "write C:\x" (folded). */
ws_rc wr_job_outcome(wr_job *j, const char *doing, xfer_kind *kind, ws_error *err);
/* 1 when the job failed because the connection or the server went, not the host's
 * command: then a partial copy is left and --resume continues it. */
int wr_job_broke(const wr_job *j);

/* Host or user text for a one-line message: control characters folded to spaces, cut
 * to fit. */
void wr_fold(const char *s, size_t len, char *out, size_t cap);
/* The next line of text (CRLF or LF ended, blank lines skipped) from *pos; 0 at end. */
int wr_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n);

/* Snippet 11: part cut to size, checked against hash (upper-case hex) and renamed to to
 * ("K HASH"); a mismatch ("M HASH") removed it on the host: XFER_E_MISMATCH. doing says
 * what for, shown is to as the messages show it (folded). */
ws_rc wr_finish(winrm_copy *c, const char *part, const char *to, unsigned long long size,
                const char *hash, int force, const xfer_opts *o, const char *doing,
                const char *shown, xfer_kind *kind, ws_error *err);

/* Snippet 14: removes the partial copy part (a name xfer_part_name() made; the host
 * refuses any other) for a caller that will not resume. *removed: 1 removed, 0 there was
 * none. Bounded by WR_REMOVE_MS of its own: the cancel flag or the deadline of the copy
 * may be what stopped it. */
#define WR_REMOVE_MS 15000
ws_rc wr_remove_part(winrm_copy *c, const char *part, int *removed, ws_error *err);

/* Snippet 9 for path and part; hash_if_size as in ps_snippet_stream_stat. */
ws_rc wr_stat(winrm_copy *c, const char *path, const char *part, long long hash_if_size,
              const xfer_opts *o, remote_stat *st, remote_stat *part_st, xfer_kind *kind,
              ws_error *err);

/* Splits [from, to) into at most want ranges for a file of size bytes: ends[i] is the
 * end of range i, ranges start where the previous ends. Returns the count (>= 1). */
unsigned wr_split(unsigned long long from, unsigned long long to, unsigned want,
                  int can_connect, unsigned long long ends[XFER_STREAMS_MAX]);
/* Gives job i beyond the first a connection of its own (made on its thread). */
void wr_job_use_own_connection(wr_job *j);

#endif
