/* Putting text into PowerShell that nanosh generates (docs/powershell-snippets.md,
 * "Quoting"). User text (paths, names) goes as base64 of UTF-8 decoded on the host, so
 * it is never parsed as code; where a literal is unavoidable (a completion typed into
 * the user's own line) ps_quote_literal() is the one quoting function. */
#ifndef NANOSH_SHELL_PS_QUOTE_H
#define NANOSH_SHELL_PS_QUOTE_H
#include "base/buf.h"
#include <stddef.h>

/* Bytes of the PowerShell single-quote character at s (U+0027, U+2018-U+201B in
 * UTF-8), or 0 when s does not start with one. */
size_t ps_quote_char_len(const char *s);

/* s as a single-quoted literal: '...' with every one of the five quote characters
 * doubled (about_Quoting_Rules). open_end leaves the closing quote off, for a completion
 * that is still being typed. Caller frees; NULL on out of memory. */
char *ps_quote_literal(const char *s, int open_end);

/* The text inside an opened single-quoted literal (without its opening quote), with its
 * doubled quotes undone. Caller frees; NULL on out of memory. */
char *ps_literal_value(const char *inside);

/* Appends an expression that yields s on the host without s being parsed there:
 * ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('BASE64'))). 0 or -1. */
int ps_append_text(ws_buf *b, const char *s);

#endif
