/* The --debug wire trace. DESIGN.md: passwords, hashes, keys and Authorization headers
 * never appear in output, so every header passes through ws_trace_header_line. */
#include "wsman/trace.h"
#include <string.h>
#include <strings.h>

#define TRACE_BODY_MAX 8192     /* bytes of one body chunk shown */
#define TRACE_TOKEN_MAX 16      /* characters of an authentication token shown */

static int has_prefix(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && strncasecmp(line, name, n) == 0;
}

void ws_trace_header_line(FILE *f, const char *prefix, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    const char *colon = memchr(line, ':', len);
    int secret = has_prefix(line, len, "Authorization:") ||
                 has_prefix(line, len, "Proxy-Authorization:");
    int challenge = has_prefix(line, len, "WWW-Authenticate:") ||
                    has_prefix(line, len, "Proxy-Authenticate:");
    if (!colon || !(secret || challenge)) {
        fprintf(f, "%s%.*s\n", prefix, (int)len, line);
        return;
    }
    /* Keep the header name and the scheme; the value after it is the secret part. */
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    const char *sp = v;
    while (sp < end && *sp != ' ' && *sp != '\t')
        sp++;
    const char *tok = sp;
    while (tok < end && (*tok == ' ' || *tok == '\t'))
        tok++;
    size_t toklen = (size_t)(end - tok);
    fprintf(f, "%s%.*s", prefix, (int)(sp - line), line);
    if (secret)
        fprintf(f, "%s\n", toklen ? " <redacted>" : "");
    else if (toklen > TRACE_TOKEN_MAX)
        fprintf(f, " %.*s...(%zu characters)\n", TRACE_TOKEN_MAX, tok, toklen);
    else
        fprintf(f, "%s%.*s\n", toklen ? " " : "", (int)toklen, tok);
}

/* Headers may arrive several to a callback (requests) or one at a time (responses). */
static void trace_headers(FILE *f, const char *prefix, const char *data, size_t size)
{
    const char *p = data, *end = data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        size_t len = (size_t)(stop - p);
        if (!(len == 2 && p[0] == '\r') && !(len == 1 && p[0] == '\n'))
            ws_trace_header_line(f, prefix, p, len);
        p = stop;
    }
}

static int is_text(const char *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t')
            return 0;
    }
    return 1;
}

static void trace_body(FILE *f, const char *prefix, const char *data, size_t size)
{
    size_t shown = size > TRACE_BODY_MAX ? TRACE_BODY_MAX : size;
    if (!is_text(data, shown)) {
        fprintf(f, "%s[%zu bytes of binary data]\n", prefix, size);
        return;
    }
    fprintf(f, "%s%.*s\n", prefix, (int)shown, data);
    if (shown < size)
        fprintf(f, "%s[... %zu more bytes]\n", prefix, size - shown);
}

/* libcurl's informational lines can quote a proxy URL from the environment, with its
 * user:password: print them with any URL userinfo replaced. */
void ws_trace_text(FILE *f, const char *data, size_t size)
{
    const char *p = data, *end = data + size;
    while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        end = data + --size;
    fputs("* ", f);
    while (p < end) {
        const char *sep = memmem(p, (size_t)(end - p), "://", 3);
        if (!sep) {
            fprintf(f, "%.*s", (int)(end - p), p);
            break;
        }
        const char *host = sep + 3, *q = host, *at = NULL;
        while (q < end && !strchr("/?#'\" \t", *q)) {
            if (*q == '@')
                at = q;
            q++;
        }
        fprintf(f, "%.*s", (int)(host - p), p);
        if (at) {
            fputs("<redacted>", f);
            p = at;
        } else {
            p = host;
        }
    }
    fputc('\n', f);
}

int ws_trace_curl(CURL *h, curl_infotype type, char *data, size_t size, void *file)
{
    FILE *f = file;
    (void)h;
    switch (type) {
    case CURLINFO_TEXT:
        ws_trace_text(f, data, size);
        break;
    case CURLINFO_HEADER_OUT:
        trace_headers(f, "> ", data, size);
        break;
    case CURLINFO_HEADER_IN:
        trace_headers(f, "< ", data, size);
        break;
    case CURLINFO_DATA_OUT:
        trace_body(f, "> ", data, size);
        break;
    case CURLINFO_DATA_IN:
        trace_body(f, "< ", data, size);
        break;
    default:   /* TLS records: nothing readable */
        break;
    }
    fflush(f);
    return 0;
}
