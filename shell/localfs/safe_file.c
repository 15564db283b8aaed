/* Temporary file, fsync, rename, fsync of the directory: the sequence that makes a
 * write atomic under rename(2) semantics and durable across a crash. */
#include "shell/localfs/safe_file.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory part of path ("." for a bare name). Caller frees. */
static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

int safe_file_open(safe_file *f, const char *target, mode_t mode)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->mode = mode;
    f->target = strdup(target);
    /* The random part makes the name unpredictable; mkostemp's O_EXCL refuses any
     * existing entry, a symlink included. */
    if (!f->target || asprintf(&f->tmp, "%s.nanosh-part-XXXXXX", target) < 0) {
        f->tmp = NULL;
        safe_file_abort(f);
        errno = ENOMEM;
        return -1;
    }
    f->fd = mkostemp(f->tmp, O_CLOEXEC | O_NOFOLLOW);
    if (f->fd < 0) {
        int e = errno;
        free(f->tmp);
        f->tmp = NULL;          /* nothing was created: nothing to remove */
        safe_file_abort(f);
        errno = e;
        return -1;
    }
    return 0;
}

int safe_file_write(safe_file *f, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    char *dir = dir_of(path);
    if (!dir)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int safe_file_commit(safe_file *f)
{
    mode_t mask = umask(0);
    umask(mask);
    int rc = fsync(f->fd) == 0 && fchmod(f->fd, f->mode & ~mask) == 0 ? 0 : -1;
    if (close(f->fd) != 0)
        rc = -1;
    f->fd = -1;
    if (rc == 0)
        rc = rename(f->tmp, f->target);
    int e = errno;
    if (rc != 0) {
        safe_file_abort(f);
        errno = e;
        return -1;
    }
    free(f->tmp);
    f->tmp = NULL;
    rc = fsync_dir(f->target);
    e = errno;
    safe_file_abort(f);
    errno = e;
    return rc;
}

void safe_file_abort(safe_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp)
        unlink(f->tmp);
    free(f->tmp);
    free(f->target);
    f->fd = -1;
    f->tmp = f->target = NULL;
}

int safe_file_fits(const char *target, unsigned long long size)
{
    char *dir = dir_of(target);
    struct statvfs sv;
    int rc = dir ? statvfs(dir, &sv) : -1;
    free(dir);
    if (rc != 0)
        return -1;
    /* f_bavail: the blocks an unprivileged writer may use. */
    if ((unsigned long long)sv.f_bavail * sv.f_frsize < size) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}
