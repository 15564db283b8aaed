/* The snippet texts. Each %s below is a path decoded on the host from base64
 * (ps_append_text); the other fields are numbers, base64 or hex that nanosh made. */
#include "shell/ps/ps_snippets.h"
#include "shell/ps/ps_quote.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char set_location_fmt[] = "Set-Location -LiteralPath %s";
/* Snippets 9-12 run as their own processes: errors become one stderr line and exit 1.
 * $ErrorActionPreference='Stop' makes cmdlet errors (Get-FileHash) catchable; the
 * unwrapped .NET exception names the kind; HResult's low word is the Win32 error
 * (39/112: disk full, 80/183: exists). */
static const char stream_head[] =
    "$ProgressPreference='SilentlyContinue';$ErrorActionPreference='Stop';try{";
static const char stream_tail[] =
    "}catch{$e=$_.Exception;while($e.InnerException){$e=$e.InnerException};$k='io';"
    "$c=$e.HResult -band 65535;if($e -is [UnauthorizedAccessException]){$k='denied'}"
    "elseif($e -is [IO.FileNotFoundException] -or $e -is [IO.DirectoryNotFoundException])"
    "{$k='notfound'}elseif($c -eq 39 -or $c -eq 112){$k='diskfull'}"
    "elseif($c -eq 80 -or $c -eq 183){$k='exists'};"
    "[Console]::Error.WriteLine('NANOSH-E '+$k+' '+$e.Message);exit 1}";
static const char stream_stat_fmt[] =
    "%s$p=%s;$t=%s;$l=%lld;foreach($x in $p,$t){if([IO.File]::Exists($x))"
    "{'F '+(New-Object IO.FileInfo $x).Length}elseif([IO.Directory]::Exists($x)){'D'}"
    "else{'N'}};if([IO.File]::Exists($p) -and ($l -lt 0 -or "
    "(New-Object IO.FileInfo $p).Length -eq $l))"
    "{(Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash}else{'-'}%s";
static const char stream_write_fmt[] =
    "%s$t=%s;[void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($t));"
    "$f=[IO.File]::Open($t,'%s','Write','ReadWrite');try{$f.Position=%llu;"
    "[Console]::OpenStandardInput().CopyTo($f,1048576);'W '+$f.Position}"
    "finally{$f.Close()}%s";
/* Without force, [IO.File]::Move refuses an existing target. With it, Delete then Move:
 * File.Replace and Move's overwrite flag are not in Nano 2016's CoreCLR. */
static const char stream_finish_fmt[] =
    "%s$t=%s;$p=%s;$f=[IO.File]::Open($t,'Open','Write','None');"
    "try{$f.SetLength(%llu)}finally{$f.Close()};"
    "$h=(Get-FileHash -Algorithm SHA256 -LiteralPath $t).Hash;"
    "if($h -ne '%s'){[IO.File]::Delete($t);'M '+$h}else{if(%s){if([IO.File]::Exists($p))"
    "{[IO.File]::Delete($p)};[IO.File]::Move($t,$p)}else{try{[IO.File]::Move($t,$p)}"
    "catch{[IO.File]::Delete($t);throw}};'K '+$h}%s";
static const char stream_read_fmt[] =
    "%s$s=%s;$f=[IO.File]::Open($s,'Open','Read','ReadWrite');try{$f.Position=%llu;"
    "$o=[Console]::OpenStandardOutput();$b=New-Object byte[] 1048576;$r=[long]%llu;"
    "while($r -gt 0){$n=$f.Read($b,0,[int][Math]::Min($r,$b.Length));if($n -le 0){break};"
    "$o.Write($b,0,$n);$r-=$n};$o.Flush()}finally{$f.Close()}%s";

static const char make_dir_fmt[] =
    "%s[void][IO.Directory]::CreateDirectory(%s);'D'%s";
/* Snippet 14 deletes only a name of the form xfer_part_name() makes (shell/push/xfer.h),
 * with no ':' past the drive's (an alternate data stream of a real file), so no path
 * can make it delete a real file. \z, not $: $ also matches before a final newline. */
static const char remove_part_fmt[] =
    "%s$t=%s;if($t -cnotmatch '^(?:[A-Za-z]:)?[^:]*\\.nanosh-[0-9a-f]{16}\\.part\\z')"
    "{throw 'refused: not a partial copy of nanosh (NAME.nanosh-ID.part)'}"
    "elseif([IO.File]::Exists($t)){[IO.File]::Delete($t);'R'}else{'N'}%s";

/* Snippet 15 (pull -r): every file under a directory, breadth first, as "F SIZE B64NAME"
 * after a first line "D"; a directory that cannot be listed is "U B64DIR MESSAGE" and the
 * listing goes on. @() inside the try makes the enumeration of one directory happen
 * there, so its error is caught there. Junctions are followed: the depth and count
 * bounds (shell/push/remote_list.h) end a loop, through the TAIL. */
static const char list_dir_fmt[] =
    "%s$r=%s;if([IO.Directory]::Exists($r)){'D';$q=New-Object Collections.Generic.Queue[string];"
    "$q.Enqueue('');$c=0;$g=0;while($q.Count -gt 0){$d=$q.Dequeue();$a=$null;"
    "try{$a=@((New-Object IO.DirectoryInfo ([IO.Path]::Combine($r,$d))).EnumerateFileSystemInfos())}"
    "catch{$x=$_.Exception;while($x.InnerException){$x=$x.InnerException};"
    "'U '+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($d))+' '+"
    "($x.Message -replace '\\s+',' ')};foreach($i in $a){$n=$i.Name;if($d){$n=$d+'\\'+$n};"
    "if($i -is [IO.DirectoryInfo]){if($n.Split('\\').Count -ge 64)"
    "{throw 'the directory is more than 64 levels deep'};$g++;if($g -gt 100000)"
    "{throw 'the directory holds more than 100000 directories'};$q.Enqueue($n)}"
    "else{$c++;if($c -gt 100000){throw 'the directory holds more than 100000 files'};"
    "'F '+$i.Length+' '+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($n))}}}}"
    "elseif([IO.File]::Exists($r)){'F'}else{'N'}%s";

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

/* 1 when hash is 64 upper-case hex digits, the only form its literal may take. */
static int is_sha256_hex(const char *h)
{
    size_t n = 0;
    for (; h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'A' && h[n] <= 'F')))
            return 0;
    return n == 64;
}

char *ps_snippet_stream_stat(const char *path, const char *part, long long hash_if_size)
{
    char *p = decoded(path), *t = p ? decoded(part) : NULL;
    char *text = t ? filled(stream_stat_fmt, stream_head, p, t, hash_if_size, stream_tail)
                   : NULL;
    free(p);
    free(t);
    return text;
}

char *ps_snippet_stream_write(const char *part, unsigned long long offset, int create)
{
    char *t = decoded(part);
    char *text = t ? filled(stream_write_fmt, stream_head, t, create ? "Create" : "OpenOrCreate",
                            offset, stream_tail)
                   : NULL;
    free(t);
    return text;
}

char *ps_snippet_stream_finish(const char *part, const char *path, unsigned long long size,
                               const char *hash, int force)
{
    if (!is_sha256_hex(hash))
        return NULL;
    char *t = decoded(part), *p = t ? decoded(path) : NULL;
    char *text = p ? filled(stream_finish_fmt, stream_head, t, p, size, hash,
                            force ? "$true" : "$false", stream_tail)
                   : NULL;
    free(t);
    free(p);
    return text;
}

char *ps_snippet_stream_read(const char *src, unsigned long long offset,
                             unsigned long long len)
{
    char *s = decoded(src);
    char *text = s ? filled(stream_read_fmt, stream_head, s, offset, len, stream_tail) : NULL;
    free(s);
    return text;
}

/* A snippet whose one argument is a path: HEAD, fmt's text with the path, TAIL. */
static char *with_path(const char *fmt, const char *path)
{
    char *p = decoded(path);
    char *text = p ? filled(fmt, stream_head, p, stream_tail) : NULL;
    free(p);
    return text;
}

char *ps_snippet_make_dir(const char *dir)
{
    return with_path(make_dir_fmt, dir);
}

char *ps_snippet_remove_part(const char *part)
{
    return with_path(remove_part_fmt, part);
}

char *ps_snippet_list_dir(const char *dir)
{
    return with_path(list_dir_fmt, dir);
}
