/* The regular files under a remote directory, as pull -r lists them (over WinRM,
 * snippet 15 of docs/powershell-snippets.md; over SMB, libsmbclient's readdir).
 *
 * What a host sends is not trusted: a name is kept as the host gave it (UTF-8, '\'
 * between its components) and checked by remote_rel_check before it becomes a local
 * path, so one hostile name fails that file alone. The list is bounded: at most
 * REMOTE_LIST_MAX files, REMOTE_LIST_DEPTH_MAX directories deep (a junction loop on the
 * host ends there). */
#ifndef NANOSH_SHELL_PUSH_REMOTE_LIST_H
#define NANOSH_SHELL_PUSH_REMOTE_LIST_H
#include "base/error.h"
#include <stddef.h>

enum { REMOTE_LIST_MAX = 100000, REMOTE_LIST_DEPTH_MAX = 64 };

typedef struct remote_entry {
    char *rel;                    /* relative to the listed directory, '\' separated */
    unsigned long long size;      /* 0 when the transport does not say */
} remote_entry;

/* Files, and the directories below the listed one that could not be read (each with
 * the host's reason), so pull -r reports them as failed and goes on. */
typedef struct remote_list {
    remote_entry *files;
    size_t nfiles, cap_files;
    remote_entry *unreadable;     /* size unused; reason in why[i] */
    char **why;
    size_t nunreadable, cap_unreadable;
} remote_list;

/* Adds a file. WS_E_PROTOCOL past REMOTE_LIST_MAX files ("more than N files"), or when
 * rel is deeper than REMOTE_LIST_DEPTH_MAX; WS_E_NOMEM. */
ws_rc remote_list_add(remote_list *l, const char *rel, unsigned long long size,
                      ws_error *err);
/* Adds a directory that could not be listed ("" for the listed directory itself is not
 * allowed: that is the caller's error), with the reason. */
ws_rc remote_list_add_unreadable(remote_list *l, const char *rel, const char *why,
                                 ws_error *err);
/* Sorts files by name (byte order), so a pull is the same run after run. */
void remote_list_sort(remote_list *l);
void remote_list_free(remote_list *l);

/* Whether rel can become a local path below the target: no empty, "." or ".."
 * component, no '/', no control character, no component longer than 255 bytes, no
 * drive or ':' (an alternate data stream). 0, or -1 with why filled. */
int remote_rel_check(const char *rel, char *why, size_t why_len);

/* The number of components of rel ("a\b\c" is 3). */
size_t remote_rel_depth(const char *rel);

#endif
