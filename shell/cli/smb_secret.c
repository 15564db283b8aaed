/* Reading the SMB secret (see smb_secret.h); moved out of push_cmd.c for bootstrap. */
#include "shell/cli/smb_secret.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "base/buf.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int smb_secret_can_prompt(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

int smb_secret_read(const nanosh_opts *o, const char *user, int must, smb_secret *s)
{
    unsigned char hash[16];
    int have = 0;
    memset(s, 0, sizeof *s);
    int rc = credentials_nt_hash(o, hash, &have);
    if (rc != 0)
        return rc;
    if (have) {
        static const char hex[] = "0123456789abcdef";
        s->secret = malloc(33);
        if (!s->secret) {
            ws_wipe(hash, sizeof hash);
            return fail(NULL, "out of memory");
        }
        for (int i = 0; i < 16; i++) {
            s->secret[2 * i] = hex[hash[i] >> 4];
            s->secret[2 * i + 1] = hex[hash[i] & 15];
        }
        s->secret[32] = '\0';
        s->nt_hash = 1;
        ws_wipe(hash, sizeof hash);
        return 0;
    }
    int given = credentials_password_given(o);
    if (!given && !must && !smb_secret_can_prompt()) {
        s->missing = "no password or NT hash for SMB (NANOSH_PASSWORD, --password-file, "
                     "--nt-hash-file), and no terminal to ask on";
        return 0;
    }
    s->prompted = !given;
    return credentials_password(o, user, &s->secret);
}
