/* A file already on the host (e.g. pushed over SMB into a share) moved into place over
 * WinRM with its SHA-256 checked: snippet 11 (docs/powershell-snippets.md) with the file
 * as the partial copy. Used by nanosh bootstrap when the admin shares refuse the account
 * (remote UAC) but a plain share takes it. */
#include "shell/push/winrm_int.h"
#include "shell/ps/ps_snippets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ws_rc winrm_move(winrm_copy *c, const char *from, const char *to, unsigned long long size,
                 const char *sha256, const xfer_opts *o, xfer_kind *kind, ws_error *err)
{
    *kind = XFER_E_NONE;
    char *text = ps_snippet_stream_finish(from, to, size, sha256, 1);
    if (!text) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    char doing[300], shown[200];
    wr_fold(to, strlen(to), shown, sizeof shown);
    snprintf(doing, sizeof doing, "move a copy into %s", shown);
    wr_job j;
    ws_rc rc = wr_run_control(c, text, o, &j, err);
    if (rc == WS_OK)
        rc = wr_job_outcome(&j, doing, kind, err);
    else
        *kind = XFER_E_OTHER;
    const char *line = NULL;
    size_t n = 0, pos = 0;
    if (rc == WS_OK) {
        int got = wr_next_line(j.captured.data, j.captured.len, &pos, &line, &n);
        if (got && n == 66 && line[0] == 'K' && line[1] == ' ' && strncasecmp(line + 2, sha256, 64) == 0)
            rc = WS_OK;
        else if (got && n == 66 && line[0] == 'M' && line[1] == ' ') {
            *kind = XFER_E_MISMATCH;
            rc = ws_error_set(err, WS_E_IO, "run it again; if it recurs, check the host's disk",
                              "SHA-256 mismatch on the host for %s: the copy was removed", shown);
        } else {
            *kind = XFER_E_OTHER;
            rc = ws_error_set(err, WS_E_PROTOCOL, "check that powershell.exe on the host runs "
                              "scripts", "unexpected answer from the host when asked to %s", doing);
        }
    }
    wr_job_free(&j);
    free(text);
    return rc;
}
