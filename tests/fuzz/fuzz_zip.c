/* libFuzzer target: the docker zip reader (shell/bootstrap/bs_zip.c, NANO.md 1.2): entry
 * names (absolute, "..", '\', case, doubles) and sizes (declared and actual) of a zip
 * the user gives with --docker-zip. Each input is written to a file and the two entries
 * bootstrap wants are extracted into a private directory; a zip that gives both is then
 * read as bootstrap reads it (shell/bootstrap/bs_local.c), the engine version found in
 * dockerd.exe's "Docker version X, build Y" text. libarchive is linked into the fuzzer,
 * so bs_zip's dlopen of it only takes another reference. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shell/bootstrap/bs_int.h"

static char dir[4096], zip[4200], out[2][4200];
static const char *const names[2] = {"docker/docker.exe", "docker/dockerd.exe"};

static void cleanup(void)
{
    unlink(out[0]);
    unlink(out[1]);
    unlink(zip);
    if (dir[0])
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nanosh-fuzz-zip.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(zip, sizeof zip, "%s/docker.zip", dir);
    snprintf(out[0], sizeof out[0], "%s/docker.exe", dir);
    snprintf(out[1], sizeof out[1], "%s/dockerd.exe", dir);
    atexit(cleanup);
    return 0;
}

/* A name bs_zip_name_ok lets through never climbs out nor starts at a root. */
static void check_name(const char *name)
{
    if (!bs_zip_name_ok(name))
        return;
    int drive = ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')) &&
                name[1] == ':';
    if (!name[0] || name[0] == '/' || name[0] == '\\' || drive)
        abort();
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            abort();
        p += n + (p[n] != '\0');
    }
}

/* bootstrap's own reading: extracted into a temporary directory of its own, the version
 * read from dockerd.exe (the file is not named docker-VERSION.zip), then removed. */
static void local_files(void)
{
    bs_config cfg = {.docker_zip = zip};
    bs_run run;
    memset(&run, 0, sizeof run);
    run.cfg = &cfg;
    ws_error err = {0};
    if (bs_local_files(&run, &err) == WS_OK) {
        char *v = run.zip_version;
        if (!memchr(v, '\0', sizeof run.zip_version) ||
            (v[0] && (v[0] < '0' || v[0] > '9' || strpbrk(v, " \t,\r\n"))))
            abort();
    } else if (!err.what[0]) {
        abort();
    }
    bs_local_cleanup(&run);
    if (run.tmpdir[0])
        abort();
    ws_error_clear(&err);
    ws_error_clear(&run.local_err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The input's text up to a NUL, as an entry name on its own. */
    char *name = strndup((const char *)data, size);
    if (name) {
        check_name(name);
        free(name);
    }

    FILE *f = fopen(zip, "we");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    const char *paths[2] = {out[0], out[1]};
    ws_error err = {0};
    ws_rc rc = bs_zip_extract(zip, names, paths, 2, NULL, &err);
    struct stat st;
    if (rc == WS_OK) {
        /* Both written, private, and within the bound. */
        for (int i = 0; i < 2; i++)
            if (lstat(out[i], &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
                (unsigned long long)st.st_size > BS_ZIP_MAX_ENTRY)
                abort();
    } else {
        if (!err.what[0] || (!err.fix[0] && rc != WS_E_NOMEM))
            abort();         /* every error says what happened and what to do */
        for (int i = 0; i < 2; i++)
            if (lstat(out[i], &st) == 0)
                abort();     /* nothing is left behind on failure */
    }
    ws_error_clear(&err);
    unlink(out[0]);
    unlink(out[1]);
    if (rc == WS_OK)
        local_files();
    return 0;
}
