/* One-line error reporting for the nanosh program. */
#include "shell/cli/errors.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Server text (fault messages) may hold newlines or control bytes; the contract is one
 * line, so fold them into spaces and drop trailing blanks and dots. */
static void one_line(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
        s[--n] = '\0';
}

static void print_line(const char *what, const char *fix)
{
    char w[1024], f[512];
    snprintf(w, sizeof w, "%s", what);
    snprintf(f, sizeof f, "%s", fix ? fix : "");
    one_line(w);
    one_line(f);
    if (f[0])
        fprintf(stderr, "nanosh: %s: %s\n", w, f);
    else
        fprintf(stderr, "nanosh: %s\n", w);
    fflush(stderr);
}

static void vprint(const char *fix, const char *fmt, va_list ap)
{
    char what[1024];
    vsnprintf(what, sizeof what, fmt, ap);
    print_line(what, fix);
}

int fail(const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fix, fmt, ap);
    va_end(ap);
    return NANOSH_EXIT_FAILURE;
}

void warn_line(const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fix, fmt, ap);
    va_end(ap);
}

/* What to do about each kind of failure, for errors the library left without a fix. */
static const char *default_fix(ws_rc rc)
{
    switch (rc) {
    case WS_E_USAGE:      return "see 'nanosh --help'";
    case WS_E_NOMEM:      return "free some memory and try again";
    case WS_E_RESOLVE:    return "check the host name, or use an IP address";
    case WS_E_CONNECT:    return "check that WinRM listens there ('winrm quickconfig' on the host; "
                                 "5985 is HTTP, 5986 HTTPS) and that no firewall blocks the port";
    case WS_E_TLS_VERIFY: return "pass the CA that signed the server's certificate with --cacert FILE "
                                 "(-k skips the check, unsafe)";
    case WS_E_TLS:        return "check that the port speaks HTTPS (-s) or plain HTTP (no -s)";
    case WS_E_TIMEOUT:    return "check that the host is reachable, or raise --timeout / --connect-timeout";
    case WS_E_AUTH:       return "check the user name and password, and that the server allows "
                                 "this auth mechanism (-a)";
    case WS_E_HTTP:       return "check that the URL is a WinRM listener (port and -s)";
    case WS_E_FAULT:      return "the server's message says why; -v shows the whole exchange";
    case WS_E_PROTOCOL:   return "the server's reply was not valid WS-Management; -v shows it";
    case WS_E_INSECURE:   return "use -s (HTTPS), or --allow-unencrypted if you accept plaintext";
    case WS_E_CRYPTO:     return "the message signature or sealing failed; retry, and report it if it persists";
    case WS_E_IO:         return "check the local file or terminal";
    case WS_OK:           break;
    }
    return "";
}

void warn_ws(const ws_error *e)
{
    const char *what = e->what[0] ? e->what : ws_rc_name(e->rc);
    const char *fix = e->fix[0] ? e->fix : default_fix(e->rc);
    print_line(what, fix);
}

int fail_ws(const ws_error *e)
{
    warn_ws(e);
    return NANOSH_EXIT_FAILURE;
}
