/* One UTF-8 decoder for every layer (RFC 3629 section 4): NTLM's UTF-16 conversion,
 * JSON escaping and the checks on path names use it. */
#ifndef NANOSH_BASE_UTF8_H
#define NANOSH_BASE_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes), with its code point in
 * *cp (may be NULL); 0 when it is not one: overlong forms, surrogates and values past
 * U+10FFFF are not valid UTF-8. */
size_t ws_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 when the NUL-terminated s is valid UTF-8. */
int ws_utf8_valid(const char *s);

#endif
