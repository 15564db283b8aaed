/* nanosh's own failures: one line on stderr, "nanosh: <what>: <fix>", and exit status 255
 * (DESIGN.md, "Command-line contract"). The functions return the status so callers can
 * clean up and `return fail(...)`. */
#ifndef NANOSH_SHELL_ERRORS_H
#define NANOSH_SHELL_ERRORS_H
#include "base/error.h"

#define NANOSH_EXIT_FAILURE 255

/* Prints "nanosh: <what>: <fix>" (fix may be NULL or empty) and returns 255. */
int fail(const char *fix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a library error as one line, adding a fix when the library gave none. */
int fail_ws(const ws_error *e);

/* fail_ws's line without returning a status: for an error value that is a warning. */
void warn_ws(const ws_error *e);

/* Same line format without returning a status: for warnings. */
void warn_line(const char *fix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
