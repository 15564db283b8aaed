/* Random bytes from the kernel's CSPRNG. */
#ifndef NANOSH_RANDOM_H
#define NANOSH_RANDOM_H
#include <stddef.h>

/* Fills buf with n random bytes from getrandom(2). Returns 0, or -1 (errno set).
 * Used instead of RAND_bytes: seeding OpenSSL's DRBG costs more than a one-shot
 * command's whole protocol work. */
int ws_random_bytes(void *buf, size_t n);

#endif
