/* Push and pull over WinRM alone, for hosts whose share cannot be reached: each file is
 * streamed through one remote powershell.exe over its stdin (push) or stdout (pull),
 * never one command per chunk (docs/powershell-snippets.md, snippets 9-12).
 *
 * Push: stat the target (9); skip it when it already holds the bytes; refuse it when it
 * exists and force is not set; write the partial copy from stdin (10), from where an
 * earlier run stopped with resume; finish (11): the host hashes the partial copy with
 * Get-FileHash, renames it over the target when the hash is the local one, else removes
 * it. Pull: stat the source (9) for its size and SHA-256; read it (12) into a local
 * partial file (O_EXCL|O_NOFOLLOW, or continued with resume), check the hash, fsync,
 * rename. With streams > 1 the bytes go as that many ranges on as many connections at
 * once, each a process of its own (for a file of at least 8 MiB left to copy, and only
 * when cfg.connect is set); the first range uses this copy's connection.
 *
 * Each process runs on a thread of its own while the caller's thread watches: it relays
 * xfer_opts.cancel (the remote command is terminated), stops every range when one
 * fails, hashes the bytes as they move, and is the only thread that calls the progress
 * callback. --resume continues a partial copy only where it has no holes: on the host
 * when its SHA-256 equals that of as many local bytes (else it starts over), locally by
 * cutting the partial file to the bytes that came without a gap when a pull stops.
 *
 * Functions return ws_error values and print nothing; progress goes to the callback.
 * A winrm_copy holds one connection's shell; it is not shared between threads. */
#ifndef NANOSH_SHELL_PUSH_WINRM_COPY_H
#define NANOSH_SHELL_PUSH_WINRM_COPY_H
#include "shell/push/remote_list.h"
#include "shell/push/xfer.h"
#include "wsman/wsman.h"

typedef struct winrm_copy winrm_copy;

typedef struct winrm_copy_cfg {
    ws_client *client;       /* borrowed: the host's connection, kept by the caller */
    /* Makes one more authenticated client to the same host, for streams > 1; NULL: none
     * can be made, and copies run as one stream. The copy frees what it makes. */
    ws_rc (*connect)(void *ud, ws_client **out, ws_error *err);
    void *connect_ud;
    long poll_ms;            /* Receive OperationTimeout; 0: the library default */
} winrm_copy_cfg;

/* Creates the WinRS shell the copies run in. */
ws_rc winrm_copy_open(winrm_copy **out, const winrm_copy_cfg *cfg, ws_error *err);
/* Deletes the shell; a failed Delete goes to *warning (may be NULL). */
void winrm_copy_close(winrm_copy *c, ws_error *warning);

typedef struct remote_stat {
    char kind;                /* 'F' file, 'D' directory, 'N' nothing there */
    unsigned long long size;  /* for 'F' */
    char sha256[65];          /* "" unless asked for and a file */
} remote_stat;

/* What is at path; its SHA-256 too when hash is set and it is a file. */
ws_rc winrm_stat(winrm_copy *c, const char *path, int hash, remote_stat *st,
                 xfer_kind *kind, ws_error *err);

/* Copies the local file to the remote file path (absolute, the final name; its
 * directories are made). */
ws_rc winrm_put(winrm_copy *c, const char *local, const char *remote, const xfer_opts *o,
                xfer_result *r, xfer_kind *kind, ws_error *err);
/* Moves the host's file from (absolute) to to, replacing it, when from's SHA-256 (hex)
 * is sha256 after cutting it to size; else from is removed (XFER_E_MISMATCH). Snippet 11,
 * as the last step of winrm_put. */
ws_rc winrm_move(winrm_copy *c, const char *from, const char *to, unsigned long long size,
                 const char *sha256, const xfer_opts *o, xfer_kind *kind, ws_error *err);
/* Copies the remote file to the local path (the final name; its directory must exist). */
ws_rc winrm_get(winrm_copy *c, const char *remote, const char *local, const xfer_opts *o,
                xfer_result *r, xfer_kind *kind, ws_error *err);

/* Lists the regular files under the remote directory dir (absolute), every level down
 * (pull -r; snippet 15 of docs/powershell-snippets.md), into out (empty on entry; the
 * caller frees it with remote_list_free). *what is 'D' when dir is a directory (out
 * filled), 'F' when it is a file, 'N' when nothing is there (out left empty, WS_OK).
 * A directory below that cannot be read goes to out->unreadable with the host's reason;
 * the listing goes on. Bounded by remote_list.h's limits and by the copy's deadline. */
ws_rc winrm_list(winrm_copy *c, const char *dir, const xfer_opts *o, char *what,
                 remote_list *out, xfer_kind *kind, ws_error *err);

#endif
