/* The secret an SMB logon uses, read once per run: shared by push/pull and bootstrap,
 * which copy files over SMB with the credentials WinRM uses. */
#ifndef NANOSH_SHELL_CLI_SMB_SECRET_H
#define NANOSH_SHELL_CLI_SMB_SECRET_H
#include "shell/cli/options.h"

/* SMB's secret: the NT hash if given, else the password (asked for on the terminal
 * when none is given and one can be asked; when must is 0 and there is no terminal,
 * SMB is left out, with the reason in missing). */
typedef struct smb_secret {
    char *secret;          /* malloc'd, wiped at the end with credentials_wipe */
    int nt_hash;           /* secret is the NT hash as 32 hex digits */
    int prompted;          /* the password came from the prompt */
    const char *missing;
} smb_secret;

/* Whether a password can be asked for on /dev/tty. */
int smb_secret_can_prompt(void);

/* Fills s for user. Returns 0, or 255 after a one-line error. */
int smb_secret_read(const nanosh_opts *o, const char *user, int must, smb_secret *s);

#endif
