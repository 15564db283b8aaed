/* MS-WSMV 2.2.9.1 message encryption: the multipart/encrypted framing of
 * wsman/encrypted.c (byte-exact requests, tolerant and bounds-checked reply parsing)
 * with the test double of test_mech.c, and the transport's encrypted sessions against
 * http_fixture.py's /enc mode. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tests/tap.h"
#include "base/clock.h"
#include "tests/transport/fixture.h"
#include "tests/transport/test_mech.h"
#include "wsman/encrypted.h"
#include "wsman/global.h"
#include "wsman/transport.h"
#include "wsman/wsman.h"

#define SPNEGO "application/HTTP-SPNEGO-session-encrypted"
#define CTYPE "multipart/encrypted;protocol=\"" SPNEGO "\";boundary=\"Encrypted Boundary\""
#define REPLY "<s:Envelope><s:Body><r/></s:Body></s:Envelope>"

/* ---- framing ---- */

/* One way a server may lay out a reply around Length=N and the binary part. */
typedef struct shape {
    const char *name;
    const char *ctype;        /* HTTP Content-Type */
    const char *before_len;   /* from the start up to the Length digits */
    const char *after_len;    /* from after the digits up to the u32le */
    const char *tail;         /* after the sealed data */
} shape;

static const shape spec = {
    "MS-WSMV layout", CTYPE,
    "--Encrypted Boundary\r\n\tContent-Type: " SPNEGO "\r\n"
    "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
    "\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
    "--Encrypted Boundary--\r\n"};

/* A reply sealed by the "server" side of the test double with sequence number seq;
 * Length is the plaintext length plus delta. */
static void server_reply(ws_buf *out, const shape *s, uint32_t seq, const char *plain,
                         long delta)
{
    size_t n = strlen(plain);
    unsigned char sig[TMECH_SIG_LEN], *sealed = malloc(n + 1);
    const unsigned char le[4] = {TMECH_SIG_LEN, 0, 0, 0};
    tmech_seal('S', seq, (const unsigned char *)plain, n, sig, sealed);
    ws_buf_reset(out);
    ws_buf_appends(out, s->before_len);
    ws_buf_appendf(out, "%ld", (long)n + delta);
    ws_buf_appends(out, s->after_len);
    ws_buf_append(out, le, 4);
    ws_buf_append(out, sig, sizeof sig);
    ws_buf_append(out, sealed, n);
    ws_buf_appends(out, s->tail);
    free(sealed);
}

/* Unwraps body with a fresh client state expecting sequence number seq_in. */
static ws_rc open_body(const char *ctype, const ws_buf *body, uint32_t seq_in, ws_buf *plain,
                       ws_error *err)
{
    tmech_state *st;
    ws_auth *a = tmech_new(&st);
    st->seq_in = seq_in;
    ws_buf_reset(plain);
    ws_error_clear(err);
    ws_rc rc = ws_enc_unwrap(a, ctype, body->data, body->len, "host:5985", plain, err);
    ws_auth_free(a);
    return rc;
}

static void test_request_bytes(void)
{
    const char *soap = "<s:Envelope/>";
    unsigned char sig[TMECH_SIG_LEN], sealed[13];
    ws_buf want = WS_BUF_INIT, got = WS_BUF_INIT, hdr = WS_BUF_INIT;
    ws_error err = {0};
    tmech_state *st;

    /* PROTOCOL.md 4.2, line by line; u32le 20, the signature, the sealed bytes, and the
     * closing boundary with no CRLF before it. */
    tmech_seal('C', 0, (const unsigned char *)soap, 13, sig, sealed);
    ws_buf_appends(&want, "--Encrypted Boundary\r\n");
    ws_buf_appends(&want, "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n");
    ws_buf_appends(&want, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=13\r\n");
    ws_buf_appends(&want, "--Encrypted Boundary\r\n");
    ws_buf_appends(&want, "\tContent-Type: application/octet-stream\r\n");
    ws_buf_append(&want, "\x14\x00\x00\x00", 4);
    ws_buf_append(&want, sig, sizeof sig);
    ws_buf_append(&want, sealed, sizeof sealed);
    ws_buf_appends(&want, "--Encrypted Boundary--\r\n");

    ws_auth *a = tmech_new(&st);
    ws_rc rc = ws_enc_wrap(a, soap, 13, &got, &err);
    TAP_OK(rc == WS_OK && got.len == want.len && memcmp(got.data, want.data, want.len) == 0,
           "request body is byte-exact as MS-WSMV 2.2.9.1.1.2 (%zu bytes, want %zu)", got.len, want.len);
    TAP_OK(st->seq_out == 1, "wrapping used one client sequence number");
    rc = ws_enc_header(a->enc_protocol, &hdr, &err);
    TAP_STR_EQ(rc == WS_OK ? hdr.data : NULL,
               "Content-Type: multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"",
               "HTTP Content-Type as MS-WSMV 2.2.9.1.1.1");
    ws_buf_reset(&got);
    rc = ws_enc_wrap(a, "", 0, &got, &err);
    TAP_OK(rc == WS_OK && strstr(got.data, "Length=0\r\n") != NULL, "an empty message frames with Length=0");
    ws_auth_free(a);
    ws_buf_free(&want);
    ws_buf_free(&got);
    ws_buf_free(&hdr);
}

/* ws_enc_frame then ws_enc_parse gives back the same bytes, whatever they contain. */
static void test_frame_round_trip(void)
{
    static const size_t sizes[] = {1, 16, 17, 100, 70000};
    static const size_t sigs[] = {1, 16, 20, 60};
    int ok = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (size_t j = 0; j < sizeof sigs / sizeof *sigs; j++) {
            size_t n = sizes[i] + sigs[j];
            unsigned char *w = malloc(n);
            for (size_t k = 0; k < n; k++)
                w[k] = (unsigned char)(k * 131 + i);
            /* Boundaries inside the binary part must not confuse the parser. */
            if (n > 60)
                memcpy(w + n - 40, "\r\n--Encrypted Boundary--\r\n--Encrypted Boundary\r\n", 38);
            ws_buf body = WS_BUF_INIT;
            ws_enc_parts p;
            ws_rc rc = ws_enc_frame(SPNEGO, sizes[i], w, n, sigs[j], &body, NULL);
            if (rc == WS_OK)
                rc = ws_enc_parse(CTYPE, body.data, body.len, "h", &p, NULL);
            ok &= rc == WS_OK && p.sig_len == sigs[j] && p.wrapped_len == n &&
                  memcmp(p.wrapped, w, n) == 0 && p.length == sizes[i] &&
                  p.protocol_len == strlen(SPNEGO) && memcmp(p.protocol, SPNEGO, p.protocol_len) == 0;
            ws_buf_free(&body);
            free(w);
        }
    }
    TAP_OK(ok, "frame/parse round trip: 5 sizes x 4 signature lengths, boundaries inside the ciphertext");
    ws_buf body = WS_BUF_INIT;
    ws_rc rc = ws_enc_frame(SPNEGO, 1, (const unsigned char *)"abc", 3, 4, &body, NULL);
    TAP_OK(rc != WS_OK && body.len == 0, "a signature longer than the wrapped data is refused when framing");
    ws_buf_free(&body);
}

static void test_reply_shapes(void)
{
    static const shape shapes[] = {
        {"MS-WSMV layout", CTYPE,
         "--Encrypted Boundary\r\n\tContent-Type: " SPNEGO "\r\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
         "--Encrypted Boundary--\r\n"},
        {"part headers without HT", CTYPE,
         "--Encrypted Boundary\r\nContent-Type: " SPNEGO "\r\n"
         "OriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\r\n--Encrypted Boundary\r\nContent-Type: application/octet-stream\r\n",
         "--Encrypted Boundary--\r\n"},
        {"without HT, LF line ends", CTYPE,
         "--Encrypted Boundary\nContent-Type: " SPNEGO "\n"
         "OriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\n--Encrypted Boundary\nContent-Type: application/octet-stream\n",
         "--Encrypted Boundary--\n"},
        {"HT with LF line ends", CTYPE,
         "--Encrypted Boundary\n\tContent-Type: " SPNEGO "\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\n--Encrypted Boundary\n\tContent-Type: application/octet-stream\n",
         "--Encrypted Boundary--\n"},
        {"header names and parameters in other case, spaces", CTYPE,
         "--Encrypted Boundary\r\n  content-type:application/http-spnego-session-encrypted \r\n"
         "ORIGINALCONTENT: type=application/soap+xml; charset=UTF-8; length= ",
         " \r\n--Encrypted Boundary\r\nCONTENT-TYPE: Application/Octet-Stream\r\n",
         "--Encrypted Boundary--\r\n"},
        {"Exchange's \"-- Encrypted Boundary\"", CTYPE,
         "-- Encrypted Boundary\r\n\tContent-Type: " SPNEGO "\r\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\r\n-- Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
         "-- Encrypted Boundary--\r\n"},
        {"boundary from the Content-Type, unquoted, no final CRLF",
         "Multipart/Encrypted; boundary=xyz; protocol=\"" SPNEGO "\"",
         "\r\n--xyz\r\n\tContent-Type: " SPNEGO "\r\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         "\r\n--xyz\r\n\tContent-Type: application/octet-stream\r\n", "--xyz--"},
    };
    ws_buf body = WS_BUF_INIT, plain = WS_BUF_INIT;
    ws_error err = {0};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        server_reply(&body, &shapes[i], 3, REPLY, 0);
        ws_rc rc = open_body(shapes[i].ctype, &body, 3, &plain, &err);
        TAP_OK(rc == WS_OK && plain.len == strlen(REPLY) && memcmp(plain.data, REPLY, plain.len) == 0,
               "reply parsed: %s (%s)", shapes[i].name, err.what);
    }
    ws_buf_free(&body);
    ws_buf_free(&plain);
}

static int rc_is(ws_rc rc, ws_rc a, ws_rc b)
{
    return rc == a || rc == b;
}

/* Every prefix, every flipped byte: an error, or (where the change is immaterial, such
 * as the case of a header name) exactly the original plaintext. Never a crash. */
static void test_reply_mutations(void)
{
    ws_buf body = WS_BUF_INIT, cut = WS_BUF_INIT, plain = WS_BUF_INIT;
    ws_error err = {0};
    int ok = 1, failures = 0;

    server_reply(&body, &spec, 0, REPLY, 0);
    for (size_t n = 0; n + 2 < body.len; n++) {
        ws_buf_reset(&cut);
        ws_buf_append(&cut, body.data, n);
        ws_rc rc = open_body(CTYPE, &cut, 0, &plain, &err);
        ok &= rc_is(rc, WS_E_PROTOCOL, WS_E_CRYPTO) && plain.len == 0;
    }
    TAP_OK(ok, "every truncation of a reply (%zu of them) is refused and yields nothing", body.len - 2);

    ok = 1;
    for (size_t i = 0; i < body.len; i++) {
        for (int m = 0; m < 2; m++) {
            ws_buf_reset(&cut);
            ws_buf_append(&cut, body.data, body.len);
            cut.data[i] ^= m ? 0x80 : 0x20;
            ws_rc rc = open_body(CTYPE, &cut, 0, &plain, &err);
            if (rc != WS_OK)
                failures++;
            ok &= rc == WS_OK ? plain.len == strlen(REPLY) && memcmp(plain.data, REPLY, plain.len) == 0
                              : rc_is(rc, WS_E_PROTOCOL, WS_E_CRYPTO) && plain.len == 0;
        }
    }
    TAP_OK(ok && failures > (int)body.len,
           "flipping any byte gives an error or the same plaintext (%d of %zu refused)", failures, 2 * body.len);
    ws_buf_free(&body);
    ws_buf_free(&cut);
    ws_buf_free(&plain);
}

/* body with the u32le signature length replaced. */
static void set_sig_len(ws_buf *body, uint32_t v)
{
    char *p = strstr(body->data, "octet-stream\r\n") + 14;
    for (int i = 0; i < 4; i++)
        p[i] = (char)(v >> (8 * i));
}

static void expect(ws_rc rc, ws_rc want, const ws_buf *plain, const ws_error *err,
                   const char *word, const char *what)
{
    TAP_OK(rc == want && plain->len == 0 && strstr(err->what, word) != NULL,
           "%s: %s (%s)", what, want == WS_E_CRYPTO ? "WS_E_CRYPTO" : "WS_E_PROTOCOL", err->what);
}

static void test_reply_hostile(void)
{
    ws_buf body = WS_BUF_INIT, plain = WS_BUF_INIT;
    ws_error err = {0};
    ws_rc rc;
    size_t n = strlen(REPLY);
    char buf[400];

    server_reply(&body, &spec, 0, REPLY, 0);
    set_sig_len(&body, 0xFFFFFFFFu);
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "runs past", "signature length 0xFFFFFFFF");
    set_sig_len(&body, (uint32_t)(TMECH_SIG_LEN + n + 1));
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "runs past", "signature length one past the data");
    set_sig_len(&body, (uint32_t)(TMECH_SIG_LEN + n));
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_CRYPTO, &plain, &err, "integrity", "signature length that swallows the data");
    set_sig_len(&body, 0);
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "no signature", "signature length 0");

    server_reply(&body, &spec, 0, REPLY, 1);
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_CRYPTO, &plain, &err, "failed its integrity check (OriginalContent Length is",
           "Length one more than the plaintext");
    server_reply(&body, &spec, 0, REPLY, -1);
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_CRYPTO, &plain, &err, "Length", "Length one less than the plaintext");

    server_reply(&body, &spec, 0, REPLY, 0);
    rc = open_body(CTYPE, &body, 1, &plain, &err);
    expect(rc, WS_E_CRYPTO, &plain, &err, "sequence", "a reply with an old sequence number");
    body.data[body.len - 30] ^= 1;   /* inside the ciphertext */
    rc = open_body(CTYPE, &body, 0, &plain, &err);
    expect(rc, WS_E_CRYPTO, &plain, &err, "host:5985 failed its integrity check (bad signature)",
           "a changed ciphertext byte");

    static const struct { const char *what, *before, *after, *tail, *word; } bad[] = {
        {"first boundary missing", "\tContent-Type: " SPNEGO "\r\n\tOriginalContent: type=x;Length=",
         "\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
         "--Encrypted Boundary--\r\n", "start with the boundary"},
        {"second boundary missing", spec.before_len, "\r\n\tContent-Type: application/octet-stream\r\n",
         "--Encrypted Boundary--\r\n", "second boundary"},
        {"closing boundary missing", spec.before_len, spec.after_len, "", "closing boundary"},
        {"closing boundary without its dashes", spec.before_len, spec.after_len,
         "--Encrypted Boundary\r\n", "closing boundary"},
        {"second part not octet-stream", spec.before_len,
         "\r\n--Encrypted Boundary\r\n\tContent-Type: text/plain\r\n", spec.tail, "octet-stream"},
        {"Length not a number", spec.before_len, "x\r\n--Encrypted Boundary\r\n", spec.tail, "Length"},
        {"Length far too large", spec.before_len, "99999999999999999999\r\n--Encrypted Boundary\r\n",
         spec.tail, "Length"},
        {"no OriginalContent", "--Encrypted Boundary\r\n\tContent-Type: " SPNEGO "\r\n\tX: ",
         spec.after_len, spec.tail, "no OriginalContent"},
        {"CredSSP protocol", "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-CredSSP-session-encrypted\r\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         spec.after_len, spec.tail, "protocol application/HTTP-CredSSP-session-encrypted"},
        {"Kerberos protocol for a non-Kerberos mechanism",
         "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-Kerberos-session-encrypted\r\n"
         "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
         spec.after_len, spec.tail, "protocol"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        shape s = {bad[i].what, CTYPE, bad[i].before, bad[i].after, bad[i].tail};
        server_reply(&body, &s, 0, REPLY, 0);
        rc = open_body(CTYPE, &body, 0, &plain, &err);
        expect(rc, WS_E_PROTOCOL, &plain, &err, bad[i].word, bad[i].what);
    }

    server_reply(&body, &spec, 0, REPLY, 0);
    rc = open_body("application/soap+xml;charset=UTF-8", &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "not multipart/encrypted", "a plain Content-Type");
    rc = open_body("multipart/encrypted;protocol=\"application/HTTP-CredSSP-session-encrypted\";boundary=\"Encrypted Boundary\"",
                   &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "protocol application/HTTP-CredSSP-session-encrypted where",
           "a foreign protocol in the HTTP Content-Type");
    memset(buf, 'b', sizeof buf);
    memcpy(buf, "multipart/encrypted;boundary=\"", 30);
    buf[sizeof buf - 2] = '"';
    buf[sizeof buf - 1] = '\0';
    rc = open_body(buf, &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "boundary", "an overlong boundary parameter");
    rc = open_body("multipart/encrypted;boundary=\"Encrypted Boundary", &body, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "boundary", "an unterminated boundary parameter");
    ws_buf empty = WS_BUF_INIT;
    rc = open_body(CTYPE, &empty, 0, &plain, &err);
    expect(rc, WS_E_PROTOCOL, &plain, &err, "malformed", "an empty body");

    TAP_OK(ws_enc_is_encrypted("multipart/encrypted;protocol=x") && ws_enc_is_encrypted(" MULTIPART/ENCRYPTED") &&
           !ws_enc_is_encrypted("multipart/encrypted-x") && !ws_enc_is_encrypted("application/soap+xml") &&
           !ws_enc_is_encrypted(NULL), "multipart/encrypted is recognised by its media type only");
    ws_buf_free(&body);
    ws_buf_free(&plain);
}

/* ---- through the transport ---- */

static fixture fx;

static ws_transport *transport(int port, int https, const char *path, ws_conn_opts *o,
                               ws_auth *auth)
{
    ws_target t = {.host = "127.0.0.1", .port = port, .https = https, .path = path};
    ws_transport *tp = NULL;
    ws_error err = {0};
    if (ws_transport_new(&t, o, auth, &tp, &err) != WS_OK)
        printf("# ws_transport_new: %s\n", err.what);
    return tp;
}

/* One POST; the reply body (or "") into a static buffer. */
static ws_rc post(ws_transport *tp, const char *body, unsigned flags, long *status,
                  const char **reply, ws_error *err)
{
    static char text[1024];
    ws_buf r = WS_BUF_INIT;
    ws_error_clear(err);
    *status = 0;
    ws_rc rc = tp ? ws_transport_post(tp, body, strlen(body), flags, 10000, &r, status, err)
                  : WS_E_USAGE;
    snprintf(text, sizeof text, "%.*s", (int)r.len, r.data ? r.data : "");
    ws_buf_free(&r);
    if (reply)
        *reply = text;
    return rc;
}

#define LOG(i, key) fixture_log_field(&fx, (i), (key))

#define SOAP_CTYPE "application/soap+xml;charset=UTF-8"

/* Requests from log line idx on whose decrypted body was msg; *last, if given, gets the
 * last one's line. */
static int times_seen(int idx, const char *msg, int *last)
{
    int n = fixture_log_count(&fx), seen = 0;
    for (int i = idx; i < n; i++)
        if (strcmp(LOG(i, "plain"), msg) == 0) {
            seen++;
            if (last)
                *last = i;
        }
    return seen;
}

/* Sends msg through a new transport to 127.0.0.1; returns the fixture's log count from
 * before, the line of the first request that went out for it. */
static int send_once(int port, int https, const char *path, ws_conn_opts *o, ws_auth *auth,
                     const char *msg, ws_rc *rc, ws_error *err)
{
    int first = fixture_log_count(&fx);
    long status;
    ws_transport *tp = transport(port, https, path, o, auth);
    *rc = post(tp, msg, 0, &status, NULL, err);
    ws_transport_free(tp);
    return first;
}

static void test_session(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    long status;
    const char *reply;
    int first = fixture_log_count(&fx);
    ws_transport *tp = transport(fx.http_port, 0, "/enc", &o, tmech_new(&st));

    ws_rc rc = post(tp, "<one/>", 0, &status, &reply, &err);
    TAP_OK(rc == WS_OK && status == 200 && strstr(reply, "<ok n=\"6\" seq=\"0\"/>"),
           "encrypted by default over HTTP: the decrypted reply reaches the caller (%s)", err.what);
    rc = post(tp, "<two/>", 0, &status, &reply, &err);
    TAP_OK(rc == WS_OK && strstr(reply, "<ok n=\"6\" seq=\"1\"/>"), "a second message uses the next sequence numbers");
    TAP_OK(fixture_log_count(&fx) - first == 4, "two handshake legs, two messages, no probe (%d requests)",
           fixture_log_count(&fx) - first);
    int empty = 1;
    for (int i = first; i < first + 2; i++)
        empty &= strcmp(LOG(i, "len"), "0") == 0 && strcmp(LOG(i, "plain"), "-") == 0;
    TAP_OK(empty, "the handshake runs on empty POSTs");
    TAP_STR_EQ(LOG(first + 2, "ctype"), CTYPE, "messages carry the multipart/encrypted Content-Type");
    TAP_STR_EQ(LOG(first + 2, "encerr"), "-", "the server found the framing byte-exact and the signature good");
    TAP_STR_EQ(LOG(first + 2, "plain"), "<one/>", "the server decrypted the first message");
    TAP_STR_EQ(LOG(first + 3, "plain"), "<two/>", "and the second");
    TAP_STR_EQ(LOG(first + 3, "conn"), LOG(first, "conn"), "all on one connection");

    rc = post(tp, "<fault/>", 0, &status, &reply, &err);
    TAP_OK(rc == WS_OK && status == 500 && strstr(reply, "<s:Fault>"),
           "an encrypted HTTP 500 fault is decrypted before the caller sees it (%s)", err.what);
    rc = post(tp, "<tabless/>", 0, &status, &reply, &err);
    TAP_OK(rc == WS_OK && strstr(reply, "<ok n=\"10\""), "a reply with tab-less part headers and LF line ends (%s)",
           err.what);
    TAP_OK(st->resets == 1, "one handshake for all of it (%d)", st->resets);
    ws_transport_free(tp);
}

/* A reply that fails a check: an error, no body; the next request starts over. */
static void test_rejected_replies(void)
{
    static const struct { const char *msg, *word; } cases[] = {
        {"<tamper/>", "failed its integrity check (bad signature)"},
        {"<badseq/>", "failed its integrity check (wrong sequence number)"},
        {"<badlen/>", "failed its integrity check (OriginalContent Length is"},
        {"<plainreply/>", "not encrypted although the session is"},
    };
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    long status;
    const char *reply;
    ws_transport *tp = transport(fx.http_port, 0, "/enc", &o, tmech_new(&st));

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ws_rc rc = post(tp, cases[i].msg, 0, &status, &reply, &err);
        int resets = st->resets;
        TAP_OK(rc == WS_E_CRYPTO && strstr(err.what, "the reply from 127.0.0.1:") &&
               strstr(err.what, cases[i].word) && !*reply,
               "%s: WS_E_CRYPTO, no body returned (%s)", cases[i].msg, err.what);
        int idx = fixture_log_count(&fx);
        rc = post(tp, "<after/>", 0, &status, &reply, &err);
        TAP_OK(rc == WS_OK && strstr(reply, "seq=\"0\"") && st->resets == resets + 1 &&
               strcmp(LOG(idx, "conn"), LOG(idx - 1, "conn")) != 0,
               "after %s the next request re-handshakes on a new connection (%s)", cases[i].msg, err.what);
    }
    ws_transport_free(tp);
}

static void test_reconnect(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    long status;
    const char *reply;
    ws_transport *tp = transport(fx.http_port, 0, "/enc", &o, tmech_new(&st));

    ws_rc rc = post(tp, "<warm/>", 0, &status, &reply, &err);
    int idx = fixture_log_count(&fx);
    rc = post(tp, "<drop-idempotent/>", WS_POST_IDEMPOTENT, &status, &reply, &err);
    int last = -1, seen = times_seen(idx, "<drop-idempotent/>", &last);
    TAP_OK(rc == WS_OK && status == 200 && strstr(reply, "<ok n=\"18\" seq=\"0\"/>"),
           "an idempotent request lost with its connection is resent and answered (%s)", err.what);
    TAP_OK(st->resets == 2 && seen == 2 && strcmp(LOG(last, "conn"), LOG(idx, "conn")) != 0 &&
           strcmp(LOG(last, "encerr"), "-") == 0,
           "after reset() and a new handshake the server decrypted it on the new connection (resets %d, seen %d)",
           st->resets, seen);

    idx = fixture_log_count(&fx);
    rc = post(tp, "<drop-create/>", 0, &status, &reply, &err);
    seen = times_seen(idx, "<drop-create/>", NULL);
    TAP_OK(rc == WS_E_CONNECT && strstr(err.what, "not sent again") && seen == 1 && !*reply,
           "a request that is not safe to repeat is not resent (%s; seen by the server: %d)", err.what, seen);
    rc = post(tp, "<next/>", 0, &status, &reply, &err);
    TAP_OK(rc == WS_OK && strstr(reply, "seq=\"0\"") && st->resets == 3,
           "the session carries on with a new handshake (%s)", err.what);
    ws_transport_free(tp);
}

/* A dropped connection whose server never answers requests without Authorization
 * (OMI): the sealed body must not go out again on the new, unauthenticated connection,
 * where it would wait for the whole timeout; the transport authenticates it first. */
static void test_reconnect_silent(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    long status;
    const char *reply;
    ws_transport *tp = transport(fx.http_port, 0, "/enc-silent", &o, tmech_new(&st));

    ws_rc rc = post(tp, "<warm/>", 0, &status, &reply, &err);
    int idx = fixture_log_count(&fx);
    long long t0 = ws_now_ms();
    rc = post(tp, "<drop-silent/>", WS_POST_IDEMPOTENT, &status, &reply, &err);
    long long took = ws_now_ms() - t0;
    int unanswered = 0, seen = times_seen(idx, "<drop-silent/>", NULL);
    for (int i = idx; i < fixture_log_count(&fx); i++)
        unanswered += strcmp(LOG(i, "encerr"), "unanswered") == 0;
    TAP_OK(rc == WS_OK && status == 200 && strstr(reply, "seq=\"0\"") && took < 8000,
           "a sealed request lost with its connection is resent after a new handshake, at once (%lld ms; %s)",
           took, err.what);
    TAP_OK(seen == 2 && unanswered == 0 && st->resets == 2,
           "the sealed body never went out on an unauthenticated connection (seen %d, unanswered %d)",
           seen, unanswered);

    idx = fixture_log_count(&fx);
    t0 = ws_now_ms();
    rc = post(tp, "<drop-silent-create/>", 0, &status, &reply, &err);
    took = ws_now_ms() - t0;
    TAP_OK(rc == WS_E_CONNECT && strstr(err.what, "not sent again") && took < 8000 &&
           times_seen(idx, "<drop-silent-create/>", NULL) == 1,
           "one that is not safe to repeat fails at once, sent once (%lld ms; %s)", took, err.what);
    ws_transport_free(tp);
}

/* The server answers the token with 400: it rejected the token; it did not skip
 * authentication. */
static void test_token_rejected(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    ws_rc rc;
    int idx = send_once(fx.http_port, 0, "/conn-400", &o, tmech_new(&st), "<secret/>", &rc, &err);
    TAP_OK(rc == WS_E_AUTH && err.http_status == 400 &&
           strstr(err.what, "rejected the Negotiate authentication token (HTTP 400)") &&
           !strstr(err.fix, "allow-unencrypted") && fixture_log_count(&fx) == idx + 1,
           "a token answered with HTTP 400 is reported as rejected, with the status (%s; %s)",
           err.what, err.fix);
    idx = send_once(fx.http_port, 0, "/nowhere", &o, tmech_new(&st), "<secret/>", &rc, &err);
    TAP_OK(rc == WS_E_HTTP && err.http_status == 404 && strstr(err.what, "(HTTP 404)") &&
           fixture_log_count(&fx) == idx + 1,
           "a handshake answered with HTTP 404 is explained as such (%s)", err.what);
}

/* An encrypted shell Create answered with a bare 500 (OMI has no cmd shell): nothing
 * about AllowUnencrypted, which cannot be the cause when the message was sealed. */
static void test_shell_refused(void)
{
    ws_target t = {.host = "127.0.0.1", .port = fx.http_port, .path = "/enc-500"};
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    ws_client *c = NULL;
    ws_shell *sh = NULL;
    ws_rc rc = ws_client_new(&t, &o, tmech_new(&st), &c, &err);
    if (rc == WS_OK)
        rc = ws_shell_create(c, NULL, &sh, &err);
    TAP_OK(rc == WS_E_HTTP && err.http_status == 500 &&
           strstr(err.what, "refused to create the shell") && strstr(err.fix, "may not offer this shell") &&
           !strstr(err.fix, "AllowUnencrypted"),
           "an encrypted shell Create refused with a bare HTTP 500 says so (%s; %s)", err.what, err.fix);
    ws_shell_free(sh);
    ws_client_free(c);
}

static void test_when_not_encrypting(void)
{
    ws_conn_opts o = {.allow_unencrypted = 1};
    ws_error err = {0};
    tmech_state *st;
    ws_rc rc;
    int idx = send_once(fx.http_port, 0, "/conn", &o, tmech_new(&st), "<plain/>", &rc, &err);
    TAP_OK(rc == WS_OK && strcmp(LOG(idx + 2, "ctype"), SOAP_CTYPE) == 0,
           "allow_unencrypted turns encryption off over HTTP (%s)", err.what);

    if (fx.https_port <= 0) {
        TAP_OK(0, "HTTPS fixture listening");
    } else {
        ws_conn_opts so = {.cacert = fixture_path(&fx, "cert.pem")};
        idx = send_once(fx.https_port, 1, "/conn", &so, tmech_new(&st), "<tls/>", &rc, &err);
        TAP_OK(rc == WS_OK && strcmp(LOG(idx + 2, "ctype"), SOAP_CTYPE) == 0,
               "over HTTPS messages are not encrypted: TLS protects them (%s)", err.what);
    }

    /* A connection-based mechanism that cannot seal is refused over HTTP. */
    ws_auth *nowrap = tmech_new(&st);
    nowrap->enc_protocol = NULL;
    ws_conn_opts d = {0};
    idx = send_once(fx.http_port, 0, "/enc", &d, nowrap, "<secret/>", &rc, &err);
    TAP_OK(rc == WS_E_INSECURE && strstr(err.what, "refusing to send unencrypted messages") &&
           fixture_log_count(&fx) == idx, "a mechanism without sealing is refused over HTTP, nothing sent (%s)",
           err.what);

    /* The server never asks for authentication: there are no keys, so nothing is sent. */
    idx = send_once(fx.http_port, 0, "/fault", &d, tmech_new(&st), "<secret/>", &rc, &err);
    TAP_OK(rc == WS_E_INSECURE && strstr(err.what, "no keys") && fixture_log_count(&fx) == idx + 1,
           "no authentication, no keys: only the empty probe went out (%s)", err.what);
}

/* The transport asks the flags, not the name or the scheme: a mechanism named "custom"
 * under a scheme nanosh has never heard of, flagged connection-bound and sealing, is
 * authenticated on its connection and every message is sealed over HTTP. */
static void test_custom_mechanism(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    ws_rc rc;
    int idx = send_once(fx.http_port, 0, "/custom/enc", &o,
                        tmech_custom_new("Custom", WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS, &st),
                        "<custom/>", &rc, &err);
    TAP_OK(rc == WS_OK && strncmp(LOG(idx, "authz"), "Custom ", 7) == 0 &&
           strcmp(LOG(idx, "len"), "0") == 0 && strcmp(LOG(idx + 1, "len"), "0") == 0,
           "a connection-bound \"custom\" mechanism: two handshake legs on empty POSTs under its scheme (%s)",
           err.what);
    TAP_STR_EQ(LOG(idx + 2, "ctype"), CTYPE, "... then its message goes sealed over HTTP");
    TAP_STR_EQ(LOG(idx + 2, "plain"), "<custom/>", "... and the server decrypted it");

    /* It has wrap and unwrap, but does not say it seals: nothing goes out over HTTP. */
    idx = send_once(fx.http_port, 0, "/enc", &o,
                    tmech_custom_new("Negotiate", WS_AUTH_CONNECTION_BOUND, &st), "<secret/>",
                    &rc, &err);
    TAP_OK(rc == WS_E_INSECURE && strstr(err.what, "refusing to send unencrypted messages") &&
           fixture_log_count(&fx) == idx,
           "a mechanism not flagged as sealing is not used to seal, and is refused over HTTP (%s)",
           err.what);
}

/* Kerberos wrap tokens are taken under either Kerberos protocol string (MS-WSMV
 * 2.2.9.1.1.1, 2.2.9.1.2.1) when the mechanism says its wrap is Kerberos, whatever its
 * name. */
static void test_kerberos_wrap_flag(void)
{
    static const char krb[] = "application/HTTP-Kerberos-session-encrypted";
    static const shape s = {
        "Kerberos protocol", "multipart/encrypted;protocol=\"application/HTTP-Kerberos-session-encrypted\";boundary=\"Encrypted Boundary\"",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-Kerberos-session-encrypted\r\n"
        "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
        "\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
        "--Encrypted Boundary--\r\n"};
    ws_buf body = WS_BUF_INIT, plain = WS_BUF_INIT;
    ws_error err = {0};
    tmech_state *st;

    server_reply(&body, &s, 0, REPLY, 0);
    ws_auth *a = tmech_custom_new("Negotiate", WS_AUTH_CONNECTION_BOUND | WS_AUTH_WRAPS |
                                                   WS_AUTH_KERBEROS_WRAP, &st);
    ws_rc rc = ws_enc_unwrap(a, s.ctype, body.data, body.len, "host:5985", &plain, &err);
    TAP_OK(rc == WS_OK && plain.len == strlen(REPLY) && strstr(a->enc_protocol, "SPNEGO") &&
           strstr(s.ctype, krb),
           "a \"custom\" mechanism with Kerberos wrap negotiated SPNEGO takes a Kerberos-framed reply (%s)",
           err.what);
    ws_error_clear(&err);
    ws_buf_reset(&plain);
    a->caps &= ~(unsigned)WS_AUTH_KERBEROS_WRAP;
    st->seq_in = 0;
    rc = ws_enc_unwrap(a, s.ctype, body.data, body.len, "host:5985", &plain, &err);
    TAP_OK(rc == WS_E_PROTOCOL && plain.len == 0 && strstr(err.what, krb),
           "without the flag the same reply is refused (%s)", err.what);
    ws_auth_free(a);
    ws_buf_free(&body);
    ws_buf_free(&plain);
}

static void test_trace(void)
{
    ws_conn_opts o = {0};
    ws_error err = {0};
    tmech_state *st;
    long status;
    const char *reply;
    FILE *f = fopen(fixture_path(&fx, "trace"), "w");
    o.debug = f;
    ws_transport *tp = transport(fx.http_port, 0, "/enc", &o, tmech_new(&st));
    ws_rc rc = post(tp, "<s:Envelope>trace-me</s:Envelope>", 0, &status, &reply, &err);
    ws_transport_free(tp);
    fclose(f);
    char *t = fixture_slurp(fixture_path(&fx, "trace"));
    TAP_OK(rc == WS_OK && t && strstr(t, "request to be encrypted (33 bytes of SOAP)\n> <s:Envelope>trace-me</s:Envelope>"),
           "the trace shows the request's plaintext, marked as to be encrypted");
    TAP_OK(t && strstr(t, "decrypted reply (") && strstr(t, "< <s:Envelope xmlns:s="),
           "the trace shows the reply's plaintext, marked as decrypted");
    TAP_OK(t && !strstr(t, "TSIG") && !strstr(t, "Encrypted Boundary\r\n") && strstr(t, "bytes of binary data]"),
           "the sealed bodies appear only by their size");
    free(t);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    fixture_unset_proxies();

    test_request_bytes();
    test_frame_round_trip();
    test_reply_shapes();
    test_reply_mutations();
    test_reply_hostile();
    test_kerberos_wrap_flag();

    if (ws_global_init(NULL) != WS_OK)
        return 1;
    if (fixture_start(&fx, NULL, NULL) != 0) {
        TAP_OK(0, "start the loopback fixture (openssl and python3 needed)");
    } else {
        test_session();
        test_rejected_replies();
        test_reconnect();
        test_reconnect_silent();
        test_token_rejected();
        test_shell_refused();
        test_when_not_encrypting();
        test_custom_mechanism();
        test_trace();
    }
    fixture_stop(&fx);
    ws_global_cleanup();
    return tap_done();
}
