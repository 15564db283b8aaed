/* smb_put: a local file to a share, atomically and verified (see smb_copy.h). The bytes
 * go to the partial copy beside the target (shell/push/xfer.h), so a broken transfer
 * never leaves a half-written file under the target name and --resume finds it again;
 * SHA-256 is computed over what was sent and compared with the server's, the size is
 * read back, and only then is the file renamed into place. */
#include "shell/push/smb_steps.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* While one chunk goes out over SMB, a thread hashes it and reads the next one into the
 * other buffer: done in line, SHA-256 and the local read took the put from 0.87 to 0.60
 * of smbclient's rate (bench/smb_put.sh). */
typedef struct chunk_job {
    EVP_MD_CTX *md;
    int fd;
    const unsigned char *sent;    /* hashed first */
    size_t sent_len;
    unsigned char *next;          /* then the next chunk read into it */
    ssize_t got;                  /* its length, 0 at the end, -1 on error */
    int read_errno;
} chunk_job;

static ssize_t read_chunk(int fd, unsigned char *buf, int *e)
{
    for (;;) {
        ssize_t n = read(fd, buf, SMB_CHUNK);
        if (n >= 0 || errno != EINTR) {
            *e = n < 0 ? errno : 0;
            return n;
        }
    }
}

static void *hash_and_read(void *arg)
{
    chunk_job *j = arg;
    EVP_DigestUpdate(j->md, j->sent, j->sent_len);
    j->got = read_chunk(j->fd, j->next, &j->read_errno);
    return NULL;
}

/* One chunk to f; libsmbclient splits it into the server's max write size. */
static ws_rc write_chunk(smb_conn *c, SMBCFILE *f, const unsigned char *buf, size_t n,
                         const smb_where *w, ws_error *err)
{
    smbc_write_fn wr = c->api.smbc_getFunctionWrite(c->ctx);
    for (size_t off = 0; off < n;) {
        ssize_t m = wr(c->ctx, f, buf + off, n - off);
        if (m <= 0)
            return smb_errno_error(err, &c->kind, m < 0 ? errno : EIO, "write", w);
        off += (size_t)m;
    }
    return WS_OK;
}

/* What one put works with. */
typedef struct put_job {
    smb_conn *c;
    int fd;                       /* the local file, read from offset */
    const char *local;
    unsigned long long size;      /* the local file's size */
    unsigned long long offset;    /* where the partial copy ends: sending starts there */
    const xfer_opts *o;
    xfer_result *r;
    smb_where w;                  /* the partial copy */
} put_job;

/* Sends fd from j->offset to f in SMB_CHUNK writes, hashing each chunk as it is written. */
static ws_rc send_all(put_job *j, SMBCFILE *f, EVP_MD_CTX *md, ws_error *err)
{
    unsigned char *bufs = malloc(2 * (size_t)SMB_CHUNK), *cur = bufs;
    if (!bufs)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory for transfer buffers");
    int e = 0;
    unsigned long long done = j->offset;
    ssize_t n = lseek(j->fd, (off_t)j->offset, SEEK_SET) < 0 ? -1 : read_chunk(j->fd, cur, &e);
    if (n < 0 && !e)
        e = errno;
    ws_rc rc = WS_OK;
    while (n > 0) {
        rc = smb_should_stop(j->o, &j->c->kind, err);
        if (rc != WS_OK)
            break;
        unsigned char *next = cur == bufs ? bufs + SMB_CHUNK : bufs;
        chunk_job job = { md, j->fd, cur, (size_t)n, next, 0, 0 };
        pthread_t th;
        int threaded = pthread_create(&th, NULL, hash_and_read, &job) == 0;
        if (!threaded)
            hash_and_read(&job);
        rc = write_chunk(j->c, f, cur, (size_t)n, &j->w, err);
        if (threaded)
            pthread_join(th, NULL);
        if (rc != WS_OK)
            break;
        done += (unsigned long long)n;
        j->r->moved += (unsigned long long)n;
        smb_progress(j->o, done, j->size);
        n = job.got;
        e = job.read_errno;
        cur = next;
    }
    if (rc == WS_OK && n < 0)
        rc = ws_error_set(err, WS_E_IO, "check the local file", "cannot read %s: %s",
                          j->local, strerror(e));
    if (rc == WS_OK && done != j->size)
        rc = ws_error_set(err, WS_E_IO, "copy it again once it no longer changes",
                          "%s changed size during the copy", j->local);
    free(bufs);
    return rc;
}

/* Opens the partial copy: continued at its end with resume when it is not longer than
 * the file (j->offset), else new and empty. Its directories are made when missing. */
static SMBCFILE *open_part(put_job *j, const char *url, const char *share, const char *part,
                           ws_error *err, ws_rc *rc)
{
    smb_conn *c = j->c;
    j->offset = 0;
    if (j->o->resume) {
        struct stat st;
        int exists = 0;
        *rc = smb_stat_path(c, share, part, &st, &exists, err);
        if (*rc != WS_OK)
            return NULL;
        if (exists && S_ISREG(st.st_mode) && (unsigned long long)st.st_size <= j->size) {
            SMBCFILE *f = c->api.smbc_getFunctionOpen(c->ctx)(c->ctx, url, O_WRONLY, 0);
            if (f && c->api.smbc_getFunctionLseek(c->ctx)(c->ctx, f, st.st_size, SEEK_SET) >= 0) {
                j->offset = (unsigned long long)st.st_size;
                return f;
            }
            if (f)
                c->api.smbc_getFunctionClose(c->ctx)(c->ctx, f);
        }
    }
    smbc_open_fn op = c->api.smbc_getFunctionOpen(c->ctx);
    SMBCFILE *f = op(c->ctx, url, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!f && errno == ENOENT) {
        *rc = smb_make_parents(c, share, part, err);
        if (*rc != WS_OK)
            return NULL;
        f = op(c->ctx, url, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (!f)
        *rc = smb_errno_error(err, &c->kind, errno, "create", &j->w);
    return f;
}

/* Sends the file into the partial copy, closes it, and checks the size the server holds
 * against the file's. The local SHA-256 goes to j->r. */
static ws_rc write_part(put_job *j, const char *share, const char *part, ws_error *err)
{
    smb_conn *c = j->c;
    char *url = smb_conn_url(c, share, part, err);
    if (!url)
        return WS_E_NOMEM;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ws_rc rc = WS_OK;
    SMBCFILE *f = NULL;
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        rc = ws_error_set(err, WS_E_CRYPTO, "", "cannot start SHA-256");
    else
        f = open_part(j, url, share, part, err, &rc);
    j->r->resumed_from = j->offset;
    if (f)
        rc = smb_hash_local_prefix(md, j->fd, j->offset, j->local, err);
    if (f && rc == WS_OK)
        rc = send_all(j, f, md, err);
    if (f && c->api.smbc_getFunctionClose(c->ctx)(c->ctx, f) != 0 && rc == WS_OK)
        rc = smb_errno_error(err, &c->kind, errno, "close", &j->w);
    struct stat st;
    if (rc == WS_OK && c->api.smbc_getFunctionStat(c->ctx)(c->ctx, url, &st) != 0)
        rc = smb_errno_error(err, &c->kind, errno, "stat", &j->w);
    if (rc == WS_OK && (unsigned long long)st.st_size != j->size)
        rc = ws_error_set(err, WS_E_IO, "retry the copy; check the remote disk",
                          "\\\\%s\\%s\\%s: the server holds %lld bytes of %llu sent", j->w.host,
                          share, part, (long long)st.st_size, j->size);
    if (rc == WS_OK)
        smb_digest_hex(md, j->r->sha256);
    EVP_MD_CTX_free(md);
    free(url);
    return rc;
}

/* Compares the server's SHA-256 of the partial copy with the local one, then renames it
 * over path. A mismatch removes it. */
static ws_rc verify_and_rename(put_job *j, const smb_hasher *hasher, const char *share,
                               const char *part, const char *path, ws_error *err)
{
    smb_conn *c = j->c;
    char remote[65];
    ws_rc rc = smb_remote_sha256(c, hasher, share, part, remote, err);
    char *purl = rc == WS_OK ? smb_conn_url(c, share, part, err) : NULL;
    char *url = purl ? smb_conn_url(c, share, path, err) : NULL;
    if (rc == WS_OK && !url)
        rc = WS_E_NOMEM;
    if (rc == WS_OK && strcasecmp(remote, j->r->sha256) != 0) {
        c->api.smbc_getFunctionUnlink(c->ctx)(c->ctx, purl);
        c->kind = XFER_E_MISMATCH;
        rc = ws_error_set(err, WS_E_IO, "copy it again; if it happens again, check the "
                          "network and the remote disk", "SHA-256 mismatch for \\\\%s\\%s\\%s: "
                          "sent %s, the server holds %s; the partial copy was removed",
                          c->host, share, path, j->r->sha256, remote);
    }
    if (rc == WS_OK && c->api.smbc_getFunctionRename(c->ctx)(c->ctx, purl, c->ctx, url) != 0) {
        smb_where w = smb_where_of(c, share, path);
        rc = smb_errno_error(err, &c->kind, errno, "rename", &w);
    }
    free(url);
    free(purl);
    return rc;
}

/* The target exists: unchanged when it holds the same bytes; else refused without
 * force. *go is set when the copy should go ahead. */
static ws_rc existing_target(put_job *j, const smb_hasher *hasher, const char *share,
                             const char *path, const struct stat *st, int *go, ws_error *err)
{
    smb_conn *c = j->c;
    smb_where w = smb_where_of(c, share, path);
    *go = 0;
    if (S_ISDIR(st->st_mode))
        return ws_error_set(err, WS_E_USAGE, "name the file inside it",
                            "remote target \\\\%s\\%s\\%s is a directory", c->host, share, path);
    if ((unsigned long long)st->st_size == j->size) {
        int same;
        ws_rc rc = smb_same_bytes(c, hasher, j->fd, j->size, j->o, share, path, j->r->sha256,
                                  &same, err);
        if (rc != WS_OK)
            return rc;
        if (same) {
            j->r->status = XFER_UNCHANGED;
            return WS_OK;
        }
    }
    if (!j->o->force)
        return smb_errno_error(err, &c->kind, EEXIST, "create", &w);
    *go = 1;
    return WS_OK;
}

/* Removes the partial copy after a failed copy. With o->discard_partial, err's message
 * says whether that worked (over a broken connection it may not). */
static void remove_part(put_job *j, const char *share, const char *part, ws_error *err)
{
    smb_conn *c = j->c;
    ws_error e;
    memset(&e, 0, sizeof e);
    char *url = smb_conn_url(c, share, part, &e);
    int gone = url && (c->api.smbc_getFunctionUnlink(c->ctx)(c->ctx, url) == 0 || errno == ENOENT);
    int why = url ? errno : ENOMEM;
    free(url);
    ws_error_clear(&e);
    if (!j->o->discard_partial)
        return;
    char shown[220];
    snprintf(shown, sizeof shown, "\\\\%.60s\\%.40s\\%.100s", c->host, share, part);
    xfer_note_discard(err, shown, gone ? NULL : strerror(why));
}

/* Stat of the target, the decision, the partial copy, verify, rename. */
static ws_rc put_file(put_job *j, const smb_hasher *hasher, const char *share,
                      const char *path, ws_error *err)
{
    smb_conn *c = j->c;
    struct stat st;
    int exists = 0, go = 1;
    ws_rc rc = smb_stat_path(c, share, path, &st, &exists, err);
    if (rc == WS_OK && exists)
        rc = existing_target(j, hasher, share, path, &st, &go, err);
    if (rc != WS_OK || !go)
        return rc;
    struct stat lst;
    char id[17], where[SMB_SHARE_MAX + SMB_PATH_MAX + 300];
    if (fstat(j->fd, &lst) != 0)
        return ws_error_set(err, WS_E_IO, "check the local file", "cannot stat %s: %s",
                            j->local, strerror(errno));
    snprintf(where, sizeof where, "\\\\%s\\%s\\%s", c->host, share, path);
    xfer_part_id(&lst, where, id);
    char *part = xfer_part_name(path, id);
    if (!part)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    j->w = smb_where_of(c, share, part);
    rc = write_part(j, share, part, err);
    if (rc == WS_OK)
        rc = verify_and_rename(j, hasher, share, part, path, err);
    /* Kept for --resume after a broken connection, an interrupt or a timeout; removed
     * otherwise (a full disk, a local read error), when resuming would not help, and
     * always when the caller will not resume (o->discard_partial). */
    int resumable = c->kind == XFER_E_UNREACHABLE || c->kind == XFER_E_CANCELLED
                    || rc == WS_E_TIMEOUT || rc == WS_E_CONNECT;
    if (rc != WS_OK && (!resumable || j->o->discard_partial) && c->kind != XFER_E_MISMATCH)
        remove_part(j, share, part, err);
    free(part);
    return rc;
}

ws_rc smb_put(smb_conn *c, const char *local, const char *share, const char *path,
              const smb_hasher *hasher, const xfer_opts *o, xfer_result *r, xfer_kind *kind,
              ws_error *err)
{
    memset(r, 0, sizeof *r);
    c->kind = XFER_E_NONE;
    put_job j = { .c = c, .local = local, .o = o, .r = r };
    j.fd = open(local, O_RDONLY | O_CLOEXEC);
    struct stat st;
    ws_rc rc;
    if (j.fd < 0 || fstat(j.fd, &st) != 0) {
        c->kind = errno == ENOENT ? XFER_E_NOTFOUND : errno == EACCES ? XFER_E_DENIED
                  : XFER_E_OTHER;
        rc = ws_error_set(err, WS_E_IO, "check the local path", "cannot open %s: %s", local,
                          strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        c->kind = XFER_E_OTHER;
        rc = ws_error_set(err, WS_E_USAGE, "name a regular file (or a directory with -r)",
                          "%s is not a regular file", local);
    } else {
        j.size = r->size = (unsigned long long)st.st_size;
        rc = put_file(&j, hasher, share, path, err);
    }
    if (j.fd >= 0)
        close(j.fd);
    if (rc != WS_OK && c->kind == XFER_E_NONE)
        c->kind = XFER_E_OTHER;
    *kind = rc == WS_OK ? XFER_E_NONE : c->kind;
    return rc;
}
