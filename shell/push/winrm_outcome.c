/* How a snippet's process ended, as an error value that says what happened and what to
 * do. Snippets 9-12 report a failure as one stderr line "NANOSH-E KIND MESSAGE" and
 * exit 1 (docs/powershell-snippets.md); when powershell.exe itself fails, its stderr is
 * CLIXML (PROTOCOL.md 9), decoded here before it is read. */
#include "shell/push/winrm_int.h"
#include "shell/ps/clixml.h"
#include <stdio.h>
#include <string.h>

static int to_buf(void *ud, const char *text, size_t len)
{
    return ws_buf_append(ud, text, len);
}

/* stderr as text: CLIXML decoded, plain text as it came. */
static void stderr_text(const wr_job *j, ws_buf *out)
{
    ws_buf_append(out, "", 0);
    if (!j->errtext.len)
        return;
    if (j->errtext.len < 9 || memcmp(j->errtext.data, "#< CLIXML", 9) != 0) {
        ws_buf_append(out, j->errtext.data, j->errtext.len);
        return;
    }
    clixml_decoder d;
    clixml_init(&d, to_buf, out);
    if (clixml_feed(&d, j->errtext.data, j->errtext.len) != 0 || clixml_flush(&d) != 0) {
        ws_buf_reset(out);
        ws_buf_append(out, j->errtext.data, j->errtext.len);
    }
    clixml_free(&d);
}

static const struct {
    const char *word;
    xfer_kind kind;
    const char *what;     /* printf: doing, message */
    const char *fix;
} kinds[] = {
    {"denied", XFER_E_DENIED, "access denied on the host: cannot %s (%s)",
     "check the account's rights to that path on the host"},
    {"notfound", XFER_E_NOTFOUND, "not found on the host: cannot %s (%s)",
     "check the path; a directory on the way may be missing"},
    {"diskfull", XFER_E_DISKFULL, "the host's disk is full: cannot %s (%s)",
     "free space on the host's volume, then run again with --resume"},
    {"exists", XFER_E_EXISTS, "cannot %s: the target exists on the host (%s)",
     "add --force to replace it"},
    {"io", XFER_E_OTHER, "cannot %s on the host: %s", ""},
};

/* The "NANOSH-E KIND MESSAGE" line of text; 1 when there is one. */
static int reported(const ws_buf *text, const char *doing, xfer_kind *kind, ws_error *err)
{
    const char *p = text->data ? strstr(text->data, "NANOSH-E ") : NULL;
    if (!p)
        return 0;
    p += 9;
    size_t n = strcspn(p, "\r\n");
    size_t w = strcspn(p, " \r\n");
    const char *msg = p + w + (p[w] == ' ');
    char shown[300];
    wr_fold(msg, n - (size_t)(msg - p), shown, sizeof shown);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].word) == w && memcmp(kinds[i].word, p, w) == 0) {
            *kind = kinds[i].kind;
            ws_error_set(err, WS_E_IO, kinds[i].fix[0] ? kinds[i].fix : NULL, kinds[i].what,
                         doing, shown);
            return 1;
        }
    *kind = XFER_E_OTHER;
    ws_error_set(err, WS_E_IO, NULL, "cannot %s on the host: %s", doing, shown);
    return 1;
}

ws_rc wr_job_outcome(wr_job *j, const char *doing, xfer_kind *kind, ws_error *err)
{
    *kind = XFER_E_NONE;
    if (j->rc != WS_OK) {
        char what[sizeof err->what];
        snprintf(what, sizeof what, "%s", j->err.what);
        ws_error_clear(err);
        *err = j->err;               /* the fault's strings move along */
        memset(&j->err, 0, sizeof j->err);
        snprintf(err->what, sizeof err->what, "cannot %.200s: %.280s", doing,
                 what[0] ? what : ws_rc_name(err->rc));
        *kind = XFER_E_OTHER;
        return err->rc;
    }
    if (j->res.end == WS_RUN_CANCELLED) {
        *kind = XFER_E_CANCELLED;
        return ws_error_set(err, WS_E_IO, NULL, "cancelled while trying to %s", doing);
    }
    if (j->res.end == WS_RUN_OUTPUT_CLOSED) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_IO, NULL, "stopped reading the host's answer to %s",
                            doing);
    }
    if (!j->res.has_exit_code || j->res.exit_code == 0)
        return WS_OK;
    ws_buf text = WS_BUF_INIT;
    stderr_text(j, &text);
    if (!reported(&text, doing, kind, err)) {
        const char *line = "";
        size_t n = 0, pos = 0;
        wr_next_line(text.data, text.len, &pos, &line, &n);
        char shown[300];
        wr_fold(line, n, shown, sizeof shown);
        *kind = XFER_E_OTHER;
        ws_error_set(err, WS_E_IO, "check that powershell.exe runs on the host",
                     "powershell.exe failed on the host (exit %llu) when asked to %s%s%s",
                     j->res.exit_code, doing, n ? ": " : "", shown);
    }
    ws_buf_free(&text);
    return err->rc;
}

int wr_job_broke(const wr_job *j)
{
    return j->rc != WS_OK && j->rc != WS_E_NOMEM && j->rc != WS_E_USAGE;
}
