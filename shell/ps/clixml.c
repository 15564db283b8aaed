/* Decoding the CLIXML error stream: "#< CLIXML", then an <Objs> document whose children
 * are <S S="Error">line</S> strings and serialized objects such as progress records
 * (PROTOCOL.md 9). Real PowerShell closes </Objs> only when it exits, so the children
 * are cut out one by one and each is parsed on its own with libxml2. */
#include "shell/ps/clixml.h"
#include "base/hex.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

static const char header[] = "#< CLIXML";
/* A record that never completes is passed through raw rather than held forever. */
#define CLIXML_MAX_RECORD (8u * 1024 * 1024)

void clixml_init(clixml_decoder *d, clixml_sink sink, void *ud)
{
    memset(d, 0, sizeof *d);
    d->sink = sink;
    d->ud = ud;
}

void clixml_free(clixml_decoder *d)
{
    ws_buf_free(&d->pending);
}

/* The UTF-16 code unit of "_xHHHH_" at s, or -1. */
static long escape_at(const char *s, size_t left)
{
    if (left < 7 || s[0] != '_' || (s[1] != 'x' && s[1] != 'X') || s[6] != '_')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = ws_hexval((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

char *clixml_unescape(const char *s, size_t len, size_t *outlen)
{
    char *out = malloc(len + 1);   /* an escape (7 bytes) never yields more than 4 */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        long u = escape_at(s + i, len - i);
        if (u < 0) {
            out[o++] = s[i++];
            continue;
        }
        i += 7;
        unsigned long cp = (unsigned long)u;
        if (u >= 0xd800 && u <= 0xdbff) {
            long lo = escape_at(s + i, len - i);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + (((unsigned long)u - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
                i += 7;
            } else
                cp = 0xfffd;    /* a lone surrogate has no UTF-8 form */
        } else if (u >= 0xdc00 && u <= 0xdfff)
            cp = 0xfffd;
        o += put_utf8(out + o, cp);
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static int emit(clixml_decoder *d, const char *text, size_t len)
{
    return len ? d->sink(d->ud, text, len) : 0;
}

static int emit_unescaped(clixml_decoder *d, const char *prefix, const xmlChar *text)
{
    size_t n;
    char *plain = clixml_unescape((const char *)text, strlen((const char *)text), &n);
    if (!plain)
        return -1;
    int rc = emit(d, prefix, strlen(prefix));
    if (rc == 0)
        rc = emit(d, plain, n);
    free(plain);
    return rc;
}

/* The stream prefixes PowerShell's console host puts before non-error lines. */
static const char *stream_prefix(const xmlChar *s)
{
    if (!s)
        return "";
    if (!strcasecmp((const char *)s, "warning"))
        return "WARNING: ";
    if (!strcasecmp((const char *)s, "verbose"))
        return "VERBOSE: ";
    if (!strcasecmp((const char *)s, "debug"))
        return "DEBUG: ";
    return "";
}

/* One top-level record: <S S="Error">text</S> prints, progress records vanish, another
 * object prints its <ToString> if it has one. Unparsable input passes through raw. */
static int decode_record(clixml_decoder *d, const char *xml, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return emit(d, xml, len);
    }
    int rc = 0;
    xmlChar *kind = xmlGetProp(root, (const xmlChar *)"S");
    if (!xmlStrcmp(root->name, (const xmlChar *)"S")) {
        xmlChar *text = xmlNodeGetContent(root);
        rc = text ? emit_unescaped(d, stream_prefix(kind), text) : 0;
        xmlFree(text);
    } else if (!kind || strcasecmp((const char *)kind, "progress") != 0) {
        for (xmlNodePtr c = root->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && !xmlStrcmp(c->name, (const xmlChar *)"ToString")) {
                xmlChar *text = xmlNodeGetContent(c);
                rc = text ? emit_unescaped(d, "", text) : 0;
                if (rc == 0)
                    rc = emit(d, "\r\n", 2);
                xmlFree(text);
                break;
            }
        }
    }
    xmlFree(kind);
    xmlFreeDoc(doc);
    return rc;
}

/* Length of the complete element at p (which starts with '<'), 0 if it is incomplete. */
static size_t element_length(const char *p, size_t len)
{
    int depth = 0;
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(p + i, '<', len - i);
        if (!lt)
            return 0;
        i = (size_t)(lt - p);
        const char *gt = memchr(p + i, '>', len - i);
        if (!gt)
            return 0;
        size_t end = (size_t)(gt - p) + 1;
        if (p[i + 1] == '/')
            depth--;
        else if (p[i + 1] != '?' && p[i + 1] != '!' && p[end - 2] != '/')
            depth++;
        i = end;
        if (depth <= 0)
            return i;
    }
    return 0;
}

static int starts_with(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && memcmp(p, s, n) == 0;
}

/* A line, with its end, or 0 when it has no end yet. */
static size_t line_length(const char *p, size_t len)
{
    const char *nl = memchr(p, '\n', len);
    return nl ? (size_t)(nl - p) + 1 : 0;
}

static int is_header_line(const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    return n == sizeof header - 1 && memcmp(p, header, n) == 0;
}

/* Consumes one unit from the front of the pending bytes. Returns its length, 0 when it
 * needs more input (or final is set and nothing is left), -1 on a sink error. */
static long step(clixml_decoder *d, int final)
{
    const char *p = d->pending.data;
    size_t len = d->pending.len;
    if (!len)
        return 0;
    if (!d->in_xml) {
        size_t n = line_length(p, len);
        if (n && is_header_line(p, n)) {
            d->in_xml = 1;
            return (long)n;
        }
        if (!n) {
            /* Hold back only what could still become the header line. */
            if (!final && len < sizeof header + 1 && memcmp(p, header, len < sizeof header - 1 ? len : sizeof header - 1) == 0)
                return 0;
            n = len;
        }
        return emit(d, p, n) == 0 ? (long)n : -1;
    }
    size_t ws = 0;
    while (ws < len && (p[ws] == ' ' || p[ws] == '\t' || p[ws] == '\r' || p[ws] == '\n'))
        ws++;
    if (ws)
        return (long)ws;
    size_t n;
    if (starts_with(p, len, "</Objs>"))
        n = 7, d->in_xml = 0;
    else if (starts_with(p, len, "<Objs") || starts_with(p, len, "<?xml")) {
        const char *gt = memchr(p, '>', len);
        n = gt ? (size_t)(gt - p) + 1 : 0;
    } else if (p[0] == '<') {
        n = element_length(p, len);
        if (n)
            return decode_record(d, p, n) == 0 ? (long)n : -1;
    } else {
        /* Text written straight to the error stream, between records. */
        n = line_length(p, len);
        if (n && is_header_line(p, n))
            return (long)n;
        if (!n && final)
            n = len;
        if (n)
            return emit(d, p, n) == 0 ? (long)n : -1;
    }
    if (!n && (final || len > CLIXML_MAX_RECORD)) {
        n = len;
        return emit(d, p, n) == 0 ? (long)n : -1;
    }
    return (long)n;
}

static int drain(clixml_decoder *d, int final)
{
    size_t used = 0;
    int rc = 0;
    if (!d->pending.len)
        return 0;   /* nothing fed yet: data is NULL, and NULL + 0 is undefined */
    for (;;) {
        char *saved = d->pending.data;
        size_t saved_len = d->pending.len;
        /* Decode from an offset view without moving memory on every record. */
        d->pending.data = saved + used;
        d->pending.len = saved_len - used;
        long n = step(d, final);
        d->pending.data = saved;
        d->pending.len = saved_len;
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used) {
        memmove(d->pending.data, d->pending.data + used, d->pending.len - used);
        d->pending.len -= used;
        d->pending.data[d->pending.len] = '\0';
    }
    return rc;
}

int clixml_feed(clixml_decoder *d, const void *data, size_t len)
{
    if (ws_buf_append(&d->pending, data, len) != 0)
        return -1;
    return drain(d, 0);
}

int clixml_flush(clixml_decoder *d)
{
    int rc = drain(d, 1);
    ws_buf_reset(&d->pending);
    return rc;
}
