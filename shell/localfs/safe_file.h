/* Writing a local file so that nothing half-written ever sits under its name, and no
 * planted symlink is written through (DESIGN.md, "Bad input"): a new file of random name
 * in the target's directory, created O_EXCL|O_NOFOLLOW with mode 0600, then fsync,
 * rename over the target, and fsync of the directory. */
#ifndef NANOSH_SHELL_SAFE_FILE_H
#define NANOSH_SHELL_SAFE_FILE_H
#include <stddef.h>
#include <sys/types.h>

typedef struct safe_file {
    int fd;
    char *tmp;        /* the temporary name while open */
    char *target;
    mode_t mode;      /* given at commit (less the umask) */
} safe_file;

/* Functions return 0, or -1 with errno set and, for open and commit, nothing left behind. */
int safe_file_open(safe_file *f, const char *target, mode_t mode);
int safe_file_write(safe_file *f, const void *data, size_t len);
/* fsync, final mode, rename into place, fsync of the directory; f is closed either way. */
int safe_file_commit(safe_file *f);
/* Removes the temporary file; safe on a closed or never-opened f. */
void safe_file_abort(safe_file *f);

/* 0 when size bytes fit in the free space of the filesystem that holds target's
 * directory, else -1 with errno ENOSPC (or statvfs's error). */
int safe_file_fits(const char *target, unsigned long long size);

#endif
