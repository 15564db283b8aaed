/* Helpers shared by the fleet tests: a private temporary directory and files in it. */
#ifndef NANOSH_TESTS_FLEET_TEST_H
#define NANOSH_TESTS_FLEET_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char ft_dir[256];

/* A fresh directory under TMPDIR (or /tmp), removed by ft_cleanup. */
static inline int ft_mkdir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(ft_dir, sizeof ft_dir, "%s/nanosh-fleet-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(ft_dir) ? 0 : -1;
}

static inline void ft_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", ft_dir, name);
}

/* Writes text to the file name in the directory; returns its path in out. */
static inline int ft_write(char *out, size_t n, const char *name, const char *text)
{
    ft_path(out, n, name);
    FILE *f = fopen(out, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static inline void ft_cleanup(void)
{
    char cmd[300];
    if (!ft_dir[0] || strncmp(ft_dir, "/", 1) != 0 || !strstr(ft_dir, "nanosh-fleet-"))
        return;
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", ft_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", ft_dir);
}

/* The peak resident set so far, in KiB. */
static inline long ft_maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}
#endif
