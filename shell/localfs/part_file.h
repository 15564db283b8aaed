/* The local partial file of a pull (shell/push/xfer.h): "TARGET.nanosh-ID.part" beside
 * the target, created with O_EXCL|O_NOFOLLOW (mode 0600), or, to resume, reopened with
 * O_NOFOLLOW when it is a regular file of ours. Written at offsets (pwrite, so several
 * streams can fill one file), then fsync, rename over the target (never replacing one
 * unless force), and fsync of the directory. */
#ifndef NANOSH_SHELL_PART_FILE_H
#define NANOSH_SHELL_PART_FILE_H
#include <stddef.h>
#include <sys/types.h>

typedef struct part_file {
    int fd;
    char *path;                   /* the partial file's name */
    char *target;
    unsigned long long have;      /* bytes already there when resumed; 0 when new */
} part_file;

/* Opens the partial file for target named by id (16 hex digits). resume: an existing
 * one is continued (have = its size), else created; without resume an existing one is
 * replaced by a new, empty one. 0, or -1 with errno. */
int part_file_open(part_file *f, const char *target, const char *id, int resume);
/* Writes len bytes at offset; 0 or -1 with errno (ENOSPC included). */
int part_file_pwrite(part_file *f, const void *data, size_t len, unsigned long long offset);
/* Cuts it to size, fsync, mode (less the umask), rename over target (EEXIST when the
 * target exists and force is not set), fsync of the directory; f is closed either way.
 * 0 or -1 with errno. */
int part_file_commit(part_file *f, unsigned long long size, mode_t mode, int force);
/* Closes it, keeping the partial file for --resume (keep) or removing it. */
void part_file_close(part_file *f, int keep);

#endif
