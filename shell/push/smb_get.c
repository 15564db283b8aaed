/* smb_get: a file from a share to a local file (see smb_copy.h). The bytes go to the
 * local partial file (shell/localfs/part_file.h), so an interrupted copy never leaves a
 * half-written file under the local name and --resume continues it; SHA-256 is computed
 * over what arrived and compared with the server's when a hasher can tell it. */
#include "shell/push/smb_steps.h"
#include "shell/localfs/part_file.h"
#include "shell/localfs/safe_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ws_rc local_error(ws_error *err, xfer_kind *kind, const char *local, int e)
{
    *kind = e == ENOSPC || e == EDQUOT ? XFER_E_DISKFULL : e == EACCES ? XFER_E_DENIED
            : e == EEXIST ? XFER_E_EXISTS : XFER_E_OTHER;
    if (e == EEXIST)
        return ws_error_set(err, WS_E_IO, "add --force to replace it", "local file %s exists",
                            local);
    return ws_error_set(err, WS_E_IO, e == ENOSPC ? "free space on the local disk"
                        : "check the local path and its permissions",
                        "cannot write %s: %s", local, strerror(e));
}

/* What one get works with. */
typedef struct get_job {
    smb_conn *c;
    const char *local;
    unsigned long long size;      /* the remote file's size */
    const xfer_opts *o;
    xfer_result *r;
    smb_where w;
} get_job;

/* Reads f from offset to size into the partial file, hashing as it goes. */
static ws_rc receive_all(get_job *j, SMBCFILE *f, part_file *pf, unsigned long long offset,
                         EVP_MD_CTX *md, ws_error *err)
{
    smb_conn *c = j->c;
    unsigned char *buf = malloc(SMB_CHUNK);
    if (!buf)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory for a transfer buffer");
    smbc_read_fn rd = c->api.smbc_getFunctionRead(c->ctx);
    ws_rc rc = WS_OK;
    if (offset && c->api.smbc_getFunctionLseek(c->ctx)(c->ctx, f, (off_t)offset, SEEK_SET) < 0)
        rc = smb_errno_error(err, &c->kind, errno, "seek", &j->w);
    while (rc == WS_OK && offset < j->size) {
        rc = smb_should_stop(j->o, &c->kind, err);
        if (rc != WS_OK)
            break;
        size_t want = j->size - offset < SMB_CHUNK ? (size_t)(j->size - offset) : SMB_CHUNK;
        ssize_t n = rd(c->ctx, f, buf, want);
        if (n < 0)
            rc = smb_errno_error(err, &c->kind, errno, "read", &j->w);
        else if (n == 0)
            rc = ws_error_set(err, WS_E_IO, "copy it again once it no longer changes",
                              "\\\\%s\\%s\\%s ended at byte %llu of %llu", c->host, j->w.share,
                              j->w.path, offset, j->size);
        else if (part_file_pwrite(pf, buf, (size_t)n, offset) != 0)
            rc = local_error(err, &c->kind, j->local, errno);
        else {
            EVP_DigestUpdate(md, buf, (size_t)n);
            offset += (unsigned long long)n;
            j->r->moved += (unsigned long long)n;
            smb_progress(j->o, offset, j->size);
        }
    }
    free(buf);
    return rc;
}

/* The local partial file filled from where it ends, verified and renamed into place. */
static ws_rc copy_in(get_job *j, const smb_hasher *hasher, const char *url,
                     const struct stat *rst, ws_error *err)
{
    smb_conn *c = j->c;
    if (safe_file_fits(j->local, j->size) != 0)
        return local_error(err, &c->kind, j->local, errno);
    char id[17], where[SMB_SHARE_MAX + SMB_PATH_MAX + 300];
    snprintf(where, sizeof where, "%s <- \\\\%s\\%s\\%s", j->local, c->host, j->w.share,
             j->w.path);
    xfer_part_id(rst, where, id);
    part_file pf;
    if (part_file_open(&pf, j->local, id, j->o->resume) != 0)
        return local_error(err, &c->kind, j->local, errno);
    if (pf.have > j->size) {          /* not a prefix of this file: start again */
        part_file_close(&pf, 0);
        if (part_file_open(&pf, j->local, id, 0) != 0)
            return local_error(err, &c->kind, j->local, errno);
    }
    j->r->resumed_from = pf.have;
    SMBCFILE *f = c->api.smbc_getFunctionOpen(c->ctx)(c->ctx, url, O_RDONLY, 0);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ws_rc rc = WS_OK;
    if (!f)
        rc = smb_errno_error(err, &c->kind, errno, "open", &j->w);
    else if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        rc = ws_error_set(err, WS_E_CRYPTO, "", "cannot start SHA-256");
    else
        rc = smb_hash_local_prefix(md, pf.fd, pf.have, pf.path, err);
    if (rc == WS_OK)
        rc = receive_all(j, f, &pf, pf.have, md, err);
    if (f)
        c->api.smbc_getFunctionClose(c->ctx)(c->ctx, f);
    if (rc == WS_OK)
        smb_digest_hex(md, j->r->sha256);
    EVP_MD_CTX_free(md);
    char remote[65];
    if (rc == WS_OK && hasher && hasher->sha256) {
        rc = hasher->sha256(hasher->ud, j->w.share, j->w.path, remote, err);
        if (rc == WS_OK && strcasecmp(remote, j->r->sha256) != 0) {
            c->kind = XFER_E_MISMATCH;
            rc = ws_error_set(err, WS_E_IO, "copy it again once it no longer changes",
                              "SHA-256 mismatch for %s: the server holds %s, %s arrived; "
                              "nothing was written", j->local, remote, j->r->sha256);
            part_file_close(&pf, 0);
            return rc;
        }
    }
    if (rc == WS_OK && part_file_commit(&pf, j->size, 0644, j->o->force) != 0)
        return local_error(err, &c->kind, j->local, errno);
    /* Kept for --resume after a broken connection, an interrupt or a timeout, unless
     * the caller will not resume. */
    if (rc != WS_OK)
        part_file_close(&pf, !j->o->discard_partial &&
                                 (c->kind == XFER_E_UNREACHABLE || c->kind == XFER_E_CANCELLED
                                  || rc == WS_E_TIMEOUT || rc == WS_E_CONNECT));
    return rc;
}

/* The local target exists: unchanged when it holds the same bytes, else refused without
 * force. *go is set when the copy should go ahead. */
static ws_rc existing_local(get_job *j, const smb_hasher *hasher, int *go, ws_error *err)
{
    smb_conn *c = j->c;
    struct stat st;
    *go = 1;
    if (lstat(j->local, &st) != 0)
        return WS_OK;
    *go = 0;
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size == j->size) {
        int fd = open(j->local, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), same = 0;
        ws_rc rc = fd < 0 ? local_error(err, &c->kind, j->local, errno)
                   : smb_same_bytes(c, hasher, fd, j->size, j->o, j->w.share, j->w.path,
                                    j->r->sha256, &same, err);
        if (fd >= 0)
            close(fd);
        if (rc != WS_OK)
            return rc;
        if (same) {
            j->r->status = XFER_UNCHANGED;
            return WS_OK;
        }
    }
    if (!j->o->force)
        return local_error(err, &c->kind, j->local, EEXIST);
    *go = 1;
    return WS_OK;
}

ws_rc smb_get(smb_conn *c, const char *share, const char *path, const char *local,
              const smb_hasher *hasher, const xfer_opts *o, xfer_result *r, xfer_kind *kind,
              ws_error *err)
{
    memset(r, 0, sizeof *r);
    c->kind = XFER_E_NONE;
    get_job j = { .c = c, .local = local, .o = o, .r = r, .w = smb_where_of(c, share, path) };
    struct stat st;
    int exists = 0, go = 1;
    ws_rc rc = smb_stat_path(c, share, path, &st, &exists, err);
    char *url = NULL;
    if (rc == WS_OK && !exists)
        rc = smb_errno_error(err, &c->kind, ENOENT, "open", &j.w);
    else if (rc == WS_OK && S_ISDIR(st.st_mode)) {
        c->kind = XFER_E_OTHER;
        rc = ws_error_set(err, WS_E_USAGE, "name a file", "\\\\%s\\%s\\%s is a directory",
                          c->host, share, path);
    }
    if (rc == WS_OK) {
        j.size = r->size = (unsigned long long)st.st_size;
        rc = existing_local(&j, hasher, &go, err);
    }
    if (rc == WS_OK && go && !(url = smb_conn_url(c, share, path, err)))
        rc = WS_E_NOMEM;
    if (rc == WS_OK && go)
        rc = copy_in(&j, hasher, url, &st, err);
    free(url);
    if (rc != WS_OK && c->kind == XFER_E_NONE)
        c->kind = XFER_E_OTHER;
    *kind = rc == WS_OK ? XFER_E_NONE : c->kind;
    return rc;
}
