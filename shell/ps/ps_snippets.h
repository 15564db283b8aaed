/* The PowerShell texts nanosh sends with user data in them: snippets 3 and 5-8 of
 * docs/powershell-snippets.md, built in one place so that a test can check every one.
 * Paths travel as base64 of UTF-8 (ps_append_text), never as code. Each returns a
 * malloc'd text, or NULL on out of memory. */
#ifndef NANOSH_SHELL_PS_SNIPPETS_H
#define NANOSH_SHELL_PS_SNIPPETS_H

/* Snippet 3: Set-Location to dir. */
char *ps_snippet_set_location(const char *dir);
/* Snippet 5: writes the bytes whose base64 is data to tmp, creating it when first. */
char *ps_snippet_put_chunk(const char *data, const char *tmp, int first);
/* Snippet 6: tmp's SHA-256; moved to dst when it equals hash (hex), removed otherwise. */
char *ps_snippet_put_finish(const char *tmp, const char *hash, const char *dst);
/* Snippet 7: src's length and SHA-256, one per line. */
char *ps_snippet_get_info(const char *src);
/* Snippet 8: the base64 of up to len bytes of src from offset. */
char *ps_snippet_get_chunk(const char *src, unsigned long long offset, int len);

#endif
