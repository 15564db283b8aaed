/* The fleet inventory: parsing one line, streaming a file, the first pass
 * (docs/fleet.md "Inventory"). Nothing is printed; problems are ws_error values that
 * name the line. */
#include "shell/fleet/inventory.h"
#include "shell/fleet/shard.h"
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const AUTH_NAMES[] = {
    "", "negotiate", "ntlm", "kerberos", "basic", "certificate",
};

const char *inv_auth_name(inv_auth a)
{
    return (unsigned)a < sizeof AUTH_NAMES / sizeof AUTH_NAMES[0] ? AUTH_NAMES[a] : "";
}

#define BAD(...) ws_error_set(err, WS_E_USAGE, "correct the line in the inventory (docs/fleet.md)", __VA_ARGS__)

/* A port: decimal 1..65535, nothing else. */
static int parse_port(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; ++i) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* A DNS name or IPv4 address: letters, digits, '-', '.', '_' (RFC 1123 2.1, with the
 * underscore some internal names carry). */
static int host_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= INV_HOST_MAX || s[0] == '-' || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '.' && c != '_')
            return 0;
    }
    return 1;
}

/* Inside brackets: hex digits, ':', '.' (an embedded IPv4), and a %zone. */
static int ipv6_ok(const char *s, size_t n)
{
    int colons = 0, zone = 0;
    if (n < 2 || n >= INV_HOST_MAX)
        return 0;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        if (zone) {
            if (!isalnum(c) && c != '-' && c != '_' && c != '.')
                return 0;
        } else if (c == '%') {
            zone = 1;
            if (i + 1 == n)
                return 0;
        } else if (c == ':') {
            ++colons;
        } else if (!isxdigit(c) && c != '.') {
            return 0;
        }
    }
    return colons >= 2;
}

static int user_ok(const char *s, size_t n)
{
    if (n == 0 || n >= INV_USER_MAX)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* The first word: [user@]host[:port] or [user@][v6][:port]. */
static ws_rc parse_host_word(const char *w, size_t n, unsigned long ln, inventory_entry *e,
                             ws_error *err)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; ++i)
        if (w[i] == '@')
            at = w + i;                 /* the last '@': user may be user@REALM */
    if (at) {
        size_t un = (size_t)(at - w);
        if (!user_ok(w, un))
            return BAD("inventory line %lu: the user before '@' is empty or too long", ln);
        memcpy(e->user, w, un);
        e->user[un] = '\0';
        n -= un + 1;
        w = at + 1;
    }
    const char *h = w, *port = NULL;
    size_t hn = n, pn = 0;
    if (n > 0 && w[0] == '[') {
        const char *close = memchr(w, ']', n);
        if (!close)
            return BAD("inventory line %lu: '[' without its ']' around the IPv6 address", ln);
        h = w + 1;
        hn = (size_t)(close - h);
        size_t rest = n - (size_t)(close - w) - 1;
        if (rest > 0) {
            if (close[1] != ':')
                return BAD("inventory line %lu: after ']' only ':port' may follow", ln);
            port = close + 2;
            pn = rest - 1;
        }
        if (!ipv6_ok(h, hn))
            return BAD("inventory line %lu: \"%.*s\" is not an IPv6 address", ln,
                       (int)(hn > 64 ? 64 : hn), h);
        e->ipv6 = 1;
    } else {
        const char *colon = memchr(w, ':', n);
        if (colon && memchr(colon + 1, ':', n - (size_t)(colon - w) - 1))
            return BAD("inventory line %lu: an IPv6 address goes in brackets: [%.*s]", ln,
                       (int)(n > 64 ? 64 : n), w);
        if (colon) {
            hn = (size_t)(colon - w);
            port = colon + 1;
            pn = n - hn - 1;
        }
        if (!host_name_ok(h, hn))
            return BAD("inventory line %lu: \"%.*s\" is not a host name or address", ln,
                       (int)(hn > 64 ? 64 : hn), h);
    }
    if (port && parse_port(port, pn, &e->port) != 0)
        return BAD("inventory line %lu: the port \"%.*s\" is not a number from 1 to 65535", ln,
                   (int)(pn > 16 ? 16 : pn), port);
    memcpy(e->host, h, hn);
    e->host[hn] = '\0';
    return WS_OK;
}

/* One option word after the host: key=value or the bare word https. */
static ws_rc parse_option(const char *w, size_t n, unsigned long ln, inventory_entry *e,
                          unsigned *seen, ws_error *err)
{
    enum { S_USER = 1, S_PORT = 2, S_AUTH = 4, S_HTTPS = 8 };
    if (n == 5 && memcmp(w, "https", 5) == 0) {
        if (*seen & S_HTTPS)
            return BAD("inventory line %lu: https is given twice", ln);
        *seen |= S_HTTPS;
        e->https = 1;
        return WS_OK;
    }
    const char *eq = memchr(w, '=', n);
    if (!eq)
        return BAD("inventory line %lu: \"%.*s\" is not key=value nor https", ln,
                   (int)(n > 64 ? 64 : n), w);
    size_t kn = (size_t)(eq - w), vn = n - kn - 1;
    const char *v = eq + 1;
#define KEY(s) (kn == sizeof(s) - 1 && memcmp(w, s, kn) == 0)
    if (KEY("user")) {
        if (*seen & S_USER || e->user[0])
            return BAD("inventory line %lu: the user is given twice", ln);
        if (!user_ok(v, vn))
            return BAD("inventory line %lu: user= is empty or too long", ln);
        memcpy(e->user, v, vn);
        e->user[vn] = '\0';
        *seen |= S_USER;
    } else if (KEY("port")) {
        if (*seen & S_PORT || e->port)
            return BAD("inventory line %lu: the port is given twice", ln);
        if (parse_port(v, vn, &e->port) != 0)
            return BAD("inventory line %lu: port=%.*s is not a number from 1 to 65535", ln,
                       (int)(vn > 16 ? 16 : vn), v);
        *seen |= S_PORT;
    } else if (KEY("auth")) {
        if (*seen & S_AUTH)
            return BAD("inventory line %lu: auth= is given twice", ln);
        e->auth = INV_AUTH_DEFAULT;
        for (unsigned a = INV_AUTH_NEGOTIATE; a <= INV_AUTH_CERTIFICATE; ++a)
            if (strlen(AUTH_NAMES[a]) == vn && strncmp(AUTH_NAMES[a], v, vn) == 0)
                e->auth = (inv_auth)a;
        if (e->auth == INV_AUTH_DEFAULT)
            return BAD("inventory line %lu: auth=%.*s is not one of negotiate, ntlm, kerberos, "
                       "basic, certificate", ln, (int)(vn > 32 ? 32 : vn), v);
        *seen |= S_AUTH;
    } else if (KEY("password") || KEY("pass") || KEY("pw")) {
        /* Secrets never sit in plain files next to host names: --password-file. */
        return ws_error_set(err, WS_E_USAGE, "remove it; give the password with --password-file",
                            "inventory line %lu: passwords do not belong in the inventory", ln);
    } else {
        return BAD("inventory line %lu: unknown key \"%.*s\" (user=, port=, auth=, https)", ln,
                   (int)(kn > 32 ? 32 : kn), w);
    }
#undef KEY
    return WS_OK;
}

ws_rc inventory_parse_line(const char *line, unsigned long ln, inventory_entry *e,
                           int *is_entry, ws_error *err)
{
    memset(e, 0, sizeof *e);
    e->line = ln;
    *is_entry = 0;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        --len;                          /* CRLF files from Windows editors */
    if (len >= INV_LINE_MAX)
        return BAD("inventory line %lu: longer than %d characters", ln, INV_LINE_MAX - 1);
    size_t i = 0, words = 0;
    unsigned seen = 0;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        if (i >= len || line[i] == '#')
            break;                      /* a '#' starting a word starts a comment */
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            ++i;
        for (size_t k = start; k < i; ++k)
            if ((unsigned char)line[k] < 0x20 || line[k] == 0x7f)
                return BAD("inventory line %lu: a control character in \"%.*s\"", ln,
                           (int)(i - start > 64 ? 64 : i - start), line + start);
        ws_rc rc = words == 0 ? parse_host_word(line + start, i - start, ln, e, err)
                              : parse_option(line + start, i - start, ln, e, &seen, err);
        if (rc != WS_OK)
            return rc;
        ++words;
    }
    *is_entry = words > 0;
    return WS_OK;
}

void inventory_entry_label(const inventory_entry *e, char out[INV_LABEL_MAX])
{
    const char *l = e->ipv6 ? "[" : "", *r = e->ipv6 ? "]" : "";
    if (e->port)
        snprintf(out, INV_LABEL_MAX, "%s%s%s:%u", l, e->host, r, e->port & 0xffffu);
    else
        snprintf(out, INV_LABEL_MAX, "%s%s%s", l, e->host, r);
}

void inventory_entry_key(const inventory_entry *e, char out[INV_LABEL_MAX])
{
    unsigned port = e->port ? e->port : e->https ? 5986u : 5985u;
    size_t i = 0;
    for (; e->host[i] && i < INV_HOST_MAX - 1; ++i)
        out[i] = (char)tolower((unsigned char)e->host[i]);
    snprintf(out + i, INV_LABEL_MAX - i, "/%u", port & 0xffffu);
}

struct inventory_reader {
    FILE *f;
    char *path;
    char *buf;
    size_t cap;
    unsigned long line;
};

ws_rc inventory_open(const char *path, inventory_reader **out, ws_error *err)
{
    *out = NULL;
    inventory_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory opening the inventory");
    }
    r->f = fopen(path, "re");
    if (!r->f) {
        int e = errno;
        free(r->path);
        free(r);
        return ws_error_set(err, WS_E_IO, "check the path given with -i",
                            "cannot open the inventory %s: %s", path, strerror(e));
    }
    *out = r;
    return WS_OK;
}

int inventory_next(inventory_reader *r, inventory_entry *e, ws_error *err)
{
    for (;;) {
        errno = 0;
        ssize_t n = getline(&r->buf, &r->cap, r->f);
        if (n < 0) {
            if (ferror(r->f)) {
                ws_error_set(err, WS_E_IO, NULL, "reading the inventory %s after line %lu: %s",
                             r->path, r->line, strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        ++r->line;
        if ((size_t)n != strlen(r->buf)) {
            BAD("inventory line %lu: a NUL byte (is %s a text file?)", r->line, r->path);
            return -1;
        }
        if ((size_t)n > INV_LINE_MAX + 1) {
            BAD("inventory line %lu: longer than %d characters", r->line, INV_LINE_MAX - 1);
            return -1;
        }
        int is_entry;
        if (inventory_parse_line(r->buf, r->line, e, &is_entry, err) != WS_OK)
            return -1;
        if (is_entry)
            return 1;
    }
}

ws_rc inventory_rewind(inventory_reader *r, ws_error *err)
{
    if (fseek(r->f, 0, SEEK_SET) != 0)
        return ws_error_set(err, WS_E_IO, "give a regular file with -i, not a pipe",
                            "cannot read the inventory %s again: %s", r->path, strerror(errno));
    clearerr(r->f);
    r->line = 0;
    return WS_OK;
}

void inventory_close(inventory_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->path);
    free(r);
}

/* The first pass's set: open addressing on the key's hash; the line confirms a match. */
typedef struct seen_slot {
    uint64_t hash;              /* 0: empty (a real 0 hash is stored as 1) */
    unsigned long line;
} seen_slot;

typedef struct seen_set {
    seen_slot *slots;
    size_t cap, used;
} seen_set;

static int seen_grow(seen_set *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    seen_slot *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->cap; ++i) {
        if (!s->slots[i].hash)
            continue;
        size_t j = (size_t)(s->slots[i].hash & (ncap - 1));
        while (n[j].hash)
            j = (j + 1) & (ncap - 1);
        n[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = n;
    s->cap = ncap;
    return 0;
}

/* The key of the entry on line ln of path (a hash match's confirmation). */
static ws_rc key_at_line(const char *path, unsigned long ln, char key[INV_LABEL_MAX],
                         ws_error *err)
{
    inventory_reader *r;
    inventory_entry e;
    ws_rc rc = inventory_open(path, &r, err);
    if (rc != WS_OK)
        return rc;
    int got;
    while ((got = inventory_next(r, &e, err)) == 1 && e.line < ln)
        ;
    inventory_close(r);
    if (got < 0)
        return err ? err->rc : WS_E_IO;
    if (got == 0 || e.line != ln)
        return ws_error_set(err, WS_E_IO, "do not change the inventory while nanosh reads it",
                            "the inventory %s changed while it was read", path);
    inventory_entry_key(&e, key);
    return WS_OK;
}

ws_rc inventory_check(const char *path, size_t *count, ws_error *err)
{
    inventory_reader *r;
    inventory_entry e;
    seen_set s = {0};
    size_t n = 0;
    ws_rc rc = inventory_open(path, &r, err);
    if (rc != WS_OK)
        return rc;
    int got;
    while ((got = inventory_next(r, &e, err)) == 1) {
        char key[INV_LABEL_MAX], other[INV_LABEL_MAX];
        inventory_entry_key(&e, key);
        uint64_t h = shard_hash(key);
        if (!h)
            h = 1;
        if ((s.used + 1) * 4 > s.cap * 3 && seen_grow(&s) != 0) {
            rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory checking the inventory");
            goto out;
        }
        size_t j = (size_t)(h & (s.cap - 1));
        for (; s.slots[j].hash; j = (j + 1) & (s.cap - 1)) {
            if (s.slots[j].hash != h)
                continue;
            rc = key_at_line(path, s.slots[j].line, other, err);
            if (rc != WS_OK)
                goto out;
            if (strcmp(key, other) == 0) {
                char label[INV_LABEL_MAX];
                inventory_entry_label(&e, label);
                rc = ws_error_set(err, WS_E_USAGE, "keep one of the two lines",
                                  "inventory lines %lu and %lu: the host %s appears twice",
                                  s.slots[j].line, e.line, label);
                goto out;
            }
        }
        s.slots[j].hash = h;
        s.slots[j].line = e.line;
        ++s.used;
        ++n;
    }
    if (got < 0)
        rc = err ? err->rc : WS_E_USAGE;
    if (rc == WS_OK && n == 0)
        rc = ws_error_set(err, WS_E_USAGE, "add one host per line", "the inventory %s lists no host",
                          path);
out:
    free(s.slots);
    inventory_close(r);
    if (rc == WS_OK && count)
        *count = n;
    return rc;
}
