/* PowerShell scripts as one cmd.exe command line. -EncodedCommand takes base64 of
 * UTF-16LE text, which survives cmd.exe quoting untouched. */
#include "shell/powershell.h"
#include "shell/errors.h"
#include "shell/readfile.h"
#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Progress records would reach stderr as CLIXML; a one-shot run has no use for them. */
static const char prologue[] = "$ProgressPreference = 'SilentlyContinue'\n";
static const char launcher[] = "powershell.exe -NoLogo -NoProfile -NonInteractive "
                               "-ExecutionPolicy Bypass -EncodedCommand ";

static int to_utf16le(const char *text, size_t len, char **out, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
    if (cd == (iconv_t)-1)
        return fail("install the glibc character set converters (package libc-bin)",
                    "cannot convert UTF-8 to UTF-16: %s", strerror(errno));
    size_t cap = len * 2 + 2;   /* UTF-16 never needs more than 2 bytes per UTF-8 byte */
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return fail(NULL, "out of memory");
    }
    char *in = (char *)text, *o = buf;
    size_t inleft = len, outleft = cap;
    size_t r = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(buf);
        return fail("save the script as UTF-8", "the PowerShell script is not valid UTF-8 "
                    "near byte %zu (%s)", len - inleft, strerror(e));
    }
    *out = buf;
    *outlen = cap - outleft;
    return 0;
}

int powershell_command_line(const char *script, size_t len, char **out)
{
    *out = NULL;
    size_t total = sizeof prologue - 1 + len;
    char *text = malloc(total + 1);
    if (!text)
        return fail(NULL, "out of memory");
    memcpy(text, prologue, sizeof prologue - 1);
    memcpy(text + sizeof prologue - 1, script, len);
    text[total] = '\0';

    char *utf16 = NULL;
    size_t ulen = 0;
    int rc = to_utf16le(text, total, &utf16, &ulen);
    free(text);
    if (rc != 0)
        return rc;

    size_t b64len = 4 * ((ulen + 2) / 3);
    size_t cmdlen = sizeof launcher - 1 + b64len;
    if (cmdlen > CMD_LINE_MAX) {
        free(utf16);
        return fail("shorten the script, or copy it to the host and run it with "
                    "-c 'powershell -File C:\\path\\script.ps1'",
                    "the encoded PowerShell command is %zu characters; cmd.exe accepts %d",
                    cmdlen, CMD_LINE_MAX);
    }
    char *cmd = malloc(cmdlen + 1);
    if (!cmd) {
        free(utf16);
        return fail(NULL, "out of memory");
    }
    memcpy(cmd, launcher, sizeof launcher - 1);
    EVP_EncodeBlock((unsigned char *)cmd + sizeof launcher - 1, (const unsigned char *)utf16,
                    (int)ulen);
    free(utf16);
    *out = cmd;
    return 0;
}

int powershell_read_script(const char *path, char **out, size_t *len)
{
    int rc = readfile_all(path, "-f", out, len);
    if (rc != 0)
        return rc;
    /* Windows editors save scripts with a UTF-8 byte order mark. */
    if (*len >= 3 && memcmp(*out, "\xef\xbb\xbf", 3) == 0) {
        memmove(*out, *out + 3, *len - 2);
        *len -= 3;
    }
    return 0;
}
