/* Reading docker.exe and dockerd.exe out of a Docker for Windows zip (NANO.md 1.2) with
 * libarchive, loaded with dlopen only when bootstrap needs it, as libsmbclient is
 * (shell/push/smb_loader.h): linking it would load it, and what it links, at every start
 * of nanosh. <archive.h> still gives every type; the table's members are typed with
 * __typeof__, so a mismatch with the header is a compile error.
 *
 * The zip is not trusted: an entry whose name is absolute or has a ".." component
 * refuses the whole zip, and an entry read is bounded (declared and actual size) by
 * BS_ZIP_MAX_ENTRY. Files are written only into the caller's private directory, under
 * names the caller chose, created O_EXCL|O_NOFOLLOW with mode 0600. */
#ifndef NANOSH_SHELL_BOOTSTRAP_ZIP_H
#define NANOSH_SHELL_BOOTSTRAP_ZIP_H
#include "base/error.h"
#include <stddef.h>

/* The library the header describes, by its SONAME (objdump -p libarchive.so). */
#define BS_ZIP_LIBRARY "libarchive.so.13"
/* Largest entry read: dockerd.exe of 17.06-19.03 is about 70 MiB. */
#define BS_ZIP_MAX_ENTRY (512ULL << 20)

/* Writes entry names[i] (e.g. "docker/dockerd.exe"; '\' in the zip's names is read as
 * '/', case is ignored) to paths[i], for i < n. library NULL: BS_ZIP_LIBRARY (else that file, for tests).
 * WS_E_IO when the zip cannot be read, an entry is missing or too large, or the zip
 * holds a hostile name; every error says what to do. Files already written are removed
 * on failure. */
ws_rc bs_zip_extract(const char *zip, const char *const *names, const char *const *paths,
                     size_t n, const char *library, ws_error *err);

/* The process's one handle of BS_ZIP_LIBRARY with every function bootstrap calls
 * resolved (loaded at first use, never unloaded), or NULL with the reason in err. */
void *bs_zip_library(ws_error *err);

/* Whether an entry name is safe to meet in a zip: not absolute ("/x", "\x", "C:x"), no
 * ".." component, not empty. */
int bs_zip_name_ok(const char *name);

#endif
