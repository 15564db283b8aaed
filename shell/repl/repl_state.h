/* State shared by the interactive shell's parts: repl.c (reading and dispatch),
 * repl_cmd.c (cmd.exe mode) and repl_ps.c (PowerShell mode). */
#ifndef NANOSH_SHELL_REPL_STATE_H
#define NANOSH_SHELL_REPL_STATE_H
#include "shell/repl/complete.h"
#include "shell/repl/history.h"
#include "shell/repl/rl_loader.h"
#include "shell/repl/transcript.h"
#include "shell/cli/options.h"
#include "shell/cli/ps_cli.h"
#include "shell/cli/winrs.h"

typedef enum shell_mode { SHELL_PS, SHELL_CMD } shell_mode;

/* The terminal's line editor, used only when reading from a terminal: readline (loaded
 * at the start), its history and completion, and the line its callback handed over. */
typedef struct tty_editor {
    rl_api rl;
    history hist;
    completion comp;
    char *line;           /* set by the line handler: the line, or NULL for EOF */
    int have_line;
} tty_editor;

typedef struct repl {
    const nanosh_opts *o;
    session s;            /* the client, and the shell for cmd.exe lines and listings */
    connect_ctx conn;     /* the client's --timeout deadline and Kerberos note */
    int opened;
    ps_session ps;        /* powershell.exe in a shell of its own on the same client */
    int ps_opened;
    int ps_usable;        /* powershell.exe started and answered */
    shell_mode mode;
    int interactive;      /* reading from a terminal with readline */
    tty_editor tty;       /* when interactive */
    char *cwd;            /* cmd.exe mode's directory, when known */
    int last_status;
    int ran_command;      /* an input ran since the session started */
    transcript log;       /* --log FILE; fd -1: none */
    char listing_sep[PS_NONCE_LEN + 1];
} repl;

/* cmd.exe mode (repl_cmd.c). Each returns the line's exit status; *quit is set when the
 * session cannot or must not go on. */
int cmd_mode_enter(repl *r, const char *dir, int *quit);   /* dir: start there, or NULL */
int cmd_mode_line(repl *r, const char *line, int *quit);
int cmd_list_dir(void *r, const char *dir, name_list *out);

/* PowerShell mode (repl_ps.c). ps_mode_start returns 0 when PowerShell answered, 1 when
 * the host has none (after saying so), 255 after a failure. */
int ps_mode_start(repl *r);
int ps_mode_line(repl *r, const char *text, int *quit);
int ps_set_location(repl *r, const char *dir);
int ps_list_commands(void *r, name_list *out);
/* :put LOCAL REMOTE / :get REMOTE LOCAL (args); 0, or 1 after a message. */
int ps_transfer(repl *r, int put, const char *args);

#endif
