/* smb_get: a file from a share to a local file (see smb_copy.h). The local side goes
 * through shell/localfs/safe_file.h (temporary file, fsync, rename), so an interrupted
 * copy never leaves a half-written file under the local name; SHA-256 is computed over
 * what was received. */
#include "shell/push/smb_conn.h"
#include "shell/localfs/safe_file.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static ws_rc local_error(ws_error *err, const char *local, int e)
{
    return ws_error_set(err, WS_E_IO, e == ENOSPC ? "free space on the local disk"
                        : "check the local path and its permissions",
                        "cannot write %s: %s", local, strerror(e));
}

/* Reads f to its end in SMB_CHUNK reads into out, hashing as it goes. */
static ws_rc receive_all(smb_conn *c, SMBCFILE *f, safe_file *out, EVP_MD_CTX *md,
                         smb_xfer *x, const smb_where *w, const char *local, ws_error *err)
{
    unsigned char *buf = malloc(SMB_CHUNK);
    if (!buf)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory for a transfer buffer");
    smbc_read_fn rd = c->api.smbc_getFunctionRead(c->ctx);
    ws_rc rc = WS_OK;
    for (;;) {
        ssize_t n = rd(c->ctx, f, buf, SMB_CHUNK);
        if (n < 0) {
            rc = smb_errno_error(err, errno, "read", w);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
        if (safe_file_write(out, buf, (size_t)n) != 0) {
            rc = local_error(err, local, errno);
            break;
        }
        x->bytes += (unsigned long long)n;
    }
    free(buf);
    return rc;
}

/* Opens the remote file and the local temporary file, copies, and commits or aborts. */
static ws_rc copy_in(smb_conn *c, const char *url, const char *local, unsigned long long size,
                     smb_xfer *x, const smb_where *w, ws_error *err)
{
    if (safe_file_fits(local, size) != 0)
        return local_error(err, local, errno);
    SMBCFILE *f = c->api.smbc_getFunctionOpen(c->ctx)(c->ctx, url, O_RDONLY, 0);
    if (!f)
        return smb_errno_error(err, errno, "open", w);
    safe_file out;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ws_rc rc = WS_OK;
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        rc = ws_error_set(err, WS_E_CRYPTO, "", "cannot start SHA-256");
    else if (safe_file_open(&out, local, 0644) != 0)
        rc = local_error(err, local, errno);
    else {
        rc = receive_all(c, f, &out, md, x, w, local, err);
        if (rc == WS_OK && safe_file_commit(&out) != 0)
            rc = local_error(err, local, errno);
        if (rc != WS_OK)
            safe_file_abort(&out);
    }
    c->api.smbc_getFunctionClose(c->ctx)(c->ctx, f);
    if (rc == WS_OK)
        EVP_DigestFinal_ex(md, x->sha256, NULL);
    EVP_MD_CTX_free(md);
    return rc;
}

ws_rc smb_get(smb_conn *c, const char *share, const char *path, const char *local, int force,
              smb_xfer *x, ws_error *err)
{
    memset(x, 0, sizeof *x);
    struct stat st;
    if (!force && lstat(local, &st) == 0) {
        x->exists = 1;
        return ws_error_set(err, WS_E_IO, "add --force to replace it",
                            "local file %s exists", local);
    }
    int exists = 0;
    ws_rc rc = smb_stat_path(c, share, path, &st, &exists, err);
    smb_where w = smb_where_of(c, share, path);
    if (rc != WS_OK)
        return rc;
    if (!exists)
        return smb_errno_error(err, ENOENT, "open", &w);
    if (S_ISDIR(st.st_mode))
        return ws_error_set(err, WS_E_USAGE, "name a file", "\\\\%s\\%s\\%s is a directory",
                            c->host, share, path);
    char *url = smb_conn_url(c, share, path, err);
    if (!url)
        return WS_E_NOMEM;
    rc = copy_in(c, url, local, (unsigned long long)st.st_size, x, &w, err);
    free(url);
    return rc;
}
