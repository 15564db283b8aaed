/* Known answers for the NTLM crypto core: MD4 (RFC 1320 A.5), RC4 (RFC 6229), HMAC-MD5
 * (RFC 2104), NTOWFv1/v2 and the NTLMv1 keys of MS-NLMP 4.2.2-4.2.3. */
#include "auth/ntlm_crypto.h"
#include "tests/ntlm/ntlm_test.h"

static void test_md4(void)
{
    static const struct { const char *msg, *hex; } v[] = {
        {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
        {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
        {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
        {"message digest", "d9130a8164549fe818874806e1c7014b"},
        {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "043f8582f241db351ce627e153e7f0e4"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "e33b4ddc9c38f2199c3e7b164fcc0536"},
    };
    unsigned char h[16];
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        ntlm_md4(v[i].msg, strlen(v[i].msg), h);
        TAP_HEX_EQ(h, 16, v[i].hex, "MD4 RFC 1320 \"%.20s%s\"", v[i].msg,
                   strlen(v[i].msg) > 20 ? "..." : "");
    }
}

/* RFC 6229 section 2: keystream at the listed offsets for two of its keys. */
static void test_rc4(void)
{
    static const size_t offs[18] = {0, 16, 240, 256, 496, 512, 752, 768, 1008, 1024,
                                    1520, 1536, 2032, 2048, 3056, 3072, 4080, 4096};
    static const struct { const char *key; const char *ks[18]; } v[] = {
        {"0102030405", {
            "b2396305f03dc027ccc3524a0a1118a8", "6982944f18fc82d589c403a47a0d0919",
            "28cb1132c96ce286421dcaadb8b69eae", "1cfcf62b03eddb641d77dfcf7f8d8c93",
            "42b7d0cdd918a8a33dd51781c81f4041", "6459844432a7da923cfb3eb4980661f6",
            "ec10327bde2beefd18f9277680457e22", "eb62638d4f0ba1fe9fca20e05bf8ff2b",
            "45129048e6a0ed0b56b490338f078da5", "30abbcc7c20b01609f23ee2d5f6bb7df",
            "3294f744d8f9790507e70f62e5bbceea", "d8729db41882259bee4f825325f5a130",
            "1eb14a0c13b3bf47fa2a0ba93ad45b8b", "cc582f8ba9f265e2b1be9112e975d2d7",
            "f2e30f9bd102ecbf75aaade9bc35c43c", "ec0e11c479dc329dc8da7968fe965681",
            "068326a2118416d21f9d04b2cd1ca050", "ff25b58995996707e51fbdf08b34d875"}},
        {"0102030405060708090a0b0c0d0e0f10", {
            "9ac7cc9a609d1ef7b2932899cde41b97", "5248c4959014126a6e8a84f11d1a9e1c",
            "065902e4b620f6cc36c8589f66432f2b", "d39d566bc6bce3010768151549f3873f",
            "b6d1e6c4a5e4771cad79538df295fb11", "c68c1d5c559a974123df1dbc52a43b89",
            "c5ecf88de897fd57fed301701b82a259", "eccbe13de1fcc91c11a0b26c0bc8fa4d",
            "e7a72574f8782ae26aabcf9ebcd66065", "bdf0324e6083dcc6d3cedd3ca8c53c16",
            "b40110c4190b5622a96116b0017ed297", "ffa0b514647ec04f6306b892ae661181",
            "d03d1bc03cd33d70dff9fa5d71963ebd", "8a44126411eaa78bd51e8d87a8879bf5",
            "fabeb76028ade2d0e48722e46c4615a3", "c05d88abd50357f935a63c59ee537623",
            "ff38265c1642c1abe8d3c2fe5e572bf8", "a36a4c301ae8ac13610ccbc12256cacc"}},
    };
    static unsigned char zero[4112], ks[4112], chunked[4112];
    unsigned char key[32];
    size_t i, k, pos, step;
    long klen;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        ntlm_rc4 st;
        int all = 1;

        klen = unhex(v[i].key, key, sizeof(key));
        ntlm_rc4_init(&st, key, (size_t)klen);
        ntlm_rc4_crypt(&st, zero, ks, sizeof(ks));
        for (k = 0; k < 18; k++) {
            char got[33];
            tohex(ks + offs[k], 16, got);
            if (strcmp(got, v[i].ks[k]) != 0) {
                all = 0;
                printf("# key %s offset %zu: got %s want %s\n", v[i].key, offs[k], got, v[i].ks[k]);
            }
        }
        NT_OK(all, "RC4 RFC 6229 key %s: 18 keystream offsets", v[i].key);
        /* The state carries over between calls: odd-sized pieces give the same stream. */
        ntlm_rc4_init(&st, key, (size_t)klen);
        for (pos = 0, step = 1; pos < sizeof(chunked); pos += step, step = step * 3 % 97 + 1)
            ntlm_rc4_crypt(&st, zero + pos, chunked + pos,
                           step < sizeof(chunked) - pos ? step : sizeof(chunked) - pos);
        NT_OK(memcmp(ks, chunked, sizeof(ks)) == 0, "RC4 key %s: chunked stream equals one pass", v[i].key);
        ntlm_rc4_wipe(&st);
    }
}

static void test_hmac_md5(void)
{
    static const char data[] = "what do ya want for nothing?";
    ntlm_part two[2] = {{data, 10}, {data + 10, sizeof(data) - 11}};
    ntlm_part abc = {"abc", 3};
    unsigned char h[16];
    ws_error err = {0};

    NT_OK(ntlm_hmac_md5((const unsigned char *)"Jefe", 4, two, 2, h, &err) == WS_OK,
           "HMAC-MD5 runs (%s)", err.what);
    TAP_HEX_EQ(h, 16, "750c783e6ab0b503eaa86e310a5db738", "HMAC-MD5 RFC 2104 'Jefe', in two parts");
    NT_OK(ntlm_md5(&abc, 1, h, &err) == WS_OK, "MD5 runs");
    TAP_HEX_EQ(h, 16, "900150983cd24fb0d6963f7d28e17f72", "MD5 RFC 1321 \"abc\"");
}

/* MS-NLMP 4.2.1 inputs; 4.2.2.1, 4.2.2.1.3, 4.2.3.1.2 and 4.2.4.1.1 outputs. */
static void test_ntowf(void)
{
    /* "Password", "USER", "Domain" in UTF-16LE */
    static const unsigned char pw[] = {'P',0,'a',0,'s',0,'s',0,'w',0,'o',0,'r',0,'d',0};
    static const unsigned char user[] = {'U',0,'S',0,'E',0,'R',0};
    static const unsigned char dom[] = {'D',0,'o',0,'m',0,'a',0,'i',0,'n',0};
    unsigned char nt[16], v2[16], base[16], enc[16], kx[16], rnd[16], sc[8], cc[8];
    ntlm_part kxin[2] = {{sc, 8}, {cc, 8}};
    ws_error err = {0};

    memset(rnd, 0x55, 16);
    unhex("0123456789abcdef", sc, 8);
    memset(cc, 0xaa, 8);
    ntlm_ntowfv1(pw, sizeof(pw), nt);
    TAP_HEX_EQ(nt, 16, "a4f49c406510bdcab6824ee7c30fd852", "NTOWFv1 (MS-NLMP 4.2.2.1.2)");
    /* NTLMv1 SessionBaseKey = MD4(NTOWFv1); KXKEY equals it without LM_KEY (4.2.2.1.3). */
    ntlm_md4(nt, 16, base);
    TAP_HEX_EQ(base, 16, "d87262b0cde4b1cb7499becccdf10784", "NTLMv1 SessionBaseKey = MD4(NTOWFv1)");
    ntlm_rc4k(base, 16, rnd, enc, 16);
    TAP_HEX_EQ(enc, 16, "518822b1b3f350c8958682ecbb3e3cb7", "NTLMv1 EncryptedRandomSessionKey = RC4K (4.2.2.2.3)");
    /* NTLMv1 with ESS: KXKEY = HMAC_MD5(SessionBaseKey, ServerChallenge || ClientChallenge). */
    NT_OK(ntlm_hmac_md5(base, 16, kxin, 2, kx, &err) == WS_OK, "HMAC-MD5 for the ESS key");
    TAP_HEX_EQ(kx, 16, "eb93429a8bd952f8b89c55b87f475edc", "NTLMv1+ESS KeyExchangeKey (4.2.3.1.2)");
    NT_OK(ntlm_ntowfv2(nt, user, sizeof(user), dom, sizeof(dom), v2, &err) == WS_OK, "NTOWFv2 runs");
    TAP_HEX_EQ(v2, 16, "0c868a403bfd7a93a3001ef22ef02e3f", "NTOWFv2 (MS-NLMP 4.2.4.1.1)");
}

int main(void)
{
    test_md4();
    test_rc4();
    test_hmac_md5();
    test_ntowf();
    printf("# LMOWFv1 and the DES-based NTLMv1 responses are not tested: nanosh never sends NTLMv1\n");
    return tap_done();
}
