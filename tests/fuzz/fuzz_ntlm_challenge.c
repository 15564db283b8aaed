/* libFuzzer target: the NTLM CHALLENGE_MESSAGE parser (auth/ntlm_msg.c, MS-NLMP
 * 2.2.1.2), and on success the client's AV pair list built from the server's
 * TargetInfo (ntlm_target_info_amend), which relies on what the parser checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "auth/ntlm_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so reads past the end are caught. */
    unsigned char *msg = malloc(size ? size : 1);
    if (!msg)
        return 0;
    memcpy(msg, data, size);

    ntlm_challenge ch;
    ws_error err = {0};
    if (ntlm_challenge_parse(msg, size, &ch, &err) == WS_OK) {
        if (ch.target_info && (ch.target_info < msg || ch.target_info_len > size
                               || ch.target_info + ch.target_info_len > msg + size))
            abort();
        static const unsigned char cbt[16] = {1, 2, 3, 4};
        static const unsigned char spn[] = {'H', 0, 'O', 0, 'S', 0, 'T', 0, '/', 0, 'h', 0};
        ws_buf av = WS_BUF_INIT;
        ntlm_target_info_amend(&ch, NTLM_AV_FLAG_MIC, cbt, spn, sizeof spn, &av, &err);
        ws_buf_free(&av);
        ntlm_target_info_amend(&ch, 0, NULL, NULL, 0, &av, &err);
        ws_buf_free(&av);
    }
    ws_error_clear(&err);
    free(msg);
    return 0;
}
