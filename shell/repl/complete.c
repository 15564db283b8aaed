/* Readline completion for remote names. Listing a directory costs a round trip or two,
 * so each listing is kept (up to COMPLETE_MAX_DIRS) until the next command runs. A name
 * that needs quoting is inserted quoted, as PowerShell's own completion does; inside an
 * opened quote the completion goes on in it. */
#include "shell/repl/complete.h"
#include "shell/repl/meta.h"
#include "shell/ps/ps_quote.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "shell/repl/rl_loader.h"

static const char *const meta_commands[] = {":help", ":ps", ":cmd", ":put", ":get", ":exit", ":quit", NULL};

/* readline's callbacks carry no user pointer, so they find the completion of the prompt
 * being read through this one; the state itself belongs to the caller's REPL. */
static _Thread_local completion *current;

/* Characters that make a name need quotes: PowerShell's (whitespace, $, `, quotes,
 * grouping, separators, redirection; 0xE2 starts U+2018-U+201B) and cmd.exe's. */
static const char needs_quotes[] = " \t'\"`$&|;,(){}<>@#%^=\xE2";

int name_list_add(name_list *l, const char *name, size_t len)
{
    if (l->count >= COMPLETE_MAX_NAMES || !len)
        return 0;
    char *grown = realloc(l->names, l->len + len + 1);
    if (!grown)
        return -1;
    memcpy(grown + l->len, name, len);
    grown[l->len + len] = '\0';
    l->names = grown;
    l->len += len + 1;
    l->count++;
    return 0;
}

void name_list_free(name_list *l)
{
    free(l->names);
    memset(l, 0, sizeof *l);
}

void complete_forget_dirs(completion *c)
{
    for (size_t i = 0; i < COMPLETE_MAX_DIRS; i++) {
        free(c->cache[i].dir);
        name_list_free(&c->cache[i].names);
        c->cache[i].dir = NULL;
    }
    c->cache_next = 0;
}

static void free_matches(completion *c)
{
    for (size_t i = 0; i < c->nmatches; i++)
        free(c->matches[i]);
    free(c->matches);
    c->matches = NULL;
    c->nmatches = c->match_at = 0;
}

void complete_free(completion *c)
{
    complete_forget_dirs(c);
    name_list_free(&c->commands);
    c->commands_loaded = 0;
    free_matches(c);
    c->src = NULL;
    if (current == c)
        current = NULL;
}

static const name_list *listing(completion *c, const char *dir)
{
    for (size_t i = 0; i < COMPLETE_MAX_DIRS; i++)
        if (c->cache[i].dir && !strcasecmp(c->cache[i].dir, dir))
            return &c->cache[i].names;
    name_list l = {0};
    if (c->src->list_dir(c->src->ud, dir, &l) != 0) {
        name_list_free(&l);
        return NULL;
    }
    cached_dir *slot = &c->cache[c->cache_next];
    c->cache_next = (c->cache_next + 1) % COMPLETE_MAX_DIRS;
    free(slot->dir);
    name_list_free(&slot->names);
    slot->dir = strdup(dir);
    slot->names = l;
    return slot->dir ? &slot->names : NULL;
}

static void add_match(completion *c, const char *prefix, size_t plen, const char *name)
{
    char **grown = realloc(c->matches, (c->nmatches + 1) * sizeof *c->matches);
    if (!grown)
        return;
    c->matches = grown;
    char *m = malloc(plen + strlen(name) + 1);
    if (!m)
        return;
    memcpy(m, prefix, plen);
    strcpy(m + plen, name);
    c->matches[c->nmatches++] = m;
}

static void match_names(completion *c, const name_list *l, const char *dirpart, size_t dlen, const char *stem)
{
    size_t slen = strlen(stem);
    for (const char *n = l->names; n && n < l->names + l->len; n += strlen(n) + 1)
        if (!strncasecmp(n, stem, slen))
            add_match(c, dirpart, dlen, n);
}

static int is_absolute(const char *p)
{
    return p[0] == '\\' || p[0] == '/' || (p[0] && p[1] == ':');
}

/* text = "dir\stem": lists dir (relative to the remote working directory). */
static void match_paths(completion *c, const char *text)
{
    const char *sep = NULL;
    for (const char *p = text; *p; p++)
        if (*p == '\\' || *p == '/')
            sep = p;
    size_t dlen = sep ? (size_t)(sep - text) + 1 : 0;
    if (!dlen && text[0] && text[1] == ':')
        return;                          /* "C:" alone: nothing to list yet */
    char *dir = NULL;
    int n;
    if (dlen && is_absolute(text))
        n = asprintf(&dir, "%.*s", (int)dlen, text);
    else if (c->src->cwd && *c->src->cwd)
        n = asprintf(&dir, "%s%s%.*s", c->src->cwd,
                     c->src->cwd[strlen(c->src->cwd) - 1] == '\\' ? "" : "\\", (int)dlen, text);
    else
        return;
    if (n < 0)
        return;
    const name_list *l = listing(c, dir);
    free(dir);
    if (l)
        match_names(c, l, text, dlen, text + dlen);
}

static char *generator(const char *text, int state)
{
    (void)text;
    (void)state;
    completion *c = current;
    return c->match_at < c->nmatches ? strdup(c->matches[c->match_at++]) : NULL;
}

static int ends_in_dir(const char *m)
{
    size_t n = strlen(m);
    return n && (m[n - 1] == '\\' || m[n - 1] == '/');
}

/* A remote directory's name ends in a separator; readline adds the '/' of a local one
 * after quoting, so that one is asked of the file system. */
static int is_dir(const completion *c, const char *m)
{
    struct stat st;
    return ends_in_dir(m) || (c->completing_local && stat(m, &st) == 0 && S_ISDIR(st.st_mode));
}

/* rl_filename_quoting_function: match quoted for the line. A directory or a partial
 * match stays open, so that Tab can go on inside the quote. */
static char *quote_match(char *match, int match_type, char *quote_pointer)
{
    (void)quote_pointer;
    completion *c = current;
    int open_end = match_type != SINGLE_MATCH || is_dir(c, match);
    if (open_end)
        *c->rl->rl_completion_suppress_quote = 1;
    if (c->quote_powershell)
        return ps_quote_literal(match, open_end);
    char *out = NULL;
    return asprintf(&out, "\"%s%s", match, open_end ? "" : "\"") < 0 ? NULL : out;
}

/* Which word of the line the completion is in, 0 for the first; double quotes group
 * words as meta_two_args reads them. */
static int word_index(const char *line, int start)
{
    int n = 0, in_word = 0, quoted = 0;
    for (int i = 0; i < start; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        if (!quoted && (line[i] == ' ' || line[i] == '\t'))
            in_word = 0;
        else if (!in_word)
            in_word = 1, n++;
    }
    return in_word ? n - 1 : n;
}

/* :put's first argument and :get's second name local files ("-r" first does not count). */
static int local_argument(const char *line, int start)
{
    const char *p = line + strspn(line, " \t");
    int word = word_index(line, start);
    const char *arg = p + 4;
    if (word > 1 && meta_take_recursive(&arg))
        word--;
    return (!strncmp(p, ":put", 4) && strchr(" \t", p[4]) && word == 1) ||
           (!strncmp(p, ":get", 4) && strchr(" \t", p[4]) && word == 2);
}

static char **local_matches(completion *c, const char *text)
{
    const rl_api *rl = c->rl;
    char **m = rl->rl_completion_matches(text, rl->rl_filename_completion_function);
    /* A directory stays open in its quote, for the next level. */
    if (m && !m[1] && is_dir(c, m[0]))
        *rl->rl_completion_suppress_quote = 1;
    return m;
}

static void remote_matches(completion *c, const char *text, int start)
{
    const char *buffer = *c->rl->rl_line_buffer;
    int first_word = strspn(buffer, " \t") == (size_t)start;
    if (first_word && c->src->list_commands && !strpbrk(text, "\\/:")) {
        if (!c->commands_loaded) {
            c->commands_loaded = 1;
            if (c->src->list_commands(c->src->ud, &c->commands) != 0)
                name_list_free(&c->commands);
        }
        match_names(c, &c->commands, "", 0, text);
    }
    /* Inside an opened PowerShell literal, '' (or any doubled quote) is one quote. */
    char *value = c->quote_powershell && *c->rl->rl_completion_quote_character == '\'' ?
                  ps_literal_value(text) : NULL;
    match_paths(c, value ? value : text);
    free(value);
}

static char **attempt(const char *text, int start, int end)
{
    (void)end;
    completion *c = current;
    const rl_api *rl = c->rl;
    free_matches(c);
    *rl->rl_attempted_completion_over = 1;    /* never fall back to local file names */
    const char *buffer = *rl->rl_line_buffer;
    const char *line = buffer + strspn(buffer, " \t");
    int first_word = line - buffer == start;
    /* The active completer lists commands only in PowerShell mode. */
    c->quote_powershell = c->src->list_commands && line[0] != ':';
    c->completing_local = 0;
    if (first_word && text[0] == ':') {
        for (size_t i = 0; meta_commands[i]; i++)
            if (!strncmp(meta_commands[i], text, strlen(text)))
                add_match(c, "", 0, meta_commands[i]);
    } else if (line[0] == '!') {
        return NULL;                     /* a local command: not ours to complete */
    } else if ((c->completing_local = local_argument(buffer, start))) {
        return local_matches(c, text);
    } else {
        *rl->rl_filename_completion_desired = 1;     /* turns on quote_match */
        remote_matches(c, text, start);
    }
    if (!c->nmatches)
        return NULL;
    /* A directory completes without a space after it, ready for the next level. */
    if (c->nmatches == 1 && ends_in_dir(c->matches[0]))
        *rl->rl_completion_suppress_append = *rl->rl_completion_suppress_quote = 1;
    return rl->rl_completion_matches(text, generator);
}

void complete_install(completion *c, const rl_api *rl, completer *src)
{
    c->rl = rl;
    c->src = src;
    current = c;
    *rl->rl_attempted_completion_function = attempt;
    /* Backslash and colon belong to Windows paths, not word breaks. */
    *rl->rl_completer_word_break_characters = " \t\"'|&;(<>=,";
    *rl->rl_completer_quote_characters = "'\"";
    *rl->rl_filename_quote_characters = needs_quotes;
    *rl->rl_filename_quoting_function = quote_match;
    rl->rl_variable_bind("completion-ignore-case", "on");   /* NTFS names ignore case */
}
