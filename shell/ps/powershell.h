/* PowerShell through the cmd shell (PROTOCOL.md 9): -p TEXT and -f FILE. */
#ifndef NANOSH_SHELL_POWERSHELL_H
#define NANOSH_SHELL_POWERSHELL_H
#include "base/error.h"
#include <stddef.h>

/* cmd.exe rejects longer command lines. */
#define CMD_LINE_MAX 8191

/* powershell_encoded_command's result when the command line would pass CMD_LINE_MAX. */
#define POWERSHELL_TOO_LONG (-2)

/* Builds "powershell.exe ... -EncodedCommand BASE64(UTF-16LE(text))" in *out (malloc'd).
 * Returns 0, POWERSHELL_TOO_LONG (err untouched), or -1 with err (the caller's, zeroed)
 * saying why. Prints nothing. */
int powershell_encoded_command(const char *text, size_t len, char **out, ws_error *err);
/* The same for a one-shot script, after a prologue that silences progress records. */
int powershell_command_line(const char *script, size_t len, char **out, ws_error *err);

#endif
