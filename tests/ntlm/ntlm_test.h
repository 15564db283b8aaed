/* Helpers shared by the NTLM tests: hex in and out, hex comparisons in TAP, corpus files. */
#ifndef NANOSH_NTLM_TEST_H
#define NANOSH_NTLM_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/tap.h"

/* TAP_OK evaluates its condition more than once: conditions with side effects go
 * through NT_OK, which evaluates them exactly once. */
#define NT_OK(cond, ...) do { \
        int nt_c_ = !!(cond); \
        TAP_OK(nt_c_, __VA_ARGS__); \
        if (!nt_c_) printf("#   condition: %s\n", #cond); \
    } while (0)

/* Decodes hex into out (at most max bytes); returns the byte count, or -1. */
static inline long unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex), i;

    if (n % 2 || n / 2 > max)
        return -1;
    for (i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return (long)(n / 2);
}

static inline void tohex(const unsigned char *p, size_t len, char *out)
{
    size_t i;

    for (i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    out[2 * len] = '\0';
}

/* ok when the len bytes at got are the bytes spelled by want_hex. */
#define TAP_HEX_EQ(got, len, want_hex, ...) do { \
        const unsigned char *th_g_ = (const unsigned char *)(got); \
        size_t th_l_ = (len); \
        char *th_h_ = malloc(2 * th_l_ + 1); \
        if (th_h_) tohex(th_g_, th_l_, th_h_); \
        TAP_STR_EQ(th_h_, (want_hex), __VA_ARGS__); \
        free(th_h_); \
    } while (0)

/* Reads a whole file; NULL when it is absent. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = 0;
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}
#endif
