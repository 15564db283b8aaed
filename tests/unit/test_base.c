/* The base utilities every layer shares: the one base64 codec (RFC 4648), the
 * little-endian loads and stores, hexval and the monotonic clock. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/base64.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/hex.h"
#include "tests/tap.h"

/* RFC 4648 section 10. */
static const char *const vectors[][2] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

/* Whether decode(text) succeeds with exactly want (of len bytes). */
static int decodes_to(int (*decode)(const char *, size_t, ws_buf *), const char *text,
                      const char *want, size_t len)
{
    ws_buf b = WS_BUF_INIT;
    int ok = decode(text, strlen(text), &b) == 0 && b.len == len && b.data &&
             memcmp(b.data, want, len) == 0;
    ws_buf_free(&b);
    return ok;
}

/* Whether decode(text, len) fails and leaves what out held untouched. */
static int rejects(int (*decode)(const char *, size_t, ws_buf *), const char *text, size_t len)
{
    ws_buf b = WS_BUF_INIT;
    ws_buf_appends(&b, "kept");
    int ok = decode(text, len, &b) == WS_BASE64_MALFORMED && b.len == 4 &&
             strcmp(b.data, "kept") == 0;
    ws_buf_free(&b);
    return ok;
}

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        ws_buf b = WS_BUF_INIT;
        int r = ws_base64_encode(vectors[i][0], strlen(vectors[i][0]), &b);
        TAP_OK(r == 0 && b.data && strcmp(b.data, vectors[i][1]) == 0,
               "encode \"%s\" is \"%s\" (RFC 4648 10)", vectors[i][0], vectors[i][1]);
        ws_buf_free(&b);
        TAP_OK(decodes_to(ws_base64_decode, vectors[i][1], vectors[i][0], strlen(vectors[i][0])),
               "decode \"%s\" is \"%s\" (RFC 4648 10)", vectors[i][1], vectors[i][0]);
    }
}

static void test_round_trips(void)
{
    unsigned char raw[300];
    int bad = 0;
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 151 + 7);   /* every byte value, in a scrambled order */
    for (size_t len = 0; len <= sizeof raw; len++) {
        ws_buf enc = WS_BUF_INIT, dec = WS_BUF_INIT;
        if (ws_base64_encode(raw, len, &enc) != 0 || enc.len != 4 * ((len + 2) / 3) ||
            ws_base64_decode(enc.data, enc.len, &dec) != 0 || dec.len != len ||
            (len && memcmp(dec.data, raw, len) != 0))
            bad++;
        ws_buf_free(&enc);
        ws_buf_free(&dec);
    }
    TAP_OK(bad == 0, "301 lengths of binary data round-trip (%d failed)", bad);

    ws_buf b = WS_BUF_INIT;
    ws_buf_appends(&b, "x:");
    TAP_OK(ws_base64_encode("Hi", 2, &b) == 0 && strcmp(b.data, "x:SGk=") == 0,
           "encode appends to what the buffer holds");
    TAP_OK(ws_base64_decode("Zm8=", 4, &b) == 0 && b.len == 8 && memcmp(b.data, "x:SGk=fo", 8) == 0,
           "decode appends too");
    ws_buf_free(&b);
    TAP_OK(ws_base64_encode("", 0, &b) == 0 && b.data && b.len == 0,
           "encoding nothing gives an empty string, not NULL");
    ws_buf_free(&b);
    TAP_OK(ws_base64_decode("", 0, &b) == 0 && b.data && b.len == 0, "decoding nothing gives nothing");
    ws_buf_free(&b);
}

/* text with CR and LF spelled out, for a one-line TAP description. */
static const char *shown(const char *text)
{
    static char buf[64];
    size_t n = 0;
    for (; *text && n + 3 < sizeof buf; text++) {
        if (*text == '\r' || *text == '\n') {
            buf[n++] = '\\';
            buf[n++] = *text == '\r' ? 'r' : 'n';
        } else
            buf[n++] = *text;
    }
    buf[n] = '\0';
    return buf;
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "Zm9v*mFy", "Zm9-", "Zm9_",           /* not the alphabet (nor base64url) */
        "Zg=a", "Z===", "=Zg=", "Zg==Zg==",   /* padding not at the end, or too much */
        "Zm9vYg=", "Zg=", "Zm9vY", "Z",       /* not a multiple of four */
        "Zm9v YmFy", " Zm8=", "Zm8=\r\n",     /* whitespace other than trailing blanks */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TAP_OK(rejects(ws_base64_decode, bad[i], strlen(bad[i])),
               "strict decode rejects \"%s\" and leaves the buffer as it was", shown(bad[i]));
    TAP_OK(rejects(ws_base64_decode, "Zm\0v", 4), "a NUL inside is rejected");
    TAP_OK(decodes_to(ws_base64_decode, "Zm8= \t ", "fo", 2),
           "trailing spaces and tabs are ignored (HTTP OWS)");
}

/* rsp:Stream text may be wrapped: whitespace anywhere goes, nothing else changes. */
static void test_text(void)
{
    TAP_OK(decodes_to(ws_base64_decode_text, "Zm9v\r\nYmFy\n", "foobar", 6),
           "text decode skips CR LF line breaks");
    TAP_OK(decodes_to(ws_base64_decode_text, " \tZm 9v\tYg ==\n", "foob", 4),
           "text decode skips spaces and tabs anywhere");
    TAP_OK(decodes_to(ws_base64_decode_text, " \r\n", "", 0), "whitespace alone is nothing");
    TAP_OK(rejects(ws_base64_decode_text, "Zg==\nZg==", 9), "text decode: data after padding");
    TAP_OK(rejects(ws_base64_decode_text, "Zm9\n", 4), "text decode: a short final group");
    TAP_OK(rejects(ws_base64_decode_text, "!!notbase64!!", 13), "text decode: bad characters");
    TAP_OK(rejects(ws_base64_decode_text, "Zm9v\fYmFy", 9), "text decode: a form feed is not skipped");
}

static void test_bytes(void)
{
    static const unsigned char le[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    unsigned char out[8];

    TAP_OK(ws_load_le16(le) == 0x2301, "load_le16");
    TAP_OK(ws_load_le32(le) == 0x67452301u, "load_le32");
    TAP_OK(ws_load_le32(le + 4) == 0xefcdab89u, "load_le32 with the top bit set");
    TAP_OK(ws_load_le64(le) == 0xefcdab8967452301ull, "load_le64");
    memset(out, 0xff, sizeof out);
    ws_store_le16(out, 0x2301);
    TAP_OK(memcmp(out, le, 2) == 0 && out[2] == 0xff, "store_le16 writes two bytes");
    memset(out, 0xff, sizeof out);
    ws_store_le32(out, 0x67452301u);
    TAP_OK(memcmp(out, le, 4) == 0 && out[4] == 0xff, "store_le32 writes four bytes");
    ws_store_le64(out, 0xefcdab8967452301ull);
    TAP_OK(memcmp(out, le, 8) == 0, "store_le64");
}

static void test_hex_and_clock(void)
{
    static const char digits[] = "0123456789abcdef", upper[] = "ABCDEF";
    int bad = 0;
    for (int i = 0; i < 16; i++)
        bad += ws_hexval(digits[i]) != i;
    for (int i = 0; i < 6; i++)
        bad += ws_hexval(upper[i]) != 10 + i;
    TAP_OK(bad == 0, "hexval of 0-9, a-f, A-F");
    bad = 0;
    for (int c = -1; c < 256; c++)
        bad += !strchr("0123456789abcdefABCDEF", c) && ws_hexval(c) != -1;
    TAP_OK(bad == 0 && ws_hexval(0) == -1 && ws_hexval('g') == -1 && ws_hexval(0xe1) == -1,
           "hexval of anything else is -1");

    long long t0 = ws_now_ms();
    struct timespec pause = {0, 20 * 1000000L};
    nanosleep(&pause, NULL);
    long long took = ws_now_ms() - t0;
    TAP_OK(t0 > 0 && took >= 19 && took < 5000, "the clock moves forward: %lld ms for 20 ms", took);
}

int main(void)
{
    test_vectors();
    test_round_trips();
    test_malformed();
    test_text();
    test_bytes();
    test_hex_and_clock();
    return tap_done();
}
