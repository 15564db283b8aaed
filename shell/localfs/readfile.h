/* Whole-file reads for request bodies and scripts, with a size bound. */
#ifndef NANOSH_SHELL_READFILE_H
#define NANOSH_SHELL_READFILE_H
#include "base/error.h"
#include <stddef.h>

#define READFILE_MAX ((size_t)64 * 1024 * 1024)

/* Reads path ("-": standard input) into *out, NUL-terminated. what names the file's
 * role in error messages ("-f", "the request body"). Returns WS_OK, or the error with
 * err filled. */
ws_rc readfile_all(const char *path, const char *what, char **out, size_t *len, ws_error *err);

#endif
