/* No secret is left behind in memory that libnanows gives back to the allocator:
 * free and realloc are wrapped (ld --wrap, see Makemodule.am), and every block they
 * receive is copied aside before it goes, then searched for the secrets: the password,
 * its UTF-16 form, user:password, and the AUTHENTICATE's NTProofStr. realloc of a block
 * that holds a secret counts too, since a move leaves the old block unwiped. */
#include "auth/auth.h"
#include "auth/ntlm.h"
#include "auth/ntlm_msg.h"
#include "base/base64.h"
#include "tests/ntlm/ntlm_test.h"
#include <malloc.h>

void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

enum { SNAPSHOTS = 4096, SNAPSHOT_MAX = 4096 };
static unsigned char snapshot[SNAPSHOTS][SNAPSHOT_MAX];
static size_t snapshot_len[SNAPSHOTS], snapshots;

static void keep(const void *p)
{
    if (!p || snapshots == SNAPSHOTS)
        return;
    size_t n = malloc_usable_size((void *)p);
    snapshot_len[snapshots] = n < SNAPSHOT_MAX ? n : SNAPSHOT_MAX;
    memcpy(snapshot[snapshots], p, snapshot_len[snapshots]);
    snapshots++;
}

void __wrap_free(void *p)
{
    keep(p);
    __real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
    keep(p);
    return __real_realloc(p, n);
}

/* How many of the blocks given back since mark contain the len bytes at needle. */
static size_t left_behind(size_t mark, const void *needle, size_t len)
{
    size_t found = 0;

    for (size_t i = mark; i < snapshots; i++)
        if (memmem(snapshot[i], snapshot_len[i], needle, len))
            found++;
    return found;
}

/* 40 characters: its UTF-16 form outgrows a 64-byte buffer half-way. */
static const char password[] = "Pw-0123456789-abcdefghij-KLMNOPQRST-uvwx";

static void test_buf(void)
{
    ws_buf b = WS_BUF_INIT;
    size_t mark = snapshots;

    ws_buf_secret(&b);
    for (const char *p = password; *p; p++)
        ws_buf_append(&b, p, 1);    /* grows 64 -> 128 with the first half inside */
    ws_buf_free(&b);
    NT_OK(snapshots > mark && left_behind(mark, password, 20) == 0,
          "a secret ws_buf, grown byte by byte and freed, leaves no piece of it behind");
    mark = snapshots;
    ws_buf_secret(&b);
    ws_buf_appends(&b, password);
    ws_buf_reset(&b);
    ws_buf_appends(&b, "not secret");
    NT_OK(b.secret && !memmem(b.data, b.cap, password, 20), "reset wipes what a secret ws_buf held");
    ws_buf_free(&b);
    NT_OK(left_behind(mark, password, 20) == 0, "nor does it after a reset");
}

static void test_basic(void)
{
    size_t mark = snapshots;
    ws_error err = {0};
    ws_auth *a = ws_auth_basic_new("administrator", password, &err);
    ws_buf token = WS_BUF_INIT;
    int done = 0;

    NT_OK(a && a->ops->step(a, NULL, 0, &token, &done, &err) == WS_OK && done, "Basic token built");
    ws_buf_free(&token);             /* as a careless caller would */
    ws_auth_free(a);
    NT_OK(left_behind(mark, password, 20) == 0, "Basic: user:password is wiped before it is freed");
}

static void test_ntlm(void)
{
    /* MS-NLMP 4.2.4.2.2 CHALLENGE, as in test_ntlm_hostile.c */
    static const char chal_hex[] =
        "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000003000300044000000"
        "060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c005300650072007600"
        "65007200070008000102030405060708" "00000000";
    unsigned char chal[128], u16[2 * sizeof password], proof[16];
    long chal_len = unhex(chal_hex, chal, sizeof chal);
    size_t mark = snapshots;
    ws_error err = {0};
    ws_auth *a = ws_auth_ntlm_new("DOMAIN\\user", password, NULL, "Negotiate", &err);
    ws_auth_conn conn = {"host.example", NULL, 0};
    ws_buf token = WS_BUF_INIT;
    int done = 0, built;

    for (size_t i = 0; i < sizeof password; i++) {
        u16[2 * i] = (unsigned char)password[i];
        u16[2 * i + 1] = 0;
    }
    NT_OK(a != NULL, "NTLM mechanism with a password");
    NT_OK(left_behind(mark, u16, 32) == 0, "NTLM: the UTF-16 password is wiped before it is freed or moved");
    /* The transport's token buffer: NEGOTIATE, reset, then AUTHENTICATE into the same. */
    built = a && a->ops->reset(a, &conn, &err) == WS_OK &&
            a->ops->step(a, NULL, 0, &token, &done, &err) == WS_OK;
    ws_buf_reset(&token);
    built = built && a->ops->step(a, chal, (size_t)chal_len, &token, &done, &err) == WS_OK && done;
    NT_OK(built, "NTLM AUTHENTICATE built: %s", err.what);
    if (built) {
        const unsigned char *m = (const unsigned char *)token.data;
        size_t off = (size_t)(m[24] | m[25] << 8);   /* NtChallengeResponse offset */
        memcpy(proof, m + off, 16);
    }
    mark = snapshots;
    ws_buf_free(&token);
    ws_auth_free(a);
    NT_OK(built && left_behind(mark, proof, 16) == 0,
          "NTLM: the AUTHENTICATE (its NTProofStr) is wiped before it is freed");
}

/* The transport base64-encodes user:password and decodes tokens: the codec's scratch
 * copies are wiped, so a secret buffer on each side leaves nothing behind. */
static void test_base64(void)
{
    ws_buf b64 = WS_BUF_INIT, raw = WS_BUF_INIT;
    char text[64] = "";
    size_t mark = snapshots;
    int ok;

    ws_buf_secret(&b64);
    ws_buf_secret(&raw);
    ok = ws_base64_encode(password, sizeof password - 1, &b64) == 0 && b64.len < sizeof text;
    if (ok)
        memcpy(text, b64.data, b64.len);
    ok = ok && ws_base64_decode(b64.data, b64.len, &raw) == 0 &&
         ws_base64_decode_text(b64.data, b64.len, &raw) == 0 && raw.len == 2 * (sizeof password - 1);
    ws_buf_wipe(&raw);
    ws_buf_wipe(&b64);
    NT_OK(ok && left_behind(mark, text, 20) == 0, "base64: encoding a secret leaves no copy of its text");
    NT_OK(ok && left_behind(mark, password, 20) == 0, "base64: decoding a secret leaves no copy of it");
}

int main(void)
{
    test_buf();
    test_basic();
    test_ntlm();
    test_base64();
    NT_OK(snapshots < SNAPSHOTS, "every block given back was searched (%zu)", snapshots);
    return tap_done();
}
