/* PowerShell through the cmd shell (PROTOCOL.md 9): -p TEXT and -f FILE. */
#ifndef NANOSH_SHELL_POWERSHELL_H
#define NANOSH_SHELL_POWERSHELL_H
#include <stddef.h>

/* cmd.exe rejects longer command lines. */
#define CMD_LINE_MAX 8191

/* Builds "powershell.exe ... -EncodedCommand BASE64(UTF-16LE(script))" in *out
 * (malloc'd). Returns 0, or 255 after a one-line error. */
int powershell_command_line(const char *script, size_t len, char **out);

/* Reads a script file ("-": stdin) into *out, NUL-terminated, without a UTF-8 BOM.
 * Returns 0, or 255 after a one-line error. */
int powershell_read_script(const char *path, char **out, size_t *len);

#endif
