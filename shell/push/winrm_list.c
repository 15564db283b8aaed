/* pull -r over WinRM: snippet 15 (docs/powershell-snippets.md) lists a remote directory
 * in the copy's shell, and its stdout is read here line by line as it comes, into a
 * remote_list. What the host sends is checked: each line must be one of the forms the
 * snippet writes, each name valid base64 of a name without NUL, and the whole bounded
 * (WR_LIST_MAX_BYTES, WR_LIST_LINE_MAX; remote_list.h's counts and depth). */
#include "base/base64.h"
#include "shell/ps/ps_snippets.h"
#include "shell/push/winrm_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 100000 files of ordinary names (lines of a few hundred bytes) stay well below this;
 * the bound keeps a host that sends without end from filling memory or the session. */
#define WR_LIST_MAX_BYTES (64ULL << 20)
/* One line: a name of at most 32767 UTF-16 units (the longest Windows path) is under
 * 96 KiB of UTF-8, 128 KiB of base64, and a host's message is a line of text. */
#define WR_LIST_LINE_MAX ((size_t)256 << 10)

typedef struct lister {
    remote_list *out;
    const char *shown;            /* the directory, folded, for messages */
    ws_buf line;                  /* the line being received */
    unsigned long long total;     /* bytes of stdout so far */
    char what;                    /* the first line: 'D', 'F', 'N'; 0 before it */
    int top_unreadable;           /* a "U" line for the listed directory itself */
    char top_why[300];
    ws_rc rc;                     /* the first error found here, kept in err */
    ws_error err;
} lister;

static int malformed(lister *l, const char *why, const char *s, size_t n)
{
    char got[80];
    wr_fold(s, n, got, sizeof got);
    l->rc = ws_error_set(&l->err, WS_E_PROTOCOL,
                         "check that powershell.exe on the host runs scripts, and report it if "
                         "it does",
                         "the host's listing of %s is malformed: %s%s%s%s", l->shown, why,
                         n ? ": \"" : "", got, n ? "\"" : "");
    return -1;
}

/* The name in base64 b64..b64+n of line s (n bytes) as a C string (malloc'd) into
 * *name: 0; or -1 with l->rc set, "malformed" naming whose name when it is not base64 of
 * a name (empty, or holding a NUL). */
static int line_name(lister *l, const char *b64, size_t n, const char *whose, const char *s,
                     size_t sn, char **name)
{
    ws_buf b = WS_BUF_INIT;
    int r = ws_base64_decode(b64, n, &b);
    if (r == 0 && ws_buf_append(&b, "", 0) != 0)
        r = WS_BASE64_NOMEM;
    if (r == WS_BASE64_NOMEM) {
        ws_buf_free(&b);
        l->rc = ws_error_set(&l->err, WS_E_NOMEM, NULL, "out of memory");
        return -1;
    }
    if (r != 0 || b.len == 0 || memchr(b.data, '\0', b.len)) {
        ws_buf_free(&b);
        char why[64];
        snprintf(why, sizeof why, "%s name is not base64 of a name", whose);
        return malformed(l, why, s, sn);
    }
    *name = ws_buf_steal(&b);
    return 0;
}

/* "F SIZE B64NAME": a file. */
static int file_line(lister *l, const char *s, size_t n)
{
    size_t i = 2;
    unsigned long long size = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (size > (~0ULL - 9) / 10)
            return malformed(l, "a size out of range", s, n);
        size = size * 10 + (unsigned long long)(s[i] - '0');
    }
    if (i == 2 || i + 1 >= n || s[i] != ' ')
        return malformed(l, "a file line is not \"F SIZE NAME\"", s, n);
    char *name = NULL;
    if (line_name(l, s + i + 1, n - i - 1, "a file's", s, n, &name) != 0)
        return -1;
    l->rc = remote_list_add(l->out, name, size, &l->err);
    free(name);
    return l->rc == WS_OK ? 0 : -1;
}

/* "U B64DIR MESSAGE": a directory that could not be listed ("U  MESSAGE": dir itself). */
static int unreadable_line(lister *l, const char *s, size_t n)
{
    const char *b64 = s + 2, *end = s + n;
    const char *sp = b64 < end ? memchr(b64, ' ', (size_t)(end - b64)) : NULL;
    const char *msg = sp ? sp + 1 : end;
    size_t b64n = (size_t)((sp ? sp : end) - b64);
    char why[300];
    wr_fold(msg, (size_t)(end - msg), why, sizeof why);
    if (b64n == 0) {
        l->top_unreadable = 1;
        snprintf(l->top_why, sizeof l->top_why, "%s", why[0] ? why : "no reason given");
        return 0;
    }
    char *name = NULL;
    if (line_name(l, b64, b64n, "a directory's", s, n, &name) != 0)
        return -1;
    l->rc = remote_list_add_unreadable(l->out, name, why[0] ? why : "cannot be read", &l->err);
    free(name);
    return l->rc == WS_OK ? 0 : -1;
}

static int one_line(lister *l, const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n == 0)
        return 0;                 /* as wr_next_line: blank lines say nothing */
    if (!l->what) {
        if (n != 1 || (s[0] != 'D' && s[0] != 'F' && s[0] != 'N'))
            return malformed(l, "the first line is not D, F or N", s, n);
        l->what = s[0];
        return 0;
    }
    if (l->what != 'D')
        return malformed(l, "more after F or N", s, n);
    if (n >= 2 && s[0] == 'F' && s[1] == ' ')
        return file_line(l, s, n);
    if ((n == 1 || s[1] == ' ') && s[0] == 'U')
        return unreadable_line(l, s, n);
    return malformed(l, "a line that is neither F nor U", s, n);
}

/* The job's stdout sink, on the job's thread: complete lines are read at once, so the
 * listing never sits whole in memory as text. */
static int list_write(void *ud, const void *data, size_t len)
{
    lister *l = ud;
    const char *p = data, *end = p + len;
    if (l->rc != WS_OK)
        return -1;
    l->total += len;
    if (l->total > WR_LIST_MAX_BYTES) {
        l->rc = ws_error_set(&l->err, WS_E_PROTOCOL, "pull a directory further down, in parts",
                             "the host's listing of %s is larger than %llu MiB", l->shown,
                             WR_LIST_MAX_BYTES >> 20);
        return -1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t take = (size_t)((nl ? nl : end) - p);
        if (l->line.len + take > WR_LIST_LINE_MAX)
            return malformed(l, "a line longer than 256 KiB", l->line.data ? l->line.data : p,
                             l->line.data ? l->line.len : take);
        if (take && ws_buf_append(&l->line, p, take) != 0) {
            l->rc = ws_error_set(&l->err, WS_E_NOMEM, NULL, "out of memory");
            return -1;
        }
        if (!nl)
            break;
        p = nl + 1;
        int r = one_line(l, l->line.data ? l->line.data : "", l->line.len);
        ws_buf_reset(&l->line);
        if (r != 0)
            return -1;
    }
    return 0;
}

/* 1 when the host's message reads as access denied (.NET's UnauthorizedAccessException:
 * "Access to the path '...' is denied."). A host in another language says it otherwise:
 * then the kind is XFER_E_OTHER, and the message is still the host's. */
static int reads_denied(const char *why)
{
    return strcasestr(why, "denied") != NULL;
}

/* The lister's error as the call's. */
static ws_rc lister_error(lister *l, xfer_kind *kind, ws_error *err)
{
    *kind = XFER_E_OTHER;
    ws_error_clear(err);
    *err = l->err;
    memset(&l->err, 0, sizeof l->err);
    return err->rc;
}

/* What the run and the listing came to, once the job has ended. */
static ws_rc list_outcome(lister *l, wr_job *j, const char *doing, char *what,
                          xfer_kind *kind, ws_error *err)
{
    /* The last line may come without its CRLF. */
    if (l->rc == WS_OK && l->line.len)
        one_line(l, l->line.data, l->line.len);
    if (l->rc != WS_OK)
        return lister_error(l, kind, err);
    ws_rc rc = wr_job_outcome(j, doing, kind, err);
    if (rc != WS_OK) {
        /* The snippet's own bounds (a junction loop, a huge tree) come through the TAIL
         * as kind io. */
        if (*kind == XFER_E_OTHER && !err->fix[0] && strstr(err->what, "more than"))
            snprintf(err->fix, sizeof err->fix, "pull a directory further down, or check the "
                     "host for a junction that loops");
        return rc;
    }
    if (!l->what) {
        malformed(l, "no answer", "", 0);
        return lister_error(l, kind, err);
    }
    if (l->top_unreadable) {
        int denied = reads_denied(l->top_why);
        *kind = denied ? XFER_E_DENIED : XFER_E_OTHER;
        return ws_error_set(err, WS_E_IO,
                            denied ? "check the account's rights to that directory on the host"
                                   : "check the directory on the host, or pull a directory "
                                     "below it",
                            "cannot list %s: %s", l->shown, l->top_why);
    }
    *what = l->what;
    return WS_OK;
}

ws_rc winrm_list(winrm_copy *c, const char *dir, const xfer_opts *o, char *what,
                 remote_list *out, xfer_kind *kind, ws_error *err)
{
    *what = 'N';
    *kind = XFER_E_NONE;
    char *text = ps_snippet_list_dir(dir);
    if (!text) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    char shown[256], doing[300];
    wr_fold(dir, strlen(dir), shown, sizeof shown);
    snprintf(doing, sizeof doing, "list %s", shown);
    lister l = {.out = out, .shown = shown};
    wr_job j;
    wr_job_init(&j, c, text, o);
    j.out = (ws_sink){list_write, &l};
    wr_watch w = {.o = o};
    ws_rc rc = wr_jobs_run(&j, 1, &w, err);
    if (rc == WS_OK)
        rc = list_outcome(&l, &j, doing, what, kind, err);
    else
        *kind = XFER_E_OTHER;
    if (rc != WS_OK)
        remote_list_free(out);   /* a listing cut short is no listing */
    ws_error_clear(&l.err);
    ws_buf_free(&l.line);
    wr_job_free(&j);
    free(text);
    return rc;
}
