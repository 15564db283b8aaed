/* shell/push/smb_copy against a real smbd on loopback (started by test_smb.sh through
 * tests/lib/samba.sh, which exports SMB_PORT, SMB_USER, SMB_PW and SMB_SHARE_DIR): put
 * and get of every size class with SHA-256 checked against the file on the server's disk,
 * a Unicode name, replace only with force, an unchanged target left alone, an interrupted
 * copy resumed, a hash mismatch, and the errors a user meets, each leaving no partial
 * copy behind unless it can be resumed; and pull -r's lister (smb_list) over a tree of
 * awkward names, an unreadable directory, the depth bound and a connection that breaks
 * in the middle of a listing. */
#include "auth/ntlm_crypto.h"
#include "base/random.h"
#include "shell/push/smb_conn.h"
#include "shell/push/smb_path.h"
#include "tests/tap.h"
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *share_dir, *host = "127.0.0.1";
static const xfer_opts plain = {0}, forced = {.force = 1};
static unsigned port;
static char local_dir[64];

/* SHA-256 of a file; -1 when it cannot be read. */
static int sha256_file(const char *path, unsigned char out[32])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    static unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    EVP_DigestFinal_ex(md, out, NULL);
    EVP_MD_CTX_free(md);
    fclose(f);
    return 0;
}

static int same_sha(const char *path, const unsigned char want[32])
{
    unsigned char got[32];
    return sha256_file(path, got) == 0 && memcmp(got, want, 32) == 0;
}

/* The same for a digest in upper-case hex, as xfer_result holds it. */
static int same_hex(const char *path, const char *hex)
{
    unsigned char got[32];
    char h[65];
    if (sha256_file(path, got) != 0)
        return 0;
    for (int i = 0; i < 32; i++)
        snprintf(h + 2 * i, 3, "%02X", got[i]);
    return strcmp(h, hex) == 0;
}

/* A local file of size random bytes; returns its path (static buffer per call site). */
static void make_local(char *path, size_t cap, const char *name, size_t size)
{
    snprintf(path, cap, "%s/%s", local_dir, name);
    FILE *f = fopen(path, "wb");
    static unsigned char buf[1 << 20];
    for (size_t left = size; f && left > 0;) {
        size_t n = left < sizeof buf ? left : sizeof buf;
        ws_random_bytes(buf, n);
        fwrite(buf, 1, n, f);
        left -= n;
    }
    if (f)
        fclose(f);
}

/* Counts names holding ".nanosh-" under dir, recursively: leftover partial copies. */
static int temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        n += strstr(e->d_name, ".nanosh-") != NULL;
        if (e->d_type == DT_DIR)
            n += temp_files(sub);
    }
    if (d)
        closedir(d);
    return n;
}

static smb_conn *connect_as(const char *secret, int nt_hash)
{
    smb_creds creds = { getenv("SMB_USER"), secret, nt_hash };
    smb_conn *c = NULL;
    ws_error err = {0};
    ws_rc rc = smb_conn_open(&c, host, port, &creds, 10000, &err);
    TAP_OK(rc == WS_OK && c, "connection context for %s:%u (%s)", host, port, err.what);
    return c;
}

/* Put of size bytes to share/name, checked on the server's disk, then got back. */
static void round_trip(smb_conn *c, const char *name, size_t size)
{
    char local[512], back[512], remote[4096];
    make_local(local, sizeof local, "src.bin", size);
    snprintf(back, sizeof back, "%s/back.bin", local_dir);
    snprintf(remote, sizeof remote, "%s/%s", share_dir, name);
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", name, NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_OK && x.moved == size && x.size == size && x.status == XFER_COPIED,
           "put %zu bytes as %s (%s)", size, name, err.what);
    TAP_OK(same_hex(remote, x.sha256) && same_hex(local, x.sha256),
           "SHA-256 of what was sent = the local file = the file in the share (%zu)", size);
    xfer_result y;
    rc = smb_get(c, "share", name, back, NULL, &plain, &y, &kind, &err);
    TAP_OK(rc == WS_OK && y.moved == size && strcmp(x.sha256, y.sha256) == 0
           && same_hex(back, x.sha256), "get of %s gives the same bytes (%s)", name, err.what);
    unlink(back);
    unlink(remote);
}

static void test_sizes(smb_conn *c)
{
    const size_t sizes[] = { 0, 1, 1 << 20, (1 << 20) + 1, (size_t)64 << 20 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char name[64];
        snprintf(name, sizeof name, "size-%zu.bin", sizes[i]);
        round_trip(c, name, sizes[i]);
    }
    round_trip(c, "Bob\xe2\x80\x99s r\xc3\xa9sum\xc3\xa9 \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac.txt", 4096);
}

/* An existing target stays as it was without force, and is replaced with it. */
static void test_force(smb_conn *c)
{
    char a[512], b[512], remote[4096];
    unsigned char sha_a[32], sha_b[32];
    make_local(a, sizeof a, "a.bin", 1000);
    make_local(b, sizeof b, "b.bin", 2000);
    sha256_file(a, sha_a);
    sha256_file(b, sha_b);
    snprintf(remote, sizeof remote, "%s/exists.bin", share_dir);
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    TAP_OK(smb_put(c, a, "share", "exists.bin", NULL, &plain, &x, &kind, &err) == WS_OK,
           "first put (%s)", err.what);
    ws_rc rc = smb_put(c, a, "share", "exists.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_OK && x.status == XFER_UNCHANGED && x.moved == 0,
           "the same bytes again: unchanged, nothing sent (%s)", err.what);
    rc = smb_put(c, b, "share", "exists.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_EXISTS && strstr(err.what, "exists")
           && strstr(err.fix, "--force"), "an existing target without force: %s; %s",
           err.what, err.fix);
    TAP_OK(same_sha(remote, sha_a), "the target is unchanged");
    rc = smb_put(c, b, "share", "exists.bin", NULL, &forced, &x, &kind, &err);
    TAP_OK(rc == WS_OK && same_sha(remote, sha_b), "with force it is replaced (%s)", err.what);
    rc = smb_get(c, "share", "exists.bin", a, NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_EXISTS && same_sha(a, sha_a),
           "get onto an existing local file without force: %s", err.what);
    rc = smb_get(c, "share", "exists.bin", b, NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_OK && x.status == XFER_UNCHANGED && x.moved == 0,
           "get onto a local file with the same bytes: unchanged (%s)", err.what);
    TAP_OK(smb_get(c, "share", "exists.bin", a, NULL, &forced, &x, &kind, &err) == WS_OK
           && same_sha(a, sha_b), "get with force replaces it (%s)", err.what);
    unlink(remote);
}

/* Each failure says what happened and leaves no temporary file in the share. */
static void test_errors(smb_conn *c)
{
    char local[512];
    make_local(local, sizeof local, "err.bin", 3 << 20);
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    char made[4096];
    ws_rc rc = smb_put(c, local, "share", "new/sub dir/f.bin", NULL, &plain, &x, &kind, &err);
    snprintf(made, sizeof made, "%s/new/sub dir/f.bin", share_dir);
    TAP_OK(rc == WS_OK && same_hex(made, x.sha256), "missing directories are made (%s)",
           err.what);
    rc = smb_put(c, local, "share", "new/sub dir/f.bin/under-a-file.bin", NULL, &plain, &x,
                 &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_NOTFOUND && strstr(err.what, "path not found"),
           "a path under a file: %s", err.what);

    char denied[4096];
    snprintf(denied, sizeof denied, "%s/denied", share_dir);
    mkdir(denied, 0555);            /* owned by root: the test user may not write in it */
    chmod(denied, 0555);
    rc = smb_put(c, local, "share", "denied/f.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_DENIED && strstr(err.what, "access denied"),
           "denied directory: %s", err.what);
    rc = smb_put(c, local, "ro", "f.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "access denied"), "read-only share: %s", err.what);
    rc = smb_get(c, "share", "no-such-file", local, NULL, &forced, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_NOTFOUND && strstr(err.what, "path not found"),
           "get of a missing file: %s", err.what);
    rc = smb_put(c, local, "noshare", "f.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_LOGON && strstr(err.what, "noshare"),
           "a missing share: %s; %s", err.what, err.fix);
    rc = smb_put(c, local_dir, "share", "from-a-dir.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_USAGE && strstr(err.what, "not a regular file"), "a local directory: %s",
           err.what);
    TAP_OK(temp_files(share_dir) == 0, "no temporary file left in the share");
    char target[4096];
    snprintf(target, sizeof target, "%s/from-a-dir.bin", share_dir);
    TAP_OK(access(target, F_OK) != 0 && errno == ENOENT, "nor a file under the target name");
}

/* A share that demands SMB3 encryption, and a user given as DOMAIN\user. */
static void test_encrypted_and_domain(void)
{
    char user[256], local[512], remote[4096];
    snprintf(user, sizeof user, "TESTDOM\\%s", getenv("SMB_USER"));
    smb_creds creds = { user, getenv("SMB_PW"), 0 };
    smb_conn *c = NULL;
    ws_error err = {0};
    ws_rc rc = smb_conn_open(&c, host, port, &creds, 10000, &err);
    make_local(local, sizeof local, "enc.bin", (1 << 20) + 7);
    xfer_result x;
    xfer_kind kind;
    if (rc == WS_OK)
        rc = smb_put(c, local, "enc", "encrypted.bin", NULL, &plain, &x, &kind, &err);
    snprintf(remote, sizeof remote, "%s/encrypted.bin", share_dir);
    TAP_OK(rc == WS_OK && same_hex(remote, x.sha256),
           "put as %s to a share that requires encryption (%s)", user, rc ? err.what : "ok");
    /* The connection is still open: smbd lists its tree connect with the cipher. */
    char cmd[4096], line[512];
    snprintf(cmd, sizeof cmd, "smbstatus -s '%s' -S 2>/dev/null", getenv("SMB_CONF"));
    FILE *p = popen(cmd, "r");
    int encrypted = 0;
    while (p && fgets(line, sizeof line, p))
        encrypted |= strncmp(line, "enc ", 4) == 0 && strstr(line, "AES-") != NULL;
    if (p)
        pclose(p);
    TAP_OK(encrypted, "smbstatus shows the tree connect encrypted (AES)");
    smb_conn_close(c);
    unlink(remote);
}

static void test_logon(void)
{
    smb_conn *bad = connect_as("wrong-password", 0);
    char local[512];
    make_local(local, sizeof local, "auth.bin", 10);
    xfer_result x;
    xfer_kind kind = XFER_E_NONE;
    ws_error err = {0};
    ws_rc rc = bad ? smb_put(bad, local, "share", "auth.bin", NULL, &plain, &x, &kind, &err)
                   : WS_E_USAGE;
    TAP_OK(rc == WS_E_AUTH && kind == XFER_E_LOGON && strstr(err.what, "wrong user or password")
           && strstr(err.fix, "LocalAccountTokenFilterPolicy"), "wrong password: %s; %s",
           err.what, err.fix);
    smb_conn_close(bad);

    /* Pass-the-hash: the NT hash is MD4 of the UTF-16LE password (MS-NLMP 3.3.1). */
    const char *pw = getenv("SMB_PW");
    unsigned char u16[256], h[16];
    size_t n = 0;
    for (const char *p = pw; *p && n + 2 <= sizeof u16; p++) {
        u16[n++] = (unsigned char)*p;
        u16[n++] = 0;
    }
    ntlm_md4(u16, n, h);
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    smb_conn *c = connect_as(hex, 1);
    rc = c ? smb_put(c, local, "share", "hash.bin", NULL, &plain, &x, &kind, &err) : WS_E_USAGE;
    TAP_OK(rc == WS_OK && x.moved == 10, "logon with the NT hash (%s)", err.what);
    smb_conn_close(c);
}

static void test_unreachable(void)
{
    smb_creds creds = { getenv("SMB_USER"), getenv("SMB_PW"), 0 };
    smb_conn *c = NULL;
    ws_error err = {0};
    unsigned closed = (unsigned)atoi(getenv("SMB_CLOSED_PORT"));
    smb_conn_open(&c, host, closed, &creds, 5000, &err);
    int exists;
    struct stat st;
    ws_rc rc = c ? smb_stat_path(c, "share", "f", &st, &exists, &err) : WS_E_USAGE;
    TAP_OK((rc == WS_E_CONNECT || rc == WS_E_TIMEOUT) && strstr(err.what, "cannot reach the share")
           && strstr(err.fix, "File and Printer Sharing firewall group closed?"),
           "a closed port: %s; %s", err.what, err.fix);
    smb_conn_close(c);
}

/* mkdir, stat, and the admin-share mapping used end to end (the C$ share). */
static void test_dirs(smb_conn *c)
{
    ws_error err = {0};
    TAP_OK(smb_mkdir(c, "share", "new dir", &err) == WS_OK, "mkdir (%s)", err.what);
    struct stat st;
    int exists = 0;
    ws_rc rc = smb_stat_path(c, "share", "new dir", &st, &exists, &err);
    TAP_OK(rc == WS_OK && exists && S_ISDIR(st.st_mode), "stat sees the directory");
    rc = smb_stat_path(c, "share", "new dir/none", &st, &exists, &err);
    TAP_OK(rc == WS_OK && !exists, "stat of a missing file: not there, no error");
    smb_target t;
    smb_target_map("C:\\new dir\\mapped.txt", NULL, &t, &err);
    char local[512], remote[4096];
    make_local(local, sizeof local, "mapped.bin", 12345);
    xfer_result x;
    xfer_kind kind;
    rc = smb_put(c, local, t.share, t.path, NULL, &plain, &x, &kind, &err);
    snprintf(remote, sizeof remote, "%s/new dir/mapped.txt", share_dir);
    TAP_OK(rc == WS_OK && same_hex(remote, x.sha256), "C:\\new dir\\mapped.txt through %s (%s)",
           t.share, err.what);
}

/* Progress that raises the cancel flag once stop_at bytes are done: an interrupt. */
typedef struct stopper {
    _Atomic int flag;
    unsigned long long stop_at, calls;
} stopper;

static void stop_after(void *ud, unsigned long long done, unsigned long long size)
{
    stopper *s = ud;
    (void)size;
    s->calls++;
    if (done >= s->stop_at)
        atomic_store(&s->flag, 1);
}

/* An interrupted put and get keep their partial copy, and resume finishes it, moving only
 * the rest; without resume the copy starts again from the first byte. */
static void test_resume(smb_conn *c)
{
    char local[512], remote[4096], back[512];
    const unsigned long long size = (9ull << 20) + 5;
    make_local(local, sizeof local, "resume.bin", (size_t)size);
    snprintf(remote, sizeof remote, "%s/resume.bin", share_dir);
    snprintf(back, sizeof back, "%s/resume-back.bin", local_dir);
    stopper st = { 0, 3ull << 20, 0 };
    xfer_progress pr = { stop_after, &st };
    xfer_opts o = { .progress = &pr, .cancel = &st.flag };
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", "resume.bin", NULL, &o, &x, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && strstr(err.fix, "--resume"),
           "an interrupted put: %s; %s", err.what, err.fix);
    TAP_OK(access(remote, F_OK) != 0 && temp_files(share_dir) == 1,
           "no target file, one partial copy kept");
    xfer_opts again = { .resume = 1 };
    rc = smb_put(c, local, "share", "resume.bin", NULL, &again, &x, &kind, &err);
    TAP_OK(rc == WS_OK && x.resumed_from >= (3ull << 20) && x.moved == size - x.resumed_from
           && same_hex(remote, x.sha256) && same_hex(local, x.sha256),
           "resume sends only the rest (%llu of %llu) and the file is whole (%s)", x.moved, size,
           err.what);
    TAP_OK(temp_files(share_dir) == 0, "the partial copy became the target");

    st.flag = 0;
    st.calls = 0;
    rc = smb_get(c, "share", "resume.bin", back, NULL, &o, &x, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && access(back, F_OK) != 0
           && temp_files(local_dir) == 1, "an interrupted get keeps only its partial file: %s",
           err.what);
    rc = smb_get(c, "share", "resume.bin", back, NULL, &again, &x, &kind, &err);
    TAP_OK(rc == WS_OK && x.resumed_from >= (3ull << 20) && x.moved == size - x.resumed_from
           && same_hex(back, x.sha256) && same_hex(local, x.sha256),
           "a resumed get moves only the rest (%llu) and the file is whole (%s)", x.moved,
           err.what);
    TAP_OK(temp_files(local_dir) == 0, "no local partial file left");
    unlink(back);
    unlink(remote);
}

/* With discard_partial (bootstrap's: no --resume), an interrupted put and get remove
 * their partial copy on either side, say so, and nothing tells to --resume. */
static void test_discard(smb_conn *c)
{
    char local[512], remote[4096], back[512];
    const unsigned long long size = (9ull << 20) + 5;
    make_local(local, sizeof local, "discard.bin", (size_t)size);
    snprintf(remote, sizeof remote, "%s/discard.bin", share_dir);
    snprintf(back, sizeof back, "%s/discard-back.bin", local_dir);
    stopper st = { 0, 3ull << 20, 0 };
    xfer_progress pr = { stop_after, &st };
    xfer_opts o = { .progress = &pr, .cancel = &st.flag, .discard_partial = 1 };
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", "discard.bin", NULL, &o, &x, &kind, &err);
    xfer_fix_without_resume(&err, kind);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && strstr(err.what, "partial copy was removed")
           && !strstr(err.what, "kept") && !strstr(err.fix, "--resume"),
           "an interrupted put with discard_partial: %s; %s", err.what, err.fix);
    TAP_OK(access(remote, F_OK) != 0 && temp_files(share_dir) == 0,
           "no target file and no partial copy on the share");
    rc = smb_put(c, local, "share", "discard.bin", NULL, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_OK && same_hex(remote, x.sha256), "then a plain put (%s)", err.what);
    st.flag = 0;
    st.calls = 0;
    rc = smb_get(c, "share", "discard.bin", back, NULL, &o, &x, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_CANCELLED && access(back, F_OK) != 0
           && temp_files(local_dir) == 0, "an interrupted get with discard_partial leaves no "
           "local partial file: %s", err.what);
    unlink(back);
    unlink(remote);
}

/* A server hash that disagrees: nothing lands under the target name, and the partial
 * copy is removed (the hasher is how push asks Get-FileHash over WinRM). */
static ws_rc wrong_hash(void *ud, const char *share, const char *path, char out[65],
                        ws_error *err)
{
    (void)share; (void)err;
    int *asked = ud;
    (*asked)++;
    TAP_OK(strstr(path, ".nanosh-") != NULL, "the hasher is asked about the partial copy (%s)",
           path);
    memset(out, 'A', 64);
    out[64] = '\0';
    return WS_OK;
}

static void test_mismatch(smb_conn *c)
{
    char local[512], remote[4096];
    make_local(local, sizeof local, "mismatch.bin", 5000);
    snprintf(remote, sizeof remote, "%s/mismatch.bin", share_dir);
    int asked = 0;
    smb_hasher h = { wrong_hash, &asked };
    xfer_result x;
    xfer_kind kind;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", "mismatch.bin", &h, &plain, &x, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_MISMATCH && asked == 1
           && strstr(err.what, "SHA-256 mismatch"), "a mismatch: %s", err.what);
    TAP_OK(access(remote, F_OK) != 0 && temp_files(share_dir) == 0,
           "no target file and no partial copy after a mismatch");
}

/* pull -r's lister (smb_list). The trees are made on the server's disk as root and
 * served by smbd as the test user; names are given as smb_list gives them ('\'). */
static void disk_path(char *out, size_t cap, const char *rel)
{
    int n = snprintf(out, cap, "%s/", share_dir);
    for (const char *p = rel; n > 0 && (size_t)n + 1 < cap && *p; p++)
        out[n++] = *p == '\\' ? '/' : *p;
    out[n] = '\0';
}

/* Makes the directory rel and those above it, as mkdir -p. */
static void disk_dirs(const char *rel)
{
    char p[4096];
    disk_path(p, sizeof p, rel);
    for (char *s = p + strlen(share_dir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

/* Makes the file rel (and its directories) holding its own name. */
static void disk_file(const char *rel)
{
    char dir[4096], p[4096];
    snprintf(dir, sizeof dir, "%s", rel);
    char *last = strrchr(dir, '\\');
    if (last) {
        *last = '\0';
        disk_dirs(dir);
    }
    disk_path(p, sizeof p, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(rel, f);
        fclose(f);
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether l holds exactly the n names of want (in any order), with size 0; else both
 * lists are shown. */
static int files_are(remote_list *l, const char *const *want, size_t n)
{
    const char *sorted[64];
    memcpy(sorted, want, n * sizeof *want);
    qsort(sorted, n, sizeof *sorted, by_string);
    remote_list_sort(l);
    int same = l->nfiles == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(l->files[i].rel, sorted[i]) == 0 && l->files[i].size == 0;
    if (!same) {
        for (size_t i = 0; i < l->nfiles; i++)
            printf("#   got:  %s\n", l->files[i].rel);
        for (size_t i = 0; i < n; i++)
            printf("#   want: %s\n", sorted[i]);
    }
    return same;
}

/* Three levels below "tree" and one more, names that need URL-encoding or are not
 * ASCII, leading dots (Samba marks them hidden), and empty directories. */
static const char *const tree_files[] = {
    "top.txt",
    ".dotfile",
    "a b\\f 1.txt",
    "a b\\100%\\p.txt",
    "a b\\100%\\#3\\deep.txt",
    "a b\\100%\\#3\\x#y%25z&=+;,@!$'().txt",
    "a b\\100%\\#3\\\xe2\x80\x99quoted\xe2\x80\x99",
    "Bob\xe2\x80\x99s\\r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt",
    ".dot dir\\.hidden",
};
enum { TREE_N = sizeof tree_files / sizeof *tree_files };

static void make_tree(void)
{
    for (size_t i = 0; i < TREE_N; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "tree\\%s", tree_files[i]);
        disk_file(rel);
    }
    disk_dirs("tree\\empty");
    disk_dirs("tree\\a b\\100%\\#3\\empty too\\and below");
}

/* Each listed name, joined to the listed path, is a file the server finds again: the
 * names went through readdir and back through smb_url unchanged. */
static int all_found(smb_conn *c, const char *dir, const remote_list *l)
{
    int found = 0;
    for (size_t i = 0; i < l->nfiles; i++) {
        char path[2048];
        int n = snprintf(path, sizeof path, "%s/%s", dir, l->files[i].rel);
        for (int k = 0; k < n; k++)
            path[k] = path[k] == '\\' ? '/' : path[k];
        struct stat st;
        int exists = 0;
        ws_error err = {0};
        if (smb_stat_path(c, "share", path, &st, &exists, &err) == WS_OK && exists
            && S_ISREG(st.st_mode))
            found++;
        else
            printf("#   not found again: %s (%s)\n", path, err.what);
    }
    return found == (int)l->nfiles && found > 0;
}

static void test_list_tree(smb_conn *c)
{
    make_tree();
    remote_list l = {0};
    char what = '?';
    xfer_kind kind = XFER_E_OTHER;
    ws_error err = {0};
    ws_rc rc = smb_list(c, "share", "tree", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'D' && kind == XFER_E_NONE, "list tree: a directory (%s)",
           err.what);
    TAP_OK(files_are(&l, tree_files, TREE_N), "every file of the tree, three levels down, "
           "names as on the disk, no directory among them (%zu files)", l.nfiles);
    TAP_OK(l.nunreadable == 0, "nothing unreadable (%zu)", l.nunreadable);
    TAP_OK(all_found(c, "tree", &l), "each name is found again over SMB (URL-encoded back)");
    remote_list_free(&l);

    /* A subdirectory as the listed one: names relative to it. */
    const char *const sub[] = { "p.txt", "#3\\deep.txt", "#3\\x#y%25z&=+;,@!$'().txt",
                                "#3\\\xe2\x80\x99quoted\xe2\x80\x99" };
    rc = smb_list(c, "share", "tree/a b/100%", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'D' && files_are(&l, sub, 4),
           "list tree\\a b\\100%%: names relative to it (%s)", rc ? err.what : "ok");
    remote_list_free(&l);

    rc = smb_list(c, "share", "tree/empty", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'D' && l.nfiles == 0 && l.nunreadable == 0,
           "an empty directory: 'D' and no files (%s)", rc ? err.what : "ok");
    remote_list_free(&l);
}

static void test_list_not_dir(smb_conn *c)
{
    remote_list l = {0};
    char what = '?';
    xfer_kind kind = XFER_E_OTHER;
    ws_error err = {0};
    ws_rc rc = smb_list(c, "share", "tree/top.txt", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'F' && l.nfiles == 0 && kind == XFER_E_NONE,
           "a file: 'F', nothing listed (%c, %s)", what, rc ? err.what : "ok");
    remote_list_free(&l);
    rc = smb_list(c, "share", "tree/no such", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && what == 'N' && l.nfiles == 0, "a missing path: 'N' (%c, %s)", what,
           rc ? err.what : "ok");
    remote_list_free(&l);
    rc = smb_list(c, "noshare", "tree", &what, &l, &kind, &err);
    TAP_OK(rc != WS_OK && kind == XFER_E_LOGON && strstr(err.what, "noshare"),
           "a missing share: %s", err.what);
    remote_list_free(&l);
}

/* A directory the test user may not read (root's, mode 0): noted with its reason, the
 * rest listed; listed itself, it is an access-denied error. */
static void test_list_unreadable(smb_conn *c)
{
    char locked[4096];
    disk_path(locked, sizeof locked, "tree\\a b\\100%");
    chmod(locked, 0);
    remote_list l = {0};
    char what = '?';
    xfer_kind kind = XFER_E_OTHER;
    ws_error err = {0};
    ws_rc rc = smb_list(c, "share", "tree", &what, &l, &kind, &err);
    const char *rest[TREE_N];
    size_t n = 0;
    for (size_t i = 0; i < TREE_N; i++)
        if (strncmp(tree_files[i], "a b\\100%\\", 9) != 0)
            rest[n++] = tree_files[i];
    TAP_OK(rc == WS_OK && what == 'D' && l.nunreadable == 1
           && strcmp(l.unreadable[0].rel, "a b\\100%") == 0
           && strcmp(l.why[0], "access denied") == 0,
           "an unreadable subdirectory is noted with its reason: %s: %s (%s)",
           l.nunreadable ? l.unreadable[0].rel : "-", l.nunreadable ? l.why[0] : "-",
           rc ? err.what : "ok");
    TAP_OK(rc == WS_OK && files_are(&l, rest, n), "the other %zu files are still listed", n);
    remote_list_free(&l);
    rc = smb_list(c, "share", "tree/a b/100%", &what, &l, &kind, &err);
    TAP_OK(rc == WS_E_IO && kind == XFER_E_DENIED && strstr(err.what, "access denied")
           && strstr(err.what, "100%") && l.nfiles == 0,
           "the listed directory unreadable: %s; %s", err.what, err.fix);
    remote_list_free(&l);
    chmod(locked, 0755);
}

/* REMOTE_LIST_DEPTH_MAX levels are listed; one more fails the listing, naming the bound
 * (a junction that loops on Windows ends there too). */
static void test_list_depth(smb_conn *c)
{
    char rel[1024] = "deep", file[1100];
    for (int i = 1; i < REMOTE_LIST_DEPTH_MAX; i++)
        strcat(rel, "\\d");
    snprintf(file, sizeof file, "%s\\f", rel);   /* 64 components below "deep" */
    disk_file(file);
    strcat(rel, "\\d");
    disk_dirs(rel);                             /* an empty directory 64 levels down */
    remote_list l = {0};
    char what = '?';
    xfer_kind kind = XFER_E_OTHER;
    ws_error err = {0};
    ws_rc rc = smb_list(c, "share", "deep", &what, &l, &kind, &err);
    TAP_OK(rc == WS_OK && l.nfiles == 1 && remote_rel_depth(l.files[0].rel) == 64,
           "a file and a directory %d levels down are listed (%s)", REMOTE_LIST_DEPTH_MAX,
           rc ? err.what : "ok");
    remote_list_free(&l);
    strcat(rel, "\\d");
    disk_dirs(rel);                             /* one level more */
    rc = smb_list(c, "share", "deep", &what, &l, &kind, &err);
    TAP_OK(rc == WS_E_PROTOCOL && kind == XFER_E_OTHER
           && strstr(err.what, "more than 64 levels deep") && strstr(err.fix, "junction"),
           "a directory 65 levels down fails the listing: %s; %s", err.what, err.fix);
    remote_list_free(&l);

    /* A link to its own directory, as a junction that loops on Windows. smbd on Linux
     * follows it until the kernel's bound on links in one path (40, ELOOP): the
     * directory past that is noted unreadable and the listing ends, the files above it
     * listed, one per level. */
    char loop[4096];
    disk_dirs("loop");
    disk_file("loop\\f");
    disk_path(loop, sizeof loop, "loop\\self");
    TAP_OK(symlink(".", loop) == 0, "a link that loops made");
    rc = smb_list(c, "share", "loop", &what, &l, &kind, &err);
    size_t depth = l.nunreadable == 1 ? remote_rel_depth(l.unreadable[0].rel) : 0;
    int all_self = depth > 0;
    for (size_t i = 0; all_self && i < depth; i++)
        all_self = strncmp(l.unreadable[0].rel + 5 * i, "self", 4) == 0;
    TAP_OK(rc == WS_OK && all_self && depth <= REMOTE_LIST_DEPTH_MAX && l.nfiles == depth
           && strstr(l.why[0], "cannot follow"),
           "a loop ends: %zu files, then unreadable %zu levels down: %s (%s)", l.nfiles,
           depth, l.nunreadable ? l.why[0] : "-", rc ? err.what : "ok");
    remote_list_free(&l);
}

/* The pids of SMB_PID's processes and their descendants (smbd forks one per
 * connection), scanned from /proc; returns how many. */
static size_t smbd_tree(pid_t *pids, size_t cap)
{
    size_t n = 0;
    pids[n++] = (pid_t)atoi(getenv("SMB_PID"));
    for (size_t done = 0; done < n; done++) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL && n < cap) {
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t got = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[got] = '\0';
            const char *close_paren = strrchr(buf, ')');
            int ppid = 0;
            char state;
            if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2
                && ppid == pids[done])
                pids[n++] = (pid_t)atoi(e->d_name);
        }
        if (d)
            closedir(d);
    }
    return n;
}

static int gone(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'Z';
}

/* The libsmbclient opendir, wrapped: the n-th call first kills the test's smbd, so the
 * connection breaks in the middle of a listing. */
static smbc_opendir_fn real_opendir;
static int opendir_calls, break_at;

static SMBCFILE *breaking_opendir(SMBCCTX *ctx, const char *url)
{
    if (++opendir_calls == break_at) {
        pid_t pids[64];
        size_t n = smbd_tree(pids, 64);
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        for (int t = 0; t < 100; t++) {         /* bounded: 10 s */
            size_t left = 0;
            for (size_t i = 0; i < n; i++)
                left += !gone(pids[i]);
            if (!left)
                break;
            usleep(100000);
        }
    }
    return real_opendir(ctx, url);
}

/* Last: smbd is gone afterwards. */
static void test_list_broken(void)
{
    smb_creds creds = { getenv("SMB_USER"), getenv("SMB_PW"), 0 };
    smb_conn *c = NULL;
    ws_error err = {0};
    ws_rc rc = smb_conn_open(&c, host, port, &creds, 5000, &err);
    void *sym = c ? dlsym(c->api.handle, "smbc_setFunctionOpendir") : NULL;
    __typeof__(&smbc_setFunctionOpendir) set_opendir = NULL;
    memcpy(&set_opendir, &sym, sizeof sym);
    TAP_OK(rc == WS_OK && set_opendir, "a connection whose opendir can be wrapped (%s)",
           err.what);
    if (!set_opendir) {
        smb_conn_close(c);
        return;
    }
    real_opendir = c->api.smbc_getFunctionOpendir(c->ctx);
    set_opendir(c->ctx, breaking_opendir);
    break_at = 3;
    remote_list l = {0};
    char what = '?';
    xfer_kind kind = XFER_E_NONE;
    rc = smb_list(c, "share", "tree", &what, &l, &kind, &err);
    TAP_OK(opendir_calls >= 3 && (rc == WS_E_CONNECT || rc == WS_E_TIMEOUT)
           && kind == XFER_E_UNREACHABLE && strstr(err.what, "SMB list of \\\\")
           && strstr(err.what, "broke") && strstr(err.fix, "--resume"),
           "the connection broken at the 3rd directory fails the listing: %s; %s",
           err.what, err.fix);
    remote_list_free(&l);
    smb_conn_close(c);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* each check as it happens: a crash keeps them */
    share_dir = getenv("SMB_SHARE_DIR");
    if (!share_dir || !getenv("SMB_PORT"))
        TAP_SKIP_ALL("no smbd (run through tests/push/test_smb.sh)");
    port = (unsigned)atoi(getenv("SMB_PORT"));
    snprintf(local_dir, sizeof local_dir, "/tmp/nanosh-smbtest.XXXXXX");
    if (!mkdtemp(local_dir))
        TAP_SKIP_ALL("no temp dir");
    smb_conn *c = connect_as(getenv("SMB_PW"), 0);
    if (c) {
        test_sizes(c);
        test_force(c);
        test_errors(c);
        test_dirs(c);
        test_resume(c);
        test_discard(c);
        test_mismatch(c);
        test_list_tree(c);
        test_list_not_dir(c);
        test_list_unreadable(c);
        test_list_depth(c);
    }
    smb_conn_close(c);
    test_encrypted_and_domain();
    test_logon();
    test_unreachable();
    test_list_broken();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", local_dir);
    TAP_OK(system(cmd) == 0, "local temp dir removed");
    return tap_done();
}
