/* The docker zip through libarchive loaded at run time (see bs_zip.h for why). */
#include "shell/bootstrap/bs_zip.h"
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ZIP_FIX "install the libarchive13 package (apt-get install libarchive13)"

#define ZIP_FUNCTIONS(X)                                                                  \
    X(archive_read_new) X(archive_read_support_format_zip) X(archive_read_open_filename)  \
    X(archive_read_next_header) X(archive_read_data) X(archive_read_free)                 \
    X(archive_error_string) X(archive_entry_pathname) X(archive_entry_size)               \
    X(archive_entry_size_is_set) X(archive_entry_filetype)

#define ZIP_MEMBER(name) __typeof__(&name) name;
typedef struct zip_api {
    void *handle;
    ZIP_FUNCTIONS(ZIP_MEMBER)
} zip_api;
#undef ZIP_MEMBER

static ws_rc zip_load(zip_api *api, const char *lib, ws_error *err)
{
    memset(api, 0, sizeof *api);
    api->handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!api->handle) {
        const char *why = dlerror();
        return ws_error_set(err, WS_E_IO, ZIP_FIX "; or give --docker-dir",
                            "cannot load %s to read the docker zip: %s", lib,
                            why ? why : "unknown reason");
    }
#define ZIP_RESOLVE(name)                                                                 \
    if (ok) {                                                                             \
        void *sym = dlsym(api->handle, #name);                                            \
        if (sym)                                                                          \
            memcpy(&api->name, &sym, sizeof sym);                                         \
        else {                                                                            \
            ws_error_set(err, WS_E_IO, ZIP_FIX, "%s has no %s", lib, #name);              \
            ok = 0;                                                                       \
        }                                                                                 \
    }
    int ok = 1;
    ZIP_FUNCTIONS(ZIP_RESOLVE)
#undef ZIP_RESOLVE
    if (!ok) {
        dlclose(api->handle);
        memset(api, 0, sizeof *api);
        return WS_E_IO;
    }
    return WS_OK;
}

/* BS_ZIP_LIBRARY is loaded once per process and never unloaded, as libsmbclient is:
 * fleet workers read zips at once, and a dlclose in one while another loads or runs the
 * library races inside the dynamic loader (ThreadSanitizer saw it in _dl_close_worker). */
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static zip_api shared_api;
static ws_error shared_err;
static ws_rc shared_rc;

static void shared_load(void)
{
    shared_rc = zip_load(&shared_api, BS_ZIP_LIBRARY, &shared_err);
}

/* The shared table, or a private one for a test's library (closed by the caller). */
static ws_rc zip_table(zip_api *private_api, const char *library, const zip_api **out,
                       ws_error *err)
{
    if (library) {
        ws_rc rc = zip_load(private_api, library, err);
        *out = private_api;
        return rc;
    }
    pthread_once(&shared_once, shared_load);
    *out = &shared_api;
    if (shared_rc != WS_OK && err)
        *err = shared_err;
    return shared_rc;
}

void *bs_zip_library(ws_error *err)
{
    const zip_api *api = NULL;
    return zip_table(NULL, NULL, &api, err) == WS_OK ? api->handle : NULL;
}

int bs_zip_name_ok(const char *name)
{
    if (!name || !*name || name[0] == '/' || name[0] == '\\')
        return 0;
    if (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') && name[1] == ':')
        return 0;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n;
        if (*p)
            p++;
    }
    return 1;
}

/* The entry's name with '\' read as '/'. Names are matched without regard to case, as
 * Windows reads them ("Docker/dockerd.exe"). */
static void slashed(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++)
        out[i] = name[i] == '\\' ? '/' : name[i];
    out[i] = '\0';
}

/* Copies the entry's data to path, at most BS_ZIP_MAX_ENTRY bytes. */
static ws_rc write_entry(const zip_api *a, struct archive *ar, const char *zip,
                         const char *name, const char *path, ws_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return ws_error_set(err, WS_E_IO, "check the temporary directory ($TMPDIR)",
                            "cannot create %s: %s", path, strerror(errno));
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);     /* not static: runs for several hosts go at once */
    unsigned long long total = 0;
    ws_rc rc = buf ? WS_OK : ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    while (rc == WS_OK) {
        la_ssize_t n = a->archive_read_data(ar, buf, CHUNK);
        if (n == 0)
            break;
        if (n < 0) {
            const char *why = a->archive_error_string(ar);
            rc = ws_error_set(err, WS_E_IO, "download the zip again",
                              "cannot read %s from %s: %s", name, zip, why ? why : "read error");
            break;
        }
        total += (unsigned long long)n;
        if (total > BS_ZIP_MAX_ENTRY) {
            rc = ws_error_set(err, WS_E_IO, "give the docker zip from Docker or Mirantis",
                              "%s in %s is larger than %llu MiB: refused", name, zip,
                              BS_ZIP_MAX_ENTRY >> 20);
            break;
        }
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = ws_error_set(err, WS_E_IO, "free space in the temporary directory",
                                  "cannot write %s: %s", path, strerror(errno));
                break;
            }
            off += w;
        }
        if (rc != WS_OK)
            break;
    }
    if (rc == WS_OK && fsync(fd) != 0)
        rc = ws_error_set(err, WS_E_IO, "check the temporary directory", "cannot write %s: %s",
                          path, strerror(errno));
    close(fd);
    free(buf);
    return rc;
}

ws_rc bs_zip_extract(const char *zip, const char *const *names, const char *const *paths,
                     size_t n, const char *library, ws_error *err)
{
    zip_api private_api;
    const zip_api *api = NULL;
    ws_rc rc = zip_table(&private_api, library, &api, err);
    if (rc != WS_OK)
        return rc;
    const zip_api a = *api;
    struct archive *ar = a.archive_read_new();
    unsigned long long found = 0;     /* bit i: names[i] written */
    if (!ar) {
        rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory opening %s", zip);
        goto out;
    }
    a.archive_read_support_format_zip(ar);
    if (a.archive_read_open_filename(ar, zip, 1 << 16) != ARCHIVE_OK) {
        const char *why = a.archive_error_string(ar);
        rc = ws_error_set(err, WS_E_IO, "give a docker zip (--docker-zip) or a directory "
                          "(--docker-dir)", "cannot read %s as a zip: %s", zip,
                          why ? why : "unknown error");
        goto out;
    }
    for (unsigned entries = 0;; entries++) {
        struct archive_entry *e;
        int r = a.archive_read_next_header(ar, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *why = a.archive_error_string(ar);
            rc = ws_error_set(err, WS_E_IO, "download the zip again", "%s is damaged: %s", zip,
                              why ? why : "bad entry header");
            goto out;
        }
        if (entries > 100000) {
            rc = ws_error_set(err, WS_E_IO, "give the docker zip from Docker or Mirantis",
                              "%s has more than 100000 entries: refused", zip);
            goto out;
        }
        const char *raw = a.archive_entry_pathname(e);
        if (!bs_zip_name_ok(raw)) {
            char shown[128];
            slashed(raw ? raw : "", shown, sizeof shown);
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            rc = ws_error_set(err, WS_E_IO, "give the docker zip from Docker or Mirantis; this "
                              "one is not safe to unpack",
                              "%s holds the entry '%s', an absolute path or one with '..': "
                              "refused", zip, shown);
            goto out;
        }
        char name[1024];
        slashed(raw, name, sizeof name);
        size_t i = 0;
        while (i < n && strcasecmp(name, names[i]) != 0)
            i++;
        if (i == n || (found >> i & 1) || a.archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (a.archive_entry_size_is_set(e) &&
            (a.archive_entry_size(e) < 0 ||
             (unsigned long long)a.archive_entry_size(e) > BS_ZIP_MAX_ENTRY)) {
            rc = ws_error_set(err, WS_E_IO, "give the docker zip from Docker or Mirantis",
                              "%s in %s says it is %lld bytes, beyond %llu MiB: refused",
                              names[i], zip, (long long)a.archive_entry_size(e),
                              BS_ZIP_MAX_ENTRY >> 20);
            goto out;
        }
        if ((rc = write_entry(&a, ar, zip, names[i], paths[i], err)) != WS_OK) {
            unlink(paths[i]);
            goto out;
        }
        found |= 1ULL << i;
    }
    for (size_t i = 0; i < n; i++)
        if (!(found >> i & 1)) {
            rc = ws_error_set(err, WS_E_IO, "give the Windows docker zip, which holds "
                              "docker/docker.exe and docker/dockerd.exe",
                              "%s has no %s", zip, names[i]);
            goto out;
        }
out:
    if (rc != WS_OK)
        for (size_t i = 0; i < n && i < 64; i++)
            if (found >> i & 1)
                unlink(paths[i]);
    if (ar)
        a.archive_read_free(ar);
    if (library)
        dlclose(a.handle);
    return rc;
}
