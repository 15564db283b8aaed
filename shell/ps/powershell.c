/* PowerShell scripts (-p, -f): as one cmd.exe command line while it fits, since
 * -EncodedCommand takes base64 of UTF-16LE text, which survives cmd.exe quoting
 * untouched; longer scripts go over stdin to the framed loop of ps_session.c. */
#include "shell/ps/powershell.h"
#include "base/base64.h"
#include "shell/cli/errors.h"
#include "shell/cli/connect.h"
#include "shell/ps/ps_session.h"
#include "shell/localfs/readfile.h"
#include "shell/cli/winrs.h"
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int powershell_encoded_command(const char *text, size_t len, char **out)
{
    *out = NULL;
    char *utf16 = NULL;
    size_t ulen = 0;
    int rc = to_utf16le(text, len, &utf16, &ulen);
    if (rc != 0)
        return rc;
    if (sizeof launcher - 1 + 4 * ((ulen + 2) / 3) > CMD_LINE_MAX) {
        free(utf16);
        return POWERSHELL_TOO_LONG;
    }
    ws_buf cmd = WS_BUF_INIT;
    int ok = ws_buf_appends(&cmd, launcher) == 0 && ws_base64_encode(utf16, ulen, &cmd) == 0;
    free(utf16);
    if (!ok) {
        ws_buf_free(&cmd);
        return fail(NULL, "out of memory");
    }
    *out = ws_buf_steal(&cmd);
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
    int rc = powershell_encoded_command(text, total, out);
    free(text);
    return rc;
}

/* A script too long for one command line goes to the framed loop over stdin as a
 * single input (PROTOCOL.md 9: "stream via stdin"). */
static int run_streamed(const nanosh_opts *o, const char *script, size_t len)
{
    ws_client *client = NULL;
    connect_ctx conn = {0};
    int rc = connect_client(&conn, o, 1, run_poll_ms(o, isatty(STDIN_FILENO)), &client);
    if (rc != 0)
        return rc;
    ps_session ps;
    rc = ps_session_open(&ps, o, client, &conn);
    if (rc == 0) {
        ps_io io = {.interruptible = 1};
        ps_outcome out;
        rc = ps_run(&ps, script, len, &io, &out);
        ps_session_close(&ps, out.end == RUN_FAILED);
    } else
        ps_session_close(&ps, 1);
    ws_client_free(client);
    return rc;
}

int powershell_run(const nanosh_opts *o)
{
    char *script = NULL, *cmdline = NULL;
    size_t len;
    int rc = 0;
    if (o->command_kind == COMMAND_PS_FILE)
        rc = powershell_read_script(o->command, &script, &len);
    else
        len = strlen(o->command);
    const char *text = script ? script : o->command;
    if (rc == 0)
        rc = powershell_command_line(text, len, &cmdline);
    if (rc == 0)
        rc = run_one_shot_ex(o, cmdline, 1);
    else if (rc == POWERSHELL_TOO_LONG)
        rc = run_streamed(o, text, len);
    free(script);
    free(cmdline);
    return rc;
}

int powershell_read_script(const char *path, char **out, size_t *len)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (readfile_all(path, "-f", out, len, &err) != WS_OK)
        return fail_ws(&err);
    /* Windows editors save scripts with a UTF-8 byte order mark. */
    if (*len >= 3 && memcmp(*out, "\xef\xbb\xbf", 3) == 0) {
        memmove(*out, *out + 3, *len - 2);
        *len -= 3;
    }
    return 0;
}
