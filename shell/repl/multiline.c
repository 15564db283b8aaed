/* A small lexer, enough to tell an unfinished input from a finished one. It does not
 * judge syntax: anything it passes on, PowerShell or cmd.exe parses and reports. */
#include "shell/repl/multiline.h"
#include <string.h>

static int at_line_start(const char *text, const char *p)
{
    while (p > text && (p[-1] == ' ' || p[-1] == '\t'))
        p--;
    return p == text || p[-1] == '\n';
}

/* Skips a here-string body from just after its opening line; returns the position
 * after the closing '@ / "@, or NULL when it is still open. */
static const char *skip_here_string(const char *text, const char *p, char quote)
{
    for (; *p; p++)
        if (p[0] == quote && p[1] == '@' && at_line_start(text, p))
            return p + 2;
    return NULL;
}

int ps_input_incomplete(const char *text)
{
    int depth = 0;
    const char *last = NULL;       /* last significant character outside strings */
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '`') {
            if (!p[1] || (p[1] == '\n' && !p[2]) || (p[1] == '\r' && p[2] == '\n' && !p[3]))
                return 1;          /* a trailing backtick continues the line */
            p++;
            continue;
        }
        if (c == '<' && p[1] == '#') {
            const char *end = strstr(p + 2, "#>");
            if (!end)
                return 1;
            p = end + 1;
            continue;
        }
        if (c == '#') {
            while (p[1] && p[1] != '\n')
                p++;
            continue;
        }
        if (c == '@' && (p[1] == '\'' || p[1] == '"')) {
            const char *q = p + 2;
            while (*q == ' ' || *q == '\t' || *q == '\r')
                q++;
            if (*q == '\n' || !*q) {
                if (!*q)
                    return 1;
                const char *end = skip_here_string(text, q + 1, p[1]);
                if (!end)
                    return 1;
                p = end - 1;
                last = p;
                continue;
            }
        }
        if (c == '\'') {
            for (p++;; p++) {
                if (!*p)
                    return 1;
                if (*p == '\'' && p[1] == '\'')
                    p++;
                else if (*p == '\'')
                    break;
            }
            last = p;
            continue;
        }
        if (c == '"') {
            for (p++;; p++) {
                if (!*p)
                    return 1;
                if (*p == '`' && p[1])
                    p++;
                else if (*p == '"' && p[1] == '"')
                    p++;
                else if (*p == '"')
                    break;
            }
            last = p;
            continue;
        }
        if (c == '(' || c == '{' || c == '[')
            depth++;
        else if ((c == ')' || c == '}' || c == ']') && depth > 0)
            depth--;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            last = p;
    }
    return depth > 0 || (last && *last == '|');
}

int cmd_input_incomplete(const char *text)
{
    int depth = 0, quoted = 0;
    const char *last = NULL;
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '^' && !quoted && p[1]) {
            p++;
            continue;
        } else if (!quoted && *p == '(')
            depth++;
        else if (!quoted && *p == ')' && depth > 0)
            depth--;
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            last = p;
    }
    return depth > 0 || (last && *last == '^' && !quoted);
}

int cmd_join_line(ws_buf *block, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (!block->len)
        return ws_buf_appends(block, line);
    /* Trim what the previous line ended with to see how it joins. */
    while (block->len && (block->data[block->len - 1] == ' ' || block->data[block->len - 1] == '\t'))
        block->data[--block->len] = '\0';
    char prev = block->len ? block->data[block->len - 1] : '\0';
    if (prev == '^') {
        block->data[--block->len] = '\0';
        return ws_buf_appends(block, line);
    }
    const char *sep = prev == '(' || prev == '&' || prev == '|' || *line == ')' || !*line ? " " : " & ";
    if (ws_buf_appends(block, sep) != 0)
        return -1;
    return ws_buf_appends(block, line);
}
