/* Minimal JSON output: string escaping (RFC 8259 section 7) for nanosh's reports. */
#ifndef NANOSH_SHELL_JSON_H
#define NANOSH_SHELL_JSON_H
#include <stddef.h>
#include <stdio.h>

/* Writes s (len bytes) as a JSON string literal, quotes included. Invalid UTF-8 bytes
 * become U+FFFD, so the output is always valid JSON. */
void json_write_stringn(FILE *f, const char *s, size_t len);
/* Same for a NUL-terminated string; NULL is written as null. */
void json_write_string(FILE *f, const char *s);

#endif
