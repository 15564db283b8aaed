/* Snippet 11 (docs/powershell-snippets.md), the last step of every WinRM push, and on its
 * own for a file already on the host (e.g. pushed over SMB into a share) moved into place
 * with its SHA-256 checked: nanosh bootstrap uses that when the admin shares refuse the
 * account (remote UAC) but a plain share takes it. And snippet 14, which removes a
 * partial copy that will not be resumed. */
#include "shell/push/winrm_int.h"
#include "base/clock.h"
#include "shell/ps/ps_snippets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ws_rc wr_finish(winrm_copy *c, const char *part, const char *to, unsigned long long size,
                const char *hash, int force, const xfer_opts *o, const char *doing,
                const char *shown, xfer_kind *kind, ws_error *err)
{
    char *text = ps_snippet_stream_finish(part, to, size, hash, force);
    if (!text) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    wr_job j;
    ws_rc rc = wr_run_control(c, text, o, &j, err);
    if (rc == WS_OK)
        rc = wr_job_outcome(&j, doing, kind, err);
    else
        *kind = XFER_E_OTHER;
    const char *line = NULL;
    size_t n = 0, pos = 0;
    int got = rc == WS_OK && wr_next_line(j.captured.data, j.captured.len, &pos, &line, &n);
    if (rc != WS_OK || (got && n == 66 && line[0] == 'K' && line[1] == ' '
                        && strncasecmp(line + 2, hash, 64) == 0)) {
        /* done, or failed as wr_job_outcome said */
    } else if (got && n == 66 && line[0] == 'M' && line[1] == ' ') {
        char host_hash[65];
        wr_fold(line + 2, 64, host_hash, sizeof host_hash);
        *kind = XFER_E_MISMATCH;
        rc = ws_error_set(err, WS_E_IO, "run the copy again; if it recurs, check the link and "
                          "the host's disk", "SHA-256 mismatch: the host has %s for %s where "
                          "the local file has %s; the partial copy was removed", host_hash,
                          shown, hash);
    } else {
        *kind = XFER_E_OTHER;
        rc = ws_error_set(err, WS_E_PROTOCOL, "check that powershell.exe on the host runs "
                          "scripts", "unexpected answer from the host when asked to %s", doing);
    }
    wr_job_free(&j);
    free(text);
    return rc;
}

ws_rc winrm_move(winrm_copy *c, const char *from, const char *to, unsigned long long size,
                 const char *sha256, const xfer_opts *o, xfer_kind *kind, ws_error *err)
{
    char doing[300], shown[200];
    *kind = XFER_E_NONE;
    wr_fold(to, strlen(to), shown, sizeof shown);
    snprintf(doing, sizeof doing, "move a copy into %s", shown);
    return wr_finish(c, from, to, size, sha256, 1, o, doing, shown, kind, err);
}

ws_rc wr_remove_part(winrm_copy *c, const char *part, int *removed, ws_error *err)
{
    *removed = 0;
    char *text = ps_snippet_remove_part(part);
    if (!text)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    char doing[300], shown[256];
    wr_fold(part, strlen(part), shown, sizeof shown);
    snprintf(doing, sizeof doing, "remove the partial copy %s", shown);
    xfer_opts o = {.deadline_ms = ws_now_ms() + WR_REMOVE_MS};
    xfer_kind kind = XFER_E_NONE;
    wr_job j;
    ws_rc rc = wr_run_control(c, text, &o, &j, err);
    if (rc == WS_OK)
        rc = wr_job_outcome(&j, doing, &kind, err);
    const char *line = NULL;
    size_t n = 0, pos = 0;
    if (rc == WS_OK) {
        if (wr_next_line(j.captured.data, j.captured.len, &pos, &line, &n) && n == 1 &&
            (line[0] == 'R' || line[0] == 'N'))
            *removed = line[0] == 'R';
        else
            rc = ws_error_set(err, WS_E_PROTOCOL, "check that powershell.exe on the host runs "
                              "scripts", "unexpected answer from the host when asked to %s",
                              doing);
    }
    wr_job_free(&j);
    free(text);
    return rc;
}
