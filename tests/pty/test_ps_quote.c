/* Every PowerShell text nanosh builds with user data in it (shell/ps/ps_snippets.c) and the
 * one quoting function (shell/ps/ps_quote.c), fed hostile names and read back by a tokenizer
 * of PowerShell's single-quoted literals written here from about_Quoting_Rules: a literal
 * opens and closes at any of U+0027, U+2018, U+2019, U+201A, U+201B, and two of them in a
 * row inside it are one quote. Outside the literals each snippet must equal its fixed
 * template, whatever the name; inside, a path literal must be base64 that decodes to the
 * name. */
#include "shell/ps/ps_quote.h"
#include "shell/ps/ps_snippets.h"
#include "tests/tap.h"
#include "wsman/http_auth.h"
#include <stdlib.h>
#include <string.h>

#define MAX_LITERALS 32

typedef struct tokens {
    ws_buf skeleton;                    /* the text with each literal's content as '#' */
    ws_buf literal[MAX_LITERALS];       /* each literal's value, quotes undone */
    int count;
    int unterminated;
} tokens;

/* The UTF-8 length of a PowerShell single quote at s, or 0 (the test's own reading of
 * about_Quoting_Rules, kept apart from ps_quote_char_len on purpose). */
static size_t quote_at(const char *s)
{
    static const char *const quotes[] = {"'", "\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9A",
                                         "\xE2\x80\x9B"};
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++)
        if (!strncmp(s, quotes[i], strlen(quotes[i])))
            return strlen(quotes[i]);
    return 0;
}

static void tokenize(const char *s, tokens *t)
{
    memset(t, 0, sizeof *t);
    ws_buf_append(&t->skeleton, "", 0);
    while (*s) {
        size_t q = quote_at(s);
        if (!q) {
            ws_buf_append(&t->skeleton, s++, 1);
            continue;
        }
        ws_buf *lit = &t->literal[t->count < MAX_LITERALS ? t->count : MAX_LITERALS - 1];
        t->count++;
        ws_buf_append(lit, "", 0);
        ws_buf_appends(&t->skeleton, "'#'");
        s += q;
        for (;;) {
            if (!*s) {
                t->unterminated = 1;
                return;
            }
            size_t c = quote_at(s);
            if (c && !quote_at(s + c)) {
                s += c;                 /* the closing quote */
                break;
            }
            if (c)
                s += c;                 /* a doubled quote: the second one is the text */
            size_t n = quote_at(s) ? quote_at(s) : 1;
            ws_buf_append(lit, s, n);
            s += n;
        }
    }
}

static void tokens_free(tokens *t)
{
    ws_buf_free(&t->skeleton);
    for (int i = 0; i < MAX_LITERALS; i++)
        ws_buf_free(&t->literal[i]);
}

static const char *const hostile[] = {
    "C:\\Users\\admin\\plain.txt",
    "C:\\Bob\xE2\x80\x99s report.docx",
    "C:\\x\xE2\x80\x99;Write-Output PWNED;\xE2\x80\x99.txt",
    "C:\\x';Write-Output PWNED;'.txt",
    "C:\\a\xE2\x80\x98" "b\xE2\x80\x9A" "c\xE2\x80\x9B" "d'e\xE2\x80\x99" "f",
    "C:\\''\xE2\x80\x99\xE2\x80\x99''",
    "C:\\'",
    "C:\\\xE2\x80\x9B",
    "C:\\$(Write-Output PWNED)",
    "C:\\`$x`'`\"@\"\"#<#",
    "C:\\line\nWrite-Output PWNED\r\n'",
    "C:\\non-BMP \xF0\x9F\x98\x80 \xF0\x90\x90\xB7.txt",
    "",
};

/* Snippet texts with the literals' contents replaced by '#': the fixed templates. */
#define DEC "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('#')))"
static const char set_location_tpl[] = "Set-Location -LiteralPath " DEC;
/* Snippets 9-12 (the streamed copies), from docs/powershell-snippets.md with the numbers
 * the checks below pass. */
#define HEAD_TPL "$ProgressPreference='#';$ErrorActionPreference='#';try{"
#define TAIL_TPL \
    "}catch{$e=$_.Exception;while($e.InnerException){$e=$e.InnerException};$k='#';" \
    "$c=$e.HResult -band 65535;if($e -is [UnauthorizedAccessException]){$k='#'}" \
    "elseif($e -is [IO.FileNotFoundException] -or $e -is [IO.DirectoryNotFoundException])" \
    "{$k='#'}elseif($c -eq 39 -or $c -eq 112){$k='#'}elseif($c -eq 80 -or $c -eq 183)" \
    "{$k='#'};[Console]::Error.WriteLine('#'+$k+'#'+$e.Message);exit 1}"
static const char stream_stat_tpl[] =
    HEAD_TPL "$p=" DEC ";$t=" DEC ";$l=1234;foreach($x in $p,$t){if([IO.File]::Exists($x))"
    "{'#'+(New-Object IO.FileInfo $x).Length}elseif([IO.Directory]::Exists($x)){'#'}"
    "else{'#'}};if([IO.File]::Exists($p) -and ($l -lt 0 -or (New-Object IO.FileInfo $p)"
    ".Length -eq $l)){(Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash}else{'#'}" TAIL_TPL;
static const char stream_write_tpl[] =
    HEAD_TPL "$t=" DEC ";[void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($t));"
    "$f=[IO.File]::Open($t,'#','#','#');try{$f.Position=5678;[Console]::OpenStandardInput()"
    ".CopyTo($f,1048576);'#'+$f.Position}finally{$f.Close()}" TAIL_TPL;
static const char stream_finish_tpl[] =
    HEAD_TPL "$t=" DEC ";$p=" DEC ";$f=[IO.File]::Open($t,'#','#','#');try{$f.SetLength(4321)}"
    "finally{$f.Close()};$h=(Get-FileHash -Algorithm SHA256 -LiteralPath $t).Hash;"
    "if($h -ne '#'){[IO.File]::Delete($t);'#'+$h}else{if($false){if([IO.File]::Exists($p))"
    "{[IO.File]::Delete($p)};[IO.File]::Move($t,$p)}else{try{[IO.File]::Move($t,$p)}"
    "catch{[IO.File]::Delete($t);throw}};'#'+$h}" TAIL_TPL;
static const char stream_read_tpl[] =
    HEAD_TPL "$s=" DEC ";$f=[IO.File]::Open($s,'#','#','#');try{$f.Position=98304;"
    "$o=[Console]::OpenStandardOutput();$b=New-Object byte[] 1048576;$r=[long]49152;"
    "while($r -gt 0){$n=$f.Read($b,0,[int][Math]::Min($r,$b.Length));if($n -le 0){break};"
    "$o.Write($b,0,$n);$r-=$n};$o.Flush()}finally{$f.Close()}" TAIL_TPL;
/* Snippet 13 (bootstrap's share directory). */
static const char make_dir_tpl[] =
    HEAD_TPL "[void][IO.Directory]::CreateDirectory(" DEC ");'#'" TAIL_TPL;
/* Snippet 14 (a partial copy removed when it will not be resumed). */
static const char remove_part_tpl[] =
    HEAD_TPL "$t=" DEC ";if($t -cnotmatch '#'){throw '#'}elseif([IO.File]::Exists($t))"
    "{[IO.File]::Delete($t);'#'}else{'#'}" TAIL_TPL;

/* Snippet 15 (pull -r: a directory listed every level down). */
static const char list_dir_tpl[] =
    HEAD_TPL "$r=" DEC ";if([IO.Directory]::Exists($r)){'#';$q=New-Object Collections.Generic."
    "Queue[string];$q.Enqueue('#');$c=0;$g=0;while($q.Count -gt 0){$d=$q.Dequeue();$a=$null;"
    "try{$a=@((New-Object IO.DirectoryInfo ([IO.Path]::Combine($r,$d))).EnumerateFileSystemInfos())}"
    "catch{$x=$_.Exception;while($x.InnerException){$x=$x.InnerException};'#'+[Convert]::"
    "ToBase64String([Text.Encoding]::UTF8.GetBytes($d))+'#'+($x.Message -replace '#','#')};"
    "foreach($i in $a){$n=$i.Name;if($d){$n=$d+'#'+$n};if($i -is [IO.DirectoryInfo])"
    "{if($n.Split('#').Count -ge 64){throw '#'};$g++;if($g -gt 100000){throw '#'};$q.Enqueue($n)}"
    "else{$c++;if($c -gt 100000){throw '#'};'#'+$i.Length+'#'+[Convert]::ToBase64String("
    "[Text.Encoding]::UTF8.GetBytes($n))}}}}elseif([IO.File]::Exists($r)){'#'}else{'#'}" TAIL_TPL;

/* Literal i must be base64 whose UTF-8 is name. */
static int carries(const tokens *t, int i, const char *name)
{
    ws_buf raw = WS_BUF_INIT;
    int ok = i < t->count && t->literal[i].data &&
             ws_base64_decode(t->literal[i].data, t->literal[i].len, &raw) == 0 &&
             raw.len == strlen(name) && (!raw.len || !memcmp(raw.data, name, raw.len));
    ws_buf_free(&raw);
    return ok;
}

static void check_snippet(const char *what, char *text, const char *tpl, const int *paths,
                          const char *const *names, int name)
{
    tokens t;
    tokenize(text ? text : "", &t);
    TAP_OK(text && !t.unterminated, "%s [name %d]: every literal is closed", what, name);
    TAP_STR_EQ(t.skeleton.data, tpl, "%s [name %d]: outside its literals it is the template", what,
               name);
    for (int i = 0; paths[i] >= 0; i++)
        TAP_OK(carries(&t, paths[i], names[i]), "%s [name %d]: literal %d carries the path as base64",
               what, name, paths[i]);
    tokens_free(&t);
    free(text);
}

static void check_snippets(int i)
{
    const char *name = hostile[i];
    static const char hash[] = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    const char *one[] = {name};
    check_snippet("Set-Location", ps_snippet_set_location(name), set_location_tpl,
                  (const int[]){0, -1}, one, i);
    /* Snippets 9-12: the name as the file and as the partial copy, each with the other
     * path fixed; literals 0-1 are the head's. */
    const char *part_two[] = {"C:\\dst", name}, *dst_two[] = {name, "C:\\dst"};
    check_snippet("stream stat", ps_snippet_stream_stat(name, "C:\\dst", 1234), stream_stat_tpl,
                  (const int[]){2, 3, -1}, dst_two, i);
    check_snippet("stream stat (part)", ps_snippet_stream_stat("C:\\dst", name, 1234),
                  stream_stat_tpl, (const int[]){2, 3, -1}, part_two, i);
    check_snippet("stream write", ps_snippet_stream_write(name, 5678, 1), stream_write_tpl,
                  (const int[]){2, -1}, one, i);
    check_snippet("stream finish", ps_snippet_stream_finish(name, "C:\\dst", 4321, hash, 0),
                  stream_finish_tpl, (const int[]){2, 3, -1}, dst_two, i);
    check_snippet("stream finish (target)", ps_snippet_stream_finish("C:\\dst", name, 4321, hash, 0),
                  stream_finish_tpl, (const int[]){2, 3, -1}, part_two, i);
    check_snippet("stream read", ps_snippet_stream_read(name, 98304, 49152), stream_read_tpl,
                  (const int[]){2, -1}, one, i);
    check_snippet("make dir", ps_snippet_make_dir(name), make_dir_tpl, (const int[]){2, -1}, one, i);
    check_snippet("remove part", ps_snippet_remove_part(name), remove_part_tpl, (const int[]){2, -1},
                  one, i);
    check_snippet("list dir", ps_snippet_list_dir(name), list_dir_tpl, (const int[]){2, -1}, one, i);
}

/* The fixed words of snippets 9-12 that change with the arguments: the mode of 10,
 * the hash and --force of 11. */
static void check_stream_words(void)
{
    static const char hash[] = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    tokens t;
    char *text = ps_snippet_stream_write("C:\\a", 0, 1);
    tokenize(text ? text : "", &t);
    TAP_STR_EQ(t.literal[3].data, "Create", "stream write: a fresh copy is opened with Create");
    tokens_free(&t);
    free(text);
    text = ps_snippet_stream_write("C:\\a", 7, 0);
    tokenize(text ? text : "", &t);
    TAP_STR_EQ(t.literal[3].data, "OpenOrCreate", "stream write: a resumed copy with OpenOrCreate");
    TAP_OK(text && strstr(text, "$f.Position=7;"), "stream write: the offset is the number given");
    tokens_free(&t);
    free(text);
    text = ps_snippet_stream_finish("C:\\a", "C:\\b", 9, hash, 1);
    tokenize(text ? text : "", &t);
    TAP_STR_EQ(t.literal[7].data, hash, "stream finish: the hash literal is the hash");
    TAP_OK(text && strstr(text, "else{if($true){"), "stream finish: --force is $true");
    tokens_free(&t);
    free(text);
    text = ps_snippet_stream_finish("C:\\a", "C:\\b", 9, "0123'", 0);
    TAP_OK(text == NULL, "stream finish: a hash that is not 64 hex digits is refused");
    free(text);
    /* 14: the name test is the partial copy's pattern, whatever the path. */
    text = ps_snippet_remove_part("C:\\x';$t='C:\\Windows\\System32\\docker.exe");
    tokenize(text ? text : "", &t);
    TAP_STR_EQ(t.literal[3].data, "^(?:[A-Za-z]:)?[^:]*\\.nanosh-[0-9a-f]{16}\\.part\\z",
               "remove part: the name must end in .nanosh-ID.part, no stream, to the very end");
    tokens_free(&t);
    free(text);
    /* 15: the separator, the white space folded in a message, the first line's words and
     * the bounds' messages are what docs/powershell-snippets.md says (a doubled
     * backslash in the C text would make '\\', two separators, in PowerShell). */
    text = ps_snippet_list_dir("C:\\x");
    tokenize(text ? text : "", &t);
    TAP_OK(t.count == 25 && !t.unterminated, "list dir: 25 literals (%d)", t.count);
    TAP_STR_EQ(t.literal[3].data, "D", "list dir: a directory is D");
    TAP_STR_EQ(t.literal[7].data, "\\s+", "list dir: a message's white space is matched by \\s+");
    TAP_OK(t.literal[9].data && t.literal[10].data && !strcmp(t.literal[9].data, "\\") &&
           !strcmp(t.literal[10].data, "\\"), "list dir: names are joined and split at one '\\'");
    TAP_STR_EQ(t.literal[11].data, "the directory is more than 64 levels deep",
               "list dir: the depth bound's message");
    TAP_STR_EQ(t.literal[14].data, "F ", "list dir: a file's line starts with F");
    tokens_free(&t);
    free(text);
}

/* ps_quote_literal: the whole output is one literal whose value is the input. */
static void check_literal(int i)
{
    const char *name = hostile[i];
    char *lit = ps_quote_literal(name, 0);
    tokens t;
    tokenize(lit ? lit : "", &t);
    TAP_OK(lit && t.count == 1 && !t.unterminated && !strcmp(t.skeleton.data, "'#'"),
           "ps_quote_literal [name %d]: one literal, nothing outside it", i);
    TAP_STR_EQ(t.literal[0].data ? t.literal[0].data : "", name,
               "ps_quote_literal [name %d]: its value is the text", i);
    tokens_free(&t);
    /* An open literal, as Tab leaves it for a directory, read back by ps_literal_value. */
    char *open = ps_quote_literal(name, 1);
    char *back = open ? ps_literal_value(open + 1) : NULL;
    TAP_STR_EQ(back, name, "ps_literal_value undoes ps_quote_literal [name %d]", i);
    free(open);
    free(back);
    free(lit);
}

int main(void)
{
    check_stream_words();
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        check_snippets((int)i);
        check_literal((int)i);
    }
    /* A NUL cannot be in a C string, so no path nanosh holds can carry one; the text
     * after it is simply not part of the name. */
    char *lit = ps_quote_literal("C:\\a\0';Write-Output PWNED", 0);
    TAP_STR_EQ(lit, "'C:\\a'", "a NUL ends the name before anything after it is quoted");
    free(lit);
    return tap_done();
}
