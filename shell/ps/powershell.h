/* PowerShell through the cmd shell (PROTOCOL.md 9): -p TEXT and -f FILE. */
#ifndef NANOSH_SHELL_POWERSHELL_H
#define NANOSH_SHELL_POWERSHELL_H
#include <stddef.h>

/* cmd.exe rejects longer command lines. */
#define CMD_LINE_MAX 8191

/* powershell_encoded_command's result when the command line would pass CMD_LINE_MAX. */
#define POWERSHELL_TOO_LONG (-2)

/* Builds "powershell.exe ... -EncodedCommand BASE64(UTF-16LE(text))" in *out (malloc'd).
 * Returns 0, POWERSHELL_TOO_LONG (no message), or 255 after a one-line error. */
int powershell_encoded_command(const char *text, size_t len, char **out);
/* The same for a one-shot script, after a prologue that silences progress records. */
int powershell_command_line(const char *script, size_t len, char **out);

/* -p TEXT / -f FILE: runs the script and returns the exit status. */
struct nanosh_opts;
int powershell_run(const struct nanosh_opts *o);

/* Reads a script file ("-": stdin) into *out, NUL-terminated, without a UTF-8 BOM.
 * Returns 0, or 255 after a one-line error. */
int powershell_read_script(const char *path, char **out, size_t *len);

#endif
