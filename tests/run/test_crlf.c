/* --text's line-end converters (shell/run/crlf.h): every way of cutting the stream into
 * chunks must give what one pass over the whole gives, for text, lone CRs, binary bytes
 * and nothing at all; the input source must fit any room and end only after its last LF. */
#include "tests/tap.h"
#include "shell/run/crlf.h"
#include <stdlib.h>

typedef struct mem {
    char data[8192];
    size_t len;
    int fail_after;      /* > 0: the nth write fails */
    int writes;
} mem;

static int mem_write(void *ud, const void *data, size_t len)
{
    mem *m = ud;
    if (m->fail_after && ++m->writes >= m->fail_after)
        return 7;
    if (m->len + len > sizeof m->data)
        return -1;
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return 0;
}

static int count_write(void *ud, const void *data, size_t len)
{
    (void)data;
    (void)len;
    ++*(int *)ud;
    return 0;
}

/* The expected results, one byte at a time over the whole input. */
static size_t ref_out(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
            out[o++] = in[i];
    return o;
}

static size_t ref_in(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\n' && !(i && in[i - 1] == '\r'))
            out[o++] = '\r';
        out[o++] = in[i];
    }
    return o;
}

/* Output through the converter in chunks cut at the given points (ascending). */
static int out_chunks(const char *in, size_t len, const size_t *cuts, size_t ncuts, mem *m)
{
    crlf_out c;
    crlf_out_init(&c, (ws_sink){mem_write, m});
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        if (crlf_out_write(&c, in + from, to - from) != 0)
            return -1;
        from = to;
    }
    return crlf_out_flush(&c);
}

static int same_out(const char *in, size_t len, const size_t *cuts, size_t ncuts)
{
    char want[8192];
    mem m = {.len = 0};
    size_t wlen = ref_out(in, len, want);
    return out_chunks(in, len, cuts, ncuts, &m) == 0 && m.len == wlen
           && memcmp(m.data, want, wlen) == 0;
}

/* Every cut into two and three chunks, and byte by byte. */
static void out_all_cuts(const char *name, const char *in, size_t len)
{
    int ok = 1;
    for (size_t a = 0; a <= len; a++) {
        ok &= same_out(in, len, &a, 1);
        for (size_t b = a; b <= len; b++)
            ok &= same_out(in, len, (size_t[]){a, b}, 2);
    }
    size_t every[256];
    for (size_t i = 0; i < len && i < 256; i++)
        every[i] = i;
    ok &= same_out(in, len, every, len < 256 ? len : 256);
    TAP_OK(ok, "output %s: the same for every cut into chunks", name);
}

/* A source over a memory buffer handing out at most `step` bytes per read. */
typedef struct mem_src {
    const char *data;
    size_t len, off, step;
    int reads_after_eof;
    int eof_said;
} mem_src;

static long mem_read(void *ud, void *buf, size_t cap, int *eof, ws_error *err)
{
    (void)err;
    mem_src *s = ud;
    if (s->eof_said)
        s->reads_after_eof++;
    size_t n = s->len - s->off;
    if (n > cap)
        n = cap;
    if (n > s->step)
        n = s->step;
    memcpy(buf, s->data + s->off, n);
    s->off += n;
    if (s->off == s->len)
        *eof = s->eof_said = 1;
    return (long)n;
}

/* Everything read through crlf_source with reads of `cap` bytes; -1 if it never ends. */
static long source_all(const char *in, size_t len, size_t step, size_t cap, char *out,
                       int *reads_after_eof)
{
    mem_src ms = {.data = in, .len = len, .step = step};
    ws_source from = {mem_read, &ms};
    crlf_source s;
    crlf_source_init(&s, &from);
    size_t o = 0;
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        int eof = 0;
        ws_error err;
        memset(&err, 0, sizeof err);
        long n = crlf_source_read(&s, buf, cap, &eof, &err);
        if (n < 0)
            return -1;
        memcpy(out + o, buf, (size_t)n);
        o += (size_t)n;
        if (eof) {
            *reads_after_eof = ms.reads_after_eof;
            return (long)o;
        }
    }
    return -1;
}

static void in_all_rooms(const char *name, const char *in, size_t len)
{
    char want[8192], got[8192];
    size_t wlen = ref_in(in, len, want);
    int ok = 1, early = 0;
    for (size_t cap = 1; cap <= 9; cap++)
        for (size_t step = 1; step <= 5; step++) {
            int after = 0;
            long n = source_all(in, len, step, cap, got, &after);
            ok &= n == (long)wlen && memcmp(got, want, wlen) == 0;
            early |= after;
        }
    TAP_OK(ok, "input %s: the same for every room and read size", name);
    TAP_OK(!early, "input %s: the source is not read after it said end of input", name);
}

/* Bytes with many CRs and LFs among the others (a fixed LCG: the same every run). */
static void binaryish(char *buf, size_t len)
{
    unsigned x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        unsigned v = (x >> 16) & 0xff;
        buf[i] = (char)(v < 64 ? '\r' : v < 128 ? '\n' : v);
    }
}

int main(void)
{
    static const struct { const char *name, *text; } cases[] = {
        {"CR LF lines", "one\r\ntwo\r\n\r\nthree\r\n"},
        {"lone CRs", "a\rb\r\r\nc\r"},
        {"LF only", "x\ny\n\n"},
        {"CR CR LF and LF CR", "\r\r\n\n\r\r"},
        {"one CR", "\r"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        out_all_cuts(cases[i].name, cases[i].text, strlen(cases[i].text));
        in_all_rooms(cases[i].name, cases[i].text, strlen(cases[i].text));
    }

    char bin[600];
    binaryish(bin, sizeof bin);
    bin[10] = '\0';
    out_all_cuts("binary-ish bytes", bin, 120);
    in_all_rooms("binary-ish bytes", bin, sizeof bin);

    /* Fixed expectations, so the reference functions cannot hide a shared mistake. */
    mem m = {.len = 0};
    out_chunks("a\r", 2, NULL, 0, &m);
    TAP_OK(m.len == 2 && memcmp(m.data, "a\r", 2) == 0, "output: a CR at the very end stays");
    m.len = 0;
    out_chunks("a\r\nb", 4, (size_t[]){2}, 1, &m);
    TAP_OK(m.len == 3 && memcmp(m.data, "a\nb", 3) == 0, "output: CR | LF across chunks is one LF");
    m.len = 0;
    out_chunks("a\r\rb", 4, (size_t[]){2}, 1, &m);
    TAP_OK(m.len == 4 && memcmp(m.data, "a\r\rb", 4) == 0, "output: CR | CR stays two CRs");
    m.len = 0;
    TAP_OK(out_chunks("", 0, NULL, 0, &m) == 0 && m.len == 0, "output: nothing gives nothing");

    char buf[16] = "a\nb\r\nc\n";
    crlf_in st = {0};
    size_t n = crlf_in_convert(&st, buf, 7);
    TAP_OK(n == 9 && memcmp(buf, "a\r\nb\r\nc\r\n", 9) == 0, "input: LF to CR LF, CR LF kept");
    TAP_OK(crlf_in_convert(&st, buf, 0) == 0, "input: nothing gives nothing");
    st.prev_cr = 1;
    buf[0] = '\n';
    TAP_OK(crlf_in_convert(&st, buf, 1) == 1 && buf[0] == '\n',
           "input: an LF after a CR of the last chunk stays as it is");

    mem fails = {.fail_after = 1};
    crlf_out c;
    crlf_out_init(&c, (ws_sink){mem_write, &fails});
    TAP_OK(crlf_out_write(&c, "x\r\ny", 4) == 7, "output: a failed write is returned");

    /* 2000 short lines in one chunk: a few writes, not one per line. */
    static char many[6000];
    for (size_t i = 0; i < sizeof many; i += 3)
        memcpy(many + i, "a\r\n", 3);
    int writes = 0;
    crlf_out_init(&c, (ws_sink){count_write, &writes});
    TAP_OK(crlf_out_write(&c, many, sizeof many) == 0 && writes == 1,
           "output: one chunk of many lines is one write (%d)", writes);

    int after = 0;
    char got[8];
    TAP_OK(source_all("", 0, 4, 4, got, &after) == 0, "input: an empty input just ends");
    return tap_done();
}
