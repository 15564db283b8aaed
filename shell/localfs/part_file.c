/* The partial file of a pull: created O_EXCL|O_NOFOLLOW, or reopened for --resume only
 * when it is a regular file owned by us; written with pwrite; made final by fsync,
 * rename (RENAME_NOREPLACE without force) and fsync of the directory. */
#include "shell/localfs/part_file.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail_with(part_file *f, int e)
{
    part_file_close(f, 1);
    errno = e;
    return -1;
}

/* An existing partial file, continued: refused (ELOOP through O_NOFOLLOW, EPERM when
 * not a regular file of ours) rather than written through. 0, or -1 with errno. */
static int reopen(part_file *f)
{
    f->fd = open(f->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (f->fd < 0)
        return -1;
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return -1;
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(f->fd);
        f->fd = -1;
        errno = EPERM;
        return -1;
    }
    f->have = (unsigned long long)st.st_size;
    return 0;
}

int part_file_open(part_file *f, const char *target, const char *id, int resume)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->target = strdup(target);
    if (!f->target || asprintf(&f->path, "%s.nanosh-%s.part", target, id) < 0) {
        f->path = NULL;
        return fail_with(f, ENOMEM);
    }
    if (resume) {
        if (reopen(f) == 0)
            return 0;
        if (errno != ENOENT)
            return fail_with(f, errno);
    } else if (unlink(f->path) != 0 && errno != ENOENT)
        return fail_with(f, errno);
    f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f->fd < 0)
        return fail_with(f, errno);
    return 0;
}

int part_file_pwrite(part_file *f, const void *data, size_t len, unsigned long long offset)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = pwrite(f->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (unsigned long long)n;
    }
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int part_file_commit(part_file *f, unsigned long long size, mode_t mode, int force)
{
    mode_t mask = umask(0);
    umask(mask);
    int rc = ftruncate(f->fd, (off_t)size) == 0 && fsync(f->fd) == 0 &&
                     fchmod(f->fd, mode & ~mask) == 0 ? 0 : -1;
    int e = errno;
    if (close(f->fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    f->fd = -1;
    /* Without force a target made since the caller looked is never replaced. */
    if (rc == 0)
        rc = force ? rename(f->path, f->target)
                   : renameat2(AT_FDCWD, f->path, AT_FDCWD, f->target, RENAME_NOREPLACE);
    if (rc != 0) {
        e = errno;
        part_file_close(f, 1);
        errno = e;
        return -1;
    }
    rc = fsync_dir_of(f->target);
    e = errno;
    free(f->path);
    f->path = NULL;
    part_file_close(f, 1);
    errno = e;
    return rc;
}

void part_file_close(part_file *f, int keep)
{
    if (f->fd >= 0)
        close(f->fd);
    if (!keep && f->path)
        unlink(f->path);
    free(f->path);
    free(f->target);
    f->fd = -1;
    f->path = f->target = NULL;
}
