/* Minimal TAP output for C unit tests (https://testanything.org). */
#ifndef NANOSH_TAP_H
#define NANOSH_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...) do { \
        int tap_c_ = (cond) ? 1 : 0; \
        ++tap_n; \
        if (tap_c_) { printf("ok %d - ", tap_n); } \
        else { ++tap_failed; printf("not ok %d - ", tap_n); } \
        printf(__VA_ARGS__); printf("\n"); \
        if (!tap_c_) printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    } while (0)

#define TAP_STR_EQ(got, want, ...) do { \
        const char *tap_g_ = (got), *tap_w_ = (want); \
        int tap_eq_ = tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0; \
        TAP_OK(tap_eq_, __VA_ARGS__); \
        if (!tap_eq_) printf("#   got:  %s\n#   want: %s\n", tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
    } while (0)

#define TAP_SKIP_ALL(reason) do { printf("1..0 # SKIP %s\n", reason); return 0; } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
