/* Base64 (RFC 4648 4). OpenSSL's EVP_EncodeBlock and EVP_DecodeBlock do the work; this
 * file adds the strictness, the sizes and the wiping they leave to callers. */
#include "base/base64.h"
#include <stdlib.h>
#include <openssl/evp.h>

#define B64_MAX ((size_t)1 << 30)   /* EVP_*Block take an int length */

int ws_base64_encode(const void *in, size_t len, ws_buf *out)
{
    if (len > B64_MAX)
        return -1;
    size_t need = 4 * ((len + 2) / 3);
    unsigned char *tmp = malloc(need + 1);   /* EVP_EncodeBlock adds a NUL */
    if (!tmp)
        return -1;
    int n = EVP_EncodeBlock(tmp, in, (int)len);
    int rc = n >= 0 && (size_t)n == need ? ws_buf_append(out, tmp, need) : -1;
    ws_wipe(tmp, need + 1);
    free(tmp);
    return rc;
}

static int is_alphabet(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '+' || ch == '/';
}

/* The number of '=' that end in, or -1 when in is not strict base64. EVP_DecodeBlock
 * alone would accept '=' anywhere, leading whitespace and a missing padding check. */
static long padding_of(const char *in, size_t len)
{
    long pad = 0;
    if (len % 4 != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch == '=' && i + 2 >= len)
            pad++;
        else if (!is_alphabet(ch) || pad)
            return -1;
    }
    return pad;
}

int ws_base64_decode(const char *in, size_t len, ws_buf *out)
{
    if (len > B64_MAX)
        return WS_BASE64_MALFORMED;
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    long pad = padding_of(in, len);
    if (pad < 0)
        return WS_BASE64_MALFORMED;
    size_t max = len / 4 * 3;
    unsigned char *tmp = malloc(max + 1);
    if (!tmp)
        return WS_BASE64_NOMEM;
    /* EVP_DecodeBlock counts the padding as zero bytes: drop them afterwards. */
    int n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
    int rc = n < 0 || (size_t)n != max ? WS_BASE64_MALFORMED
             : ws_buf_append(out, tmp, max - (size_t)pad) < 0 ? WS_BASE64_NOMEM : 0;
    ws_wipe(tmp, max + 1);
    free(tmp);
    return rc;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int ws_base64_decode_text(const char *in, size_t len, ws_buf *out)
{
    if (len > B64_MAX)
        return WS_BASE64_MALFORMED;
    char *tight = malloc(len + 1);
    size_t n = 0;
    if (!tight)
        return WS_BASE64_NOMEM;
    for (size_t i = 0; i < len; i++)
        if (!is_space(in[i]))
            tight[n++] = in[i];
    int rc = ws_base64_decode(tight, n, out);
    ws_wipe(tight, len + 1);
    free(tight);
    return rc;
}
