/* The test double of test_mech.h. */
#include "tests/transport/test_mech.h"
#include <stdlib.h>
#include <string.h>

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char key(char dir, uint32_t seq, size_t i)
{
    return (unsigned char)((unsigned char)dir * 13u + seq * 31u + (uint32_t)i * 7u + 0x5Au);
}

/* FNV-1a over direction, seq (u32le) and plaintext. */
static uint32_t checksum(char dir, uint32_t seq, const unsigned char *p, size_t len)
{
    unsigned char head[5] = {(unsigned char)dir};
    uint32_t h = 2166136261u;
    put32(head + 1, seq);
    for (size_t i = 0; i < sizeof head; i++)
        h = (h ^ head[i]) * 16777619u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

void tmech_seal(char dir, uint32_t seq, const unsigned char *in, size_t len,
                unsigned char *sig, unsigned char *out)
{
    memcpy(sig, "TSIG", 4);
    put32(sig + 4, (uint32_t)(unsigned char)dir);
    put32(sig + 8, seq);
    put32(sig + 12, (uint32_t)len);
    put32(sig + 16, checksum(dir, seq, in, len));
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] ^ key(dir, seq, i);
}

int tmech_open(char dir, uint32_t seq, const unsigned char *sig, const unsigned char *in,
               size_t len, unsigned char *out)
{
    if (memcmp(sig, "TSIG", 4) != 0 || get32(sig + 4) != (uint32_t)(unsigned char)dir)
        return -1;
    if (get32(sig + 8) != seq)
        return -2;
    if (get32(sig + 12) != (uint32_t)len)
        return -3;
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] ^ key(dir, seq, i);
    return checksum(dir, seq, out, len) == get32(sig + 16) ? 0 : -1;
}

static ws_rc tm_reset(ws_auth *a, const ws_auth_conn *c, ws_error *err)
{
    tmech_state *s = a->state;
    (void)c;
    (void)err;
    s->seq_out = s->seq_in = 0;
    s->resets++;
    return WS_OK;
}

ws_rc tmech_step(ws_auth *a, const unsigned char *in, size_t inlen, ws_buf *out, int *done,
                 ws_error *err)
{
    (void)a;
    *done = 0;
    if (!in)
        ws_buf_appends(out, "HELLO");
    else if (inlen == 9 && memcmp(in, "CHALLENGE", 9) == 0)
        ws_buf_appends(out, "RESPONSE:CHALLENGE");
    else if (inlen == 4 && memcmp(in, "DONE", 4) == 0)
        *done = 1;
    else
        return ws_error_set(err, WS_E_AUTH, "", "unexpected server token");
    return WS_OK;
}

static ws_rc tm_wrap(ws_auth *a, const unsigned char *in, size_t len, ws_buf *out,
                     size_t *sig_len, ws_error *err)
{
    static const unsigned char zero[TMECH_SIG_LEN];
    tmech_state *s = a->state;
    size_t base = out->len;
    if (ws_buf_append(out, zero, sizeof zero) < 0 || ws_buf_append(out, in, len) < 0)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    unsigned char *p = (unsigned char *)out->data + base;
    tmech_seal('C', s->seq_out++, in, len, p, p + TMECH_SIG_LEN);
    *sig_len = TMECH_SIG_LEN;
    return WS_OK;
}

static ws_rc tm_unwrap(ws_auth *a, const unsigned char *in, size_t len, size_t sig_len,
                       ws_buf *out, ws_error *err)
{
    tmech_state *s = a->state;
    if (sig_len != TMECH_SIG_LEN || len < sig_len)
        return ws_error_set(err, WS_E_CRYPTO, "", "bad signature length %zu", sig_len);
    size_t n = len - sig_len, base = out->len;
    if (ws_buf_append(out, in + sig_len, n) < 0)
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory");
    unsigned char *p = (unsigned char *)out->data + base;
    int r = tmech_open('S', s->seq_in, in, in + sig_len, n, p);
    if (r != 0) {
        out->len = base;
        out->data[base] = '\0';
        return ws_error_set(err, WS_E_CRYPTO, "", "%s",
                            r == -2 ? "wrong sequence number" : r == -3 ? "bad sealed length"
                                                                        : "bad signature");
    }
    s->seq_in++;
    return WS_OK;
}

static void tm_destroy(ws_auth *a)
{
    free(a->state);
}

static const ws_auth_ops tm_ops = {"tmech", tm_reset, tmech_step, tm_wrap, tm_unwrap, tm_destroy, NULL};
static const ws_auth_ops custom_ops = {"custom", tm_reset, tmech_step, tm_wrap, tm_unwrap,
                                       tm_destroy, NULL};

static ws_auth *make(const ws_auth_ops *ops, const char *scheme, unsigned caps,
                     tmech_state **st)
{
    ws_auth *a = calloc(1, sizeof *a);
    tmech_state *s = calloc(1, sizeof *s);
    if (!a || !s) {
        free(a);
        free(s);
        return NULL;
    }
    a->ops = ops;
    a->scheme = scheme;
    a->enc_protocol = "application/HTTP-SPNEGO-session-encrypted";
    a->caps = caps;
    a->state = s;
    if (st)
        *st = s;
    return a;
}

ws_auth *tmech_new(tmech_state **st)
{
    return make(&tm_ops, "Negotiate",
                WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS | WS_AUTH_CHANNEL_BINDING, st);
}

ws_auth *tmech_custom_new(const char *scheme, unsigned caps, tmech_state **st)
{
    return make(&custom_ops, scheme, caps, st);
}
