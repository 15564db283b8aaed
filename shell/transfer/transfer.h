/* :put and :get in the interactive shell: small-file copies over WinRM through the
 * PowerShell session, in base64 chunks, with SHA-256 checked on both ends and the target
 * written under a temporary name first (DESIGN.md, "Bad input"). */
#ifndef NANOSH_SHELL_TRANSFER_H
#define NANOSH_SHELL_TRANSFER_H
#include "shell/ps/ps_session.h"

/* args: "LOCAL REMOTE" for put, "REMOTE LOCAL" for get. Returns 0, or 1 after a message. */
struct connect_ctx;
int transfer_command(ps_session *ps, const struct connect_ctx *cx, int put, const char *args);

#endif
