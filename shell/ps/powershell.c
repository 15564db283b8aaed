/* PowerShell scripts (-p, -f): as one cmd.exe command line while it fits, since
 * -EncodedCommand takes base64 of UTF-16LE text, which survives cmd.exe quoting
 * untouched; longer scripts go over stdin to the framed loop of ps_session.c. */
#include "shell/ps/powershell.h"
#include "base/base64.h"
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* Progress records would reach stderr as CLIXML; a one-shot run has no use for them. */
static const char prologue[] = "$ProgressPreference = 'SilentlyContinue'\n";
static const char launcher[] = "powershell.exe -NoLogo -NoProfile -NonInteractive "
                               "-ExecutionPolicy Bypass -EncodedCommand ";

static ws_rc to_utf16le(const char *text, size_t len, char **out, size_t *outlen,
                        ws_error *err)
{
    iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
    if (cd == (iconv_t)-1)
        return ws_error_set(err, WS_E_IO, "install the glibc character set converters "
                            "(package libc-bin)", "cannot convert UTF-8 to UTF-16: %s",
                            strerror(errno));
    size_t cap = len * 2 + 2;   /* UTF-16 never needs more than 2 bytes per UTF-8 byte */
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    char *in = (char *)text, *o = buf;
    size_t inleft = len, outleft = cap;
    size_t r = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(buf);
        return ws_error_set(err, WS_E_USAGE, "save the script as UTF-8", "the PowerShell "
                            "script is not valid UTF-8 near byte %zu (%s)", len - inleft,
                            strerror(e));
    }
    *out = buf;
    *outlen = cap - outleft;
    return WS_OK;
}

int powershell_encoded_command(const char *text, size_t len, char **out, ws_error *err)
{
    *out = NULL;
    char *utf16 = NULL;
    size_t ulen = 0;
    if (to_utf16le(text, len, &utf16, &ulen, err) != WS_OK)
        return -1;
    if (sizeof launcher - 1 + 4 * ((ulen + 2) / 3) > CMD_LINE_MAX) {
        free(utf16);
        return POWERSHELL_TOO_LONG;
    }
    ws_buf cmd = WS_BUF_INIT;
    int ok = ws_buf_appends(&cmd, launcher) == 0 && ws_base64_encode(utf16, ulen, &cmd) == 0;
    free(utf16);
    if (!ok) {
        ws_buf_free(&cmd);
        ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        return -1;
    }
    *out = ws_buf_steal(&cmd);
    return 0;
}

int powershell_command_line(const char *script, size_t len, char **out, ws_error *err)
{
    *out = NULL;
    size_t total = sizeof prologue - 1 + len;
    char *text = malloc(total + 1);
    if (!text) {
        ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        return -1;
    }
    memcpy(text, prologue, sizeof prologue - 1);
    memcpy(text + sizeof prologue - 1, script, len);
    text[total] = '\0';
    int rc = powershell_encoded_command(text, total, out, err);
    free(text);
    return rc;
}
