/* What push and pull share across SMB and WinRM: the options of one copy, its progress,
 * its result, and the name of the partial copy that --resume finds again.
 *
 * A copy writes the target's bytes to PART = "TARGET.nanosh-ID.part" in the target's
 * directory (same volume, so the final rename is atomic), verifies its SHA-256 against
 * the source's, then renames it over TARGET. ID is xfer_part_id(): the same source file,
 * unchanged, copied to the same target gives the same ID, so an interrupted copy is
 * found again by --resume, and two different copies never share a partial file. */
#ifndef NANOSH_SHELL_PUSH_XFER_H
#define NANOSH_SHELL_PUSH_XFER_H
#include "base/error.h"
#include <stdatomic.h>
#include <sys/stat.h>

enum { XFER_STREAMS_MAX = 16 };

/* Told as a file's bytes move; done counts the whole file (resumed bytes included). The
 * callee must be quick and must not print from a thread other than the caller's: it is
 * called on the caller's thread only. */
typedef struct xfer_progress {
    void (*update)(void *ud, unsigned long long done, unsigned long long size);
    void *ud;
} xfer_progress;

typedef struct xfer_opts {
    int force;                       /* replace a target that holds other bytes */
    int resume;                      /* continue the partial copy of an earlier run */
    unsigned streams;                /* WinRM: byte ranges sent at once; 0 or 1: one */
    const xfer_progress *progress;   /* may be NULL */
    const _Atomic int *cancel;       /* may be NULL; non-zero stops the copy, leaving the
                                      * partial copy for --resume */
    long long deadline_ms;           /* ws_now_ms() based; 0: none */
    int discard_partial;             /* the caller will not resume (bootstrap): a failed
                                      * copy removes its partial copy on either side, best
                                      * effort (WinRM: snippet 14), and its error says whether
                                      * that worked; no message then tells to --resume */
} xfer_opts;

typedef enum xfer_status {
    XFER_COPIED,                     /* the target now holds the source's bytes */
    XFER_UNCHANGED,                  /* it already did (same SHA-256): nothing was sent */
} xfer_status;

typedef struct xfer_result {
    xfer_status status;
    unsigned long long size;         /* the file's size */
    unsigned long long moved;        /* bytes moved over the network this time */
    unsigned long long resumed_from; /* bytes already there from an earlier run */
    char sha256[65];                 /* upper-case hex, verified at both ends */
} xfer_result;

/* Why a copy failed, beyond its ws_error: what push/pull report in --json, and what
 * --via auto falls back on (XFER_E_UNREACHABLE, XFER_E_LOGON). */
typedef enum xfer_kind {
    XFER_E_NONE = 0,
    XFER_E_EXISTS,        /* the target exists with other bytes, and no --force */
    XFER_E_DENIED,        /* access denied to the file or directory */
    XFER_E_NOTFOUND,      /* the source, or the target's directory, is not there */
    XFER_E_DISKFULL,      /* no space left on the receiving side */
    XFER_E_MISMATCH,      /* SHA-256 at the receiving end differs from the source's */
    XFER_E_UNREACHABLE,   /* SMB: the share's host or port cannot be reached */
    XFER_E_LOGON,         /* SMB: logon or share refused (remote UAC, wrong password) */
    XFER_E_CANCELLED,     /* the cancel flag stopped it */
    XFER_E_OTHER,
} xfer_kind;

const char *xfer_kind_name(xfer_kind k);   /* "exists", "denied", ... for --json */

/* 16 hex digits naming the partial copy of local (as opened: st from fstat) to target:
 * a SHA-256 over the target text, the size, the mtime and the inode. */
void xfer_part_id(const struct stat *st, const char *target, char out[17]);
/* target + ".nanosh-" + id + ".part", malloc'd; NULL when out of memory. */
char *xfer_part_name(const char *target, const char *id);

/* For a copy with discard_partial, after it tried to remove its partial copy: err's
 * message gains "the partial copy was removed" (failure NULL), or that part_shown is
 * still on the host and why (failure). */
void xfer_note_discard(ws_error *err, const char *part_shown, const char *failure);

/* For a copy with discard_partial: a fix that tells to run again with --resume becomes
 * one that tells to run it again (after freeing space, for a full disk). */
void xfer_fix_without_resume(ws_error *err, xfer_kind kind);

/* SHA-256 of the first len bytes of fd from offset 0 (pread: fd's offset is left alone),
 * as upper-case hex. The cancel flag is looked at every MiB. WS_OK or WS_E_IO. */
ws_rc xfer_hash_fd(int fd, unsigned long long len, const _Atomic int *cancel, char out[65],
                   ws_error *err);

#endif
