/* Small-file copies through the PowerShell session (snippets 5-7 of
 * docs/powershell-snippets.md): each chunk is one input, base64 inside a PowerShell
 * string literal. Slow next to SMB, but it needs nothing beyond WinRM. */
#include "shell/transfer.h"
#include "shell/errors.h"
#include "shell/meta.h"
#include "shell/signals.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Raw bytes per input: its base64 and the frame's base64 keep one Send under 150 KiB. */
#define TRANSFER_CHUNK (48 * 1024)

static const char put_chunk_fmt[] =
    "$__nanosh_b=[Convert]::FromBase64String('%s');$__nanosh_f=[IO.File]::Open('%s','%s');"
    "$__nanosh_f.Write($__nanosh_b,0,$__nanosh_b.Length);$__nanosh_f.Close()";
static const char put_finish_fmt[] =
    "$__nanosh_h=(Get-FileHash -Algorithm SHA256 -LiteralPath '%s').Hash;"
    "if($__nanosh_h -eq '%s'){Move-Item -Force -LiteralPath '%s' -Destination '%s'}"
    "else{Remove-Item -LiteralPath '%s'};$__nanosh_h";
static const char get_info_fmt[] =
    "(Get-Item -LiteralPath '%s').Length;(Get-FileHash -Algorithm SHA256 -LiteralPath '%s').Hash";
static const char get_chunk_fmt[] =
    "$__nanosh_f=[IO.File]::OpenRead('%s');$__nanosh_f.Position=%llu;"
    "$__nanosh_b=New-Object byte[] %d;$__nanosh_n=$__nanosh_f.Read($__nanosh_b,0,%d);"
    "$__nanosh_f.Close();[Convert]::ToBase64String($__nanosh_b,0,$__nanosh_n)";

static int out_of_memory(void)
{
    fail(NULL, "out of memory");
    return 1;
}

/* Runs one snippet; its output lands in out (trimmed). Errors are printed. 0 or 1. */
static int remote(ps_session *ps, const char *text, ws_buf *out)
{
    ws_buf err = WS_BUF_INIT;
    ps_io io = {.out = out, .err = &err};
    ps_outcome oc;
    ps_run(ps, text, strlen(text), &io, &oc);
    int ok = oc.end == RUN_DONE && !oc.process_ended && ps->ok;
    if (!ok) {
        fputs(err.data && err.len ? err.data : "nanosh: the remote side of the copy failed\n",
              stderr);
        if (oc.process_ended)
            fputs("nanosh: the remote PowerShell ended during the copy; the next line starts a "
                  "new one, without the state of this one\n", stderr);
    }
    ws_buf_free(&err);
    while (out && out->len && strchr("\r\n ", out->data[out->len - 1]))
        out->data[--out->len] = '\0';
    return ok ? 0 : 1;
}

/* A PowerShell single-quoted literal doubles its quotes. */
static char *quoted(const char *s)
{
    ws_buf b = WS_BUF_INIT;
    for (; *s; s++)
        if (ws_buf_append(&b, s, 1) != 0 || (*s == '\'' && ws_buf_append(&b, "'", 1) != 0)) {
            ws_buf_free(&b);
            return NULL;
        }
    return b.data ? ws_buf_steal(&b) : strdup("");
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

static int put_file(ps_session *ps, const char *local, const char *remote_arg)
{
    char hash[65];
    FILE *f = fopen(local, "rb");
    if (!f || sha256_file(local, hash) != 0) {
        fprintf(stderr, "nanosh: cannot read %s: %s\n", local, strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    char *dst = remote_path(ps, remote_arg, base_name(local, "/"));
    char *tmp = NULL;
    char *qdst = dst ? quoted(dst) : NULL;
    char *qtmp = dst && asprintf(&tmp, "%s.nanosh-part", dst) >= 0 ? quoted(tmp) : NULL;
    unsigned char *raw = malloc(TRANSFER_CHUNK);
    char *b64 = malloc(4 * (TRANSFER_CHUNK / 3 + 1) + 1);
    int rc = !dst || !qdst || !qtmp || !raw || !b64 ? out_of_memory() : 0;
    unsigned long long total = 0;
    for (int first = 1; rc == 0; first = 0) {
        size_t n = fread(raw, 1, TRANSFER_CHUNK, f);
        if (n == 0 && !first)
            break;
        if (signals_interrupts()) {
            fputs("nanosh: copy stopped; the final name was not written\n", stderr);
            rc = 1;
            break;
        }
        EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
        char *text = NULL;
        if (asprintf(&text, put_chunk_fmt, b64, qtmp, first ? "Create" : "Append") < 0) {
            rc = out_of_memory();
            break;
        }
        rc = remote(ps, text, NULL);
        free(text);
        total += n;
        if (n < TRANSFER_CHUNK)
            break;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "nanosh: cannot read %s: %s\n", local, strerror(errno));
        rc = 1;
    }
    fclose(f);
    if (rc == 0) {
        char *text = NULL;
        ws_buf got = WS_BUF_INIT;
        if (asprintf(&text, put_finish_fmt, qtmp, hash, qtmp, qdst, qtmp) < 0)
            rc = 1;
        else
            rc = remote(ps, text, &got);
        free(text);
        if (rc == 0 && (!got.data || strcasecmp(got.data, hash) != 0)) {
            fprintf(stderr, "nanosh: SHA-256 mismatch for %s (local %s, remote %s); the remote "
                    "copy was removed: try again\n", dst, hash, got.data ? got.data : "none");
            rc = 1;
        } else if (rc == 0)
            printf("%s -> %s: %llu bytes, SHA-256 %s\n", local, dst, total, hash);
        ws_buf_free(&got);
    }
    free(raw);
    free(b64);
    free(dst);
    free(tmp);
    free(qdst);
    free(qtmp);
    fflush(stdout);
    return rc;
}

static int get_file(ps_session *ps, const char *remote_arg, const char *local_arg)
{
    char *src = remote_path(ps, remote_arg, NULL);
    char *qsrc = src ? quoted(src) : NULL;
    char *text = NULL, *local = NULL, *tmp = NULL;
    ws_buf info = WS_BUF_INIT;
    int rc = !qsrc || asprintf(&text, get_info_fmt, qsrc, qsrc) < 0 ? 1 : remote(ps, text, &info);
    free(text);
    unsigned long long size = 0;
    char want[65] = "";
    if (rc == 0 && (!info.data || sscanf(info.data, "%llu %64s", &size, want) != 2)) {
        fprintf(stderr, "nanosh: the host did not report the size and hash of %s\n", src);
        rc = 1;
    }
    struct stat st;
    if (rc == 0) {
        int is_dir = stat(local_arg, &st) == 0 && S_ISDIR(st.st_mode);
        if (asprintf(&local, "%s%s%s", local_arg, is_dir ? "/" : "",
                     is_dir ? base_name(src, "\\/") : "") < 0 ||
            asprintf(&tmp, "%s.nanosh-part", local) < 0)
            rc = out_of_memory();
    }
    FILE *f = rc == 0 ? fopen(tmp, "wb") : NULL;
    if (rc == 0 && !f) {
        fprintf(stderr, "nanosh: cannot write %s: %s\n", tmp, strerror(errno));
        rc = 1;
    }
    unsigned char *raw = malloc(TRANSFER_CHUNK + 3);
    for (unsigned long long off = 0; rc == 0 && off < size; off += TRANSFER_CHUNK) {
        ws_buf chunk = WS_BUF_INIT;
        if (signals_interrupts()) {
            fputs("nanosh: copy stopped; the final name was not written\n", stderr);
            rc = 1;
        } else if (!raw || asprintf(&text, get_chunk_fmt, qsrc, off, TRANSFER_CHUNK, TRANSFER_CHUNK) < 0)
            rc = 1;
        else {
            rc = remote(ps, text, &chunk);
            free(text);
        }
        /* More base64 than one chunk would overrun raw: a hostile or broken host. */
        if (rc == 0 && chunk.len > 4 * ((TRANSFER_CHUNK + 2) / 3)) {
            fprintf(stderr, "nanosh: the host sent more than the %d bytes asked for at byte %llu "
                    "of %s; nothing was written: try again\n", TRANSFER_CHUNK, off, src);
            rc = 1;
        }
        if (rc == 0) {
            int n = EVP_DecodeBlock(raw, (const unsigned char *)(chunk.data ? chunk.data : ""),
                                    (int)chunk.len);
            /* EVP_DecodeBlock counts base64 padding as data bytes. */
            if (n >= 0 && chunk.len >= 1 && chunk.data[chunk.len - 1] == '=')
                n--;
            if (n >= 0 && chunk.len >= 2 && chunk.data[chunk.len - 2] == '=')
                n--;
            if (n <= 0 || fwrite(raw, 1, (size_t)n, f) != (size_t)n) {
                fprintf(stderr, "nanosh: the copy of %s broke off at byte %llu\n", src, off);
                rc = 1;
            }
        }
        ws_buf_free(&chunk);
    }
    free(raw);
    if (f && fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "nanosh: cannot write %s: %s\n", tmp, strerror(errno));
        rc = 1;
    }
    char got[65];
    if (rc == 0 && (sha256_file(tmp, got) != 0 || strcasecmp(got, want) != 0)) {
        fprintf(stderr, "nanosh: SHA-256 mismatch for %s (remote %s); nothing was written: try "
                "again\n", local, want);
        rc = 1;
    }
    if (rc == 0 && rename(tmp, local) != 0) {
        fprintf(stderr, "nanosh: cannot rename %s to %s: %s\n", tmp, local, strerror(errno));
        rc = 1;
    }
    if (rc != 0 && tmp)
        unlink(tmp);
    if (rc == 0)
        printf("%s -> %s: %llu bytes, SHA-256 %s\n", src, local, size, got);
    fflush(stdout);
    ws_buf_free(&info);
    free(src);
    free(qsrc);
    free(local);
    free(tmp);
    return rc;
}

int transfer_command(ps_session *ps, int put, const char *args)
{
    char *a, *b;
    if (meta_two_args(args, &a, &b) != 0) {
        fprintf(stderr, "nanosh: usage: %s\n", put ? ":put LOCAL REMOTE" : ":get REMOTE LOCAL");
        return 1;
    }
    int rc = put ? put_file(ps, a, b) : get_file(ps, a, b);
    signals_reset_interrupts();
    free(a);
    free(b);
    return rc;
}
