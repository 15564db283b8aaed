/* The steps SMB put and get share (smb_steps.h). */
#include "shell/push/smb_steps.h"
#include "base/clock.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

ws_rc smb_should_stop(const xfer_opts *o, xfer_kind *kind, ws_error *err)
{
    if (o->cancel && atomic_load(o->cancel)) {
        *kind = XFER_E_CANCELLED;
        return ws_error_set(err, WS_E_IO, "run again with --resume to continue",
                            "copy interrupted%s", o->discard_partial ? ""
                            : "; the partial copy was kept");
    }
    if (o->deadline_ms && ws_now_ms() >= o->deadline_ms) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_TIMEOUT, "run again with --resume to continue, or "
                            "allow more time", "the time allowed ran out during the copy%s",
                            o->discard_partial ? "" : "; the partial copy was kept");
    }
    return WS_OK;
}

void smb_progress(const xfer_opts *o, unsigned long long done, unsigned long long size)
{
    if (o->progress && o->progress->update)
        o->progress->update(o->progress->ud, done, size);
}

ws_rc smb_hash_local_prefix(EVP_MD_CTX *md, int fd, unsigned long long len,
                            const char *local, ws_error *err)
{
    unsigned char *buf = len ? malloc(SMB_CHUNK) : NULL;
    if (len && !buf)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory for a transfer buffer");
    ws_rc rc = WS_OK;
    for (unsigned long long off = 0; off < len && rc == WS_OK;) {
        size_t want = len - off < SMB_CHUNK ? (size_t)(len - off) : SMB_CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = ws_error_set(err, WS_E_IO, "check the local file", "cannot read %s: %s",
                              local, n < 0 ? strerror(errno) : "it became shorter");
        else {
            EVP_DigestUpdate(md, buf, (size_t)n);
            off += (unsigned long long)n;
        }
    }
    free(buf);
    return rc;
}

void smb_digest_hex(EVP_MD_CTX *md, char out[65])
{
    unsigned char d[32];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02X", d[i]);
}

/* Reads share/path to its end, hashing it. */
static ws_rc read_back(smb_conn *c, const char *share, const char *path, char out[65],
                       ws_error *err)
{
    smb_where w = smb_where_of(c, share, path);
    char *url = smb_conn_url(c, share, path, err);
    if (!url)
        return WS_E_NOMEM;
    SMBCFILE *f = c->api.smbc_getFunctionOpen(c->ctx)(c->ctx, url, O_RDONLY, 0);
    free(url);
    if (!f)
        return smb_errno_error(err, &c->kind, errno, "open", &w);
    unsigned char *buf = malloc(SMB_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ws_rc rc = WS_OK;
    if (!buf || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory for a transfer buffer");
    smbc_read_fn rd = c->api.smbc_getFunctionRead(c->ctx);
    for (ssize_t n = 1; rc == WS_OK && n > 0;) {
        n = rd(c->ctx, f, buf, SMB_CHUNK);
        if (n < 0)
            rc = smb_errno_error(err, &c->kind, errno, "read", &w);
        else
            EVP_DigestUpdate(md, buf, (size_t)n);
    }
    c->api.smbc_getFunctionClose(c->ctx)(c->ctx, f);
    if (rc == WS_OK)
        smb_digest_hex(md, out);
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

ws_rc smb_remote_sha256(smb_conn *c, const smb_hasher *hasher, const char *share,
                        const char *path, char out[65], ws_error *err)
{
    if (hasher && hasher->sha256)
        return hasher->sha256(hasher->ud, share, path, out, err);
    return read_back(c, share, path, out, err);
}

ws_rc smb_same_bytes(smb_conn *c, const smb_hasher *hasher, int fd, unsigned long long size,
                     const xfer_opts *o, const char *share, const char *path, char hex[65],
                     int *same, ws_error *err)
{
    char remote[65];
    *same = 0;
    ws_rc rc = xfer_hash_fd(fd, size, o->cancel, hex, err);
    if (rc == WS_OK)
        rc = smb_remote_sha256(c, hasher, share, path, remote, err);
    if (rc == WS_OK)
        *same = strcasecmp(hex, remote) == 0;
    return rc;
}

ws_rc smb_make_parents(smb_conn *c, const char *share, const char *path, ws_error *err)
{
    char dir[SMB_PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return ws_error_set(err, WS_E_USAGE, "use a shorter path", "remote path too long");
    for (char *p = strchr(dir, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        struct stat st;
        int exists = 0;
        ws_rc rc = smb_stat_path(c, share, dir, &st, &exists, err);
        if (rc == WS_OK && !exists)
            rc = smb_mkdir(c, share, dir, err);
        if (rc != WS_OK)
            return rc;
        *p = '/';
    }
    return WS_OK;
}
