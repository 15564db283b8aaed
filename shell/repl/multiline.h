/* Whether typed input is unfinished, so the prompt asks for another line (the way
 * PowerShell's console continues with ">>"), and how cmd.exe lines are joined. */
#ifndef NANOSH_SHELL_MULTILINE_H
#define NANOSH_SHELL_MULTILINE_H
#include "base/buf.h"

/* PowerShell: an open ( { [, string, here-string or <# comment, or a line that ends in
 * a backtick or a pipe. */
int ps_input_incomplete(const char *text);

/* cmd.exe: an open ( block or a trailing ^ (outside double quotes). */
int cmd_input_incomplete(const char *text);

/* Appends one more cmd.exe line to a block being typed: WinRS takes a single command
 * line, so "^" continuations join directly and block lines join with " & ". 0 or -1. */
int cmd_join_line(ws_buf *block, const char *line);

#endif
