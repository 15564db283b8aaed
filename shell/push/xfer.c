/* What push and pull share: the names of failure kinds, the partial copy's name, and
 * the SHA-256 of a local file (shell/push/xfer.h). */
#include "shell/push/xfer.h"
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *xfer_kind_name(xfer_kind k)
{
    switch (k) {
    case XFER_E_NONE: return "none";
    case XFER_E_EXISTS: return "exists";
    case XFER_E_DENIED: return "denied";
    case XFER_E_NOTFOUND: return "notfound";
    case XFER_E_DISKFULL: return "diskfull";
    case XFER_E_MISMATCH: return "mismatch";
    case XFER_E_UNREACHABLE: return "unreachable";
    case XFER_E_LOGON: return "logon";
    case XFER_E_CANCELLED: return "cancelled";
    case XFER_E_OTHER: break;
    }
    return "other";
}

void xfer_part_id(const struct stat *st, const char *target, char out[17])
{
    /* Fixed-width fields, so that no two inputs run together into the same bytes. */
    unsigned long long f[6] = {
        (unsigned long long)st->st_size, (unsigned long long)st->st_mtim.tv_sec,
        (unsigned long long)st->st_mtim.tv_nsec, (unsigned long long)st->st_ino,
        (unsigned long long)st->st_dev, (unsigned long long)strlen(target),
    };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(ctx, f, sizeof f) &&
             EVP_DigestUpdate(ctx, target, strlen(target)) &&
             EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok)    /* cannot happen with OpenSSL's built-in SHA-256; still a valid name */
        memset(md, 0, 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[16] = '\0';
}

char *xfer_part_name(const char *target, const char *id)
{
    char *name = NULL;
    if (asprintf(&name, "%s.nanosh-%s.part", target, id) < 0)
        return NULL;
    return name;
}

void xfer_note_discard(ws_error *err, const char *part_shown, const char *failure)
{
    char what[sizeof err->what];
    snprintf(what, sizeof what, "%s", err->what);
    if (!failure)
        snprintf(err->what, sizeof err->what, "%.470s; the partial copy was removed", what);
    else
        snprintf(err->what, sizeof err->what, "%.190s; the partial copy %.120s is still on "
                 "the host (%.150s)", what, part_shown, failure);
}

void xfer_fix_without_resume(ws_error *err, xfer_kind kind)
{
    if (!strstr(err->fix, "--resume"))
        return;
    snprintf(err->fix, sizeof err->fix, "%s",
             kind == XFER_E_DISKFULL ? "free space on the disk that is full, then run it again"
             : err->rc == WS_E_TIMEOUT ? "allow more time, or run it again"
             : "run it again");
}

/* Bytes read per pread; the cancel flag is looked at between two. */
enum { HASH_STEP = 1 << 20 };

ws_rc xfer_hash_fd(int fd, unsigned long long len, const _Atomic int *cancel, char out[65],
                   ws_error *err)
{
    out[0] = '\0';
    unsigned char *buf = malloc(HASH_STEP);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        free(buf);
        EVP_MD_CTX_free(ctx);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    ws_rc rc = WS_OK;
    for (unsigned long long off = 0; off < len && rc == WS_OK;) {
        if (cancel && *cancel) {
            rc = ws_error_set(err, WS_E_IO, NULL, "the copy was cancelled");
            break;
        }
        size_t want = len - off < HASH_STEP ? (size_t)(len - off) : HASH_STEP;
        ssize_t n = pread(fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = ws_error_set(err, WS_E_IO, "check that the file is not being changed",
                              "cannot read the local file to hash it: %s",
                              n < 0 ? strerror(errno) : "it is shorter than it was");
        else {
            EVP_DigestUpdate(ctx, buf, (size_t)n);
            off += (unsigned long long)n;
        }
    }
    if (rc == WS_OK) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        for (unsigned i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02X", md[i]);
    }
    EVP_MD_CTX_free(ctx);
    free(buf);
    return rc;
}
