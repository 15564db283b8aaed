/* The local docker.exe and dockerd.exe: from --docker-dir as they are, or from
 * --docker-zip into a private temp dir (mkdtemp, 0700; files 0600, O_EXCL|O_NOFOLLOW),
 * removed at the end of the run. Also what the zip tells of its engine version before
 * the host runs it (docs/bootstrap.md, host). */
#include "shell/bootstrap/bs_int.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const entry_names[2] = {"docker/docker.exe", "docker/dockerd.exe"};
static const char *const file_names[2] = {"docker.exe", "dockerd.exe"};

/* "docker-17.06.2-ee-16.zip" -> "17.06.2-ee-16": the names Docker and Microsoft gave
 * their zips (NANO.md 1.1); "" for any other name. Dashes between digits of the
 * Microsoft form ("docker-17-06-2-ee-13.zip") are not guessed at. */
static void version_from_name(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    out[0] = '\0';
    if (strncasecmp(base, "docker-", 7) != 0 || !isdigit((unsigned char)base[7]))
        return;
    const char *v = base + 7;
    size_t n = strlen(v);
    if (n > 4 && strcasecmp(v + n - 4, ".zip") == 0)
        n -= 4;
    int ma, mi;
    if (n >= cap)
        return;
    memcpy(out, v, n);
    out[n] = '\0';
    if (bs_version_major_minor(out, &ma, &mi) != 0)
        out[0] = '\0';
}

/* A "Docker version X, build Y" line inside the first 64 MiB of dockerd.exe: what the
 * binary prints for --version when the text is stored whole (stand-ins do). */
static void version_from_binary(const char *path, char *out, size_t cap)
{
    static const char key[] = "Docker version ";
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    enum { CHUNK = 1 << 20, KEEP = 128 };
    char *buf = malloc(CHUNK + KEEP + 1);
    size_t have = 0;
    for (int i = 0; buf && i < 64 && !out[0]; i++) {
        ssize_t n = read(fd, buf + have, CHUNK);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        for (char *p = buf; (p = memmem(p, have - (size_t)(p - buf), key, sizeof key - 1));
             p++) {
            char line[KEEP + 1];
            size_t m = 0;
            while (p + m < buf + have && m < KEEP && p[m] != '\n' && p[m] != '\0')
                m++;
            memcpy(line, p, m);
            line[m] = '\0';
            if (strchr(line, ',') && bs_docker_version(line, out, cap) == 0)
                break;
            out[0] = '\0';
        }
        size_t keep = have < KEEP ? have : KEEP;
        memmove(buf, buf + have - keep, keep);
        have = keep;
    }
    free(buf);
    close(fd);
}

static ws_rc from_dir(bs_run *run, ws_error *err)
{
    for (int i = 0; i < 2; i++) {
        if (snprintf(run->local[i], sizeof run->local[i], "%s/%s", run->cfg->docker_dir,
                     file_names[i]) >= (int)sizeof run->local[i])
            return ws_error_set(err, WS_E_USAGE, "give a shorter --docker-dir", "path too long");
        struct stat st;
        int bad = stat(run->local[i], &st) != 0, e = errno;
        if (bad || !S_ISREG(st.st_mode))
            return ws_error_set(err, WS_E_IO, "give a directory that holds docker.exe and "
                                "dockerd.exe (--docker-dir), or the zip (--docker-zip)",
                                "%s: %s", run->local[i], bad ? strerror(e) : "not a regular file");
    }
    return WS_OK;
}

static ws_rc from_zip(bs_run *run, ws_error *err)
{
    const char *tmp = getenv("TMPDIR");
    if (snprintf(run->tmpdir, sizeof run->tmpdir, "%s/nanosh-bootstrap.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp") >= (int)sizeof run->tmpdir - 16) {
        run->tmpdir[0] = '\0';
        return ws_error_set(err, WS_E_IO, "use a shorter $TMPDIR", "temporary path too long");
    }
    if (!mkdtemp(run->tmpdir)) {
        int e = errno;
        run->tmpdir[0] = '\0';
        return ws_error_set(err, WS_E_IO, "check $TMPDIR", "cannot make a temporary "
                            "directory: %s", strerror(e));
    }
    const char *paths[2] = {run->local[0], run->local[1]};
    for (int i = 0; i < 2; i++)
        if (snprintf(run->local[i], sizeof run->local[i], "%s/%s", run->tmpdir, file_names[i]) >=
            (int)sizeof run->local[i])
            return ws_error_set(err, WS_E_IO, "use a shorter $TMPDIR", "temporary path too long");
    version_from_name(run->cfg->docker_zip, run->zip_version, sizeof run->zip_version);
    return bs_zip_extract(run->cfg->docker_zip, entry_names, paths, 2, NULL, err);
}

ws_rc bs_local_files(bs_run *run, ws_error *err)
{
    if (!run->local_tried) {
        run->local_tried = 1;
        ws_error e;
        memset(&e, 0, sizeof e);
        if (run->cfg->docker_dir)
            run->local_rc = from_dir(run, &e);
        else if (run->cfg->docker_zip)
            run->local_rc = from_zip(run, &e);
        else
            run->local_rc = ws_error_set(&e, WS_E_USAGE, "give --docker-zip FILE or "
                                         "--docker-dir DIR (or --skip docker-files)", "no docker binaries given");
        if (run->local_rc == WS_OK && !run->zip_version[0])
            version_from_binary(run->local[1], run->zip_version, sizeof run->zip_version);
        run->local_err = e;
        run->local_err.fault = (ws_fault){0};   /* no fault comes from local files */
        ws_error_clear(&e);
    }
    if (run->local_rc != WS_OK && err) {
        err->rc = run->local_err.rc;
        memcpy(err->what, run->local_err.what, sizeof err->what);
        memcpy(err->fix, run->local_err.fix, sizeof err->fix);
    }
    return run->local_rc;
}

void bs_local_cleanup(bs_run *run)
{
    if (!run->tmpdir[0])
        return;
    for (int i = 0; i < 2; i++)
        unlink(run->local[i]);
    rmdir(run->tmpdir);
    run->tmpdir[0] = '\0';
}
