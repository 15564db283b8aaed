/* CLIXML decoding (shell/ps/clixml.c) on the real samples in corpus/pypsrp/clixml, on the
 * stand-in's stream, and on the escapes of PSRP 2.2.5.3.2; plus the frame marker filter
 * (shell/ps/ps_framing.c) and the unfinished-input lexer (shell/repl/multiline.c). */
#include "shell/ps/clixml.h"
#include "shell/repl/multiline.h"
#include "shell/ps/ps_framing.h"
#include "tests/tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

static void tap_skip(int n, const char *why)
{
    while (n-- > 0)
        printf("ok %d # SKIP %s\n", ++tap_n, why);
}

static int collect(void *ud, const char *text, size_t len)
{
    return ws_buf_append(ud, text, len);
}

/* Decodes input fed in pieces of the given size; returns the text (caller frees). */
static char *decode(const char *input, size_t len, size_t piece)
{
    ws_buf out = WS_BUF_INIT;
    clixml_decoder d;
    clixml_init(&d, collect, &out);
    for (size_t off = 0; off < len; off += piece)
        clixml_feed(&d, input + off, len - off < piece ? len - off : piece);
    clixml_flush(&d);
    clixml_free(&d);
    return out.data ? ws_buf_steal(&out) : strdup("");
}

static char *read_corpus(const char *name, size_t *len)
{
    const char *dir = getenv("NANOSH_CORPUS");
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/pypsrp/clixml/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    ws_buf b = WS_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ws_buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return ws_buf_steal(&b);
}

static const char error_text[] =
    "fake : The term 'fake' is not recognized as the name of a cmdlet, function, script file, "
    "or operable program. Check \r\n"
    "the spelling of the name, or if a path was included, verify that the path is correct and "
    "try again.\r\n"
    "At line:1 char:1\r\n"
    "+ fake cmdlet\r\n"
    "+ ~~~~\r\n"
    "    + CategoryInfo          : ObjectNotFound: (fake:String) [], CommandNotFoundException\r\n"
    "    + FullyQualifiedErrorId : CommandNotFoundException\r\n"
    " \r\n";

static void corpus_tests(void)
{
    size_t len;
    char *in = read_corpus("clixml_stderr_progress_and_error.txt", &len);
    if (!in) {
        tap_skip(6, "NANOSH_CORPUS/pypsrp/clixml not present");
        return;
    }
    size_t pieces[] = {len, 1, 7};
    for (size_t i = 0; i < 3; i++) {
        char *got = decode(in, len, pieces[i]);
        char name[96];
        snprintf(name, sizeof name, "corpus progress+error, fed %zu bytes at a time", pieces[i]);
        TAP_STR_EQ(got, error_text, name);
        free(got);
    }
    free(in);
    in = read_corpus("clixml_stderr_progress_only.txt", &len);
    if (!in) {
        tap_skip(3, "progress-only sample missing");
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        char *got = decode(in, len, pieces[i] < len ? pieces[i] : len);
        TAP_STR_EQ(got, "", "corpus progress only: nothing reaches the terminal");
        free(got);
    }
    free(in);
}

static void escape_tests(void)
{
    size_t n;
    char *s = clixml_unescape("a_x000D__x000A_b", 16, &n);
    TAP_STR_EQ(s, "a\r\nb", "CR LF escapes");
    free(s);
    s = clixml_unescape("_x005F_x000A_ _x00e9_ _XD83D__xDE00_", 36, &n);
    TAP_STR_EQ(s, "_x000A_ \xc3\xa9 \xf0\x9f\x98\x80",
               "escaped underscore, lower-case hex, surrogate pair to one code point");
    free(s);
    s = clixml_unescape("_xD800_x _xDC00_ _x12_", 22, &n);
    TAP_STR_EQ(s, "\xef\xbf\xbdx \xef\xbf\xbd _x12_", "lone surrogates become U+FFFD; short forms stay");
    free(s);
}

static void stream_tests(void)
{
    const char plain[] = "plain error text\r\nsecond line\r\n";
    char *got = decode(plain, sizeof plain - 1, 5);
    TAP_STR_EQ(got, plain, "text without a header passes through unchanged");
    free(got);

    /* The shape the stand-in writes: header, progress, lines, raw text, no </Objs> yet. */
    const char mixed[] =
        "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
        "<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>X</T></TN><MS><Nil /></MS></Obj>"
        "<S S=\"Error\">a &lt;b&gt; &amp; c_x000D__x000A_</S>"
        "<S S=\"warning\">careful_x000D__x000A_</S>"
        "<Obj S=\"information\" RefId=\"1\"><ToString>info text</ToString></Obj>"
        "raw line\r\n<S S=\"Error\">tail";
    got = decode(mixed, sizeof mixed - 1, 3);
    TAP_STR_EQ(got, "a <b> & c\r\nWARNING: careful\r\ninfo text\r\nraw line\r\n<S S=\"Error\">tail",
               "records decode one by one; an unfinished record is passed raw at the end");
    free(got);
}

static int sink_out(void *ud, const char *data, size_t len)
{
    return ws_buf_append(ud, data, len);
}

static void framing_tests(void)
{
    const char nonce[] = "0123456789abcdef0123456789abcdef";
    const char stream[] = "out1\r\nlooks like \n0123456789abcdef but is not\r\n"
                          "last\n0123456789abcdef0123456789abcdef True 0 C:\\Users\\a b\r\n";
    size_t len = sizeof stream - 1;
    size_t pieces[] = {len, 1, 13};
    for (size_t i = 0; i < 3; i++) {
        ws_buf out = WS_BUF_INIT;
        frame_filter f;
        frame_filter_init(&f, nonce, sink_out, &out);
        for (size_t off = 0; off < len; off += pieces[i])
            frame_filter_feed(&f, stream + off, len - off < pieces[i] ? len - off : pieces[i]);
        TAP_OK(f.found, "marker found (pieces of %zu)", pieces[i]);
        TAP_STR_EQ(out.data, "out1\r\nlooks like \n0123456789abcdef but is not\r\nlast",
                   "output before the marker passes, marker removed");
        int ok = -1;
        const char *lec = NULL, *loc = NULL;
        TAP_OK(ps_parse_status(f.status.data, &ok, &lec, &loc) == 0 && ok == 1 && !strcmp(lec, "0") &&
                   !strcmp(loc, "C:\\Users\\a b"),
               "status: $? True, $LASTEXITCODE 0, location with a space");
        frame_filter_free(&f);
        ws_buf_free(&out);
    }
    char st[] = " False  HKLM:\\";
    int ok = -1;
    const char *lec = NULL, *loc = NULL;
    TAP_OK(ps_parse_status(st, &ok, &lec, &loc) == 0 && ok == 0 && !*lec && !strcmp(loc, "HKLM:\\"),
           "status with an empty $LASTEXITCODE");
    char bad[] = " Maybe 0 C:\\";
    TAP_OK(ps_parse_status(bad, &ok, &lec, &loc) != 0, "malformed status is refused");
}

static void multiline_tests(void)
{
    static const struct { const char *text; int incomplete; } ps[] = {
        {"Get-Date", 0},
        {"if ($x) {", 1},
        {"if ($x) {\n 'a' }", 0},
        {"'it''s", 1},
        {"\"a `\" b", 1},
        {"@'\nhere }{ '\n", 1},
        {"@'\nhere }{ '\n'@", 0},
        {"Get-Process |", 1},
        {"Get-Process `", 1},
        {"# a { comment", 0},
        {"<# block", 1},
        {"'{' + \"(\"", 0},
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        TAP_OK(ps_input_incomplete(ps[i].text) == ps[i].incomplete, "PowerShell input %zu is %s",
               i + 1, ps[i].incomplete ? "unfinished" : "finished");
    TAP_OK(cmd_input_incomplete("if 1==1 (") && !cmd_input_incomplete("echo \"(\"") &&
               cmd_input_incomplete("echo a ^"),
           "cmd.exe: open block, quoted paren, caret");
    ws_buf b = WS_BUF_INIT;
    cmd_join_line(&b, "if 1==1 (");
    cmd_join_line(&b, "echo a");
    cmd_join_line(&b, "echo b");
    cmd_join_line(&b, ")");
    TAP_STR_EQ(b.data, "if 1==1 ( echo a & echo b )", "cmd.exe block lines join into one command line");
    ws_buf_free(&b);
}

int main(void)
{
    corpus_tests();
    escape_tests();
    stream_tests();
    framing_tests();
    multiline_tests();
    xmlCleanupParser();
    return tap_done();
}
