/* MS-NLMP 4.2.4 (NTLMv2) end to end: CHALLENGE parsing, the NTLMv2 and LMv2 responses,
 * session keys, the AUTHENTICATE message bytes, sealing and signing; the server-direction
 * and second-message vectors of PROTOCOL.md 5.5; the channel-binding vector of 6. */
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_msg.h"
#include "auth/ntlm_session.h"
#include "tests/ntlm/ntlm_test.h"

static const char challenge_hex[] =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000"
    "060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "6500720000000000";
static const char authenticate_hex[] =
    "4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c"
    "00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d00"
    "5000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a"
    "1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c00"
    "5300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e";
static const char temp_hex[] =
    "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
    "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000" "00000000";

/* "Plaintext" in UTF-16LE */
static const unsigned char plaintext[18] = {'P',0,'l',0,'a',0,'i',0,'n',0,'t',0,'e',0,'x',0,'t',0};

static unsigned char exported[16];

static void test_authenticate(void)
{
    unsigned char chal[104], want[232], ntowf[16], base[16], lm[24], enc[16];
    unsigned char cc[8], t[8] = {0};
    ws_buf u = WS_BUF_INIT, user = WS_BUF_INIT, dom = WS_BUF_INIT, ws = WS_BUF_INIT;
    ws_buf nt = WS_BUF_INIT, msg = WS_BUF_INIT;
    ws_error err = {0};
    ntlm_challenge ch;
    ntlm_auth_fields f;
    static const unsigned char version[8] = {5, 1, 0x28, 0x0a, 0, 0, 0, 0x0f};

    memset(cc, 0xaa, 8);
    memset(exported, 0x55, 16);
    NT_OK(unhex(challenge_hex, chal, sizeof(chal)) == 104, "4.2.4.2.2 CHALLENGE is 104 bytes");
    NT_OK(ntlm_challenge_parse(chal, sizeof(chal), &ch, &err) == WS_OK, "CHALLENGE parses (%s)", err.what);
    NT_OK(ch.flags == 0xe28a8233, "CHALLENGE flags 0x%08x", (unsigned)ch.flags);
    TAP_HEX_EQ(ch.server_challenge, 8, "0123456789abcdef", "ServerChallenge");
    NT_OK(ch.target_info_len == 36 && !ch.has_timestamp && ch.has_nb_computer && ch.has_nb_domain,
           "TargetInfo: 36 bytes, NbDomainName and NbComputerName, no timestamp");

    /* "User" upper-cased, "Domain" as given, password "Password" (4.2.1). */
    ntlm_utf16le("Password", 0, "password", &u, &err);
    ntlm_md4(u.data, u.len, ntowf);
    ntlm_utf16le("User", 1, "user", &user, &err);
    TAP_HEX_EQ(user.data, user.len, "5500530045005200", "user name upper-cased to UTF-16LE USER");
    ntlm_utf16le("Domain", 0, "domain", &dom, &err);
    NT_OK(ntlm_ntowfv2(ntowf, (unsigned char *)user.data, user.len, (unsigned char *)dom.data,
                        dom.len, ntowf, &err) == WS_OK, "NTOWFv2");
    TAP_HEX_EQ(ntowf, 16, "0c868a403bfd7a93a3001ef22ef02e3f", "ResponseKeyNT = NTOWFv2 (4.2.4.1.1)");

    /* The spec's AUTHENTICATE carries the server's AV pairs unchanged. */
    NT_OK(ntlm_v2_response(ntowf, ch.server_challenge, cc, t, ch.target_info, ch.target_info_len,
                            &nt, base, &err) == WS_OK, "NTLMv2 response");
    TAP_HEX_EQ(nt.data, 16, "68cd0ab851e51c96aabc927bebef6a1c", "NTProofStr (4.2.4.2.2)");
    TAP_HEX_EQ(nt.data + 16, nt.len - 16, temp_hex, "temp blob, 68 bytes");
    TAP_HEX_EQ(base, 16, "8de40ccadbc14a82f15cb0ad0de95ca3", "SessionBaseKey = KeyExchangeKey (4.2.4.1.2)");
    NT_OK(ntlm_lmv2_response(ntowf, ch.server_challenge, cc, lm, &err) == WS_OK, "LMv2 response");
    TAP_HEX_EQ(lm, 24, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa", "LMv2 response (4.2.4.2.1)");
    ntlm_rc4k(base, 16, exported, enc, 16);
    TAP_HEX_EQ(enc, 16, "c5dad2544fc9799094ce1ce90bc9d03e", "EncryptedRandomSessionKey (4.2.4.2.3)");

    ntlm_utf16le("COMPUTER", 0, "workstation", &ws, &err);
    memset(&f, 0, sizeof(f));
    f.flags = 0xe2888235;
    f.lm = lm; f.lm_len = 24;
    f.nt = (unsigned char *)nt.data; f.nt_len = nt.len;
    f.domain = (unsigned char *)dom.data; f.domain_len = dom.len;
    f.user = (unsigned char *)"U\0s\0e\0r\0"; f.user_len = 8;
    f.workstation = (unsigned char *)ws.data; f.workstation_len = ws.len;
    f.enc_session_key = enc; f.enc_session_key_len = 16;
    f.version = version;
    f.with_mic = 0;
    NT_OK(ntlm_authenticate_build(&f, &msg, &err) == WS_OK, "AUTHENTICATE builds");
    NT_OK(unhex(authenticate_hex, want, sizeof(want)) == 232 && msg.len == 232 &&
           memcmp(msg.data, want, 232) == 0, "AUTHENTICATE is byte for byte the 232-byte 4.2.4.3 message");
    ws_buf_free(&u); ws_buf_free(&user); ws_buf_free(&dom); ws_buf_free(&ws);
    ws_buf_free(&nt); ws_buf_free(&msg);
}

static void test_keys(void)
{
    unsigned char sign[16], seal[16];
    ws_error err = {0};
    const uint32_t f = 0xe2888235;

    NT_OK(ntlm_derive_keys(exported, f, 1, sign, seal, &err) == WS_OK, "client keys");
    TAP_HEX_EQ(seal, 16, "59f600973cc4960a25480a7c196e4c58", "client SealKey (4.2.4.4)");
    TAP_HEX_EQ(sign, 16, "4788dc861b4782f35d43fd98fe1a2d39", "client SignKey (4.2.4.4)");
    NT_OK(ntlm_derive_keys(exported, f, 0, sign, seal, &err) == WS_OK, "server keys");
    TAP_HEX_EQ(seal, 16, "9355f3a957c1583d25c4c2f11e40390e", "server SealKey (derived)");
    TAP_HEX_EQ(sign, 16, "d04d6f10741041d1d246d64188d7a8ad", "server SignKey (derived)");
}

static void test_seal(void)
{
    ntlm_session cli, srv;
    unsigned char out[18], sig[16], back[18], bad[16];
    ws_error err = {0};
    const uint32_t f = 0xe2888235;

    NT_OK(ntlm_session_init(&cli, exported, f, NTLM_CLIENT, &err) == WS_OK, "client session");
    NT_OK(ntlm_session_init(&srv, exported, f, NTLM_SERVER, &err) == WS_OK, "server session");
    NT_OK(ntlm_seal(&cli, plaintext, 18, sig, out, &err) == WS_OK, "client seal #0");
    TAP_HEX_EQ(out, 18, "54e50165bf1936dc996020c1811b0f06fb5f", "sealed data (4.2.4.4)");
    TAP_HEX_EQ(sig, 16, "010000007fb38ec5c55d497600000000", "signature (4.2.4.4)");
    NT_OK(ntlm_unseal(&srv, out, 18, sig, back, &err) == WS_OK && memcmp(back, plaintext, 18) == 0,
           "server unseals client message #0");

    /* The RC4 stream continues: the same plaintext again at sequence number 1. */
    NT_OK(ntlm_seal(&cli, plaintext, 18, sig, out, &err) == WS_OK, "client seal #1");
    TAP_HEX_EQ(out, 18, "64c308e09ea236e7f4232553c94a01e700fa", "second sealed data (derived)");
    TAP_HEX_EQ(sig, 16, "01000000255405955d31d8c401000000", "second signature, seq 1 (derived)");
    NT_OK(ntlm_unseal(&srv, out, 18, sig, back, &err) == WS_OK && memcmp(back, plaintext, 18) == 0,
           "server unseals client message #1");

    /* Server to client: its own keys, stream and counter, starting at 0. */
    NT_OK(ntlm_seal(&srv, plaintext, 18, sig, out, &err) == WS_OK, "server seal #0");
    TAP_HEX_EQ(out, 18, "160871b730ba74e946c453d7465b54278dd0", "server-direction sealed data (derived)");
    TAP_HEX_EQ(sig, 16, "01000000b298b847ce7c580700000000", "server-direction signature (derived)");
    memcpy(bad, sig, 16);
    NT_OK(ntlm_unseal(&cli, out, 18, sig, back, &err) == WS_OK && memcmp(back, plaintext, 18) == 0,
           "client unseals server message #0 in place of the wire");

    /* A replay of message #0 carries sequence number 0, not 1. */
    memset(&err, 0, sizeof(err));
    NT_OK(ntlm_unseal(&cli, out, 18, bad, back, &err) == WS_E_CRYPTO && strstr(err.what, "sequence number 0, expected 1"),
           "replayed message rejected: %s", err.what);
    NT_OK(memcmp(back, plaintext, 18) != 0, "rejected plaintext is not handed out");
    memset(&err, 0, sizeof(err));
    NT_OK(ntlm_seal(&cli, plaintext, 18, sig, out, &err) == WS_E_CRYPTO && strstr(err.what, "abandoned"),
           "session refuses further use after a rejection: %s", err.what);
    ntlm_session_wipe(&cli);
    ntlm_session_wipe(&srv);
}

static void test_tamper(void)
{
    ntlm_session cli, srv;
    unsigned char msg[64], out[64], sig[16], back[64];
    ws_error err = {0};
    const uint32_t f = 0xe2888235;
    int i;

    memset(msg, 'x', sizeof(msg));
    for (i = 0; i < 3; i++) {
        ntlm_session_init(&cli, exported, f, NTLM_CLIENT, &err);
        ntlm_session_init(&srv, exported, f, NTLM_SERVER, &err);
        ntlm_seal(&srv, msg, sizeof(msg), sig, out, &err);
        if (i == 0) out[10] ^= 1;          /* ciphertext bit */
        if (i == 1) sig[5] ^= 0x80;        /* checksum bit */
        if (i == 2) sig[12] = 7;           /* sequence number */
        memset(&err, 0, sizeof(err));
        NT_OK(ntlm_unseal(&cli, out, sizeof(out), sig, back, &err) == WS_E_CRYPTO && err.what[0] && err.fix[0],
               "tampered %s rejected: %s", i == 0 ? "ciphertext" : i == 1 ? "checksum" : "sequence number", err.what);
        ntlm_session_wipe(&cli);
        ntlm_session_wipe(&srv);
    }
}

static void test_sign_only(void)
{
    ntlm_session cli, srv;
    unsigned char sig[16];
    ws_error err = {0};

    /* Without KEY_EXCH the checksum is not RC4-encrypted (4.2.4.4 variant). */
    ntlm_session_init(&cli, exported, 0xe2888235 & ~NTLM_NEG_KEY_EXCH, NTLM_CLIENT, &err);
    NT_OK(ntlm_sign(&cli, plaintext, 18, sig, &err) == WS_OK, "sign without KEY_EXCH");
    TAP_HEX_EQ(sig, 16, "0100000070352851f256430900000000", "signature without KEY_EXCH (4.2.4.4)");
    ntlm_session_wipe(&cli);

    ntlm_session_init(&cli, exported, 0xe2888235, NTLM_CLIENT, &err);
    ntlm_session_init(&srv, exported, 0xe2888235, NTLM_SERVER, &err);
    NT_OK(ntlm_sign(&cli, plaintext, 18, sig, &err) == WS_OK &&
           ntlm_verify(&srv, plaintext, 18, sig, &err) == WS_OK, "GetMIC / VerifyMIC round trip");
    ntlm_session_wipe(&cli);
    ntlm_session_wipe(&srv);

    memset(&err, 0, sizeof(err));
    NT_OK(ntlm_session_init(&cli, exported, 0xe2808235 & ~NTLM_NEG_ESS, NTLM_CLIENT, &err) == WS_E_AUTH &&
           strstr(err.what, "extended session security"), "no ESS refused: %s", err.what);
}

static void test_channel_bindings(void)
{
    unsigned char app[21 + 32] = "tls-server-end-point:", md5[16];
    ws_error err = {0};

    memset(app + 21, 0, 32);
    NT_OK(ntlm_channel_bindings_md5(app, sizeof(app), md5, &err) == WS_OK, "channel bindings hash");
    TAP_HEX_EQ(md5, 16, "c9ec5cb29e8f57f7ee6429cde733efeb", "MsvAvChannelBindings of a zero SHA-256 (PROTOCOL.md 6)");
    memset(&err, 0, sizeof(err));
    NT_OK(ntlm_cert_channel_bindings_md5(app, sizeof(app), md5, &err) == WS_E_TLS && err.what[0],
           "a certificate that is not DER is refused: %s", err.what);
}

int main(void)
{
    test_authenticate();
    test_keys();
    test_seal();
    test_tamper();
    test_sign_only();
    test_channel_bindings();
    return tap_done();
}
