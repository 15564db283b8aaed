/* The WinRM copy engine (shell/push/winrm_copy.h) against the test server, whose stand-in
 * powershell.exe runs snippets 9-15 on its sandbox (tests/server/standin_stream.py).
 * Started by test_winrm_copy.sh with SIM_PORT, SIM_USER, SIM_PASSWORD and SIM_SANDBOX
 * set, once per server configuration; argv[1] says which checks fit it:
 *   main  first the local parts alone (xfer.h helpers, part_file.h), then sizes 0, 1, one Send chunk, one chunk + 1, 64 MiB both ways (byte for byte in
 *         the sandbox, peak RSS far below the file), a Unicode name, unchanged, exists
 *         with and without force, a denied path (--deny-path 'C:\Denied'), not found,
 *         --streams 4 both ways, cancel, and --resume after a cancel; snippet 14: a
 *         partial copy removed, any other name refused and left alone, and a cancelled
 *         copy with discard_partial that leaves no partial copy on either side; snippet
 *         15, pull -r's listing: a nested tree, a file, nothing, a denied subdirectory
 *         (--deny-path 'C:\nanosh-list\part\locked'), a denied directory, 70 levels
 *         deep, a cancel
 *   list  the listing checks alone (by hand)
 *   hostile  listings that are not snippet 15's (NANOSH_STANDIN_HOOK=hostile-list): refused
 *   enc   the same transfers over a server that requires encryption (sealed NTLM)
 *   drop  a connection dropped mid-upload (--fault-drop-after-stdin-bytes): no target,
 *         the error says --resume, and --resume completes it moving fewer bytes
 *   drop4 the same on one of 4 streams: the others stop, and --resume completes it
 *   threads  --streams 4 both ways and a cancelled 4-stream pull, for ThreadSanitizer
 *   rate  64 MiB both ways with one stream and with four, for the rates alone (by hand;
 *         SIM_AUTH=basic: Basic over plain HTTP, without encryption)
 * Rates are printed as TAP comments. */
#include "auth/ntlm.h"
#include "base/clock.h"
#include "base/random.h"
#include "shell/localfs/part_file.h"
#include "shell/push/winrm_copy.h"
#include "shell/push/winrm_int.h"
#include "tests/tap.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1ULL << 20)

static int port;
static const char *user, *password, *sandbox;
static char local_dir[] = "/tmp/nanosh-winrm-copy.XXXXXX";
static _Atomic int connects;
/* The file size of the --streams checks: 32 MiB, or the least that is split (8 MiB)
 * under ThreadSanitizer, which is slow. */
static unsigned long long streams_size = 32 * MIB;

static ws_rc connect_sim(void *ud, ws_client **out, ws_error *err)
{
    (void)ud;
    atomic_fetch_add(&connects, 1);
    const char *scheme = getenv("SIM_AUTH");
    int basic = scheme && !strcmp(scheme, "basic");
    ws_auth *auth = basic ? ws_auth_basic_new(user, password, err)
                          : ws_auth_ntlm_new(user, password, NULL, "Negotiate", err);
    ws_target t = {.host = "127.0.0.1", .port = port};
    ws_conn_opts co = {.allow_unencrypted = basic};
    *out = NULL;
    if (!auth)
        return err->rc ? err->rc : WS_E_NOMEM;
    return ws_client_new(&t, &co, auth, out, err);
}

/* A local file of size random bytes at dir/name. */
static void make_file(const char *path, unsigned long long size)
{
    FILE *f = fopen(path, "wb");
    static unsigned char buf[1 << 20];
    for (unsigned long long left = size; f && left > 0;) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        ws_random_bytes(buf, n);
        fwrite(buf, 1, n, f);
        left -= n;
    }
    if (f)
        fclose(f);
}

/* 1 when the two files hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    static unsigned char ba[1 << 16], bb[1 << 16];
    while (same) {
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        same = na == nb && memcmp(ba, bb, na) == 0;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* The sandbox path of C:\nanosh-test\NAME. */
static void in_sandbox(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/nanosh-test/%s", sandbox, name);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Counts names containing ".nanosh-" and ending ".part" in dir: partial copies. */
static int part_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        n += strstr(e->d_name, ".nanosh-") && l > 5 && !strcmp(e->d_name + l - 5, ".part");
    }
    if (d)
        closedir(d);
    return n;
}

static void remove_parts(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".nanosh-")) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Progress that cancels the copy once it has reached at_bytes. */
typedef struct canceller {
    _Atomic int flag;
    unsigned long long at_bytes, last, calls;
    int backwards;
    long long set_ms;            /* when the flag was set */
} canceller;

static void on_progress(void *ud, unsigned long long done, unsigned long long size)
{
    canceller *k = ud;
    k->backwards |= done < k->last || done > size;
    k->last = done;
    k->calls++;
    if (k->at_bytes && done >= k->at_bytes && !atomic_load(&k->flag)) {
        k->set_ms = ws_now_ms();
        atomic_store(&k->flag, 1);
    }
}

static double rate(unsigned long long bytes, long long ms)
{
    return ms > 0 ? (double)bytes / 1e6 / ((double)ms / 1000.0) : 0.0;
}

/* The local parts, no server: part names, hashing, and the partial file's rules. */
static void test_local(void)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_size = 10;
    st.st_ino = 7;
    char a[17], b[17], c2[17];
    xfer_part_id(&st, "C:\\x", a);
    xfer_part_id(&st, "C:\\x", b);
    xfer_part_id(&st, "C:\\y", c2);
    size_t hex = strspn(a, "0123456789abcdef");
    TAP_OK(!strcmp(a, b) && strcmp(a, c2) && hex == 16 && strlen(a) == 16,
           "xfer_part_id: 16 lower-case hex digits, the same for the same copy (%s, %s)", a, c2);
    st.st_mtim.tv_nsec = 1;
    xfer_part_id(&st, "C:\\x", b);
    TAP_OK(strcmp(a, b) != 0, "xfer_part_id: a changed mtime names another partial copy");
    char *name = xfer_part_name("C:\\d\\f.bin", a);
    char want[64];
    snprintf(want, sizeof want, "C:\\d\\f.bin.nanosh-%s.part", a);
    TAP_STR_EQ(name, want, "xfer_part_name: TARGET.nanosh-ID.part");
    free(name);
    TAP_STR_EQ(xfer_kind_name(XFER_E_DENIED), "denied", "xfer_kind_name: denied");
    TAP_STR_EQ(xfer_kind_name(XFER_E_MISMATCH), "mismatch", "xfer_kind_name: mismatch");

    char path[512], target[512];
    snprintf(path, sizeof path, "%s/abc", local_dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("abcdef", f);
        fclose(f);
    }
    int fd = open(path, O_RDONLY);
    char h[65];
    ws_error err = {0};
    TAP_OK(xfer_hash_fd(fd, 3, NULL, h, &err) == WS_OK &&
           !strcmp(h, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
           "xfer_hash_fd: SHA-256 of the first 3 bytes, upper case (%s)", h);
    TAP_OK(xfer_hash_fd(fd, 0, NULL, h, &err) == WS_OK &&
           !strcmp(h, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
           "xfer_hash_fd: SHA-256 of nothing");
    _Atomic int stop = 1;
    TAP_OK(xfer_hash_fd(fd, 6, &stop, h, &err) != WS_OK, "xfer_hash_fd: the cancel flag stops it");
    TAP_OK(xfer_hash_fd(fd, 100, NULL, h, &err) != WS_OK && strstr(err.what, "shorter"),
           "xfer_hash_fd: a file shorter than asked is an error (%s)", err.what);
    ws_error_clear(&err);
    if (fd >= 0)
        close(fd);

    snprintf(target, sizeof target, "%s/target.bin", local_dir);
    part_file pf;
    int rc = part_file_open(&pf, target, a, 0);
    TAP_OK(rc == 0 && pf.have == 0 && pf.fd >= 0, "part_file_open: a new partial file");
    TAP_OK(rc == 0 && part_file_pwrite(&pf, "world", 5, 5) == 0 &&
           part_file_pwrite(&pf, "hello", 5, 0) == 0, "part_file_pwrite: at offsets");
    char part_path[600];
    snprintf(part_path, sizeof part_path, "%s", pf.path ? pf.path : "");
    part_file_close(&pf, 1);
    TAP_OK(exists(part_path), "part_file_close keep: the partial file stays for --resume");
    rc = part_file_open(&pf, target, a, 1);
    TAP_OK(rc == 0 && pf.have == 10, "part_file_open resume: continues at its size (%llu)",
           pf.have);
    TAP_OK(rc == 0 && part_file_commit(&pf, 10, 0644, 0) == 0 && !exists(part_path),
           "part_file_commit: renamed to the target");
    f = fopen(target, "rb");
    char got[16] = "";
    if (f) {
        if (!fgets(got, sizeof got, f))
            got[0] = '\0';
        fclose(f);
    }
    TAP_STR_EQ(got, "helloworld", "the target holds the bytes written at their offsets");
    rc = part_file_open(&pf, target, b, 0);
    part_file_pwrite(&pf, "x", 1, 0);
    errno = 0;
    TAP_OK(rc == 0 && part_file_commit(&pf, 1, 0644, 0) != 0 && errno == EEXIST,
           "part_file_commit without force: an existing target is refused (EEXIST)");
    TAP_OK(stat(target, &st) == 0 && st.st_size == 10, "the existing target is left alone");
    rc = part_file_open(&pf, target, b, 1);
    TAP_OK(rc == 0 && pf.have == 1 && part_file_commit(&pf, 1, 0600, 1) == 0 &&
           stat(target, &st) == 0 && st.st_size == 1 && (st.st_mode & 0777) == 0600,
           "part_file_commit with force: replaced, with the mode given");
    /* A symlink planted at the partial file's name is never written through. */
    char victim[512];
    snprintf(victim, sizeof victim, "%s/victim", local_dir);
    f = fopen(victim, "wb");
    if (f)
        fclose(f);
    name = xfer_part_name(target, a);
    TAP_OK(name && symlink(victim, name) == 0, "a symlink planted as the partial file");
    TAP_OK(part_file_open(&pf, target, a, 1) != 0 && errno == ELOOP,
           "part_file_open resume: refuses a symlink (ELOOP)");
    TAP_OK(part_file_open(&pf, target, a, 0) == 0 && part_file_pwrite(&pf, "z", 1, 0) == 0 &&
           stat(victim, &st) == 0 && st.st_size == 0,
           "part_file_open fresh: replaces the symlink, its target untouched");
    part_file_close(&pf, 0);
    TAP_OK(name && !exists(name), "part_file_close without keep: the partial file is removed");
    free(name);
    unlink(victim);
    unlink(target);
    unlink(path);
}

/* A finished job whose process exited with code and wrote err_text to stderr. */
static ws_rc outcome_of(unsigned long long code, const char *err_text, xfer_kind *kind,
                        ws_error *err)
{
    wr_job j;
    memset(&j, 0, sizeof j);
    j.res.end = WS_RUN_EXITED;
    j.res.has_exit_code = 1;
    j.res.exit_code = code;
    ws_buf_appends(&j.errtext, err_text);
    ws_rc rc = wr_job_outcome(&j, "write C:\\x", kind, err);
    wr_job_free(&j);
    return rc;
}

/* How a snippet's end becomes an error, and how ranges are cut, without a server. */
static void test_outcomes(void)
{
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = outcome_of(0, "", &kind, &err);
    TAP_OK(rc == WS_OK && kind == XFER_E_NONE, "outcome: exit 0 is success");
    rc = outcome_of(1, "NANOSH-E denied Access to the path 'C:\\x' is denied.\r\n", &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_DENIED && strstr(err.what, "access denied") &&
           strstr(err.what, "is denied."), "outcome: NANOSH-E denied (%s)", err.what);
    ws_error_clear(&err);
    rc = outcome_of(1, "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
                    "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">"
                    "NANOSH-E diskfull There is not enough space on the disk._x000D__x000A_</S>"
                    "</Objs>", &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_DISKFULL && strstr(err.what, "not enough space") &&
           !strstr(err.what, "_x000D_"), "outcome: NANOSH-E inside CLIXML (%s)", err.what);
    ws_error_clear(&err);
    rc = outcome_of(1, "\r\n\r\nNANOSH-E exists Cannot create \x1b[31ma file\x07 that exists\r\n",
                    &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_EXISTS && !strchr(err.what, '\x1b') &&
           !strchr(err.what, '\x07') && strstr(err.fix, "--force"),
           "outcome: blank lines skipped, control characters folded (%s)", err.what);
    ws_error_clear(&err);
    rc = outcome_of(1, "NANOSH-E weird something new\r\n", &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_OTHER && strstr(err.what, "something new"),
           "outcome: an unknown kind is other, with its message (%s)", err.what);
    ws_error_clear(&err);
    rc = outcome_of(1, "'powershell.exe' is not recognized as an internal or external command,\r\n"
                    "operable program or batch file.\r\n", &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_OTHER && strstr(err.what, "exit 1") &&
           strstr(err.what, "not recognized"), "outcome: no NANOSH-E line: the first line of "
           "stderr (%s)", err.what);
    ws_error_clear(&err);

    unsigned long long ends[XFER_STREAMS_MAX];
    unsigned n = wr_split(0, 32 * MIB, 4, 1, ends);
    TAP_OK(n == 4 && ends[0] == 8 * MIB && ends[3] == 32 * MIB, "split: 32 MiB in 4 ranges");
    n = wr_split(5, 32 * MIB + 5, 4, 0, ends);
    TAP_OK(n == 1 && ends[0] == 32 * MIB + 5, "split: one range without a way to connect");
    n = wr_split(0, 7 * MIB, 4, 1, ends);
    TAP_OK(n == 1 && ends[0] == 7 * MIB, "split: one range below 8 MiB");
    n = wr_split(0, 8 * MIB + 3, 16, 1, ends);
    int whole = n == 8 && ends[n - 1] == 8 * MIB + 3;
    for (unsigned i = 0; whole && i + 1 < n; i++)
        whole = ends[i] == (i + 1) * MIB;
    TAP_OK(whole, "split: 16 asked of 8 MiB + 3: %u ranges of 1 MiB, the last with the 3 "
           "bytes more", n);
    n = wr_split(0, 33 * MIB, 4, 1, ends);
    TAP_OK(n == 4 && ends[0] == 8 * MIB && ends[2] == 24 * MIB && ends[3] == 33 * MIB,
           "split: 33 MiB in 4: 8, 8, 8 and 9 MiB");
    n = wr_split(9, 9, 4, 1, ends);
    TAP_OK(n == 1 && ends[0] == 9, "split: nothing left is one empty range");
}

/* Push of a fresh file of size bytes as name, checked in the sandbox, then pulled back. */
static void round_trip(winrm_copy *c, const char *name, unsigned long long size,
                       unsigned streams, const char *label)
{
    char local[512], back[512], remote[512], boxed[4096];
    snprintf(local, sizeof local, "%s/src-%s", local_dir, label);
    snprintf(back, sizeof back, "%s/back-%s", local_dir, label);
    snprintf(remote, sizeof remote, "C:\\nanosh-test\\%s", name);
    in_sandbox(boxed, sizeof boxed, name);
    make_file(local, size);
    canceller k = {0};
    xfer_progress pr = {on_progress, &k};
    xfer_opts o = {.streams = streams, .progress = &pr};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    long long t0 = ws_now_ms();
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    long long t1 = ws_now_ms();
    TAP_OK(rc == WS_OK && kind == XFER_E_NONE && r.status == XFER_COPIED && r.size == size &&
           r.moved == size, "push %s (%llu bytes): copied, all bytes moved (%s / %s)", label, size,
           err.what, err.fix);
    TAP_OK(same_bytes(local, boxed), "push %s: the host's file is the local file, byte for byte",
           label);
    char dir[4096];
    in_sandbox(dir, sizeof dir, "");
    TAP_OK(part_files(dir) == 0, "push %s: no partial copy left on the host", label);
    TAP_OK(!k.backwards && (size == 0 || k.last == size), "push %s: progress went up to %llu",
           label, k.last);
    if (size >= 16 * MIB)
        printf("# push %s: %.1f MB/s (%lld ms)\n", label, rate(size, t1 - t0), t1 - t0);
    else
        printf("# push %s: %lld ms\n", label, t1 - t0);
    ws_error_clear(&err);
    memset(&k, 0, sizeof k);
    t0 = ws_now_ms();
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    t1 = ws_now_ms();
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.moved == size && same_bytes(local, back),
           "pull %s: the same bytes come back (%s / %s)", label, err.what, err.fix);
    TAP_OK(part_files(local_dir) == 0, "pull %s: no partial file left", label);
    TAP_OK(!k.backwards && (size == 0 || k.last == size), "pull %s: progress went up to %llu",
           label, k.last);
    struct stat st;
    TAP_OK(stat(back, &st) == 0 && (st.st_mode & 0777) == (0644 & ~(mode_t)022),
           "pull %s: the file is mode 0644 less the umask (%o)", label, st.st_mode & 0777);
    if (size >= 16 * MIB)
        printf("# pull %s: %.1f MB/s (%lld ms)\n", label, rate(size, t1 - t0), t1 - t0);
    else
        printf("# pull %s: %lld ms\n", label, t1 - t0);
    ws_error_clear(&err);
    unlink(local);
    unlink(back);
    unlink(boxed);
}

/* Bytes of stdin in one Send on a fresh shell: what "one chunk" means. */
static unsigned long long send_chunk(ws_client *cl)
{
    ws_shell *sh = NULL;
    ws_shell_opts so = {0};
    ws_error err = {0};
    unsigned long long n = 0;
    if (ws_shell_create(cl, &so, &sh, &err) == WS_OK) {
        n = ws_shell_max_send(sh);
        ws_shell_delete(sh, &err);
        ws_shell_free(sh);
    }
    ws_error_clear(&err);
    return n;
}

static void test_sizes(winrm_copy *c, ws_client *cl, int big)
{
    unsigned long long chunk = send_chunk(cl);
    TAP_OK(chunk > 1000, "one Send carries %llu bytes of stdin", chunk);
    round_trip(c, "zero.bin", 0, 1, "0");
    round_trip(c, "one.bin", 1, 1, "1");
    round_trip(c, "chunk.bin", chunk, 1, "chunk");
    round_trip(c, "chunk1.bin", chunk + 1, 1, "chunk+1");
    if (!big)
        return;
    long before = max_rss_kib();
    round_trip(c, "big.bin", 64 * MIB, 1, "64MiB");
    long grown = max_rss_kib() - before;
    printf("# peak RSS grew by %ld KiB over the 64 MiB push and pull\n", grown);
    TAP_OK(grown < 64 * 1024, "64 MiB both ways: peak RSS grew by %ld KiB, far below the file",
           grown);
}

static void test_unicode(winrm_copy *c)
{
    round_trip(c, "Gr\xC3\xBC\xC3\x9F" "e \xE2\x80\x99quoted\xE2\x80\x99 \xF0\x9F\x98\x80.txt",
               3000, 1, "unicode");
}

/* Same bytes: skipped; other bytes: refused without force, replaced with it. */
static void test_exists(winrm_copy *c)
{
    char local[512], back[512], boxed[4096];
    const char *remote = "C:\\nanosh-test\\exists.bin";
    snprintf(local, sizeof local, "%s/exists.bin", local_dir);
    snprintf(back, sizeof back, "%s/exists-back.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "exists.bin");
    make_file(local, 5000);
    xfer_opts o = {0};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED, "push: first copy (%s)", err.what);
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_UNCHANGED && r.moved == 0,
           "push again: unchanged, nothing sent (%s)", err.what);
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED, "pull: first copy (%s)", err.what);
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_UNCHANGED && r.moved == 0,
           "pull again: unchanged, nothing read (%s)", err.what);

    make_file(local, 5000);                  /* other bytes, same size */
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_EXISTS && strstr(err.fix, "--force"),
           "push other bytes without force: refused as exists (%s / %s)", err.what, err.fix);
    TAP_OK(!same_bytes(local, boxed), "push without force: the host's file is left alone");
    ws_error_clear(&err);
    o.force = 1;
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && same_bytes(local, boxed),
           "push with force: replaced (%s)", err.what);
    o.force = 0;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_EXISTS && !same_bytes(local, back),
           "pull over other local bytes without force: refused as exists (%s)", err.what);
    ws_error_clear(&err);
    o.force = 1;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && same_bytes(local, back),
           "pull with force: replaced (%s)", err.what);
    TAP_OK(part_files(local_dir) == 0, "no partial file left locally");
    ws_error_clear(&err);
    unlink(local);
    unlink(back);
    unlink(boxed);
}

static void test_errors(winrm_copy *c)
{
    char local[512], back[512], denied_dir[4096], denied[4096];
    snprintf(local, sizeof local, "%s/small.bin", local_dir);
    snprintf(back, sizeof back, "%s/denied-back.bin", local_dir);
    make_file(local, 100);
    xfer_opts o = {0};
    xfer_result r;
    xfer_kind kind = XFER_E_NONE;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, "C:\\Denied\\small.bin", &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_DENIED && strstr(err.what, "access denied"),
           "push to a denied path: denied, said so (%s / %s)", err.what, err.fix);
    ws_error_clear(&err);
    snprintf(denied_dir, sizeof denied_dir, "%s/Denied", sandbox);
    snprintf(denied, sizeof denied, "%s/Denied/there.bin", sandbox);
    mkdir(denied_dir, 0755);
    make_file(denied, 100);
    rc = winrm_get(c, "C:\\Denied\\there.bin", back, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_DENIED && !exists(back),
           "pull from a denied path: denied, no local file (%s)", err.what);
    ws_error_clear(&err);
    rc = winrm_get(c, "C:\\nanosh-test\\no such file.bin", back, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_NOTFOUND && !exists(back),
           "pull of a missing file: not found (%s)", err.what);
    ws_error_clear(&err);
    rc = winrm_put(c, local, "C:\\nanosh-test", &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && strstr(err.what, "directory"),
           "push onto a directory: refused, said so (%s)", err.what);
    ws_error_clear(&err);
    rc = winrm_put(c, "/nonexistent/nanosh", "C:\\nanosh-test\\x.bin", &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_NOTFOUND, "push of a missing local file: not found (%s)",
           err.what);
    ws_error_clear(&err);
    remote_stat st;
    rc = winrm_stat(c, "C:\\Denied\\there.bin", 0, &st, &kind, &err);
    TAP_OK(rc == WS_OK && st.kind == 'F' && st.size == 100 && !st.sha256[0],
           "stat without hash: a file of 100 bytes (%s)", err.what);
    ws_error_clear(&err);
    unlink(local);
}

static void test_streams(winrm_copy *c)
{
    int before = atomic_load(&connects);
    round_trip(c, "streams.bin", streams_size, 4, "streams4");
    int made = atomic_load(&connects) - before;
    TAP_OK(made == 6, "--streams 4: 3 more connections each way (%d made)", made);
}

/* A pull on 4 streams cancelled, then resumed: the partial file keeps only the bytes
 * that came without a gap, and --resume goes on from there. */
static void test_streams_cancel(winrm_copy *c)
{
    char local[512], back[512], boxed[4096];
    const char *remote = "C:\\nanosh-test\\streams-cancel.bin";
    unsigned long long size = streams_size;
    snprintf(local, sizeof local, "%s/streams-cancel.bin", local_dir);
    snprintf(back, sizeof back, "%s/streams-cancel-back.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "streams-cancel.bin");
    make_file(local, size);
    xfer_opts o = {.streams = 4};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK, "pushed %llu bytes to pull back (%s)", size, err.what);
    canceller k = {.at_bytes = size * 3 / 8};
    xfer_progress pr = {on_progress, &k};
    o.progress = &pr;
    o.cancel = &k.flag;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && !exists(back) && part_files(local_dir) == 1,
           "pull on 4 streams cancelled: no target, a partial file (%s)", err.what);
    ws_error_clear(&err);
    memset(&k, 0, sizeof k);
    o.resume = 1;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.moved + r.resumed_from == size &&
           same_bytes(local, back) && part_files(local_dir) == 0,
           "pull --resume on 4 streams: complete from %llu (%s)", r.resumed_from, err.what);
    ws_error_clear(&err);
    unlink(local);
    unlink(back);
    unlink(boxed);
}

/* The connection of one of 4 streams drops: the others are stopped, the error is the
 * drop's, and --resume completes the copy (from the start when the partial copy has
 * holes, which its SHA-256 shows). */
static void test_drop_streams(winrm_copy *c)
{
    char local[512], boxed[4096], dir[4096];
    const char *remote = "C:\\nanosh-test\\dropped4.bin";
    unsigned long long size = 32 * MIB;
    snprintf(local, sizeof local, "%s/dropped4.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "dropped4.bin");
    in_sandbox(dir, sizeof dir, "");
    make_file(local, size);
    xfer_opts o = {.streams = 4, .deadline_ms = ws_now_ms() + 120000};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    long long t0 = ws_now_ms();
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    printf("# the 4-stream push failed after %lld ms\n", ws_now_ms() - t0);
    TAP_OK(rc != WS_OK && kind != XFER_E_CANCELLED && strstr(err.fix, "--resume"),
           "4 streams, one connection dropped: fails with the drop's error, says --resume "
           "(%s / %s)", err.what, err.fix);
    TAP_OK(!exists(boxed) && part_files(dir) == 1, "no target file, the partial copy stays");
    ws_error_clear(&err);
    o.resume = 1;
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.moved + r.resumed_from == size &&
           same_bytes(local, boxed) && part_files(dir) == 0,
           "--resume on 4 streams completes it (from %llu) (%s)", r.resumed_from, err.what);
    ws_error_clear(&err);
    unlink(local);
    unlink(boxed);
}

/* Cancel half-way, then --resume: fewer bytes moved, same result. */
static void test_cancel_resume(winrm_copy *c)
{
    char local[512], back[512], boxed[4096], dir[4096];
    const char *remote = "C:\\nanosh-test\\cancel.bin";
    unsigned long long size = 24 * MIB;
    snprintf(local, sizeof local, "%s/cancel.bin", local_dir);
    snprintf(back, sizeof back, "%s/cancel-back.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "cancel.bin");
    in_sandbox(dir, sizeof dir, "");
    make_file(local, size);
    canceller k = {.at_bytes = 6 * MIB};
    xfer_progress pr = {on_progress, &k};
    xfer_opts o = {.progress = &pr, .cancel = &k.flag};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    long long t0 = ws_now_ms();
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    long long took = ws_now_ms() - t0, after = ws_now_ms() - k.set_ms;
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && strstr(err.fix, "--resume"),
           "push cancelled: cancelled, says --resume (%s / %s)", err.what, err.fix);
    TAP_OK(k.set_ms && after < 5000, "push cancelled: ended %lld ms after the flag was set",
           after);
    TAP_OK(!exists(boxed) && part_files(dir) == 1,
           "push cancelled: no target, the partial copy stays on the host (%d)", part_files(dir));
    printf("# push cancelled after %lld ms\n", took);
    ws_error_clear(&err);
    memset(&k, 0, sizeof k);
    o.resume = 1;
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.resumed_from > 0 && r.moved < size &&
           r.moved + r.resumed_from == size && same_bytes(local, boxed),
           "push --resume: completed from %llu, moving %llu bytes (%s)", r.resumed_from, r.moved,
           err.what);
    TAP_OK(part_files(dir) == 0, "push --resume: no partial copy left");
    ws_error_clear(&err);

    memset(&k, 0, sizeof k);
    k.at_bytes = 6 * MIB;
    o.resume = 0;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    after = ws_now_ms() - k.set_ms;
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && strstr(err.fix, "--resume"),
           "pull cancelled: cancelled, says --resume (%s / %s)", err.what, err.fix);
    TAP_OK(k.set_ms && after < 5000, "pull cancelled: ended %lld ms after the flag was set",
           after);
    TAP_OK(!exists(back) && part_files(local_dir) == 1,
           "pull cancelled: no target, the partial file stays");
    ws_error_clear(&err);
    memset(&k, 0, sizeof k);
    o.resume = 1;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.resumed_from > 0 && r.moved < size &&
           same_bytes(local, back), "pull --resume: completed from %llu, moving %llu bytes (%s)",
           r.resumed_from, r.moved, err.what);
    TAP_OK(part_files(local_dir) == 0, "pull --resume: no partial file left");
    ws_error_clear(&err);
    unlink(local);
    unlink(back);
    unlink(boxed);
}

/* A deadline that passes mid-copy ends it promptly, as a timeout, keeping the partial
 * copy for --resume. */
static void test_deadline(winrm_copy *c)
{
    char local[512], dir[4096];
    const char *remote = "C:\\nanosh-test\\deadline.bin";
    snprintf(local, sizeof local, "%s/deadline.bin", local_dir);
    in_sandbox(dir, sizeof dir, "");
    make_file(local, 64 * MIB);
    xfer_opts o = {.deadline_ms = ws_now_ms() + 1500};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    long long late = ws_now_ms() - o.deadline_ms;
    TAP_OK(rc == WS_E_TIMEOUT && strstr(err.fix, "--resume"),
           "push past its deadline: a timeout, says --resume (%s / %s)", err.what, err.fix);
    TAP_OK(late < 3000, "push past its deadline: ended %lld ms after it", late);
    ws_error_clear(&err);
    remove_parts(dir);
    unlink(local);
}

/* Snippet 14 through the test server: only a name that ends in .nanosh-ID.part (16
 * lower-case hex digits), with no stream, is removed; any other is refused, untouched. */
static void test_remove_part(winrm_copy *c)
{
    static const char *const refused[][2] = {
        {"victim.exe", "a real file"},
        {"victim.exe.nanosh-0123456789ABCDEF.part", "an upper-case ID"},
        {"victim.exe.nanosh-0123456789abcde.part", "an ID of 15 digits"},
        {"victim.exe.nanosh-0123456789abcdef.part.bak", "more after .part"},
        {"victim.exe.nanosh-0123456789abcdef.part\n", "a newline after .part"},
        {"victim.exe:x.nanosh-0123456789abcdef.part", "a stream of victim.exe"},
    };
    char dir[4096], boxed[4096], win[600];
    in_sandbox(dir, sizeof dir, "");
    mkdir(dir, 0755);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        in_sandbox(boxed, sizeof boxed, refused[i][0]);
        make_file(boxed, 10);
        char victim[4096];
        in_sandbox(victim, sizeof victim, "victim.exe");
        make_file(victim, 10);
        snprintf(win, sizeof win, "C:\\nanosh-test\\%s", refused[i][0]);
        int removed = -1;
        ws_error err = {0};
        ws_rc rc = wr_remove_part(c, win, &removed, &err);
        TAP_OK(rc != WS_OK && strstr(err.what, "refused") && removed == 0 && exists(boxed) &&
               exists(victim), "snippet 14 refuses %s, removes nothing (%s)", refused[i][1],
               err.what);
        ws_error_clear(&err);
        unlink(boxed);
        unlink(victim);
    }
    in_sandbox(boxed, sizeof boxed, "victim.exe.nanosh-0123456789abcdef.part");
    make_file(boxed, 10);
    int removed = -1;
    ws_error err = {0};
    ws_rc rc = wr_remove_part(c, "C:\\nanosh-test\\victim.exe.nanosh-0123456789abcdef.part",
                              &removed, &err);
    TAP_OK(rc == WS_OK && removed == 1 && !exists(boxed),
           "snippet 14 removes a partial copy: R (%s)", err.what);
    ws_error_clear(&err);
    rc = wr_remove_part(c, "C:\\nanosh-test\\victim.exe.nanosh-0123456789abcdef.part",
                        &removed, &err);
    TAP_OK(rc == WS_OK && removed == 0, "snippet 14 on one that is not there: N (%s)", err.what);
    ws_error_clear(&err);
}

/* discard_partial (bootstrap's): a cancelled push or pull leaves no partial copy on
 * either side, and nothing tells to --resume. */
static void test_discard(winrm_copy *c)
{
    char local[512], back[512], boxed[4096], dir[4096];
    const char *remote = "C:\\nanosh-test\\discard.bin";
    snprintf(local, sizeof local, "%s/discard.bin", local_dir);
    snprintf(back, sizeof back, "%s/discard-back.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "discard.bin");
    in_sandbox(dir, sizeof dir, "");
    make_file(local, 24 * MIB);
    canceller k = {.at_bytes = 6 * MIB};
    xfer_progress pr = {on_progress, &k};
    xfer_opts o = {.progress = &pr, .cancel = &k.flag, .discard_partial = 1};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    xfer_fix_without_resume(&err, kind);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && strstr(err.what, "partial copy was removed")
           && !strstr(err.what, "--resume") && !strstr(err.fix, "--resume"),
           "push cancelled, discard_partial: says the partial copy was removed, no --resume "
           "(%s / %s)", err.what, err.fix);
    TAP_OK(!exists(boxed) && part_files(dir) == 0,
           "push cancelled, discard_partial: no target, no partial copy on the host (%d)",
           part_files(dir));
    ws_error_clear(&err);
    make_file(boxed, 24 * MIB);
    memset(&k, 0, sizeof k);
    k.at_bytes = 6 * MIB;
    rc = winrm_get(c, remote, back, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && !exists(back) && part_files(local_dir) == 0,
           "pull cancelled, discard_partial: no local partial file (%s)", err.what);
    ws_error_clear(&err);
    unlink(local);
    unlink(boxed);
}

/* The server drops the connection once, DROP_AT stdin bytes into the upload. */
static void test_drop(winrm_copy *c, unsigned long long drop_at)
{
    char local[512], boxed[4096], dir[4096];
    const char *remote = "C:\\nanosh-test\\dropped.bin";
    unsigned long long size = 16 * MIB;
    snprintf(local, sizeof local, "%s/dropped.bin", local_dir);
    in_sandbox(boxed, sizeof boxed, "dropped.bin");
    in_sandbox(dir, sizeof dir, "");
    make_file(local, size);
    xfer_opts o = {.deadline_ms = ws_now_ms() + 120000};
    xfer_result r;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc != WS_OK && strstr(err.fix, "--resume"),
           "push through a dropped connection fails, says --resume (%s / %s)", err.what, err.fix);
    TAP_OK(!exists(boxed) && part_files(dir) == 1,
           "dropped: no target file on the host, the partial copy stays");
    ws_error_clear(&err);
    o.resume = 1;
    rc = winrm_put(c, local, remote, &o, &r, &kind, &err);
    TAP_OK(rc == WS_OK && r.status == XFER_COPIED && r.resumed_from > 0 && r.moved < size &&
           same_bytes(local, boxed), "--resume completes it from %llu (drop at %llu), moving "
           "%llu bytes (%s)", r.resumed_from, drop_at, r.moved, err.what);
    TAP_OK(part_files(dir) == 0, "--resume: no partial copy left");
    ws_error_clear(&err);
    unlink(local);
    unlink(boxed);
}

/* mkdir -p of dir/rel ('/' separated; dir's parent exists); 0 or -1. */
static int make_dirs(const char *dir, const char *rel)
{
    char path[8192];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    int n = snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    for (char *p = path + strlen(dir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A listing as "REL SIZE|" in byte order, for one comparison that shows all. */
static void listing_text(remote_list *l, char *out, size_t cap)
{
    remote_list_sort(l);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->nfiles && o < cap; i++) {
        int n = snprintf(out + o, cap - o, "%s %llu|", l->files[i].rel, l->files[i].size);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* Snippet 15 (pull -r's listing) against the stand-in: exact names and sizes at every
 * level, a file, nothing, a denied subdirectory (--deny-path
 * 'C:\nanosh-list\part\locked', from test_winrm_copy.sh), the denied listed directory
 * itself (C:\Denied), a tree deeper than the bound, a cancel, a deadline. */
static void test_list(winrm_copy *c)
{
    char top[4096], path[8192];
    snprintf(top, sizeof top, "%s/nanosh-list", sandbox);
    static const struct {
        const char *rel;            /* '/' here, '\' in the listing */
        unsigned long long size;
    } tree[] = {
        {"tree/top.bin", 0},
        {"tree/.x", 5},
        {"tree/big.bin", MIB + 3},
        {"tree/sub one/mid.txt", 11},
        {"tree/sub one/D\xC3\xAFr\xE2\x80\x99s \xC3\xBC/deep \xF0\x9D\x84\x9E.txt", 7},
        {"part/ok.txt", 2},
        {"part/sub/f.txt", 3},
        {"part/locked/in/secret.txt", 1},
    };
    int made = make_dirs(top, "tree/empty") == 0 && make_dirs(top, "part/locked/in") == 0 &&
               make_dirs(top, "part/sub") == 0 &&
               make_dirs(top, "tree/sub one/D\xC3\xAFr\xE2\x80\x99s \xC3\xBC") == 0;
    for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", top, tree[i].rel);
        make_file(path, tree[i].size);
        struct stat st;
        made &= stat(path, &st) == 0 && (unsigned long long)st.st_size == tree[i].size;
    }
    TAP_OK(made, "listing: a tree of 3 levels made in the sandbox");

    xfer_opts o = {0};
    xfer_kind kind = XFER_E_NONE;
    ws_error err = {0};
    remote_list l = {0};
    char what = 0, got[2048], want[2048];
    ws_rc rc = winrm_list(c, "C:\\nanosh-list\\TREE", &o, &what, &l, &kind, &err);
    listing_text(&l, got, sizeof got);
    /* Byte order of the expected names, written out: '.' < 'b' < 's' < 't'. */
    snprintf(want, sizeof want, ".x 5|big.bin %llu|sub one\\D\xC3\xAFr\xE2\x80\x99s \xC3\xBC\\"
             "deep \xF0\x9D\x84\x9E.txt 7|sub one\\mid.txt 11|top.bin 0|", MIB + 3);
    TAP_OK(rc == WS_OK && what == 'D' && kind == XFER_E_NONE && l.nunreadable == 0,
           "listing a directory: D, no unreadable directory (%s)", err.what);
    TAP_STR_EQ(got, want, "listing: every file at every level, with '\\', its exact name and size "
               "(hidden, space, quote, non-ASCII, 0 bytes, over 1 MiB; the empty directory "
               "adds nothing)");
    remote_list_free(&l);
    ws_error_clear(&err);

    what = 0;
    rc = winrm_list(c, "C:\\nanosh-list\\tree\\big.bin", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'F' && l.nfiles == 0 && l.nunreadable == 0,
           "listing a file: F, nothing listed (%c, %zu; %s)", what ? what : '-', l.nfiles, err.what);
    remote_list_free(&l);
    ws_error_clear(&err);
    what = 0;
    rc = winrm_list(c, "C:\\nanosh-list\\no such dir", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'N' && l.nfiles == 0,
           "listing nothing: N, nothing listed (%c; %s)", what ? what : '-', err.what);
    remote_list_free(&l);
    ws_error_clear(&err);

    what = 0;
    rc = winrm_list(c, "C:\\nanosh-list\\part", &o, &what, &l, &kind, &err);
    listing_text(&l, got, sizeof got);
    TAP_OK(rc == WS_OK && what == 'D' && l.nunreadable == 1 && !strcmp(l.unreadable[0].rel, "locked") &&
           strstr(l.why[0], "Access to the path 'C:\\nanosh-list\\part\\locked' is denied."),
           "a denied subdirectory: one unreadable entry with the host's reason (%zu: %s: %s; %s)",
           l.nunreadable, l.nunreadable ? l.unreadable[0].rel : "", l.nunreadable ? l.why[0] : "",
           err.what);
    TAP_STR_EQ(got, "ok.txt 2|sub\\f.txt 3|", "a denied subdirectory: the other files still listed");
    remote_list_free(&l);
    ws_error_clear(&err);

    snprintf(path, sizeof path, "%s/Denied", sandbox);
    mkdir(path, 0755);
    rc = winrm_list(c, "C:\\Denied", &o, &what, &l, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_DENIED && strstr(err.what, "cannot list C:\\Denied: Access") &&
           err.fix[0] && l.nfiles == 0,
           "listing a denied directory: denied, said what and what to do (%s / %s)", err.what, err.fix);
    remote_list_free(&l);
    ws_error_clear(&err);

    /* 70 levels: d\d\...\d\f.txt. */
    char rel[256] = "deep";
    for (int i = 0; i < 70; i++)
        strcat(rel, "/d");
    snprintf(path, sizeof path, "%s/%s/f.txt", top, rel);
    made = make_dirs(top, rel) == 0;
    make_file(path, 1);
    rc = winrm_list(c, "C:\\nanosh-list\\deep", &o, &what, &l, &kind, &err);
    TAP_OK(made && rc != WS_OK && kind == XFER_E_OTHER && strstr(err.what, "more than 64 levels") &&
           strstr(err.fix, "junction") && l.nfiles == 0,
           "a tree 70 levels deep: refused, naming the bound (%s / %s)", err.what, err.fix);
    remote_list_free(&l);
    ws_error_clear(&err);

    _Atomic int stop = 1;
    o.cancel = &stop;
    rc = winrm_list(c, "C:\\nanosh-list\\tree", &o, &what, &l, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && l.nfiles == 0,
           "a set cancel flag: cancelled, nothing listed (%s)", err.what);
    remote_list_free(&l);
    ws_error_clear(&err);
    o.cancel = NULL;
    o.deadline_ms = ws_now_ms() - 1;
    rc = winrm_list(c, "C:\\nanosh-list\\tree", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_E_TIMEOUT && kind == XFER_E_OTHER && strstr(err.what, "list C:\\nanosh-list") &&
           l.nfiles == 0, "a deadline passed: a timeout, nothing listed (%s)", err.what);
    remote_list_free(&l);
    ws_error_clear(&err);
    nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A host whose listing is not snippet 15's (NANOSH_STANDIN_HOOK=hostile-list, chosen by
 * the listed name): each is refused as malformed, saying why, and nothing is listed. */
static void test_list_hostile(winrm_copy *c)
{
    static const struct {
        const char *name, *why;
    } cases[] = {
        {"badfirst", "the first line is not D, F or N"},
        {"afterfile", "more after F or N"},
        {"badb64", "not base64 of a name"},
        {"nulname", "not base64 of a name"},
        {"nosize", "not \"F SIZE NAME\""},
        {"hugesize", "a size out of range"},
        {"wrapped", "neither F nor U"},
        {"unknown", "neither F nor U"},
        {"longline", "longer than 256 KiB"},
        {"empty", "no answer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[64], what = 0;
        snprintf(dir, sizeof dir, "C:\\x\\%s", cases[i].name);
        xfer_opts o = {0};
        xfer_kind kind = XFER_E_NONE;
        ws_error err = {0};
        remote_list l = {0};
        ws_rc rc = winrm_list(c, dir, &o, &what, &l, &kind, &err);
        char want[128];
        snprintf(want, sizeof want, "the host's listing of %s is malformed: ", dir);
        TAP_OK(rc == WS_E_PROTOCOL && kind == XFER_E_OTHER && strstr(err.what, want) &&
               strstr(err.what, cases[i].why) && err.fix[0] && l.nfiles == 0,
               "a hostile listing (%s): refused as malformed, saying why (%s)", cases[i].name,
               err.what);
        remote_list_free(&l);
        ws_error_clear(&err);
    }
    char what = 0;
    xfer_opts o = {0};
    xfer_kind kind = XFER_E_NONE;
    ws_error err = {0};
    remote_list l = {0};
    ws_rc rc = winrm_list(c, "C:\\x\\toomany", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_E_PROTOCOL && kind == XFER_E_OTHER && strstr(err.what, "more than 100000 files") &&
           err.fix[0] && l.nfiles == 0, "a listing of 100001 files: refused, naming the bound (%s)",
           err.what);
    remote_list_free(&l);
    ws_error_clear(&err);
    rc = winrm_list(c, "C:\\x\\toobig", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_E_PROTOCOL && kind == XFER_E_OTHER && strstr(err.what, "larger than 64 MiB") &&
           err.fix[0], "a listing of 65 MiB: refused, naming the bound (%s)", err.what);
    ws_error_clear(&err);
    rc = winrm_list(c, "C:\\x\\nocrlf", &o, &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'D' && l.nfiles == 1 && !strcmp(l.files[0].rel, "last") &&
           l.files[0].size == 4, "a last line without CRLF is read (%s)", err.what);
    remote_list_free(&l);
    ws_error_clear(&err);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "main";
    const char *p = getenv("SIM_PORT");
    user = getenv("SIM_USER");
    password = getenv("SIM_PASSWORD");
    sandbox = getenv("SIM_SANDBOX");
    if (!p || !user || !password || !sandbox)
        TAP_SKIP_ALL("needs SIM_PORT, SIM_USER, SIM_PASSWORD, SIM_SANDBOX (test_winrm_copy.sh)");
    port = atoi(p);
    if (!mkdtemp(local_dir)) {
        TAP_OK(0, "a local temporary directory");
        return tap_done();
    }
    if (!strcmp(mode, "main")) {
        test_local();
        test_outcomes();
    }
    ws_client *cl = NULL;
    ws_error err = {0};
    TAP_OK(connect_sim(NULL, &cl, &err) == WS_OK, "connected (%s)", err.what);
    winrm_copy_cfg cfg = {.client = cl, .connect = connect_sim};
    winrm_copy *c = NULL;
    ws_rc rc = cl ? winrm_copy_open(&c, &cfg, &err) : WS_E_CONNECT;
    TAP_OK(rc == WS_OK && c, "copy shell opened (%s)", err.what);
    if (c && !strcmp(mode, "main")) {
        test_sizes(c, cl, 1);
        test_unicode(c);
        test_exists(c);
        test_errors(c);
        test_streams(c);
        test_streams_cancel(c);
        test_cancel_resume(c);
        test_deadline(c);
        test_remove_part(c);
        test_discard(c);
        test_list(c);
    } else if (c && !strcmp(mode, "list")) {
        test_list(c);
    } else if (c && !strcmp(mode, "hostile")) {
        test_list_hostile(c);
    } else if (c && !strcmp(mode, "enc")) {
        test_sizes(c, cl, 1);
        test_streams(c);
    } else if (c && !strcmp(mode, "threads")) {
        streams_size = 8 * MIB;
        test_streams(c);
        test_streams_cancel(c);
    } else if (c && !strcmp(mode, "rate")) {
        round_trip(c, "rate1.bin", 64 * MIB, 1, "64MiB");
        round_trip(c, "rate4.bin", 64 * MIB, 4, "64MiB-streams4");
    } else if (c && !strcmp(mode, "drop")) {
        const char *at = getenv("DROP_AT");
        test_drop(c, at ? strtoull(at, NULL, 10) : 0);
    } else if (c && !strcmp(mode, "drop4")) {
        test_drop_streams(c);
    }
    ws_error warning = {0};
    winrm_copy_close(c, &warning);
    TAP_OK(warning.rc == WS_OK, "copy shell deleted (%s)", warning.what);
    ws_client_free(cl);
    ws_error_clear(&err);
    char dir[4096];
    in_sandbox(dir, sizeof dir, "");
    remove_parts(dir);
    remove_parts(local_dir);
    rmdir(local_dir);
    return tap_done();
}
