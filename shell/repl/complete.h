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

typedef struct cached_dir {
    char *dir;
    name_list names;
} cached_dir;

struct rl_api;

/* One REPL's completion state: its caches and the word being completed. Zeroed is empty. */
typedef struct completion {
    const struct rl_api *rl;
    completer *src;
    cached_dir cache[COMPLETE_MAX_DIRS];
    size_t cache_next;
    name_list commands;
    int commands_loaded;
    char **matches;          /* for the word being completed, handed out by the generator */
    size_t nmatches, match_at;
    /* How the word is quoted: PowerShell's single quotes, or the double quotes that
     * cmd.exe and nanosh's own :put/:get read. */
    int quote_powershell;
    int completing_local;    /* a local argument of :put or :get */
} completion;

/* Points readline's completion on this thread at c, listing through src (both must
 * outlive the prompt). */
void complete_install(completion *c, const struct rl_api *rl, completer *src);
/* Forgets cached directory listings: a command may have changed them. */
void complete_forget_dirs(completion *c);
/* Frees every cached list and detaches c from readline. */
void complete_free(completion *c);

/* Adds name to the list, unless the bound is reached. 0 or -1. */
int name_list_add(name_list *l, const char *name, size_t len);
void name_list_free(name_list *l);

#endif
