/* Password sources: a file, the environment, or the terminal. */
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "shell/cli/signals.h"
#include "auth/ntlm.h"
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define PASSWORD_MAX 1024

void credentials_wipe(char *secret)
{
    ws_wipe_str(secret);
}

/* Copies the variable's value, then wipes every NAME=value entry where it lies (the
 * block that /proc/PID/environ shows) and removes it, so that no child inherits it. */
static int take_env(const char *name, char **out)
{
    extern char **environ;
    char *seen[16];
    size_t name_len = strlen(name), n = 0;

    for (char **e = environ; e && *e && n < sizeof seen / sizeof seen[0]; e++) {
        if (strncmp(*e, name, name_len) != 0 || (*e)[name_len] != '=')
            continue;
        if (!*out)
            *out = strdup(*e + name_len + 1);
        ws_wipe(*e + name_len + 1, strlen(*e + name_len + 1));
        seen[n++] = *e;
    }
    unsetenv(name);   /* by name: wiped only after, or it would not match */
    for (size_t i = 0; i < n; i++)
        ws_wipe(seen[i], name_len);
    return n && !*out ? -1 : 0;
}

int credentials_take_env(credentials_env *env)
{
    env->password = env->nt_hash = NULL;
    env->prompted = 0;
    if (take_env("NANOSH_PASSWORD", &env->password) < 0 ||
        take_env("NANOSH_NT_HASH", &env->nt_hash) < 0)
        return fail(NULL, "out of memory");
    return 0;
}

void credentials_forget(credentials_env *env)
{
    ws_wipe_str(env->password);
    ws_wipe_str(env->nt_hash);
    env->password = env->nt_hash = NULL;
}

/* What credentials_take_env kept for this run, or nothing (a caller without one). */
static const char *env_password(const nanosh_opts *o)
{
    return o->env_secrets ? o->env_secrets->password : NULL;
}

static const char *env_nt_hash(const nanosh_opts *o)
{
    return o->env_secrets ? o->env_secrets->nt_hash : NULL;
}

const char *credentials_user(const nanosh_opts *o)
{
    if (o->user)
        return o->user;
    const char *u = getenv("USER");
    if (u && u[0])
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : NULL;
}

/* As ssh says of a private key others can read (ssh(1), FILES), but nanosh goes on:
 * the file may be on a share that cannot hold modes. Said once the file gave a secret. */
static void warn_if_shared(mode_t mode, const char *path)
{
    if (S_ISREG(mode) && (mode & (S_IRGRP | S_IROTH)))
        warn_line("chmod 600 the file", "warning: password file %s is readable by %s "
                  "(mode %04o)", path, mode & S_IROTH ? "others" : "its group",
                  (unsigned)(mode & 07777));
}

/* *mode: the file's, for warn_if_shared once the secret proved usable (0: unknown). */
static int password_from_file(const char *path, char **out, mode_t *mode)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return fail("check the path given to --password-file", "cannot read password file %s: %s",
                    path, strerror(errno));
    struct stat st;
    *mode = fstat(fileno(f), &st) == 0 ? st.st_mode : 0;
    /* stdio's buffer and getline's regrowth would leave copies of the secret in freed
     * memory: read through a buffer that is wiped, into a line that need not grow. */
    char iobuf[BUFSIZ];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    size_t cap = PASSWORD_MAX + 2;
    char *line = malloc(cap);
    if (!line)
        cap = 0;
    ssize_t n = getline(&line, &cap, f);
    int read_errno = errno;
    int failed = ferror(f);
    fclose(f);
    ws_wipe(iobuf, sizeof iobuf);
    if (n < 0 && failed) {
        if (line)
            ws_wipe(line, cap);
        free(line);
        return fail("check the file", "cannot read password file %s: %s", path, strerror(read_errno));
    }
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    if (n <= 0) {
        if (line)
            ws_wipe(line, cap);
        free(line);
        return fail("write the password on the first line of the file",
                    "password file %s has an empty first line", path);
    }
    *out = line;
    return 0;
}

/* Prompts on the controlling terminal, not stdin, so piped input stays the command's. */
static int password_from_tty(const char *user, const char *host, char **out)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fail("set NANOSH_PASSWORD or use --password-file FILE",
                    "no password given and no terminal to ask for one");

    char prompt[512];
    int plen = snprintf(prompt, sizeof prompt, "%s@%s's password: ", user, host);
    if (plen < 0 || (size_t)plen >= sizeof prompt)
        plen = snprintf(prompt, sizeof prompt, "password: ");
    if (write(fd, prompt, (size_t)plen) < 0) {
        close(fd);
        return fail("set NANOSH_PASSWORD or use --password-file FILE",
                    "cannot write the password prompt: %s", strerror(errno));
    }

    struct termios saved, quiet;
    int have_termios = tcgetattr(fd, &saved) == 0;
    if (have_termios) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }

    char buf[PASSWORD_MAX + 1];
    size_t len = 0;
    enum { READ_OK, READ_INTERRUPTED, READ_FAILED, READ_TOO_LONG } how = READ_OK;
    int read_errno = 0;
    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR) {
            if (signals_interrupts() || signals_fatal()) {
                how = READ_INTERRUPTED;
                break;
            }
            continue;
        }
        if (n < 0) {
            how = READ_FAILED;
            read_errno = errno;
            break;
        }
        if (n == 0 || c == '\n' || c == '\r')
            break;
        if (len == PASSWORD_MAX) {
            how = READ_TOO_LONG;
            break;
        }
        buf[len++] = c;
    }
    buf[len] = '\0';
    if (have_termios)
        tcsetattr(fd, TCSAFLUSH, &saved);
    if (write(fd, "\n", 1) < 0) {
        /* The newline is cosmetic; the password was read. */
    }
    close(fd);
    /* Reported only now, so the message starts on a line of its own. */
    int rc = 0;
    if (how == READ_INTERRUPTED)
        rc = fail(NULL, "interrupted at the password prompt");
    else if (how == READ_FAILED)
        rc = fail("set NANOSH_PASSWORD or use --password-file FILE",
                  "cannot read the password from the terminal: %s", strerror(read_errno));
    else if (how == READ_TOO_LONG)
        rc = fail("use --password-file FILE", "password longer than %d bytes", PASSWORD_MAX);
    if (rc == 0) {
        *out = strdup(buf);
        if (!*out)
            rc = fail(NULL, "out of memory");
    }
    ws_wipe(buf, sizeof buf);
    return rc;
}

/* A password read from a file, with the warning about its mode once it was read. */
static int password_from_file_checked(const char *path, char **out)
{
    mode_t mode = 0;
    int rc = password_from_file(path, out, &mode);
    if (rc == 0)
        warn_if_shared(mode, path);
    return rc;
}

int credentials_password(const nanosh_opts *o, const char *user, char **out)
{
    *out = NULL;
    if (o->password_file)
        return password_from_file_checked(o->password_file, out);
    if (env_password(o)) {
        *out = strdup(env_password(o));
        return *out ? 0 : fail(NULL, "out of memory");
    }
    /* The config file's PasswordFile comes after the environment (nanosh(1), FILES). */
    if (o->config_password_file)
        return password_from_file_checked(o->config_password_file, out);
    return password_from_tty(user, o->host, out);
}

int credentials_prompt(const nanosh_opts *o, const char *user, char **out)
{
    *out = NULL;
    return password_from_tty(user, o->host, out);
}

int credentials_password_given(const nanosh_opts *o)
{
    return o->password_file != NULL || env_password(o) != NULL ||
           o->config_password_file != NULL;
}

/* MS-NLMP 3.3.2: NTLM needs only the NT hash (NTOWFv1) of the password. */
int credentials_nt_hash(const nanosh_opts *o, unsigned char hash[16], int *have)
{
    char *text = NULL;
    const char *source = "NANOSH_NT_HASH";
    int rc = 0;
    mode_t mode = 0;

    *have = 0;
    if (o->nt_hash_file) {
        if ((rc = password_from_file(o->nt_hash_file, &text, &mode)) != 0)
            return rc;
        source = o->nt_hash_file;
    } else if (env_nt_hash(o)) {
        if (!(text = strdup(env_nt_hash(o))))
            return fail(NULL, "out of memory");
    } else {
        return 0;
    }
    ws_error err;
    memset(&err, 0, sizeof err);
    if (ws_ntlm_parse_nt_hash(text, hash, &err) != WS_OK)
        rc = fail(err.fix[0] ? err.fix : NULL, "%s: %s", source, err.what);
    else {
        *have = 1;
        warn_if_shared(mode, source);    /* mode 0 (NANOSH_NT_HASH): nothing to say */
    }
    ws_error_clear(&err);
    credentials_wipe(text);
    return rc;
}
