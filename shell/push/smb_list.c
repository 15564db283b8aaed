/* smb_list: the files under a directory of a share, every level down, for pull -r (see
 * smb_copy.h and remote_list.h).
 *
 * libsmbclient's opendir reads a directory's whole listing (SMB2 QUERY_DIRECTORY until
 * STATUS_NO_MORE_FILES, hidden and system entries included) before it returns, so a
 * directory costs one opendir, its readdirs from memory, and a closedir: no handle stays
 * open while the walk goes deeper, and an error shows at opendir. Inside a share readdir
 * gives only SMBC_DIR and SMBC_FILE (by FILE_ATTRIBUTE_DIRECTORY); the other types name
 * workgroups, servers and shares, so they are skipped. A junction or a symbolic link to a
 * directory reads as a directory, which the server follows: a loop ends at
 * REMOTE_LIST_DEPTH_MAX, or sooner where the host stops following it (reason()). Names come as the server sent them, converted to UTF-8 (Samba's
 * "unix charset"), not URL-encoded (smbc_setOptionUrlEncodeReaddirEntries stays off);
 * smb_conn_url encodes them again for the next request.
 *
 * Each request is bounded by the connection's timeout; there is no cancel flag here,
 * as a listing is quick next to the copies that follow it. */
#include "shell/push/smb_conn.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One listing: the directories still to read (relative to path, '\' separated), read
 * last in, first out. */
typedef struct walk {
    smb_conn *c;
    const char *share, *path;
    remote_list *out;
    char **todo;
    size_t ntodo, cap, seen;      /* seen: directories found below path, bounded */
} walk;

/* rel joined to the walk's path with '/', as smb_url takes it; NULL when out of memory. */
static char *share_path(const walk *w, const char *rel)
{
    size_t np = strlen(w->path), nr = strlen(rel);
    char *p = malloc(np + nr + 2);
    if (!p)
        return NULL;
    memcpy(p, w->path, np);
    size_t n = np;
    if (np && nr)
        p[n++] = '/';
    for (size_t i = 0; i < nr; i++)
        p[n++] = rel[i] == '\\' ? '/' : rel[i];
    p[n] = '\0';
    return p;
}

static char *rel_join(const char *rel, const char *name)
{
    size_t nr = strlen(rel), nn = strlen(name);
    char *j = malloc(nr + nn + 2);
    if (j)
        snprintf(j, nr + nn + 2, "%s%s%s", rel, nr ? "\\" : "", name);
    return j;
}

static ws_rc nomem(walk *w, ws_error *err)
{
    w->c->kind = XFER_E_OTHER;
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory listing \\\\%s\\%s\\%s",
                        w->c->host, w->share, w->path);
}

/* Queues the directory rel. A directory deeper than the bound fails the whole listing,
 * as a file that deep does in remote_list_add: the host has a junction that loops, or a
 * tree pull -r cannot mirror. */
static ws_rc queue(walk *w, char *rel, ws_error *err)
{
    if (remote_rel_depth(rel) > REMOTE_LIST_DEPTH_MAX) {
        free(rel);
        w->c->kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_PROTOCOL, "pull a directory further down, or check "
                            "the host for a junction that loops", "the remote directory "
                            "\\\\%s\\%s\\%s is more than %d levels deep", w->c->host,
                            w->share, w->path, REMOTE_LIST_DEPTH_MAX);
    }
    if (++w->seen > REMOTE_LIST_MAX) {
        free(rel);
        w->c->kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_PROTOCOL, "pull a directory further down, in parts",
                            "the remote directory \\\\%s\\%s\\%s holds more than %d "
                            "directories", w->c->host, w->share, w->path, REMOTE_LIST_MAX);
    }
    if (w->ntodo == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 32;
        char **t = realloc(w->todo, cap * sizeof *t);
        if (!t) {
            free(rel);
            return nomem(w, err);
        }
        w->todo = t;
        w->cap = cap;
    }
    w->todo[w->ntodo++] = rel;
    return WS_OK;
}

/* Why a directory below path could not be read, as pull -r shows it after the name. */
static const char *reason(int e)
{
    switch (e) {
    case EACCES: case EPERM:
        return "access denied";
    case ENOENT: case ENOTDIR: case ELOOP:
        /* Listed a moment ago. Samba on Linux also says so for a directory deeper in a
         * loop of links than it follows (42 levels in tests/push/test_smb.c). */
        return "not found when opened: removed meanwhile, or a link the host cannot follow";
    default:
        return strerror(e);
    }
}

/* Opening or reading rel failed with errno e. The listed directory itself, a broken
 * connection and memory fail the listing (smb_errors' wording); any other directory is
 * noted as unreadable and the walk goes on. */
static ws_rc dir_failed(walk *w, const char *rel, int e, ws_error *err)
{
    if (*rel && e != ENOMEM && !smb_errno_connection_lost(e))
        return remote_list_add_unreadable(w->out, rel, reason(e), err);
    if (e == ENOMEM)
        return nomem(w, err);
    char *shown = share_path(w, rel);
    smb_where where = smb_where_of(w->c, w->share, shown ? shown : w->path);
    ws_rc rc = smb_errno_error(err, &w->c->kind, e, "list", &where);
    free(shown);
    return rc;
}

/* One entry of the directory rel. */
static ws_rc take(walk *w, const char *rel, const struct smbc_dirent *d, ws_error *err)
{
    const char *name = d->name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return WS_OK;
    if (d->smbc_type != SMBC_DIR && d->smbc_type != SMBC_FILE)
        return WS_OK;
    char *sub = rel_join(rel, name);
    if (!sub)
        return nomem(w, err);
    ws_rc rc;
    if (!*name || strpbrk(name, "/\\")) {
        /* Not a name a server should send: it cannot be asked for again as itself, so it
         * fails alone (pull -r reports it) instead of standing for another path. */
        rc = remote_list_add_unreadable(w->out, sub, "the server sent a name that is "
                                        "empty or holds '/' or '\\'", err);
    } else if (d->smbc_type == SMBC_DIR) {
        return queue(w, sub, err);
    } else {
        rc = remote_list_add(w->out, sub, 0, err);
    }
    free(sub);
    if (rc != WS_OK && w->c->kind == XFER_E_NONE)
        w->c->kind = XFER_E_OTHER;
    return rc;
}

/* Reads the directory rel: its files into the list, its directories onto todo. */
static ws_rc read_dir(walk *w, const char *rel, ws_error *err)
{
    smb_conn *c = w->c;
    char *p = share_path(w, rel);
    char *url = p ? smb_conn_url(c, w->share, p, err) : NULL;
    free(p);
    if (!url)
        return nomem(w, err);
    SMBCFILE *dir = c->api.smbc_getFunctionOpendir(c->ctx)(c->ctx, url);
    int e = errno;
    free(url);
    if (!dir)
        return dir_failed(w, rel, e, err);
    smbc_readdir_fn next = c->api.smbc_getFunctionReaddir(c->ctx);
    ws_rc rc = WS_OK;
    while (rc == WS_OK) {
        errno = 0;
        struct smbc_dirent *d = next(c->ctx, dir);
        if (!d) {
            /* NULL at the end leaves errno alone; set, it is an entry that could not be
             * copied out (EINVAL: a name longer than libsmbclient's buffer). */
            if (errno)
                rc = dir_failed(w, rel, errno, err);
            break;
        }
        rc = take(w, rel, d, err);
    }
    c->api.smbc_getFunctionClosedir(c->ctx)(c->ctx, dir);
    return rc;
}

/* What share/path is: 'D', 'F' or 'N'. */
static ws_rc what_is(smb_conn *c, const char *share, const char *path, char *what,
                     ws_error *err)
{
    struct stat st;
    int exists = 0;
    ws_rc rc = smb_stat_path(c, share, path, &st, &exists, err);
    if (rc == WS_OK)
        *what = !exists ? 'N' : S_ISDIR(st.st_mode) ? 'D' : 'F';
    return rc;
}

ws_rc smb_list(smb_conn *c, const char *share, const char *path, char *what,
               remote_list *out, xfer_kind *kind, ws_error *err)
{
    *what = 'N';
    c->kind = XFER_E_NONE;
    /* The share first, so that a refused logon reads as one and not as a denied path. */
    ws_rc rc = smb_ready(c, share, err);
    if (rc == WS_OK)
        rc = what_is(c, share, path, what, err);
    if (rc == WS_OK && *what == 'D') {
        walk w = { .c = c, .share = share, .path = path, .out = out };
        rc = read_dir(&w, "", err);
        while (rc == WS_OK && w.ntodo > 0) {  /* depth first: todo is a stack */
            char *rel = w.todo[--w.ntodo];
            rc = read_dir(&w, rel, err);
            free(rel);
        }
        while (w.ntodo > 0)
            free(w.todo[--w.ntodo]);
        free(w.todo);
    }
    if (rc != WS_OK && c->kind == XFER_E_NONE)
        c->kind = XFER_E_OTHER;
    *kind = rc == WS_OK ? XFER_E_NONE : c->kind;
    return rc;
}
