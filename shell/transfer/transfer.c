/* Small-file copies through the PowerShell session (snippets 5-7 of
 * docs/powershell-snippets.md): each chunk is one input, base64 inside a PowerShell
 * string literal; paths go as base64 too (shell/ps/ps_snippets.c). Slow next to SMB, but it needs nothing beyond WinRM. Prints nothing: what it has to say goes
 * to the caller (transfer.h). */
#include "shell/transfer/transfer.h"
#include "shell/ps/ps_snippets.h"
#include "base/base64.h"
#include "shell/localfs/safe_file.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Raw bytes per input: its base64 and the frame's base64 keep one Send under 150 KiB. */
#define TRANSFER_CHUNK (48 * 1024)

/* Hands the caller a message about the copy. Returns 1, the copy's failure status. */
static int say(const transfer_ctx *t, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int say(const transfer_ctx *t, const char *fix, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    t->message(t->ud, what, fix);
    return 1;
}

/* Hands the caller the summary of a finished copy. 0, or 1 when it cannot be made. */
static int done(const transfer_ctx *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int done(const transfer_ctx *t, const char *fmt, ...)
{
    char *summary = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&summary, fmt, ap);
    va_end(ap);
    if (n < 0)
        return say(t, NULL, "out of memory");
    t->done(t->ud, summary);
    free(summary);
    return 0;
}

static int out_of_memory(const transfer_ctx *t)
{
    return say(t, NULL, "out of memory");
}

/* A Ctrl-C arrived: the flag counts them below the signal numbers' base. */
static int interrupted(const transfer_ctx *t)
{
    int v = t->cancel ? atomic_load(t->cancel) : 0;
    return v > 0 && v < PS_CANCEL_SIGNAL_BASE;
}

/* Runs one snippet; its output lands in out (trimmed). Failures go to the caller. 0 or 1. */
static int remote(const transfer_ctx *t, const char *text, ws_buf *out)
{
    ps_session *ps = t->ps;
    ws_buf err = WS_BUF_INIT;
    ps_io io = {.out = out, .err = &err};
    ps_outcome oc;
    ws_error failure;
    memset(&failure, 0, sizeof failure);
    ps_run(ps, text, strlen(text), &io, &oc, &failure);
    if (oc.end == RUN_FAILED)
        t->session_failed(t->ud, &failure);
    ws_error_clear(&failure);
    int ok = oc.end == RUN_DONE && !oc.process_ended && ps->ok;
    if (!ok) {
        /* Server text: the caller folds control characters, as it does for faults. */
        if (err.data && err.len)
            say(t, NULL, "the host said: %s", err.data);
        else
            say(t, "try again", "the remote side of the copy failed");
        if (oc.process_ended)
            say(t, NULL, "the remote PowerShell ended during the copy; the next line starts a "
                "new one, without the state of this one");
    }
    ws_buf_free(&err);
    while (out && out->len && strchr("\r\n ", out->data[out->len - 1]))
        out->data[--out->len] = '\0';
    return ok ? 0 : 1;
}

static const char *base_name(const char *p, const char *seps)
{
    const char *b = p;
    for (; *p; p++)
        if (strchr(seps, *p))
            b = p + 1;
    return b;
}

/* The remote path made absolute against the PowerShell location ([IO.File] resolves
 * relative names against the process directory, not the location), with the local
 * name added when it names a directory. */
static char *remote_path(const ps_session *ps, const char *remote, const char *local_name)
{
    int absolute = remote[0] == '\\' || (remote[0] && remote[1] == ':');
    size_t n = strlen(remote);
    int dir = n == 0 || remote[n - 1] == '\\' || remote[n - 1] == '/' || !strcmp(remote, ".");
    const char *loc = ps->location ? ps->location : "";
    char *out = NULL;
    int r = asprintf(&out, "%s%s%s%s", absolute ? "" : loc,
                     absolute || !*loc || loc[strlen(loc) - 1] == '\\' ? "" : "\\",
                     strcmp(remote, ".") ? remote : "", dir && local_name ? local_name : "");
    return r < 0 ? NULL : out;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", d[i]);
}

static int sha256_file(const char *path, char *hexout)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char buf[65536], md[32];
    unsigned mdlen = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(c, buf, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, md, &mdlen) == 1;
    EVP_MD_CTX_free(c);
    fclose(f);
    if (ok)
        hex(md, 32, hexout);
    return ok ? 0 : -1;
}

int transfer_put(const transfer_ctx *t, const char *local, const char *remote_arg)
{
    char hash[65];
    FILE *f = fopen(local, "rb");
    if (!f || sha256_file(local, hash) != 0) {
        int e = errno;
        if (f)
            fclose(f);
        return say(t, strerror(e), "cannot read %s", local);
    }
    char *dst = remote_path(t->ps, remote_arg, base_name(local, "/"));
    char *tmp = NULL;
    if (dst && asprintf(&tmp, "%s.nanosh-part", dst) < 0)
        tmp = NULL;
    unsigned char *raw = malloc(TRANSFER_CHUNK);
    ws_buf b64 = WS_BUF_INIT;
    int rc = !dst || !tmp || !raw ? out_of_memory(t) : 0;
    unsigned long long total = 0;
    for (int first = 1; rc == 0; first = 0) {
        size_t n = fread(raw, 1, TRANSFER_CHUNK, f);
        if (n == 0 && !first)
            break;
        if (interrupted(t)) {
            rc = say(t, NULL, "copy stopped; the final name was not written");
            break;
        }
        ws_buf_reset(&b64);
        char *text = ws_base64_encode(raw, n, &b64) == 0
                     ? ps_snippet_put_chunk(b64.data, tmp, first) : NULL;
        if (!text) {
            rc = out_of_memory(t);
            break;
        }
        rc = remote(t, text, NULL);
        free(text);
        total += n;
        if (n < TRANSFER_CHUNK)
            break;
    }
    if (rc == 0 && ferror(f)) {
        rc = say(t, strerror(errno), "cannot read %s", local);
    }
    fclose(f);
    if (rc == 0) {
        char *text = ps_snippet_put_finish(tmp, hash, dst);
        ws_buf got = WS_BUF_INIT;
        if (!text)
            rc = out_of_memory(t);
        else
            rc = remote(t, text, &got);
        free(text);
        if (rc == 0 && (!got.data || strcasecmp(got.data, hash) != 0)) {
            say(t, "try again", "SHA-256 mismatch for %s (local %s, remote %s); the remote "
                      "copy was removed", dst, hash, got.data ? got.data : "none");
            rc = 1;
        } else if (rc == 0)
            rc = done(t, "%s -> %s: %llu bytes, SHA-256 %s", local, dst, total, hash);
        ws_buf_free(&got);
    }
    free(raw);
    ws_buf_free(&b64);
    free(dst);
    free(tmp);
    return rc;
}

/* The size and SHA-256 the host reports for src (snippet 7). 0, or 1 after a message. */
static int remote_info(const transfer_ctx *t, const char *src,
                       unsigned long long *size, char want[65])
{
    char *text = ps_snippet_get_info(src);
    ws_buf info = WS_BUF_INIT;
    int rc = text ? remote(t, text, &info) : out_of_memory(t);
    free(text);
    if (rc == 0 && (!info.data || sscanf(info.data, "%llu %64s", size, want) != 2)) {
        say(t, "check that it is a file", "the host did not report the size and hash of %s",
                  src);
        rc = 1;
    }
    ws_buf_free(&info);
    return rc;
}

#define CHUNK_NOMEM (-2)

/* One chunk's base64 into raw, replacing what it held. The byte count; 0 when it is not
 * base64 (a broken-off copy); -1 when the host sent more than asked: a hostile or broken
 * host must not overrun the disk; CHUNK_NOMEM. */
static int decode_chunk(const ws_buf *chunk, ws_buf *raw, int asked)
{
    if (chunk->len > 4 * (((size_t)asked + 2) / 3))
        return -1;
    ws_buf_reset(raw);
    int r = ws_base64_decode(chunk->data ? chunk->data : "", chunk->len, raw);
    if (r != 0)
        return r == WS_BASE64_NOMEM ? CHUNK_NOMEM : 0;
    return raw->len > (size_t)asked ? -1 : (int)raw->len;
}

/* Copies the announced size bytes of src into f (snippet 8), and no more; the SHA-256 of
 * what was written goes to got. 0, or 1 after a message. */
static int fetch(const transfer_ctx *t, const char *src,
                 unsigned long long size, safe_file *f, char got[65])
{
    ws_buf raw = WS_BUF_INIT;
    unsigned char md[32];
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    int rc = sha && EVP_DigestInit_ex(sha, EVP_sha256(), NULL) == 1 ? 0 : out_of_memory(t);
    for (unsigned long long off = 0; rc == 0 && off < size; off += TRANSFER_CHUNK) {
        int asked = size - off < TRANSFER_CHUNK ? (int)(size - off) : TRANSFER_CHUNK;
        char *text = NULL;
        ws_buf chunk = WS_BUF_INIT;
        if (interrupted(t)) {
            rc = say(t, NULL, "copy stopped; the final name was not written");
        } else if (!(text = ps_snippet_get_chunk(src, off, asked)))
            rc = out_of_memory(t);
        else
            rc = remote(t, text, &chunk);
        free(text);
        int n = rc == 0 ? decode_chunk(&chunk, &raw, asked) : 0;
        if (rc == 0 && n == CHUNK_NOMEM)
            rc = out_of_memory(t);
        else if (rc == 0 && n < 0) {
            say(t, "try again", "the host sent more than the %d bytes asked for at byte %llu "
                      "of %s, which it announced as %llu bytes; nothing was written", asked, off,
                      src, size);
            rc = 1;
        } else if (rc == 0 && n < asked) {
            say(t, "try again", "the copy of %s broke off at byte %llu of %llu; nothing was "
                      "written", src, off + (unsigned)n, size);
            rc = 1;
        } else if (rc == 0 && (safe_file_write(f, raw.data, (size_t)n) != 0 ||
                               EVP_DigestUpdate(sha, raw.data, (size_t)n) != 1)) {
            say(t, "check the disk", "cannot write %s: %s; nothing was written", f->target,
                      strerror(errno));
            rc = 1;
        }
        ws_buf_free(&chunk);
    }
    unsigned mdlen = 0;
    if (rc == 0 && EVP_DigestFinal_ex(sha, md, &mdlen) != 1)
        rc = out_of_memory(t);
    if (rc == 0)
        hex(md, 32, got);
    EVP_MD_CTX_free(sha);
    ws_buf_free(&raw);
    return rc;
}

/* LOCAL, or LOCAL/NAME when LOCAL is a directory. NULL on out of memory. */
static char *local_target(const char *local_arg, const char *src)
{
    struct stat st;
    int is_dir = stat(local_arg, &st) == 0 && S_ISDIR(st.st_mode);
    char *local = NULL;
    if (asprintf(&local, "%s%s%s", local_arg, is_dir ? "/" : "",
                 is_dir ? base_name(src, "\\/") : "") < 0)
        return NULL;
    return local;
}

int transfer_get(const transfer_ctx *t, const char *remote_arg, const char *local_arg)
{
    char *src = remote_path(t->ps, remote_arg, NULL), *local = NULL;
    unsigned long long size = 0;
    char want[65] = "", got[65] = "";
    int rc = src ? remote_info(t, src, &size, want) : out_of_memory(t);
    if (rc == 0 && !(local = local_target(local_arg, src)))
        rc = out_of_memory(t);
    /* The host's word for the size is all there is: it must fit before a byte is taken. */
    if (rc == 0 && safe_file_fits(local, size) != 0) {
        if (errno == ENOSPC)
            say(t, "free some space or copy it elsewhere", "%s is %llu bytes, more than the "
                      "free space where %s goes; nothing was written", src, size, local);
        else
            say(t, "check the path", "cannot check the free space for %s: %s", local,
                      strerror(errno));
        rc = 1;
    }
    safe_file f = {.fd = -1};
    if (rc == 0 && safe_file_open(&f, local, 0666) != 0) {
        say(t, "check the directory's permissions", "cannot create a file next to %s: %s",
                  local, strerror(errno));
        rc = 1;
    }
    if (rc == 0)
        rc = fetch(t, src, size, &f, got);
    if (rc == 0 && strcasecmp(got, want) != 0) {
        say(t, "try again", "SHA-256 mismatch for %s (remote %s, received %s); nothing was "
                  "written", local, want, got);
        rc = 1;
    }
    if (rc == 0 && safe_file_commit(&f) != 0) {
        say(t, "check the directory", "cannot put %s in place: %s", local, strerror(errno));
        rc = 1;
    }
    safe_file_abort(&f);
    if (rc == 0)
        rc = done(t, "%s -> %s: %llu bytes, SHA-256 %s", src, local, size, got);
    free(src);
    free(local);
    return rc;
}
