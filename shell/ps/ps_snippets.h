/* The PowerShell texts nanosh sends with user data in them: snippets 3 and 9-15 of
 * docs/powershell-snippets.md, built in one place so that a test can check every one.
 * Paths travel as base64 of UTF-8 (ps_append_text), never as code. Each returns a
 * malloc'd text, or NULL on out of memory. */
#ifndef NANOSH_SHELL_PS_SNIPPETS_H
#define NANOSH_SHELL_PS_SNIPPETS_H

/* Snippet 3: Set-Location to dir. */
char *ps_snippet_set_location(const char *dir);
/* Snippets 9-12: the streamed copies of push and pull, each run as its own
 * powershell.exe (docs/powershell-snippets.md). On failure each writes one line
 * "NANOSH-E KIND MESSAGE" to stderr (KIND: denied, notfound, diskfull, exists, io) and
 * exits 1. */
/* Snippet 9: one line per path, "F SIZE", "D" or "N", for path then part; then the
 * SHA-256 of path when it is a file and hash_if_size < 0 or equals its size, else "-". */
char *ps_snippet_stream_stat(const char *path, const char *part, long long hash_if_size);
/* Snippet 10: stdin to part from offset (parent directories made; create: truncate
 * first), then "W END_POSITION". */
char *ps_snippet_stream_write(const char *part, unsigned long long offset, int create);
/* Snippet 11: part cut to size; "K HASH" after renaming it to path when its SHA-256 is
 * hash (hex, upper case), replacing path only with force; else "M HASH" and part removed. */
char *ps_snippet_stream_finish(const char *part, const char *path, unsigned long long size,
                               const char *hash, int force);
/* Snippet 12: len bytes of src from offset to stdout, raw. */
char *ps_snippet_stream_read(const char *src, unsigned long long offset,
                             unsigned long long len);
/* Snippet 13: the directory dir and its parents made; "D" when it exists after. Errors
 * as 9-12. */
char *ps_snippet_make_dir(const char *dir);
/* Snippet 14: removes the file part when its name ends in ".nanosh-ID.part" (ID: 16
 * lower-case hex digits) and holds no ':' past the drive's: "R" removed, "N" no such
 * file. Any other name is refused (NANOSH-E io refused: ..., exit 1) and nothing is
 * removed. Errors as 9-12. */
char *ps_snippet_remove_part(const char *part);
/* Snippet 15 (pull -r): "D" then, breadth first, "F SIZE B64NAME" for each file under
 * dir (its path relative to dir, '\' separated, base64 of UTF-8) and "U B64DIR MESSAGE"
 * for each directory that could not be listed (B64DIR empty: dir itself); "F" when dir
 * is a file, "N" when nothing is there. More than 64 levels, 100000 files or 100000
 * directories: an error. Errors as 9-12. */
char *ps_snippet_list_dir(const char *dir);

#endif
