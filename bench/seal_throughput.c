/* NTLM seal+sign throughput (MS-NLMP 3.4.3) on 64 KiB messages, the way WinRM message
 * encryption uses it, with RC4 and HMAC-MD5 alone for comparison with `openssl speed`.
 * Usage: seal_throughput [seconds [message bytes, at most 65536]].
 * Prints MB/s (10^6 bytes per second) of process CPU time, which is what `openssl speed`
 * measures by default (without -elapsed); wall time on a shared machine also counts the
 * time other processes hold the CPU. */
#include "auth/ntlm_crypto.h"
#include "auth/ntlm_session.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSG (64 * 1024)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0, t0, t;
    static unsigned char in[MSG], out[MSG];
    unsigned char key[16], sig[16], mac[16];
    ntlm_session cli, srv;
    ntlm_rc4 rc4;
    size_t len = argc > 2 ? (size_t)atol(argv[2]) : MSG;
    ntlm_part part = {in, 0};
    ws_error err = {0};
    long n;

    if (len == 0 || len > MSG) {
        fprintf(stderr, "message size must be 1..%d bytes\n", MSG);
        return 2;
    }
    part.len = len;
    memset(key, 0x55, sizeof(key));
    for (n = 0; n < MSG; n++)
        in[n] = (unsigned char)(n * 7);
    if (ntlm_session_init(&cli, key, 0xe2888235, NTLM_CLIENT, &err) != WS_OK ||
        ntlm_session_init(&srv, key, 0xe2888235, NTLM_SERVER, &err) != WS_OK) {
        fprintf(stderr, "%s\n", err.what);
        return 1;
    }
    for (n = 0, t0 = now(); (t = now() - t0) < secs; n++)
        if (ntlm_seal(&cli, in, len, sig, out, &err) != WS_OK)
            return 1;
    printf("ntlm seal+sign    %8.1f MB/s  (%ld x %zu bytes)\n", (double)n * len / t / 1e6, n, len);
    /* unseal needs messages from the other side's stream: seal with srv, open with cli */
    for (n = 0, t0 = now(); (t = now() - t0) < secs; n++) {
        if (ntlm_seal(&srv, in, len, sig, out, &err) != WS_OK ||
            ntlm_unseal(&cli, out, len, sig, out, &err) != WS_OK)
            return 1;
    }
    printf("seal+unseal pair  %8.1f MB/s\n", (double)n * len / t / 1e6);
    ntlm_rc4_init(&rc4, key, 16);
    for (n = 0, t0 = now(); (t = now() - t0) < secs; n++)
        ntlm_rc4_crypt(&rc4, in, out, len);
    printf("rc4 (ours)        %8.1f MB/s\n", (double)n * len / t / 1e6);
    for (n = 0, t0 = now(); (t = now() - t0) < secs; n++)
        if (ntlm_hmac_md5(key, 16, &part, 1, mac, &err) != WS_OK)
            return 1;
    printf("hmac-md5 (OpenSSL) %7.1f MB/s\n", (double)n * len / t / 1e6);
    ntlm_session_wipe(&cli);
    ntlm_session_wipe(&srv);
    return 0;
}
