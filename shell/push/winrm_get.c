/* Pull over WinRM (shell/push/winrm_copy.h): stat the source with its SHA-256 (snippet
 * 9), then one process per byte range writes it raw to stdout (12), straight into the
 * local partial file with pwrite (shell/localfs/part_file.h), while the caller's thread
 * hashes what has landed; the file gets its name only when the hashes agree. */
#include "shell/push/winrm_int.h"
#include "shell/localfs/part_file.h"
#include "shell/localfs/safe_file.h"
#include "shell/ps/ps_snippets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One range of the partial file as a job's stdout. */
typedef struct range_sink {
    part_file *f;
    unsigned long long start, end;
    wr_job *job;                 /* its moved counter: bytes written from start */
    int write_errno;
    int too_much;                /* the host sent more than the range */
} range_sink;

static int range_write(void *ud, const void *data, size_t len)
{
    range_sink *s = ud;
    unsigned long long at = s->start + atomic_load(&s->job->moved);
    if (len > s->end - at) {
        s->too_much = 1;
        return -1;
    }
    if (part_file_pwrite(s->f, data, len, at) != 0) {
        s->write_errno = errno;
        return -1;
    }
    atomic_fetch_add(&s->job->moved, (unsigned long long)len);
    return 0;
}

typedef struct get_ctx {
    winrm_copy *c;
    const char *remote;
    const xfer_opts *o;
    part_file f;
    unsigned long long size;
    char sha256[65];              /* the source's, from snippet 9 */
    char shown[256];              /* the remote name, folded */
    char local_shown[256];
    range_sink sinks[XFER_STREAMS_MAX];
    unsigned n;
} get_ctx;

/* The end of the bytes written without a gap from the start of the first range. */
static unsigned long long contiguous(void *ud)
{
    get_ctx *g = ud;
    unsigned long long at = g->n ? g->sinks[0].start : g->size;
    for (unsigned i = 0; i < g->n; i++) {
        at = g->sinks[i].start + atomic_load(&g->sinks[i].job->moved);
        if (at < g->sinks[i].end)
            break;
    }
    return at;
}

static ws_rc sink_error(const range_sink *s, const get_ctx *g, xfer_kind *kind, ws_error *err)
{
    if (s->too_much) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_PROTOCOL, "check that nothing changes the file on the host",
                            "the host sent more of %s than was asked for", g->shown);
    }
    *kind = s->write_errno == ENOSPC || s->write_errno == EDQUOT ? XFER_E_DISKFULL : XFER_E_OTHER;
    return ws_error_set(err, WS_E_IO,
                        *kind == XFER_E_DISKFULL ? "free space on the local disk, then run the copy again" : NULL,
                        "cannot write %s: %s", g->local_shown, strerror(s->write_errno));
}

/* The first failure among the jobs (a job that failed stops the others, which then end
 * cancelled: those are not the cause), and each range complete. */
static ws_rc jobs_outcome(wr_job *jobs, get_ctx *g, xfer_kind *kind, ws_error *err)
{
    char doing[300];
    snprintf(doing, sizeof doing, "read %s", g->shown);
    int cancelled = g->o->cancel && *g->o->cancel;
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < g->n; i++) {
            const range_sink *s = &g->sinks[i];
            if (pass == 0 && jobs[i].res.end == WS_RUN_CANCELLED && jobs[i].rc == WS_OK)
                continue;
            if (jobs[i].res.end == WS_RUN_OUTPUT_CLOSED && jobs[i].rc == WS_OK)
                return sink_error(s, g, kind, err);
            if (wr_job_outcome(&jobs[i], doing, kind, err) != WS_OK) {
                if (cancelled)
                    *kind = XFER_E_CANCELLED;
                return err->rc;
            }
            ws_error_clear(err);
            unsigned long long got = s->start + atomic_load(&jobs[i].moved);
            if (got != s->end) {
                *kind = XFER_E_OTHER;
                return ws_error_set(err, WS_E_IO, "check that nothing changes the file on the "
                                    "host, then run again with --resume",
                                    "the host sent %s only up to byte %llu of %llu", g->shown,
                                    got, s->end);
            }
        }
    return WS_OK;
}

static void hex_of(EVP_MD_CTX *md, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02X", d[i]);
}

/* Reads [from, size) in ranges into the partial file and hashes all of it. */
static ws_rc read_ranges(get_ctx *g, unsigned long long from, char hash[65],
                         unsigned long long *moved, xfer_kind *kind, ws_error *err)
{
    unsigned long long ends[XFER_STREAMS_MAX];
    g->n = from < g->size ? wr_split(from, g->size, g->o->streams, g->c->cfg.connect != NULL, ends)
                          : 0;
    wr_job jobs[XFER_STREAMS_MAX];
    char *texts[XFER_STREAMS_MAX] = {0};
    ws_rc rc = WS_OK;
    for (unsigned i = 0; i < g->n; i++) {
        unsigned long long start = i ? ends[i - 1] : from;
        texts[i] = ps_snippet_stream_read(g->remote, start, ends[i] - start);
        wr_job_init(&jobs[i], g->c, texts[i] ? texts[i] : "", g->o);
        if (i > 0)
            wr_job_use_own_connection(&jobs[i]);
        g->sinks[i] = (range_sink){.f = &g->f, .start = start, .end = ends[i], .job = &jobs[i]};
        jobs[i].out = (ws_sink){range_write, &g->sinks[i]};
        if (!texts[i])
            rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    wr_hash h = {.fd = g->f.fd, .md = md, .total = g->size, .ready = contiguous, .ud = g};
    if (rc == WS_OK && (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)))
        rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    *kind = rc == WS_OK ? XFER_E_NONE : XFER_E_OTHER;
    if (rc == WS_OK) {
        wr_watch w = {.o = g->o, .base = from, .size = g->size, .hash = &h, .report = 1};
        ws_rc hrc = wr_jobs_run(jobs, g->n, &w, err);
        *moved = 0;
        for (unsigned i = 0; i < g->n; i++)
            *moved += atomic_load(&jobs[i].moved);
        rc = jobs_outcome(jobs, g, kind, err);
        if (rc == WS_OK && hrc != WS_OK)
            rc = hrc;
        if (rc == WS_OK && h.hashed != g->size)
            rc = ws_error_set(err, WS_E_IO, NULL, "the partial file could not be hashed to its end");
        if (rc != WS_OK && *kind == XFER_E_NONE)
            *kind = g->o->cancel && *g->o->cancel ? XFER_E_CANCELLED : XFER_E_OTHER;
        int broke = 0;
        for (unsigned i = 0; i < g->n; i++)
            broke |= wr_job_broke(&jobs[i]);
        if (rc != WS_OK && (broke || *kind == XFER_E_CANCELLED)) {
            char what[sizeof err->what];
            snprintf(what, sizeof what, "%s", err->what);
            snprintf(err->what, sizeof err->what, "%.440s, after %llu of %llu bytes", what,
                     from + *moved, g->size);
            snprintf(err->fix, sizeof err->fix, "run again with --resume to continue");
        }
    }
    if (rc == WS_OK)
        hex_of(md, hash);
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < g->n; i++) {
        wr_job_free(&jobs[i]);
        free(texts[i]);
    }
    return rc;
}

/* The source: a file with its size and SHA-256. */
static ws_rc stat_source(get_ctx *g, xfer_kind *kind, ws_error *err)
{
    remote_stat st;
    ws_rc rc = wr_stat(g->c, g->remote, g->remote, -1, g->o, &st, NULL, kind, err);
    if (rc != WS_OK)
        return rc;
    if (st.kind == 'N') {
        *kind = XFER_E_NOTFOUND;
        return ws_error_set(err, WS_E_IO, "check the path", "%s is not there on the host",
                            g->shown);
    }
    if (st.kind == 'D') {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_USAGE, "copy a directory with -r",
                            "%s is a directory on the host", g->shown);
    }
    if (!st.sha256[0]) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_PROTOCOL, NULL, "the host gave no SHA-256 for %s", g->shown);
    }
    g->size = st.size;
    memcpy(g->sha256, st.sha256, sizeof g->sha256);
    return WS_OK;
}

/* A local target already there: unchanged (same SHA-256), or refused without force.
 * 1: go on copying. */
static int judge_local(get_ctx *g, const char *local, xfer_result *r, xfer_kind *kind,
                       ws_rc *rc, ws_error *err)
{
    struct stat st;
    if (lstat(local, &st) != 0)
        return 1;
    if (S_ISDIR(st.st_mode)) {
        *kind = XFER_E_OTHER;
        *rc = ws_error_set(err, WS_E_USAGE, "give the file's full local name",
                           "%s is a directory", g->local_shown);
        return 0;
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size == g->size) {
        int fd = open(local, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char have[65] = "";
        ws_error ignored;
        memset(&ignored, 0, sizeof ignored);
        if (fd >= 0 && xfer_hash_fd(fd, g->size, g->o->cancel, have, &ignored) == WS_OK &&
            strcmp(have, g->sha256) == 0) {
            close(fd);
            r->status = XFER_UNCHANGED;
            memcpy(r->sha256, have, sizeof r->sha256);
            *rc = WS_OK;
            return 0;
        }
        if (fd >= 0)
            close(fd);
        ws_error_clear(&ignored);
    }
    if (!g->o->force) {
        *kind = XFER_E_EXISTS;
        *rc = ws_error_set(err, WS_E_IO, "add --force to replace it",
                           "%s exists with other bytes", g->local_shown);
        return 0;
    }
    return 1;
}

static ws_rc local_error(get_ctx *g, int e, const char *doing, xfer_kind *kind, ws_error *err)
{
    *kind = e == ENOSPC || e == EDQUOT ? XFER_E_DISKFULL
            : e == EACCES || e == EPERM ? XFER_E_DENIED
            : e == ENOENT || e == ENOTDIR ? XFER_E_NOTFOUND
            : e == EEXIST ? XFER_E_EXISTS : XFER_E_OTHER;
    const char *fix = *kind == XFER_E_EXISTS ? "add --force to replace it"
                      : *kind == XFER_E_DISKFULL ? "free space on the local disk"
                      : *kind == XFER_E_NOTFOUND ? "check that the local directory exists" : NULL;
    return ws_error_set(err, WS_E_IO, fix, "cannot %s %s: %s", doing, g->local_shown,
                        strerror(e));
}

/* The partial file, continued with resume when it is no longer than the file. */
static ws_rc open_part(get_ctx *g, const char *local, xfer_kind *kind, ws_error *err)
{
    /* Names the partial copy of this source's bytes (its SHA-256) to this target. */
    struct stat key;
    memset(&key, 0, sizeof key);
    key.st_size = (off_t)g->size;
    char *text = NULL, id[17];
    if (asprintf(&text, "%s\n%s\n%s", g->remote, g->sha256, local) < 0) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    xfer_part_id(&key, text, id);
    free(text);
    if (part_file_open(&g->f, local, id, g->o->resume) != 0)
        return local_error(g, errno, "write next to", kind, err);
    if (g->f.have > g->size) {
        part_file_close(&g->f, 0);
        if (part_file_open(&g->f, local, id, 0) != 0)
            return local_error(g, errno, "write next to", kind, err);
    }
    if (safe_file_fits(local, g->size - g->f.have) != 0) {
        int e = errno;
        part_file_close(&g->f, g->f.have > 0);
        return local_error(g, e, "make room for", kind, err);
    }
    return WS_OK;
}

ws_rc winrm_get(winrm_copy *c, const char *remote, const char *local, const xfer_opts *o,
                xfer_result *r, xfer_kind *kind, ws_error *err)
{
    static const xfer_opts none;
    xfer_kind k;
    kind = kind ? kind : &k;
    *kind = XFER_E_NONE;
    memset(r, 0, sizeof *r);
    get_ctx *g = calloc(1, sizeof *g);
    if (!g) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    g->c = c;
    g->remote = remote;
    g->o = o ? o : &none;
    g->f.fd = -1;
    wr_fold(remote, strlen(remote), g->shown, sizeof g->shown);
    wr_fold(local, strlen(local), g->local_shown, sizeof g->local_shown);
    ws_rc rc = stat_source(g, kind, err);
    if (rc == WS_OK)
        r->size = g->size;
    if (rc == WS_OK && judge_local(g, local, r, kind, &rc, err) &&
        (rc = open_part(g, local, kind, err)) == WS_OK) {
        char hash[65];
        r->resumed_from = g->f.have;
        rc = read_ranges(g, g->f.have, hash, &r->moved, kind, err);
        if (rc != WS_OK) {
            /* Kept for --resume, cut to the bytes that came without a gap: ranges read
             * at once leave holes when they stop, and --resume goes by its length. Not
             * kept from a host that broke the protocol (more bytes than asked), nor on
             * a full disk, where it only holds the space. */
            int keep = rc != WS_E_PROTOCOL && *kind != XFER_E_DISKFULL &&
                       !g->o->discard_partial;
            if (keep && g->n > 0 && ftruncate(g->f.fd, (off_t)contiguous(g)) != 0)
                keep = 0;
            part_file_close(&g->f, keep);
        }
        else if (strcmp(hash, g->sha256) != 0) {
            part_file_close(&g->f, 0);
            *kind = XFER_E_MISMATCH;
            rc = ws_error_set(err, WS_E_IO, "run the copy again; if it recurs, check the link",
                              "SHA-256 mismatch: %s is %s on the host but %s arrived; the "
                              "partial file was removed", g->shown, g->sha256, hash);
        } else if (part_file_commit(&g->f, g->size, 0644, g->o->force) != 0)
            rc = local_error(g, errno, "rename the finished copy to", kind, err);
        else {
            r->status = XFER_COPIED;
            memcpy(r->sha256, hash, sizeof r->sha256);
        }
    }
    free(g);
    return rc;
}
