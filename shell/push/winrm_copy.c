/* The copy's shell, and stat (snippet 9, docs/powershell-snippets.md) with its reply
 * read defensively: CRLF or LF, blank lines skipped, every field checked. */
#include "shell/push/winrm_int.h"
#include "shell/ps/ps_snippets.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ws_rc wr_shell_ensure(ws_client *client, ws_shell **shell, ws_error *err)
{
    if (*shell)
        return WS_OK;
    /* As shell/run does: UTF-8, no profile, and an idle timeout that frees the shell
     * should we die (wsman/run.h). */
    ws_shell_opts so = {.codepage = 65001, .noprofile = 1,
                        .idle_timeout_s = WS_RUN_IDLE_TIMEOUT_S};
    if (ws_shell_create(client, &so, shell, err) != WS_OK) {
        *shell = NULL;
        return err->rc;
    }
    return WS_OK;
}

void wr_shell_drop(ws_shell **shell)
{
    if (!*shell)
        return;
    ws_error ignored;
    memset(&ignored, 0, sizeof ignored);
    ws_shell_delete(*shell, &ignored);
    ws_error_clear(&ignored);
    ws_shell_free(*shell);
    *shell = NULL;
}

ws_rc winrm_copy_open(winrm_copy **out, const winrm_copy_cfg *cfg, ws_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->client)
        return ws_error_set(err, WS_E_USAGE, NULL, "a WinRM copy needs a connection");
    winrm_copy *c = calloc(1, sizeof *c);
    if (!c)
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    c->cfg = *cfg;
    if (wr_shell_ensure(c->cfg.client, &c->shell, err) != WS_OK) {
        free(c);
        return err->rc;
    }
    *out = c;
    return WS_OK;
}

void winrm_copy_close(winrm_copy *c, ws_error *warning)
{
    if (!c)
        return;
    if (c->shell) {
        ws_error e;
        memset(&e, 0, sizeof e);
        if (ws_shell_delete(c->shell, &e) != WS_OK)
            ws_error_set(warning, e.rc, "it closes itself after the server's idle timeout",
                         "could not delete the remote shell %s (%s)", ws_shell_id(c->shell),
                         e.what[0] ? e.what : ws_rc_name(e.rc));
        ws_error_clear(&e);
        ws_shell_free(c->shell);
    }
    free(c);
}

void wr_fold(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && s[i] && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    /* A cut must not leave half a UTF-8 sequence. */
    if (o + 1 >= cap)
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
    if (o > 0 && o + 1 >= cap && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
        o--;
    if (cap)
        out[o] = '\0';
}

int wr_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    while (*pos < len) {
        size_t start = *pos, end = start;
        while (end < len && text[end] != '\n')
            end++;
        *pos = end < len ? end + 1 : end;
        size_t l = end - start;
        while (l > 0 && (text[start + l - 1] == '\r' || text[start + l - 1] == ' '))
            l--;
        if (l == 0)
            continue;
        *line = text + start;
        *n = l;
        return 1;
    }
    return 0;
}

/* "F SIZE", "D" or "N". 0, or -1 when it is none of them. */
static int parse_kind(const char *s, size_t n, remote_stat *st)
{
    memset(st, 0, sizeof *st);
    if (n == 1 && (s[0] == 'D' || s[0] == 'N')) {
        st->kind = s[0];
        return 0;
    }
    if (n < 3 || n > 22 || s[0] != 'F' || s[1] != ' ')
        return -1;
    unsigned long long v = 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (~0ULL - 9) / 10)
            return -1;
        v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    st->kind = 'F';
    st->size = v;
    return 0;
}

/* 64 hex digits (upper-cased into out), or "-" (out empty). 0, or -1. */
static int parse_hash(const char *s, size_t n, char out[65])
{
    out[0] = '\0';
    if (n == 1 && s[0] == '-')
        return 0;
    if (n != 64)
        return -1;
    for (size_t i = 0; i < 64; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'f')
            ch = (char)(ch - 'a' + 'A');
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
            return -1;
        out[i] = ch;
    }
    out[64] = '\0';
    return 0;
}

ws_rc wr_stat(winrm_copy *c, const char *path, const char *part, long long hash_if_size,
              const xfer_opts *o, remote_stat *st, remote_stat *part_st, xfer_kind *kind,
              ws_error *err)
{
    *kind = XFER_E_NONE;
    char *text = ps_snippet_stream_stat(path, part, hash_if_size);
    if (!text) {
        *kind = XFER_E_OTHER;
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    char shown[256];
    wr_fold(path, strlen(path), shown, sizeof shown);
    char doing[300];
    snprintf(doing, sizeof doing, "look at %s", shown);
    wr_job j;
    ws_rc rc = wr_run_control(c, text, o, &j, err);
    if (rc == WS_OK)
        rc = wr_job_outcome(&j, doing, kind, err);
    else
        *kind = XFER_E_OTHER;
    if (rc == WS_OK) {
        const char *line[3];
        size_t n[3], pos = 0;
        remote_stat ignored;
        int ok = 1;
        for (int i = 0; i < 3 && ok; i++)
            ok = wr_next_line(j.captured.data, j.captured.len, &pos, &line[i], &n[i]);
        if (!ok || parse_kind(line[0], n[0], st) != 0 ||
            parse_kind(line[1], n[1], part_st ? part_st : &ignored) != 0 ||
            parse_hash(line[2], n[2], st->sha256) != 0) {
            *kind = XFER_E_OTHER;
            char got[120];
            wr_fold(j.captured.data ? j.captured.data : "", j.captured.len, got, sizeof got);
            rc = ws_error_set(err, WS_E_PROTOCOL,
                              "check that powershell.exe on the host runs scripts",
                              "unexpected answer from the host when asked to %s: \"%s\"",
                              doing, got);
        }
    }
    wr_job_free(&j);
    free(text);
    return rc;
}

/* Without hash, a size no file has: snippet 9 hashes when the size equals it. */
ws_rc winrm_stat(winrm_copy *c, const char *path, int hash, remote_stat *st,
                 xfer_kind *kind, ws_error *err)
{
    xfer_kind k;
    ws_rc rc = wr_stat(c, path, path, hash ? -1 : LLONG_MAX, NULL, st, NULL, kind ? kind : &k, err);
    if (rc == WS_OK && !hash)
        st->sha256[0] = '\0';
    return rc;
}

unsigned wr_split(unsigned long long from, unsigned long long to, unsigned want,
                  int can_connect, unsigned long long ends[XFER_STREAMS_MAX])
{
    unsigned n = want < 1 ? 1 : want > XFER_STREAMS_MAX ? XFER_STREAMS_MAX : want;
    unsigned long long len = to - from;
    if (!can_connect || len < WR_STREAMS_MIN_SIZE)
        n = 1;
    /* Ranges of whole MiB, the last taking the rest, so that each process writes whole
     * blocks and none is left a few bytes. */
    if (n > 1 && n > len >> 20)
        n = (unsigned)(len >> 20);
    unsigned long long step = (len / n) & ~((1ULL << 20) - 1);
    unsigned k = 0;
    for (unsigned long long at = from; k < n && at < to; k++) {
        at = k + 1 == n || to - at <= step ? to : at + step;
        ends[k] = at;
    }
    if (k == 0)
        ends[k++] = to;
    return k;
}
