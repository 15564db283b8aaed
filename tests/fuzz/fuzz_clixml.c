/* libFuzzer target: the "#< CLIXML" stderr decoder (shell/ps/clixml.c). The first two
 * bytes seed the sizes of the pieces the rest is fed in, as stream chunks arrive from
 * Receive; then the _xHHHH_ unescaper on the whole input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "shell/ps/clixml.h"

typedef struct sink_state {
    size_t out;
    unsigned sum;
} sink_state;

static int sink(void *ud, const char *text, size_t len)
{
    sink_state *s = ud;
    if (!text || !len)
        abort();   /* the decoder never passes empty text */
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)   /* touch every byte */
        sum += (unsigned char)text[i];
    s->out += len;
    s->sum += sum;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t rnd = (uint32_t)data[0] | (uint32_t)data[1] << 8 | 1u;
    unsigned maxpiece = (data[0] & 7) == 0 ? 1 : (data[0] & 7) == 1 ? 4096 : 64;
    data += 2;
    size -= 2;

    sink_state st = {0};
    clixml_decoder d;
    clixml_init(&d, sink, &st);
    size_t off = 0;
    while (off < size) {
        rnd ^= rnd << 13;
        rnd ^= rnd >> 17;
        rnd ^= rnd << 5;
        size_t n = 1 + rnd % maxpiece;
        if (n > size - off)
            n = size - off;
        /* Each piece in its own allocation, so reads past its end are caught. */
        char *piece = malloc(n);
        if (!piece)
            break;
        memcpy(piece, data + off, n);
        int rc = clixml_feed(&d, piece, n);
        free(piece);
        if (rc != 0)
            abort();   /* the sink never fails, nor does memory here */
        off += n;
    }
    if (clixml_flush(&d) != 0)
        abort();
    clixml_free(&d);

    size_t outlen;
    char *plain = clixml_unescape((const char *)data, size, &outlen);
    if (plain) {
        if (outlen > size || plain[outlen] != '\0')
            abort();
        free(plain);
    }
    return 0;
}
