/* The interactive shell's own commands: lines that start with ':' (":help", ":ps",
 * ":cmd", ":put", ":get", ":exit") or '!' (a local command). */
#ifndef NANOSH_SHELL_META_H
#define NANOSH_SHELL_META_H

typedef enum meta_kind {
    META_NONE,        /* not a meta-command: the line goes to the host */
    META_HELP,
    META_PS,
    META_CMD,
    META_PUT,
    META_GET,
    META_EXIT,
    META_LOCAL,       /* !command */
    META_UNKNOWN,
} meta_kind;

/* Classifies a trimmed line; *args points at the rest (after blanks), never NULL. */
meta_kind meta_parse(const char *line, const char **args);

/* Prints the :help text to stdout. */
void meta_print_help(void);

/* Runs a command on the local machine with /bin/sh, as ssh's "~!" escape or ftp's "!"
 * do. Returns its exit status (128 + signal when killed). */
int meta_run_local(const char *command);

/* Splits ":put A B" arguments: two words, either may be "double" or 'single' quoted. 0,
 * or -1 when there are not exactly two. *a and *b are malloc'd. */
int meta_two_args(const char *args, char **a, char **b);
/* The same; with b_optional, one word is enough and *b is then NULL. */
int meta_args(const char *args, char **a, char **b, int b_optional);

/* A leading "-r" in :put's or :get's arguments (directories, as push -r and pull -r):
 * 1 with *args moved past it, else 0 and *args left alone. */
int meta_take_recursive(const char **args);

#endif
