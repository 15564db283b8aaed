/* libFuzzer target: what push and pull over WinRM read back from the host's snippets
 * (docs/powershell-snippets.md): snippet 9's stat lines ("F SIZE"/"D"/"N" twice, then a
 * SHA-256 or "-"), 10's "W END", 11's "K HASH"/"M HASH", 15's listing for pull -r
 * ("D"/"F"/"N", then "F SIZE B64NAME" and "U B64DIR MESSAGE" lines), how a failed process ended
 * (a "NANOSH-E KIND MESSAGE" stderr line, or powershell.exe's own CLIXML error). The
 * engine's files are compiled in whole (their readers are static) and the job layer
 * (shell/push/winrm_job.c) is replaced by one that "runs" a snippet by handing back the
 * input as its output.
 *
 * Input: byte 0 picks the reader (0 stat, 1 finish, 2 written, 4 listing, else outcome;
 * the listing's stdout reaches its sink in two writes, split at byte 0's high bits), byte 1 how the
 * process ended (bits 0-1: exited, cancelled, output closed, request failed; bit 2: an
 * exit code was given; bits 3-7: the exit code), then stdout, a NUL byte, and stderr. */
#include "shell/push/winrm_copy.c"
#include "shell/push/winrm_outcome.c"
#include "shell/push/winrm_move.c"
#include "shell/push/winrm_put.c"
#include "shell/push/winrm_list.c"
#include <stdint.h>

static const uint8_t *in_out, *in_err;
static size_t in_out_len, in_err_len;
static unsigned in_end;
static size_t in_split;          /* where the listing's stdout is cut in two writes */

/* ---- the job layer, faked: every job ends as the input says ---- */
static void fake_end(wr_job *j)
{
    ws_buf_append(&j->captured, in_out, in_out_len);
    /* A sink reads stdout as it comes (winrm_list), in pieces cut anywhere. */
    if (j->out.write && (j->out.write(j->out.ud, in_out, in_split) != 0 ||
                         j->out.write(j->out.ud, in_out + in_split, in_out_len - in_split) != 0))
        j->res.end = WS_RUN_OUTPUT_CLOSED;
    ws_buf_append(&j->errtext, in_err, in_err_len);
    switch (in_end & 3) {
    case 0: j->res.end = WS_RUN_EXITED; break;
    case 1: j->res.end = WS_RUN_CANCELLED; break;
    case 2: j->res.end = WS_RUN_OUTPUT_CLOSED; break;
    default:
        j->res.end = WS_RUN_FAILED;
        j->rc = WS_E_HTTP;
        ws_error_set(&j->err, WS_E_HTTP, "check the host", "connection reset by the host");
    }
    j->res.has_exit_code = (in_end & 4) != 0;
    j->res.exit_code = in_end >> 3;
    j->started = 1;
    atomic_store(&j->finished, 1);
}

void wr_job_init(wr_job *j, winrm_copy *c, const char *text, const xfer_opts *o)
{
    memset(j, 0, sizeof *j);
    j->cfg = &c->cfg;
    j->shell = &c->shell;
    j->text = text;
    j->deadline_ms = o ? o->deadline_ms : 0;
}

void wr_job_use_own_connection(wr_job *j)
{
    j->client = NULL;
    j->shell = NULL;
}

void wr_job_free(wr_job *j)
{
    ws_error_clear(&j->err);
    ws_buf_free(&j->captured);
    ws_buf_free(&j->errtext);
}

ws_rc wr_jobs_run(wr_job *jobs, unsigned n, const wr_watch *w, ws_error *err)
{
    (void)w;
    (void)err;
    for (unsigned i = 0; i < n; i++)
        fake_end(&jobs[i]);
    return WS_OK;
}

ws_rc wr_run_control(winrm_copy *c, const char *text, const xfer_opts *o, wr_job *j,
                     ws_error *err)
{
    wr_job_init(j, c, text, o);
    return wr_jobs_run(j, 1, NULL, err);
}

/* ---- what every reader must leave ---- */
static void check_error(ws_rc rc, xfer_kind kind, const ws_error *err)
{
    if (rc == WS_OK) {
        if (kind != XFER_E_NONE)
            abort();
        return;
    }
    if (!err->what[0] || kind == XFER_E_NONE || !memchr(err->what, '\0', sizeof err->what))
        abort();
}

static const char HASH[] = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned mode = data[0] & 7;
    in_end = data[1];
    const uint8_t *rest = data + 2, *nul = memchr(rest, '\0', size - 2);
    in_out = rest;
    in_out_len = nul ? (size_t)(nul - rest) : size - 2;
    in_err = nul ? nul + 1 : rest + size - 2;
    in_err_len = (size_t)(data + size - in_err);
    in_split = in_out_len ? (size_t)(data[0] >> 3) * in_out_len / 32 : 0;

    static winrm_copy c;
    ws_error err = {0};
    xfer_kind kind = XFER_E_NONE;
    ws_rc rc;
    switch (mode) {
    case 0: {
        remote_stat st, part;
        rc = wr_stat(&c, "C:\\data\\app.zip", "C:\\data\\app.zip.nanosh-part", -1, NULL, &st,
                     &part, &kind, &err);
        check_error(rc, kind, &err);
        if (rc == WS_OK) {
            size_t h = strnlen(st.sha256, sizeof st.sha256);
            if (!strchr("FDN", st.kind) || !strchr("FDN", part.kind) || (h != 0 && h != 64) ||
                strspn(st.sha256, "0123456789ABCDEF") != h)
                abort();
        }
        break;
    }
    case 1:
        rc = winrm_move(&c, "C:\\data\\app.zip.nanosh-part", "C:\\data\\app.zip", 1234, HASH,
                        NULL, &kind, &err);
        check_error(rc, kind, &err);
        if (rc == WS_OK && (in_out_len < 66 || memchr(in_out, 'K', in_out_len) == NULL))
            abort();         /* done only when the host said K and the hash */
        break;
    case 2: {
        wr_job j;
        wr_run_control(&c, "", NULL, &j, &err);
        put_ctx p = {.shown = "C:\\data\\app.zip"};
        rc = check_written(&j, 1048576, &p, &kind, &err);
        if ((rc == WS_OK) != (kind == XFER_E_NONE))
            abort();
        wr_job_free(&j);
        break;
    }
    case 4: {
        remote_list l;
        memset(&l, 0, sizeof l);
        char what = 0;
        rc = winrm_list(&c, "C:\\data", NULL, &what, &l, &kind, &err);
        check_error(rc, kind, &err);
        if (rc != WS_OK && (l.nfiles || l.nunreadable))
            abort();         /* a listing cut short is no listing */
        if (rc == WS_OK && (!strchr("DFN", what) ||
                            (what != 'D' && (l.nfiles || l.nunreadable))))
            abort();
        for (size_t i = 0; i < l.nfiles; i++)
            if (!l.files[i].rel[0] || remote_rel_depth(l.files[i].rel) > REMOTE_LIST_DEPTH_MAX)
                abort();
        for (size_t i = 0; i < l.nunreadable; i++)
            if (!l.unreadable[i].rel[0] || !l.why[i][0])
                abort();
        remote_list_free(&l);
        break;
    }
    default: {
        wr_job j;
        wr_run_control(&c, "", NULL, &j, &err);
        rc = wr_job_outcome(&j, "write C:\\data\\app.zip", &kind, &err);
        check_error(rc, kind, &err);
        (void)wr_job_broke(&j);
        wr_job_free(&j);
        break;
    }
    }
    ws_error_clear(&err);
    return 0;
}
