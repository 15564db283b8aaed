/* Growable byte buffer shared by every layer (after curl's dynbuf). */
#ifndef NANOSH_BUF_H
#define NANOSH_BUF_H
#include <stddef.h>

typedef struct ws_buf {
    char *data;   /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    int secret;   /* set by ws_buf_secret: no copy is ever left in freed memory */
} ws_buf;

#define WS_BUF_INIT {NULL, 0, 0, 0}

int ws_buf_append(ws_buf *b, const void *data, size_t len);   /* 0 or -1 (ENOMEM) */
int ws_buf_appends(ws_buf *b, const char *s);
int ws_buf_appendf(ws_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ws_buf_reset(ws_buf *b);                  /* len = 0, keeps memory */
void ws_buf_free(ws_buf *b);                   /* releases memory */
void ws_buf_wipe(ws_buf *b);                   /* zeroes then releases: for secrets */
char *ws_buf_steal(ws_buf *b);                 /* hands over data, leaves b empty */
/* Marks b as holding a secret (DESIGN.md, "Security"): from now on growing it wipes the
 * old block instead of leaving it to realloc, and reset and free wipe what it held. */
void ws_buf_secret(ws_buf *b);

/* The one wipe for secrets, which the compiler may not optimise away. */
void ws_wipe(void *p, size_t len);
/* Wipes a NUL-terminated secret and frees it. NULL is fine. */
void ws_wipe_str(char *s);

#endif
