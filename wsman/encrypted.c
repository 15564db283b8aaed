/* multipart/encrypted framing, MS-WSMV 2.2.9.1.1 (NTLM, SPNEGO) and 2.2.9.1.2 (Kerberos);
 * PROTOCOL.md 4.2. A reply's payload is binary, so its closing boundary is found from
 * the end of the body, never by searching forward through the ciphertext. */
#include "wsman/encrypted.h"
#include "base/bytes.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 128       /* characters of a boundary parameter */
#define PART1_LINES_MAX 8      /* header lines before the second boundary */
#define SOAP_TYPE "type=application/soap+xml;charset=UTF-8"

typedef struct span {
    const char *p;
    size_t n;
} span;

static ws_rc malformed(ws_error *err, const char *host, const char *what)
{
    return ws_error_set(err, WS_E_PROTOCOL,
                        "nothing from it was used; retry with --debug to see the exchange",
                        "the encrypted reply from %s is malformed (%s)", host, what);
}

static ws_rc integrity(ws_error *err, const char *host, const char *what)
{
    return ws_error_set(err, WS_E_CRYPTO,
                        "nothing from it was used; if it persists, something between here and the server alters traffic: retry with --debug, or use -s/--https",
                        "the reply from %s failed its integrity check (%s)", host, what);
}

static int is_ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

static span trim(const char *p, size_t n)
{
    while (n && is_ws(*p)) {
        p++;
        n--;
    }
    while (n && (is_ws(p[n - 1]) || p[n - 1] == '\r' || p[n - 1] == '\n'))
        n--;
    return (span){p, n};
}

static int span_is(span s, const char *word)
{
    size_t n = strlen(word);
    return s.n == n && strncasecmp(s.p, word, n) == 0;
}

int ws_enc_is_encrypted(const char *ct)
{
    static const char type[] = "multipart/encrypted";
    while (ct && is_ws(*ct))
        ct++;
    if (!ct || strncasecmp(ct, type, sizeof type - 1) != 0)
        return 0;
    ct += sizeof type - 1;
    return *ct == '\0' || *ct == ';' || is_ws(*ct);
}

/* The value of parameter name in a Content-Type value, quoted or not (RFC 2045 5.1).
 * Returns 1 when found, 0 when absent, -1 when it does not fit in size bytes. */
static int ct_param(const char *ct, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = strchr(ct, ';');
    while (p) {
        p++;
        while (is_ws(*p))
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            return 0;
        span key = trim(p, (size_t)(eq - p));
        const char *v = eq + 1, *ve;
        while (is_ws(*v))
            v++;
        if (*v == '"') {
            v++;
            if (!(ve = strchr(v, '"')))
                return -1;
            p = strchr(ve, ';');
        } else {
            ve = v + strcspn(v, ";");
            p = *ve ? ve : NULL;
            ve = v + trim(v, (size_t)(ve - v)).n;
        }
        if (key.n == nlen && strncasecmp(key.p, name, nlen) == 0) {
            if ((size_t)(ve - v) >= size)
                return -1;
            memcpy(buf, v, (size_t)(ve - v));
            buf[ve - v] = '\0';
            return 1;
        }
    }
    return 0;
}

ws_rc ws_enc_header(const char *protocol, ws_buf *out, ws_error *err)
{
    if (ws_buf_appendf(out, "Content-Type: multipart/encrypted;protocol=\"%s\";boundary=\"" WS_ENC_BOUNDARY "\"",
                       protocol) < 0)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a request");
    return WS_OK;
}

ws_rc ws_enc_frame(const char *protocol, size_t length, const unsigned char *wrapped,
                   size_t wrapped_len, size_t sig_len, ws_buf *out, ws_error *err)
{
    size_t base = out->len;
    unsigned char le[4];

    if (sig_len > wrapped_len || sig_len > UINT32_MAX)
        return ws_error_set(err, WS_E_CRYPTO, "", "the encryption signature (%zu bytes) does not fit the sealed message (%zu bytes)",
                            sig_len, wrapped_len);
    ws_store_le32(le, (uint32_t)sig_len);
    /* "HT MUST precede" each part header; no CRLF before the closing boundary. */
    if (ws_buf_appendf(out, "--" WS_ENC_BOUNDARY "\r\n"
                            "\tContent-Type: %s\r\n"
                            "\tOriginalContent: " SOAP_TYPE ";Length=%zu\r\n"
                            "--" WS_ENC_BOUNDARY "\r\n"
                            "\tContent-Type: application/octet-stream\r\n",
                       protocol, length) < 0 ||
        ws_buf_append(out, le, sizeof le) < 0 ||
        ws_buf_append(out, wrapped, wrapped_len) < 0 ||
        ws_buf_appends(out, "--" WS_ENC_BOUNDARY "--\r\n") < 0) {
        out->len = base;
        if (out->data)
            out->data[base] = '\0';
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a request");
    }
    return WS_OK;
}

/* ---- reply parsing ---- */

typedef struct cursor {
    const char *p, *end;
} cursor;

/* The next line without its CR LF or LF; 0 at the end of the input. */
static int next_line(cursor *c, span *line)
{
    if (c->p >= c->end)
        return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl ? nl : c->end;
    line->p = c->p;
    line->n = (size_t)(stop - c->p);
    if (line->n && line->p[line->n - 1] == '\r')
        line->n--;
    c->p = nl ? nl + 1 : c->end;
    return 1;
}

/* "--boundary" (also "-- boundary", as Exchange sends it) with nothing after but blanks. */
static int is_delimiter(span line, const char *b, size_t blen)
{
    if (line.n < 2 || memcmp(line.p, "--", 2) != 0)
        return 0;
    span rest = trim(line.p + 2, line.n - 2);
    return rest.n == blen && memcmp(rest.p, b, blen) == 0;
}

/* Splits "Name: value" of a part header, with or without leading blanks. */
static int header(span line, span *name, span *value)
{
    span l = trim(line.p, line.n);
    const char *colon = l.n ? memchr(l.p, ':', l.n) : NULL;
    if (!colon)
        return 0;
    *name = trim(l.p, (size_t)(colon - l.p));
    *value = trim(colon + 1, (size_t)(l.p + l.n - colon - 1));
    return name->n > 0;
}

/* Length=N from "type=...;charset=...;Length=N" (2.2.9.1.1.2). -1 when absent or bad. */
static int original_length(span v, size_t *out)
{
    const char *p = v.p, *end = v.p + v.n;
    int found = 0;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && span_is(trim(p, (size_t)(eq - p)), "Length")) {
            span d = trim(eq + 1, (size_t)(stop - eq - 1));
            size_t n = 0;
            if (found || d.n == 0)
                return -1;
            for (size_t i = 0; i < d.n; i++) {
                if (d.p[i] < '0' || d.p[i] > '9')
                    return -1;
                n = n * 10 + (size_t)(d.p[i] - '0');
                if (n > WS_ENC_LENGTH_MAX)
                    return -1;
            }
            *out = n;
            found = 1;
        }
        p = semi ? semi + 1 : end;
    }
    return found ? 0 : -1;
}

/* Where the closing "--boundary--" starts, found from the end of the body; NULL if it
 * is not the last thing in it (trailing blank lines allowed). */
static const char *closing_delimiter(const char *start, const char *end, const char *b,
                                     size_t blen)
{
    while (end > start && (is_ws(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    if ((size_t)(end - start) < blen + 4 || memcmp(end - 2, "--", 2) != 0 ||
        memcmp(end - 2 - blen, b, blen) != 0)
        return NULL;
    const char *q = end - 2 - blen;
    while (q > start && q[-1] == ' ')
        q--;
    if (q - start < 2 || memcmp(q - 2, "--", 2) != 0)
        return NULL;
    return q - 2;
}

ws_rc ws_enc_parse(const char *content_type, const char *body, size_t len, const char *host,
                   ws_enc_parts *out, ws_error *err)
{
    char b[BOUNDARY_MAX];
    cursor c = {body, body + len};
    span line, name, value;
    int have_length = 0, lines = 0, r;

    memset(out, 0, sizeof *out);
    if (!content_type || !ws_enc_is_encrypted(content_type))
        return malformed(err, host, "its Content-Type is not multipart/encrypted");
    if ((r = ct_param(content_type, "boundary", b, sizeof b)) < 0 || (r == 1 && !*b))
        return malformed(err, host, "bad boundary parameter");
    if (r == 0)
        snprintf(b, sizeof b, "%s", WS_ENC_BOUNDARY);
    size_t blen = strlen(b);
    if (!body)
        return malformed(err, host, "empty body");

    /* Part 1: the boundary, Content-Type (the protocol) and OriginalContent. */
    while (c.p < c.end && (*c.p == '\r' || *c.p == '\n'))
        c.p++;
    if (!next_line(&c, &line) || !is_delimiter(line, b, blen))
        return malformed(err, host, "it does not start with the boundary");
    for (;;) {
        if (!next_line(&c, &line) || ++lines > PART1_LINES_MAX)
            return malformed(err, host, "the second boundary is missing");
        if (is_delimiter(line, b, blen))
            break;
        if (!header(line, &name, &value))
            continue;
        if (span_is(name, "Content-Type")) {
            out->protocol = value.p;
            out->protocol_len = value.n;
        } else if (span_is(name, "OriginalContent")) {
            if (have_length || original_length(value, &out->length) < 0)
                return malformed(err, host, "bad OriginalContent Length");
            have_length = 1;
        }
    }
    if (!out->protocol || !out->protocol_len)
        return malformed(err, host, "the first part has no Content-Type");
    if (!have_length)
        return malformed(err, host, "the first part has no OriginalContent Length");

    /* Part 2: one header line, then u32le signature length, signature, sealed data. */
    if (!next_line(&c, &line) || !header(line, &name, &value) ||
        !span_is(name, "Content-Type") || !span_is(value, "application/octet-stream"))
        return malformed(err, host, "the second part is not application/octet-stream");
    const char *ps = c.p;
    const char *pe = closing_delimiter(ps, c.end, b, blen);
    if (!pe)
        return malformed(err, host, "the closing boundary is missing");
    size_t plen = (size_t)(pe - ps);
    if (plen < 4)
        return malformed(err, host, "the encrypted part is truncated");
    const unsigned char *u = (const unsigned char *)ps;
    uint32_t sig = ws_load_le32(u);
    if (sig == 0)
        return malformed(err, host, "the encrypted part has no signature");
    if (sig > plen - 4) {
        char what[96];
        snprintf(what, sizeof what, "signature length %lu runs past the %zu bytes of data",
                 (unsigned long)sig, plen - 4);
        return malformed(err, host, what);
    }
    out->wrapped = u + 4;
    out->wrapped_len = plen - 4;
    out->sig_len = sig;
    return WS_OK;
}

/* The protocol strings of a mechanism (2.2.9.1.1.1, 2.2.9.1.2.1): its own, and for
 * Kerberos wrap tokens either Kerberos string, since both carry the same wrap. */
static int protocol_matches(const ws_auth *a, const char *p, size_t n)
{
    span got = {p, n};
    if (span_is(got, a->enc_protocol))
        return 1;
    return ws_auth_can(a, WS_AUTH_KERBEROS_WRAP) &&
           (span_is(got, WS_ENC_SPNEGO) || span_is(got, WS_ENC_KERBEROS));
}

ws_rc ws_enc_wrap(ws_auth *a, const char *plain, size_t len, ws_buf *out, ws_error *err)
{
    ws_buf w = WS_BUF_INIT;
    size_t sig = 0;
    ws_rc rc;

    if (!a || !a->ops->wrap || !a->enc_protocol)
        return ws_error_set(err, WS_E_USAGE, "", "this authentication mechanism cannot encrypt messages");
    if ((rc = a->ops->wrap(a, (const unsigned char *)plain, len, &w, &sig, err)) != WS_OK)
        goto out;
    /* Length counts the sealed bytes: the plaintext for NTLM and AES Kerberos, plaintext
     * plus padding for RC4 Kerberos as pypsrp and WinRb send it (PROTOCOL.md 4.2). */
    rc = ws_enc_frame(a->enc_protocol, w.len >= sig ? w.len - sig : 0,
                      (const unsigned char *)w.data, w.len, sig, out, err);
out:
    ws_buf_free(&w);
    return rc;
}

ws_rc ws_enc_unwrap(ws_auth *a, const char *content_type, const char *body, size_t len,
                    const char *host, ws_buf *out, ws_error *err)
{
    ws_enc_parts parts;
    ws_buf plain = WS_BUF_INIT;
    ws_error inner = {0};
    char outer[BOUNDARY_MAX], what[160];
    ws_rc rc;

    if (!a || !a->ops->unwrap || !a->enc_protocol)
        return ws_error_set(err, WS_E_USAGE, "", "this authentication mechanism cannot decrypt messages");
    if ((rc = ws_enc_parse(content_type, body, len, host, &parts, err)) != WS_OK)
        return rc;
    int r = ct_param(content_type, "protocol", outer, sizeof outer);
    const char *bad = NULL;
    size_t badlen = 0;
    if (r < 0 || (r == 1 && !protocol_matches(a, outer, strlen(outer)))) {
        bad = r < 0 ? "(too long)" : outer;
        badlen = strlen(bad);
    } else if (!protocol_matches(a, parts.protocol, parts.protocol_len)) {
        bad = parts.protocol;
        badlen = parts.protocol_len;
    }
    if (bad) {
        snprintf(what, sizeof what, "protocol %.*s where %s was negotiated",
                 (int)(badlen > 80 ? 80 : badlen), bad, a->enc_protocol);
        return malformed(err, host, what);
    }
    rc = a->ops->unwrap(a, parts.wrapped, parts.wrapped_len, parts.sig_len, &plain, &inner);
    if (rc == WS_E_NOMEM) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory decrypting the reply from %s", host);
        goto out;
    }
    if (rc != WS_OK) {
        rc = integrity(err, host, inner.what);
        goto out;
    }
    /* Both pywinrm and pypsrp treat a Length that differs from the plaintext as tampering;
     * RC4 Kerberos peers may count their padding (PROTOCOL.md 4.2). */
    size_t sealed = parts.wrapped_len - parts.sig_len;
    if (plain.len != parts.length && !(parts.length == sealed && plain.len < sealed)) {
        snprintf(what, sizeof what, "OriginalContent Length is %zu but %zu bytes decrypted",
                 parts.length, plain.len);
        rc = integrity(err, host, what);
        goto out;
    }
    if (ws_buf_append(out, plain.data ? plain.data : "", plain.len) < 0)
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory decrypting the reply from %s", host);
out:
    ws_buf_wipe(&plain);
    ws_error_clear(&inner);
    return rc;
}
