/* Push over WinRM (shell/push/winrm_copy.h): stat (snippet 9), the file streamed as
 * stdin of one process per byte range (10) straight from the file with pread, never
 * held in memory, while the caller's thread hashes it; then finish (11), where the host
 * hashes what it wrote and renames it only when the hashes agree. A copy that failed
 * with o->discard_partial removes its partial copy on the host (snippet 14). */
#include "shell/push/winrm_int.h"
#include "shell/ps/ps_snippets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Receive poll for a process given no bytes: the runner's own poll while it uploads
 * (UPLOAD_POLL_MS in wsman/run.c), so a length hosts are known to take. */
#define EMPTY_INPUT_POLL_MS 500L

/* One range of the local file as a job's stdin. */
typedef struct range_source {
    int fd;
    unsigned long long off, end;
    wr_job *job;                 /* its moved counter and cancel flag */
    int read_errno;
} range_source;

static long range_read(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    range_source *s = ud;
    /* Stopped by the watch: nothing more now, so the runner looks at its flag. */
    if (atomic_load(&s->job->cancel))
        return 0;
    if (s->off >= s->end) {
        *eof = 1;
        return 0;
    }
    size_t want = s->end - s->off < cap ? (size_t)(s->end - s->off) : cap;
    ssize_t n;
    do
        n = pread(s->fd, buf, want, (off_t)s->off);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        s->read_errno = n < 0 ? errno : EIO;
        ws_error_set(err, WS_E_IO, "check that nothing else changes the file",
                     "cannot read the local file: %s",
                     n < 0 ? strerror(errno) : "it is shorter than it was");
        return -1;
    }
    s->off += (unsigned long long)n;
    atomic_fetch_add(&s->job->moved, (unsigned long long)n);
    *eof = s->off >= s->end;
    return (long)n;
}

typedef struct put_ctx {
    winrm_copy *c;
    const char *remote;
    char *part;
    const xfer_opts *o;
    int fd;
    unsigned long long size;
    char shown[256];             /* the remote name, folded, for messages */
} put_ctx;

/* "W END" from snippet 10: END must be where the range ends. */
static ws_rc check_written(const wr_job *j, unsigned long long end, const put_ctx *p,
                           xfer_kind *kind, ws_error *err)
{
    const char *line = NULL;
    size_t n = 0, pos = 0;
    unsigned long long got = 0;
    int ok = wr_next_line(j->captured.data, j->captured.len, &pos, &line, &n) && n > 2 &&
             line[0] == 'W' && line[1] == ' ';
    for (size_t i = 2; ok && i < n; i++) {
        ok = line[i] >= '0' && line[i] <= '9' && got <= (~0ULL - 9) / 10;
        got = got * 10 + (unsigned long long)(line[i] - '0');
    }
    if (ok && got == end)
        return WS_OK;
    *kind = XFER_E_OTHER;
    if (ok)
        return ws_error_set(err, WS_E_IO, "run again with --resume to continue",
                            "the host wrote %s up to byte %llu, not %llu", p->shown, got, end);
    return ws_error_set(err, WS_E_PROTOCOL, "check that powershell.exe on the host runs scripts",
                        "unexpected answer from the host after writing %s", p->shown);
}

/* The first failure among the jobs, as the error (a job that failed stops the others,
 * which end cancelled: those are not the cause). */
static ws_rc jobs_outcome(wr_job *jobs, unsigned n, const unsigned long long *ends,
                          const put_ctx *p, xfer_kind *kind, ws_error *err)
{
    char doing[300];
    snprintf(doing, sizeof doing, "write %s", p->shown);
    int cancelled = p->o->cancel && *p->o->cancel;
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < n; i++) {
            if (pass == 0 && jobs[i].res.end == WS_RUN_CANCELLED && jobs[i].rc == WS_OK)
                continue;
            if (wr_job_outcome(&jobs[i], doing, kind, err) != WS_OK) {
                if (cancelled)
                    *kind = XFER_E_CANCELLED;
                return err->rc;
            }
            ws_error_clear(err);
            if (check_written(&jobs[i], ends[i], p, kind, err) != WS_OK)
                return err->rc;
        }
    return WS_OK;
}

/* Streams [from, size) in ranges and hashes the whole file meanwhile. */
static ws_rc send_ranges(put_ctx *p, unsigned long long from, int create, char hash[65],
                         unsigned long long *moved, xfer_kind *kind, ws_error *err)
{
    unsigned long long ends[XFER_STREAMS_MAX];
    unsigned n = wr_split(from, p->size, p->o->streams, p->c->cfg.connect != NULL, ends);
    wr_job jobs[XFER_STREAMS_MAX];
    range_source src[XFER_STREAMS_MAX];
    ws_source in[XFER_STREAMS_MAX];
    char *texts[XFER_STREAMS_MAX] = {0};
    ws_rc rc = WS_OK;
    for (unsigned i = 0; i < n; i++) {
        unsigned long long start = i ? ends[i - 1] : from;
        /* Several ranges share the file: none may truncate it (11 cuts it to size). */
        texts[i] = ps_snippet_stream_write(p->part, start, create && n == 1);
        wr_job_init(&jobs[i], p->c, texts[i] ? texts[i] : "", p->o);
        if (i > 0)
            wr_job_use_own_connection(&jobs[i]);
        /* An empty file: the runner tells the process EOF only after a first Receive
         * (wsman/run.c), which then need not be a long one. */
        if (ends[i] == start && (jobs[i].poll_ms == 0 || jobs[i].poll_ms > EMPTY_INPUT_POLL_MS))
            jobs[i].poll_ms = EMPTY_INPUT_POLL_MS;
        src[i] = (range_source){.fd = p->fd, .off = start, .end = ends[i], .job = &jobs[i]};
        in[i] = (ws_source){range_read, &src[i]};
        jobs[i].in = &in[i];
        if (!texts[i])
            rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    wr_hash h = {.fd = p->fd, .md = md, .total = p->size};
    if (rc == WS_OK && (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)))
        rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    if (rc == WS_OK) {
        wr_watch w = {.o = p->o, .base = from, .size = p->size, .hash = &h, .report = 1};
        ws_rc hrc = wr_jobs_run(jobs, n, &w, err);
        *moved = 0;
        for (unsigned i = 0; i < n; i++)
            *moved += atomic_load(&jobs[i].moved);
        rc = jobs_outcome(jobs, n, ends, p, kind, err);
        if (rc == WS_OK && hrc != WS_OK)
            rc = hrc;
        if (rc == WS_OK && h.hashed != p->size)
            rc = ws_error_set(err, WS_E_IO, NULL, "the local file could not be hashed to its end");
        if (rc != WS_OK && *kind == XFER_E_NONE)
            *kind = p->o->cancel && *p->o->cancel ? XFER_E_CANCELLED : XFER_E_OTHER;
        if (rc != WS_OK) {
            int broke = 0;
            for (unsigned i = 0; i < n; i++)
                broke |= wr_job_broke(&jobs[i]);
            if (broke || *kind == XFER_E_CANCELLED) {
                char what[sizeof err->what];
                snprintf(what, sizeof what, "%s", err->what);
                snprintf(err->what, sizeof err->what, "%.440s, after %llu of %llu bytes", what,
                         from + *moved, p->size);
                snprintf(err->fix, sizeof err->fix, "run again with --resume to continue");
            }
        }
    } else
        *kind = XFER_E_OTHER;
    if (rc == WS_OK) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;
        EVP_DigestFinal_ex(md, d, &dl);
        for (unsigned i = 0; i < 32; i++)
            snprintf(hash + 2 * i, 3, "%02X", d[i]);
    }
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < n; i++) {
        wr_job_free(&jobs[i]);
        free(texts[i]);
    }
    return rc;
}

/* Snippet 11: "K HASH" renamed, "M HASH" mismatch (the part removed on the host). */
static ws_rc finish(put_ctx *p, const char *hash, xfer_kind *kind, ws_error *err)
{
    char doing[300];
    snprintf(doing, sizeof doing, "finish %s", p->shown);
    ws_rc rc = wr_finish(p->c, p->part, p->remote, p->size, hash, p->o->force, p->o, doing,
                         p->shown, kind, err);
    /* Cut off while the host checked the copy: the whole partial copy is there, and
     * --resume only has to check and rename it. */
    if (err && (rc == WS_E_TIMEOUT || rc == WS_E_CONNECT || *kind == XFER_E_CANCELLED) &&
        !err->fix[0])
        snprintf(err->fix, sizeof err->fix, "run again with --resume to continue");
    return rc;
}

static ws_rc open_local(const char *local, int *fd, struct stat *st, xfer_kind *kind,
                        ws_error *err)
{
    char shown[256];
    wr_fold(local, strlen(local), shown, sizeof shown);
    *fd = open(local, O_RDONLY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, st) != 0) {
        int e = errno;
        *kind = e == ENOENT || e == ENOTDIR ? XFER_E_NOTFOUND
                : e == EACCES || e == EPERM ? XFER_E_DENIED : XFER_E_OTHER;
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return ws_error_set(err, WS_E_IO, NULL, "cannot open %s: %s", shown, strerror(e));
    }
    if (!S_ISREG(st->st_mode)) {
        close(*fd);
        *fd = -1;
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_USAGE, "copy a directory with -r",
                            "%s is not a regular file", shown);
    }
    return WS_OK;
}

/* What snippet 9 says about the target: skip, refuse, or where to start. 1: go on. */
static int judge_target(put_ctx *p, const remote_stat *t, xfer_result *r, xfer_kind *kind,
                        ws_rc *rc, ws_error *err)
{
    if (t->kind == 'D') {
        *kind = XFER_E_OTHER;
        *rc = ws_error_set(err, WS_E_USAGE, "give the file's full name on the host",
                           "%s is a directory on the host", p->shown);
        return 0;
    }
    if (t->kind != 'F')
        return 1;
    if (t->size == p->size && t->sha256[0]) {
        char local[65];
        if ((*rc = xfer_hash_fd(p->fd, p->size, p->o->cancel, local, err)) != WS_OK) {
            *kind = p->o->cancel && *p->o->cancel ? XFER_E_CANCELLED : XFER_E_OTHER;
            return 0;
        }
        if (strcmp(local, t->sha256) == 0) {
            r->status = XFER_UNCHANGED;
            memcpy(r->sha256, local, sizeof r->sha256);
            *rc = WS_OK;
            return 0;
        }
    }
    if (!p->o->force) {
        *kind = XFER_E_EXISTS;
        *rc = ws_error_set(err, WS_E_IO, "add --force to replace it",
                           "%s exists on the host with other bytes", p->shown);
        return 0;
    }
    return 1;
}

/* Where --resume continues: at the end of the partial copy on the host, but only when it
 * is a prefix of the local file. Ranges sent at once (--streams) leave holes when they
 * stop, which its length does not show, so its SHA-256 (snippet 9 on the partial copy
 * itself) must equal that of as many local bytes. Otherwise *from stays 0: a fresh copy. */
static ws_rc resume_point(put_ctx *p, const remote_stat *part, unsigned long long *from,
                          xfer_kind *kind, ws_error *err)
{
    *from = 0;
    if (!p->o->resume || part->kind != 'F' || part->size == 0 || part->size > p->size)
        return WS_OK;
    remote_stat ps;
    ws_rc rc = wr_stat(p->c, p->part, p->part, (long long)part->size, p->o, &ps, NULL, kind, err);
    if (rc != WS_OK || ps.kind != 'F' || ps.size != part->size || !ps.sha256[0])
        return rc;
    char local[65];
    if ((rc = xfer_hash_fd(p->fd, part->size, p->o->cancel, local, err)) != WS_OK) {
        *kind = p->o->cancel && *p->o->cancel ? XFER_E_CANCELLED : XFER_E_OTHER;
        return rc;
    }
    if (strcmp(local, ps.sha256) == 0)
        *from = part->size;
    return WS_OK;
}

/* The partial copy removed after a failed copy whose caller will not resume; err's
 * message says whether it was (a copy cut off may leave one the host cannot remove). */
static void discard_part(put_ctx *p, ws_error *err)
{
    ws_error e;
    memset(&e, 0, sizeof e);
    int removed = 0;
    char part[200];
    if (wr_remove_part(p->c, p->part, &removed, &e) == WS_OK) {
        if (removed)
            xfer_note_discard(err, NULL, NULL);
    } else {
        wr_fold(p->part, strlen(p->part), part, sizeof part);
        xfer_note_discard(err, part, e.what);
    }
    ws_error_clear(&e);
}

ws_rc winrm_put(winrm_copy *c, const char *local, const char *remote, const xfer_opts *o,
                xfer_result *r, xfer_kind *kind, ws_error *err)
{
    static const xfer_opts none;
    xfer_kind k;
    kind = kind ? kind : &k;
    *kind = XFER_E_NONE;
    memset(r, 0, sizeof *r);
    put_ctx p = {.c = c, .remote = remote, .o = o ? o : &none};
    wr_fold(remote, strlen(remote), p.shown, sizeof p.shown);
    struct stat st;
    ws_rc rc = open_local(local, &p.fd, &st, kind, err);
    if (rc != WS_OK)
        return rc;
    p.size = r->size = (unsigned long long)st.st_size;
    char id[17];
    xfer_part_id(&st, remote, id);
    p.part = xfer_part_name(remote, id);
    if (!p.part) {
        close(p.fd);
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    remote_stat t, part;
    rc = wr_stat(c, remote, p.part, (long long)p.size, p.o, &t, &part, kind, err);
    if (rc == WS_OK && judge_target(&p, &t, r, kind, &rc, err)) {
        unsigned long long from = 0;
        char hash[65];
        rc = resume_point(&p, &part, &from, kind, err);
        r->resumed_from = from;
        int wrote = rc == WS_OK;
        if (rc == WS_OK)
            rc = send_ranges(&p, from, from == 0, hash, &r->moved, kind, err);
        if (rc == WS_OK)
            rc = finish(&p, hash, kind, err);
        if (rc == WS_OK) {
            r->status = XFER_COPIED;
            memcpy(r->sha256, hash, sizeof r->sha256);
        } else if (wrote && p.o->discard_partial && *kind != XFER_E_MISMATCH)
            discard_part(&p, err);   /* a mismatch removed it on the host already */
    }
    free(p.part);
    close(p.fd);
    return rc;
}
