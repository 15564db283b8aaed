/* The snippet texts. Each %s below is a path decoded on the host from base64
 * (ps_append_text); the other fields are numbers, base64 or hex that nanosh made. */
#include "shell/ps/ps_snippets.h"
#include "shell/ps/ps_quote.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char set_location_fmt[] = "Set-Location -LiteralPath %s";
static const char put_chunk_fmt[] =
    "$__nanosh_b=[Convert]::FromBase64String('%s');$__nanosh_f=[IO.File]::Open(%s,'%s');"
    "$__nanosh_f.Write($__nanosh_b,0,$__nanosh_b.Length);$__nanosh_f.Close()";
static const char put_finish_fmt[] =
    "$__nanosh_t=%s;$__nanosh_h=(Get-FileHash -Algorithm SHA256 -LiteralPath $__nanosh_t).Hash;"
    "if($__nanosh_h -eq '%s'){Move-Item -Force -LiteralPath $__nanosh_t -Destination %s}"
    "else{Remove-Item -LiteralPath $__nanosh_t};$__nanosh_h";
static const char get_info_fmt[] =
    "$__nanosh_p=%s;(Get-Item -LiteralPath $__nanosh_p).Length;"
    "(Get-FileHash -Algorithm SHA256 -LiteralPath $__nanosh_p).Hash";
static const char get_chunk_fmt[] =
    "$__nanosh_f=[IO.File]::OpenRead(%s);$__nanosh_f.Position=%llu;"
    "$__nanosh_b=New-Object byte[] %d;$__nanosh_n=$__nanosh_f.Read($__nanosh_b,0,%d);"
    "$__nanosh_f.Close();[Convert]::ToBase64String($__nanosh_b,0,$__nanosh_n)";

/* The expression that yields s on the host. */
static char *decoded(const char *s)
{
    ws_buf b = WS_BUF_INIT;
    if (ps_append_text(&b, s) != 0) {
        ws_buf_free(&b);
        return NULL;
    }
    return ws_buf_steal(&b);
}

/* fmt filled in; NULL on out of memory. */
__attribute__((format(printf, 1, 2))) static char *filled(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    return text;
}

char *ps_snippet_set_location(const char *dir)
{
    char *d = decoded(dir), *text = d ? filled(set_location_fmt, d) : NULL;
    free(d);
    return text;
}

char *ps_snippet_put_chunk(const char *data, const char *tmp, int first)
{
    char *t = decoded(tmp);
    char *text = t ? filled(put_chunk_fmt, data, t, first ? "Create" : "Append") : NULL;
    free(t);
    return text;
}

char *ps_snippet_put_finish(const char *tmp, const char *hash, const char *dst)
{
    char *t = decoded(tmp), *d = decoded(dst);
    char *text = t && d ? filled(put_finish_fmt, t, hash, d) : NULL;
    free(t);
    free(d);
    return text;
}

char *ps_snippet_get_info(const char *src)
{
    char *s = decoded(src), *text = s ? filled(get_info_fmt, s) : NULL;
    free(s);
    return text;
}

char *ps_snippet_get_chunk(const char *src, unsigned long long offset, int len)
{
    char *s = decoded(src), *text = s ? filled(get_chunk_fmt, s, offset, len, len) : NULL;
    free(s);
    return text;
}
