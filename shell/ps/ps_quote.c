/* PowerShell quoting: the one place that knows PowerShell's single-quote rules. */
#include "shell/ps/ps_quote.h"
#include "base/base64.h"
#include <stdlib.h>
#include <string.h>

/* about_Quoting_Rules: the tokenizer takes U+2018, U+2019, U+201A and U+201B for the
 * ASCII single quote, both to open and close a literal and as the doubled escape. */
size_t ps_quote_char_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '\'')
        return 1;
    if (u[0] == 0xE2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9B)
        return 3;
    return 0;
}

char *ps_quote_literal(const char *s, int open_end)
{
    ws_buf b = WS_BUF_INIT;
    int rc = ws_buf_append(&b, "'", 1);
    while (rc == 0 && *s) {
        size_t q = ps_quote_char_len(s);
        /* A quote character followed by one more is one quote inside the literal. */
        if (q)
            rc = ws_buf_append(&b, s, q);
        size_t n = q ? q : 1;
        if (rc == 0)
            rc = ws_buf_append(&b, s, n);
        s += n;
    }
    if (rc == 0 && !open_end)
        rc = ws_buf_append(&b, "'", 1);
    if (rc != 0) {
        ws_buf_free(&b);
        return NULL;
    }
    return ws_buf_steal(&b);
}

char *ps_literal_value(const char *inside)
{
    ws_buf b = WS_BUF_INIT;
    int rc = ws_buf_append(&b, "", 0);
    while (rc == 0 && *inside) {
        size_t q = ps_quote_char_len(inside);
        if (q && ps_quote_char_len(inside + q))
            inside += q;              /* the first of a doubled pair is the escape */
        size_t n = ps_quote_char_len(inside);
        n = n ? n : 1;
        rc = ws_buf_append(&b, inside, n);
        inside += n;
    }
    if (rc != 0) {
        ws_buf_free(&b);
        return NULL;
    }
    return ws_buf_steal(&b);
}

int ps_append_text(ws_buf *b, const char *s)
{
    /* Base64 has no quote, no '$' and no backtick: nothing of s can end the literal. */
    if (ws_buf_appends(b, "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('") != 0 ||
        ws_base64_encode(s, strlen(s), b) != 0)
        return -1;
    return ws_buf_appends(b, "')))");
}
