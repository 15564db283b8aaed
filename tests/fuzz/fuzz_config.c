/* libFuzzer target: the ssh_config-style config file (shell/cli/config.c, config_apply).
 * config_apply reads $XDG_CONFIG_HOME/nanosh/config, so each input is written there,
 * in a directory made under $TMPDIR at start-up and removed at exit. Run with
 * -close_fd_mask=2: every bad line prints a one-line error on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shell/cli/config.h"
#include "shell/cli/options.h"

static char dir[4096], sub[4200], path[4300];

static void cleanup(void)
{
    if (path[0])
        unlink(path);
    if (sub[0])
        rmdir(sub);
    if (dir[0])
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nanosh-fuzz-config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(sub, sizeof sub, "%s/nanosh", dir);
    snprintf(path, sizeof path, "%s/config", sub);
    if (mkdir(sub, 0700) != 0 || setenv("XDG_CONFIG_HOME", dir, 1) != 0) {
        perror(sub);
        exit(1);
    }
    setenv("HOME", dir, 1);   /* for "~/" in CACert */
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "we");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();

    /* Once with nothing set on the command line, once with everything set. */
    for (int pass = 0; pass < 2; pass++) {
        nanosh_opts o;
        memset(&o, 0, sizeof o);
        o.https = -1;
        o.host = strdup("web01.corp.example");
        if (pass) {
            o.user = strdup("admin");
            o.port = 5986;
            o.https = 1;
            o.auth = AUTH_NTLM;
            o.cacert = strdup("/etc/ssl/ca.pem");
            o.connect_timeout_ms = 1000;
        }
        int rc = config_apply(&o);
        if (rc != 0 && rc != 255)
            abort();
        if (o.port < 0 || o.port > 65535 || o.https < -1 || o.https > 1)
            abort();
        options_free(&o);
    }
    return 0;
}
