/* Unit tests of the bootstrap helpers that need no host: the docker zip reader (a good
 * zip, a hostile entry name, an absurd declared size, a missing entry, not a zip), the
 * TrustedHosts merge, the engine version parse, the return-code messages, and the WMI
 * object reader (instance, fragment, wsman:Item with its EPR, a reference property). */
#include "shell/bootstrap/bs_int.h"
#include "tests/tap.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a minimal zip writer: stored entries, sizes as declared ---- */
static unsigned long crc32_of(const unsigned char *p, size_t n)
{
    unsigned long c = 0xFFFFFFFFUL;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320UL : c >> 1;
    }
    return c ^ 0xFFFFFFFFUL;
}

static void u16(FILE *f, unsigned v) { fputc(v & 0xff, f); fputc(v >> 8 & 0xff, f); }
static void u32(FILE *f, unsigned long v) { u16(f, v & 0xffff); u16(f, v >> 16 & 0xffff); }

typedef struct zent {
    const char *name;
    const char *data;
    unsigned long declared;     /* 0: the real size */
} zent;

static int write_zip(const char *path, const zent *e, size_t n)
{
    FILE *f = fopen(path, "wb");
    long offs[8];
    if (!f || n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(e[i].data);
        unsigned long size = e[i].declared ? e[i].declared : len;
        offs[i] = ftell(f);
        u32(f, 0x04034b50); u16(f, 20); u16(f, 0); u16(f, 0); u16(f, 0); u16(f, 0x21);
        u32(f, crc32_of((const unsigned char *)e[i].data, len)); u32(f, len); u32(f, size);
        u16(f, strlen(e[i].name)); u16(f, 0);
        fputs(e[i].name, f);
        fwrite(e[i].data, 1, len, f);
    }
    long cd = ftell(f);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(e[i].data);
        unsigned long size = e[i].declared ? e[i].declared : len;
        u32(f, 0x02014b50); u16(f, 20); u16(f, 20); u16(f, 0); u16(f, 0); u16(f, 0); u16(f, 0x21);
        u32(f, crc32_of((const unsigned char *)e[i].data, len)); u32(f, len); u32(f, size);
        u16(f, strlen(e[i].name)); u16(f, 0); u16(f, 0); u16(f, 0); u16(f, 0); u32(f, 0);
        u32(f, (unsigned long)offs[i]);
        fputs(e[i].name, f);
    }
    long end = ftell(f);
    u32(f, 0x06054b50); u16(f, 0); u16(f, 0); u16(f, n); u16(f, n);
    u32(f, (unsigned long)(end - cd)); u32(f, (unsigned long)cd); u16(f, 0);
    return fclose(f);
}

static char dir[64];

static int file_is(const char *path, const char *want)
{
    char buf[256] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    struct stat st;
    int mode_ok = fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600;
    close(fd);
    return n >= 0 && mode_ok && strcmp(buf, want) == 0;
}

static int count_files(const char *d)
{
    DIR *dd = opendir(d);
    int n = 0;
    for (struct dirent *e; dd && (e = readdir(dd));)
        n += e->d_name[0] != '.';
    if (dd)
        closedir(dd);
    return n;
}

static ws_rc extract(const char *zip, char out[2][128], ws_error *err)
{
    static const char *const names[2] = {"docker/docker.exe", "docker/dockerd.exe"};
    snprintf(out[0], 128, "%s/out/docker.exe", dir);
    snprintf(out[1], 128, "%s/out/dockerd.exe", dir);
    const char *paths[2] = {out[0], out[1]};
    memset(err, 0, sizeof *err);
    return bs_zip_extract(zip, names, paths, 2, NULL, err);
}

static void clear_out(void)
{
    char p[160];
    snprintf(p, sizeof p, "%s/out/docker.exe", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/out/dockerd.exe", dir);
    unlink(p);
}

static void test_zip(void)
{
    char zip[128], out[2][128], outdir[128];
    ws_error err;
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    mkdir(outdir, 0700);

    snprintf(zip, sizeof zip, "%s/good.zip", dir);
    zent good[] = {{"docker/", "", 0}, {"docker/docker.exe", "CLI bytes", 0},
                   {"docker/dockerd.exe", "Docker version 17.06.2-ee-16, build 9ee9f40\n", 0},
                   {"docker/readme.txt", "other", 0}};
    TAP_OK(write_zip(zip, good, 4) == 0, "a test zip is written");
    ws_rc rc = extract(zip, out, &err);
    TAP_OK(rc == WS_OK, "a good zip: both entries read (%s)", err.what);
    TAP_OK(file_is(out[0], "CLI bytes") && file_is(out[1], "Docker version 17.06.2-ee-16, build 9ee9f40\n"),
           "their bytes written, mode 0600");
    TAP_OK(count_files(outdir) == 2, "nothing else written");
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "cannot create"), "an existing file is not overwritten (O_EXCL)");
    clear_out();

    snprintf(zip, sizeof zip, "%s/hostile.zip", dir);
    zent hostile[] = {{"docker/docker.exe", "x", 0}, {"docker/../../evil.exe", "y", 0},
                      {"docker/dockerd.exe", "z", 0}};
    write_zip(zip, hostile, 3);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "'..'") && err.fix[0], "an entry with '..' refuses the zip: %s", err.what);
    TAP_OK(count_files(outdir) == 0, "nothing is left of it");

    snprintf(zip, sizeof zip, "%s/absolute.zip", dir);
    zent absolute[] = {{"/etc/evil", "x", 0}, {"docker/docker.exe", "x", 0}, {"docker/dockerd.exe", "z", 0}};
    write_zip(zip, absolute, 3);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "absolute"), "an absolute entry name refuses the zip");
    TAP_OK(count_files(outdir) == 0, "nothing written");

    snprintf(zip, sizeof zip, "%s/huge.zip", dir);
    zent huge[] = {{"docker/docker.exe", "small", 0}, {"docker/dockerd.exe", "tiny", 0xF0000000UL}};
    write_zip(zip, huge, 2);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "MiB: refused"), "an absurd declared size is refused: %s", err.what);
    TAP_OK(count_files(outdir) == 0, "and the entry written before it removed");

    snprintf(zip, sizeof zip, "%s/case.zip", dir);
    zent cased[] = {{"Docker\\Docker.exe", "cli", 0}, {"DOCKER/dockerd.EXE", "engine", 0}};
    write_zip(zip, cased, 2);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_OK && file_is(out[0], "cli") && file_is(out[1], "engine"),
           "entry names are matched without regard to case, '\\' as '/' (%s)", err.what);
    clear_out();

    snprintf(zip, sizeof zip, "%s/missing.zip", dir);
    zent missing[] = {{"docker/docker.exe", "cli", 0}};
    write_zip(zip, missing, 1);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && strstr(err.what, "has no docker/dockerd.exe"), "a missing entry is named: %s", err.what);
    TAP_OK(count_files(outdir) == 0, "the entry found is removed again");

    snprintf(zip, sizeof zip, "%s/notzip.zip", dir);
    FILE *f = fopen(zip, "w");
    fputs("this is not a zip at all", f);
    fclose(f);
    rc = extract(zip, out, &err);
    TAP_OK(rc == WS_E_IO && err.fix[0], "a file that is not a zip fails with a fix: %s", err.what);

    const char *names[1] = {"docker/docker.exe"}, *paths[1] = {out[0]};
    memset(&err, 0, sizeof err);
    rc = bs_zip_extract(zip, names, paths, 1, "libnanosh-no-such-archive.so", &err);
    TAP_OK(rc == WS_E_IO && strstr(err.fix, "libarchive13"), "a library that cannot be loaded says what to install");

    TAP_OK(bs_zip_name_ok("docker/docker.exe") && bs_zip_name_ok("a..b/c") &&
           !bs_zip_name_ok("..") && !bs_zip_name_ok("a/../b") && !bs_zip_name_ok("a\\..\\b") &&
           !bs_zip_name_ok("C:evil") && !bs_zip_name_ok("\\x") && !bs_zip_name_ok(""),
           "entry names: '..' components, absolute and drive paths refused; '..' inside a name is fine");
    rmdir(outdir);
}

static void merge_is(const char *have, const char *add, const char *want, int want_changed)
{
    int changed = -1;
    char *got = bs_trusted_merge(have, add, &changed);
    TAP_OK(got && strcmp(got, want) == 0 && changed == want_changed,
           "merge '%s' + '%s' -> '%s' (%s)", have, add, got ? got : "(null)",
           changed ? "changed" : "unchanged");
    free(got);
}

static void test_text(void)
{
    merge_is("", "*", "*", 1);
    merge_is("*", "*", "*", 0);
    merge_is("*", "host1", "*", 0);
    merge_is("a.example,B", "b, c", "a.example,B,c", 1);
    merge_is("a, b", "A", "a, b", 0);         /* nothing added: the host's text kept */
    merge_is("a, b,a", "c", "a,b,c", 1);
    merge_is("a,b", "B,a", "a,b", 0);
    merge_is("x", "*", "x,*", 1);
    merge_is("", "", "", 0);
    char v[64];
    TAP_OK(bs_docker_version("Docker version 17.06.2-ee-16, build 9ee9f40", v, sizeof v) == 0 &&
           strcmp(v, "17.06.2-ee-16") == 0, "version of 'Docker version 17.06.2-ee-16, build ...'");
    TAP_OK(bs_docker_version("Docker version 23.0.1, build a5ee5b1\r\n", v, sizeof v) == 0 &&
           strcmp(v, "23.0.1") == 0 && bs_version_too_new(v), "23.0.1 read and too new for 14393");
    TAP_OK(bs_docker_version("dockerd: not found", v, sizeof v) == -1 &&
           bs_docker_version("Docker version , build x", v, sizeof v) == -1 &&
           bs_docker_version("", v, sizeof v) == -1, "other text is not a version");
    TAP_OK(!bs_version_too_new("20.10.9") && !bs_version_too_new("17.06.2-ee-16") &&
           bs_version_too_new("24.0.7") && !bs_version_too_new("garbage") && !bs_version_too_new(""),
           "20.10 and 17.06 run on 14393, 24.0 does not; unknown text is not judged too new");
    int ma, mi;
    TAP_OK(bs_version_major_minor("19.03.14", &ma, &mi) == 0 && ma == 19 && mi == 3 &&
           bs_version_major_minor("19", &ma, &mi) == -1, "major and minor");
    TAP_OK(strstr(bs_share_create_message(22), "duplicate") && strstr(bs_share_create_message(24), "directory") &&
           strstr(bs_start_service_message(10), "already running") &&
           strstr(bs_start_service_message(99), "undocumented"), "return codes become messages");
}

static void test_obj(void)
{
    bs_obj o;
    ws_error err = {0};
    const char *inst =
        "<p:Win32_Service xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><p:Name>docker</p:Name>"
        "<p:State>Running</p:State><p:PathName xsi:nil=\"true\"/></p:Win32_Service>";
    TAP_OK(bs_obj_parse(inst, &o, &err) == WS_OK && strcmp(bs_obj_get(&o, "State"), "Running") == 0 &&
           bs_obj_get(&o, "PathName") == NULL && bs_obj_get(&o, "Nothing") == NULL && o.nsel == 0,
           "an instance: values, nil as NULL, absent as NULL");
    bs_obj_free(&o);
    const char *item =
        "<w:Item xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
        "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">"
        "<p:MSFT_NetFirewallRule xmlns:p=\"urn:x\"><p:InstanceID>FPS-SMB-In-TCP</p:InstanceID>"
        "<p:Enabled>2</p:Enabled></p:MSFT_NetFirewallRule>"
        "<a:EndpointReference><a:Address>http://h</a:Address><a:ReferenceParameters>"
        "<w:ResourceURI>urn:x</w:ResourceURI><w:SelectorSet>"
        "<w:Selector Name=\"CreationClassName\">MSFT|FW|FirewallRule|FPS-SMB-In-TCP</w:Selector>"
        "<w:Selector Name=\"PolicyRuleName\"></w:Selector></w:SelectorSet>"
        "</a:ReferenceParameters></a:EndpointReference></w:Item>";
    TAP_OK(bs_obj_parse(item, &o, &err) == WS_OK && strcmp(bs_obj_get(&o, "Enabled"), "2") == 0 &&
           o.nsel == 2 && strcmp(o.sel[0].name, "CreationClassName") == 0 &&
           strcmp(o.sel[0].value, "MSFT|FW|FirewallRule|FPS-SMB-In-TCP") == 0 &&
           strcmp(o.sel[1].value, "") == 0, "a wsman:Item: the object and its EPR's selectors");
    bs_obj_free(&o);
    const char *ref =
        "<p:Win32_GroupUser xmlns:p=\"urn:g\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
        "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><p:PartComponent>"
        "<a:Address>http://h</a:Address><a:ReferenceParameters><w:SelectorSet>"
        "<w:Selector Name=\"Domain\">SIMHOST</w:Selector><w:Selector Name=\"Name\">admin</w:Selector>"
        "</w:SelectorSet></a:ReferenceParameters></p:PartComponent></p:Win32_GroupUser>";
    TAP_OK(bs_obj_parse(ref, &o, &err) == WS_OK &&
           strcmp(bs_obj_get(&o, "PartComponent"), "Domain=SIMHOST,Name=admin") == 0,
           "a reference property reads as its selectors");
    bs_obj_free(&o);
    const char *out = "<p:Create_OUTPUT xmlns:p=\"urn:s\"><p:ReturnValue>22</p:ReturnValue></p:Create_OUTPUT>";
    TAP_OK(bs_obj_parse(out, &o, &err) == WS_OK && bs_return_value(&o) == 22, "a method's ReturnValue");
    bs_obj_free(&o);
    const char *bad = "<p:X xmlns:p=\"urn:s\"><p:ReturnValue>-3</p:ReturnValue></p:X>";
    TAP_OK(bs_obj_parse(bad, &o, &err) == WS_OK && bs_return_value(&o) == -1, "a negative ReturnValue is no number");
    bs_obj_free(&o);
    TAP_OK(bs_obj_parse("<unclosed>", &o, &err) != WS_OK, "broken XML is an error, not a crash");
    ws_error_clear(&err);
    TAP_OK(bs_obj_parse("<w:Item xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"/>", &o, &err)
           == WS_E_PROTOCOL, "an empty wsman:Item is an error");
    ws_error_clear(&err);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nanosh-test-zip.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    test_zip();
    test_text();
    test_obj();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    return tap_done();
}
