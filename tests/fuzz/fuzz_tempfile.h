/* A scratch file for targets whose parser reads a path: made once in TMPDIR (mkstemp),
 * removed at exit. Header-only: each target is its own program. */
#ifndef NANOSH_FUZZ_TEMPFILE_H
#define NANOSH_FUZZ_TEMPFILE_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_temp_path[4200];

static void fuzz_temp_cleanup(void)
{
    if (fuzz_temp_path[0])
        unlink(fuzz_temp_path);
}

/* Creates TMPDIR/nanosh-fuzz-NAME.XXXXXX; exits on failure (the target cannot run). */
static const char *fuzz_temp_file(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_temp_path, sizeof fuzz_temp_path, "%s/nanosh-fuzz-%s.XXXXXX",
             tmp && *tmp ? tmp : "/tmp", name);
    int fd = mkstemp(fuzz_temp_path);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    close(fd);
    atexit(fuzz_temp_cleanup);
    return fuzz_temp_path;
}

#endif
