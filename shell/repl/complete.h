/* Tab completion at the interactive prompt: meta-commands, remote paths (listed on the
 * host, bounded, cached per directory until the next command runs) and, in PowerShell
 * mode, command names. */
#ifndef NANOSH_SHELL_COMPLETE_H
#define NANOSH_SHELL_COMPLETE_H
#include <stddef.h>

/* Names found, NUL-separated in one block; directories end in '\'. */
typedef struct name_list {
    char *names;
    size_t len;
    size_t count;
} name_list;

typedef struct completer {
    /* Lists the remote directory dir (absolute) into *out. 0, or -1 for no completion. */
    int (*list_dir)(void *ud, const char *dir, name_list *out);
    /* Lists PowerShell command names; NULL outside PowerShell mode. */
    int (*list_commands)(void *ud, name_list *out);
    void *ud;
    const char *cwd;      /* remote working directory, may be NULL */
} completer;

/* Upper bounds: names kept per directory, and directories kept. */
#define COMPLETE_MAX_NAMES 4096
#define COMPLETE_MAX_DIRS 16

/* Points readline's completion at c (which must outlive the prompt). */
void complete_install(completer *c);
/* Forgets cached directory listings: a command may have changed them. */
void complete_forget_dirs(void);
/* Frees every cached list. */
void complete_free(void);

/* Adds name to the list, unless the bound is reached. 0 or -1. */
int name_list_add(name_list *l, const char *name, size_t len);
void name_list_free(name_list *l);

#endif
