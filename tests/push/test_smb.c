/* shell/push/smb_copy against a real smbd on loopback (started by test_smb.sh through
 * tests/lib/samba.sh, which exports SMB_PORT, SMB_USER, SMB_PW and SMB_SHARE_DIR): put
 * and get of every size class with SHA-256 checked against the file on the server's disk,
 * a Unicode name, replace only with force, and the errors a user meets, each leaving no
 * temporary file behind. */
#include "auth/ntlm_crypto.h"
#include "base/random.h"
#include "shell/push/smb_copy.h"
#include "shell/push/smb_path.h"
#include "tests/tap.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *share_dir, *host = "127.0.0.1";
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

/* Counts names starting ".nanosh-" under dir, recursively: leftover temporary files. */
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
        n += strncmp(e->d_name, ".nanosh-", 8) == 0;
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
    smb_xfer x;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", name, 0, &x, &err);
    TAP_OK(rc == WS_OK && x.bytes == size, "put %zu bytes as %s (%s)", size, name, err.what);
    TAP_OK(same_sha(remote, x.sha256) && same_sha(local, x.sha256),
           "SHA-256 of what was sent = the local file = the file in the share (%zu)", size);
    smb_xfer y;
    rc = smb_get(c, "share", name, back, 0, &y, &err);
    TAP_OK(rc == WS_OK && y.bytes == size && memcmp(x.sha256, y.sha256, 32) == 0
           && same_sha(back, x.sha256), "get of %s gives the same bytes (%s)", name, err.what);
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
    smb_xfer x;
    ws_error err = {0};
    TAP_OK(smb_put(c, a, "share", "exists.bin", 0, &x, &err) == WS_OK, "first put (%s)", err.what);
    ws_rc rc = smb_put(c, b, "share", "exists.bin", 0, &x, &err);
    TAP_OK(rc == WS_E_IO && x.exists && strstr(err.what, "exists") && strstr(err.fix, "--force"),
           "an existing target without force: %s; %s", err.what, err.fix);
    TAP_OK(same_sha(remote, sha_a), "the target is unchanged");
    rc = smb_put(c, b, "share", "exists.bin", 1, &x, &err);
    TAP_OK(rc == WS_OK && same_sha(remote, sha_b), "with force it is replaced (%s)", err.what);
    char back[512];
    snprintf(back, sizeof back, "%s/exists-local.bin", local_dir);
    TAP_OK(smb_get(c, "share", "exists.bin", a, 0, &x, &err) == WS_E_IO && x.exists
           && same_sha(a, sha_a), "get onto an existing local file without force: %s", err.what);
    TAP_OK(smb_get(c, "share", "exists.bin", a, 1, &x, &err) == WS_OK && same_sha(a, sha_b),
           "get with force replaces it (%s)", err.what);
    unlink(remote);
}

/* Each failure says what happened and leaves no temporary file in the share. */
static void test_errors(smb_conn *c)
{
    char local[512];
    make_local(local, sizeof local, "err.bin", 3 << 20);
    smb_xfer x;
    ws_error err = {0};
    ws_rc rc = smb_put(c, local, "share", "no/such/dir/f.bin", 0, &x, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "path not found"), "missing directory: %s", err.what);

    char denied[4096];
    snprintf(denied, sizeof denied, "%s/denied", share_dir);
    mkdir(denied, 0555);            /* owned by root: the test user may not write in it */
    chmod(denied, 0555);
    rc = smb_put(c, local, "share", "denied/f.bin", 0, &x, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "access denied"), "denied directory: %s", err.what);
    rc = smb_put(c, local, "ro", "f.bin", 0, &x, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "access denied"), "read-only share: %s", err.what);
    rc = smb_get(c, "share", "no-such-file", local, 1, &x, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "path not found"), "get of a missing file: %s",
           err.what);
    rc = smb_put(c, local, "noshare", "f.bin", 0, &x, &err);
    TAP_OK(rc != WS_OK && strstr(err.what, "noshare"), "a missing share: %s; %s", err.what,
           err.fix);
    /* A read failure after the temporary file exists: a directory opens but cannot be read. */
    rc = smb_put(c, local_dir, "share", "from-a-dir.bin", 0, &x, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "cannot read"), "a local read error mid-copy: %s",
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
    smb_xfer x;
    if (rc == WS_OK)
        rc = smb_put(c, local, "enc", "encrypted.bin", 0, &x, &err);
    snprintf(remote, sizeof remote, "%s/encrypted.bin", share_dir);
    TAP_OK(rc == WS_OK && same_sha(remote, x.sha256),
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
    smb_xfer x;
    ws_error err = {0};
    ws_rc rc = bad ? smb_put(bad, local, "share", "auth.bin", 0, &x, &err) : WS_E_USAGE;
    TAP_OK(rc == WS_E_AUTH && strstr(err.what, "wrong user or password")
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
    rc = c ? smb_put(c, local, "share", "hash.bin", 0, &x, &err) : WS_E_USAGE;
    TAP_OK(rc == WS_OK && x.bytes == 10, "logon with the NT hash (%s)", err.what);
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
    smb_xfer x;
    rc = smb_put(c, local, t.share, t.path, 0, &x, &err);
    snprintf(remote, sizeof remote, "%s/new dir/mapped.txt", share_dir);
    TAP_OK(rc == WS_OK && same_sha(remote, x.sha256), "C:\\new dir\\mapped.txt through %s (%s)",
           t.share, err.what);
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
    }
    smb_conn_close(c);
    test_encrypted_and_domain();
    test_logon();
    test_unreachable();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", local_dir);
    TAP_OK(system(cmd) == 0, "local temp dir removed");
    return tap_done();
}
