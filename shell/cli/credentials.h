/* Where nanosh gets secrets: never from argv (DESIGN.md, "Security"). */
#ifndef NANOSH_SHELL_CREDENTIALS_H
#define NANOSH_SHELL_CREDENTIALS_H
#include "shell/cli/options.h"

/* Reads the password for user, in this order: --password-file (first line),
 * NANOSH_PASSWORD, the config file's PasswordFile, a prompt on /dev/tty with echo off.
 * On success *out is a malloc'd string to release with credentials_wipe. Returns 0, or
 * 255 after a one-line error. */
int credentials_password(const nanosh_opts *o, const char *user, char **out);

/* Asks for the password of user on the terminal, whatever else was given: a fresh try
 * after a wrong one. Returns 0 with *out as credentials_password's, or 255. */
int credentials_prompt(const nanosh_opts *o, const char *user, char **out);

/* Whether a password comes without asking (--password-file, NANOSH_PASSWORD or the
 * config file's PasswordFile). */
int credentials_password_given(const nanosh_opts *o);

/* The NT hash for NTLM pass-the-hash, from --nt-hash-file or NANOSH_NT_HASH (32 hex
 * digits). *have is 0 when neither is given. Returns 0, or 255 after a one-line error. */
int credentials_nt_hash(const nanosh_opts *o, unsigned char hash[16], int *have);

/* Moves NANOSH_PASSWORD and NANOSH_NT_HASH out of the environment (DESIGN.md,
 * "Security"): call first thing in main. Returns 0, or 255 after a one-line error. */
struct credentials_env {
    char *password;    /* NANOSH_PASSWORD, NULL when unset */
    char *nt_hash;     /* NANOSH_NT_HASH, NULL when unset */
    /* 1: password was typed at the prompt (push and pull ask once for SMB and WinRM), so
     * connect_client may ask again for a wrong one and replace it here. */
    int prompted;
};
int credentials_take_env(credentials_env *env);
/* Wipes what credentials_take_env kept. */
void credentials_forget(credentials_env *env);

/* Zeroes and frees a secret. NULL is fine. */
void credentials_wipe(char *secret);

/* The user name to log in as: -u / user@host / config, else the local login name,
 * as ssh does. Returns a pointer into o or to static storage, or NULL. */
const char *credentials_user(const nanosh_opts *o);

#endif
