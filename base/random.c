/* Random bytes from the kernel (getrandom(2)); blocks only before the pool is seeded. */
#include "base/random.h"
#include <errno.h>
#include <sys/random.h>

int ws_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}
