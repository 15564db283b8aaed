/* Growable byte buffer (after curl's dynbuf): doubling growth, always NUL-terminated. */
#include "base/buf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

void ws_wipe(void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse(p, len);
}

void ws_wipe_str(char *s)
{
    if (s) {
        ws_wipe(s, strlen(s));
        free(s);
    }
}

/* realloc may move the block and leave the old one, secret and all, to the allocator:
 * a secret buffer moves by hand and wipes the block it leaves. */
static char *grow_block(ws_buf *b, size_t cap)
{
    if (!b->secret)
        return realloc(b->data, cap);
    char *p = malloc(cap);
    if (p && b->data) {
        memcpy(p, b->data, b->len + 1);
        ws_wipe(b->data, b->cap);
        free(b->data);
    }
    return p;
}

/* Makes room for extra bytes plus the terminating NUL. */
static int buf_grow(ws_buf *b, size_t extra)
{
    if (extra > (size_t)-1 - b->len - 1)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    char *p = grow_block(b, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int ws_buf_append(ws_buf *b, const void *data, size_t len)
{
    if (buf_grow(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int ws_buf_appends(ws_buf *b, const char *s)
{
    return ws_buf_append(b, s, strlen(s));
}

int ws_buf_appendf(ws_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_grow(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void ws_buf_reset(ws_buf *b)
{
    if (b->secret && b->data)
        ws_wipe(b->data, b->len);
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void ws_buf_free(ws_buf *b)
{
    if (b->secret && b->data)
        ws_wipe(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->secret = 0;
}

void ws_buf_wipe(ws_buf *b)
{
    b->secret = 1;
    ws_buf_free(b);
}

void ws_buf_secret(ws_buf *b)
{
    b->secret = 1;
}

char *ws_buf_steal(ws_buf *b)
{
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    b->secret = 0;
    return p;
}
