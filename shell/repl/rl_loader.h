/* GNU readline, loaded with dlopen by the interactive shell only: nanosh does not link
 * it, so a one-shot never maps libreadline and libtinfo (docs/performance.md). The
 * readline headers still give every type; the table holds what the shell uses. */
#ifndef NANOSH_SHELL_RL_LOADER_H
#define NANOSH_SHELL_RL_LOADER_H
#include "base/error.h"
#include <stdio.h>
#include <readline/history.h>
#include <readline/readline.h>

/* The library the headers describe: libreadline.so.<major> (its SONAME). */
#define RL_STR_(x) #x
#define RL_STR(x) RL_STR_(x)
#define RL_LIBRARY "libreadline.so." RL_STR(RL_VERSION_MAJOR)

/* Every readline function and variable the shell uses (everything in shell/repl/). */
#define RL_FUNCTIONS(X)                                                                   \
    X(rl_callback_handler_install) X(rl_callback_handler_remove) X(rl_callback_read_char) \
    X(rl_replace_line) X(rl_free_line_state) X(rl_crlf) X(rl_variable_bind)               \
    X(rl_completion_matches) X(rl_filename_completion_function)                           \
    X(using_history) X(stifle_history) X(read_history) X(append_history)                  \
    X(add_history) X(add_history_time) X(clear_history) X(history_list)
#define RL_VARIABLES(X)                                                                   \
    X(rl_instream) X(rl_outstream) X(rl_catch_signals) X(rl_readline_name) X(rl_line_buffer)              \
    X(rl_attempted_completion_function) X(rl_attempted_completion_over)                   \
    X(rl_completer_word_break_characters) X(rl_completer_quote_characters)                \
    X(rl_filename_quote_characters) X(rl_filename_quoting_function)                       \
    X(rl_filename_completion_desired) X(rl_completion_quote_character)                    \
    X(rl_completion_suppress_quote) X(rl_completion_suppress_append)                      \
    X(history_write_timestamps) X(history_multiline_entries)

/* Members named as in readline: a function as its pointer (rl->rl_crlf()), a variable
 * as a pointer to it (*rl->rl_catch_signals = 0). */
#define RL_MEMBER(name) __typeof__(&name) name;
typedef struct rl_api {
    void *handle;
    RL_FUNCTIONS(RL_MEMBER)
    RL_VARIABLES(RL_MEMBER)
} rl_api;
#undef RL_MEMBER

/* Loads RL_LIBRARY and fills *rl. WS_OK, or WS_E_IO with the loader's reason in err.
 * It stays loaded until exit: its globals keep readline's own memory reachable. */
ws_rc rl_api_load(rl_api *rl, ws_error *err);

#endif
