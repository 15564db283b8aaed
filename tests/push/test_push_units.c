/* The pure parts of push and pull: remote path text (shell/push/push_path.c), the
 * progress line's formatting (shell/cli/progress.c) and the --json summary
 * (shell/cli/push_report.c). No server needed. */
#include "shell/cli/progress.h"
#include "shell/cli/push_report.h"
#include "shell/push/push_job.h"
#include "shell/push/push_path.h"
#include "shell/push/remote_list.h"
#include "tests/tap.h"
#include <stdlib.h>
#include <string.h>

static void norm_ok(const char *typed, const char *want, int want_dir)
{
    ws_error err = {0};
    int dir = -1;
    char *got = push_remote_normalize(typed, &dir, &err);
    TAP_STR_EQ(got, want, "normalize %s -> %s (%s)", typed, want, err.what);
    TAP_OK(dir == want_dir, "%s is %sa directory", typed, want_dir ? "" : "not ");
    free(got);
}

static void norm_fails(const char *typed, const char *why)
{
    ws_error err = {0};
    int dir = 0;
    char *got = push_remote_normalize(typed, &dir, &err);
    TAP_OK(!got && err.rc == WS_E_USAGE && err.fix[0], "%s refused: %s (%s)", typed, why,
           err.what);
    free(got);
}

static void paths(void)
{
    norm_ok("C:\\Temp\\", "C:\\Temp", 1);
    norm_ok("C:/Temp/sub/", "C:\\Temp\\sub", 1);
    norm_ok("C:\\Temp\\\\a.txt", "C:\\Temp\\a.txt", 0);
    norm_ok("C:\\", "C:\\", 1);
    norm_ok("C:", "C:\\", 1);
    norm_ok("\\\\srv\\share\\f", "\\\\srv\\share\\f", 0);
    norm_ok("dir\\f\xc3\xa9.txt", "dir\\f\xc3\xa9.txt", 0);
    norm_ok("C:\\a\\.\\b", "C:\\a\\.\\b", 0);   /* "." is a name Windows folds itself */
    norm_fails("C:\\Temp\\..\\Windows\\x", "'..' climbs");
    norm_fails("..", "'..' alone");
    norm_fails("", "empty");
    norm_fails("\\\\", "no name");
    norm_fails("C:\\caf\xe9", "not UTF-8");

    TAP_OK(push_remote_is_absolute("C:\\x") && push_remote_is_absolute("\\\\s\\x")
           && !push_remote_is_absolute("x\\y") && !push_remote_is_absolute("C:x"),
           "absolute Windows paths: drive and UNC");

    char *j = push_remote_join("C:\\", "a");
    TAP_STR_EQ(j, "C:\\a", "join after a root adds no second separator");
    free(j);
    j = push_remote_join("C:\\Temp", "\xe2\x82\xac.txt");
    TAP_STR_EQ(j, "C:\\Temp\\\xe2\x82\xac.txt", "join with a non-ASCII name");
    free(j);
    j = push_local_join("/tmp/", "x");
    TAP_STR_EQ(j, "/tmp/x", "local join");
    free(j);

    TAP_STR_EQ(push_remote_base("C:\\Windows\\Logs\\CBS\\CBS.log"), "CBS.log", "remote base");
    TAP_STR_EQ(push_remote_base("C:/a/b"), "b", "remote base with '/'");

    char b[64];
    TAP_OK(push_local_base("./docker/dockerd.exe", b, sizeof b) == 0
           && strcmp(b, "dockerd.exe") == 0, "local base of a file");
    TAP_OK(push_local_base("site/", b, sizeof b) == 0 && strcmp(b, "site") == 0,
           "local base ignores a trailing '/'");
    TAP_OK(push_local_base(".", b, sizeof b) != 0 && push_local_base("/", b, sizeof b) != 0
           && push_local_base("a/..", b, sizeof b) != 0, "'.', '/' and '..' give no name");

    char why[128];
    TAP_OK(push_windows_name_ok("r\xc3\xa9sum\xc3\xa9.txt", why, sizeof why) == 0,
           "a Unicode name is fine on Windows");
    static const char *const bad[] = {"a:b", "a*b", "a?b", "a|b", "a\\b", "x.", "x ", "a\tb",
                                      "\xff", "..", "<x>", "\"q\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TAP_OK(push_windows_name_ok(bad[i], why, sizeof why) != 0 && why[0],
               "name %zu refused: %s", i, why);

    char *w = push_share_to_windows("C$", "Temp/x.part");
    TAP_STR_EQ(w, "C:\\Temp\\x.part", "C$ back to C:\\");
    free(w);
    w = push_share_to_windows("admin$", "System32/docker.exe");
    TAP_STR_EQ(w, "C:\\Windows\\System32\\docker.exe", "ADMIN$ back to C:\\Windows");
    free(w);
    w = push_share_to_windows("d$", "");
    TAP_STR_EQ(w, "D:\\", "d$ root");
    free(w);
    TAP_OK(push_share_to_windows("data", "x") == NULL, "a named share has no Windows path");
}

static void formatting(void)
{
    char b[64];
    progress_bytes(b, sizeof b, 0);
    TAP_STR_EQ(b, "0 B", "0 bytes");
    progress_bytes(b, sizeof b, 1023);
    TAP_STR_EQ(b, "1023 B", "1023 bytes");
    progress_bytes(b, sizeof b, 1048577);
    TAP_STR_EQ(b, "1.0 MiB", "1 MiB + 1");
    progress_bytes(b, sizeof b, 64.0 * 1048576);
    TAP_STR_EQ(b, "64.0 MiB", "64 MiB");
    progress_eta(b, sizeof b, 7);
    TAP_STR_EQ(b, "0:07", "7 s");
    progress_eta(b, sizeof b, 3723);
    TAP_STR_EQ(b, "1:02:03", "an hour and more");
    progress_eta(b, sizeof b, -1);
    TAP_STR_EQ(b, "--:--", "unknown ETA");

    char line[512];
    progress_line(line, sizeof line, "dockerd.exe (smb)", 50ULL << 20, 100ULL << 20,
                  10.0 * 1048576, 80);
    TAP_OK(strlen(line) <= 79 && strstr(line, "dockerd.exe") && strstr(line, " 50%")
           && strstr(line, "50.0 MiB / 100.0 MiB") && strstr(line, "10.0 MiB/s")
           && strstr(line, "ETA 0:05") && strchr(line, '['), "a file's line: %s", line);
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    longname[sizeof longname - 2] = 'Z';
    progress_line(line, sizeof line, longname, 1, 2, 1, 60);
    TAP_OK(strlen(line) <= 59 && strncmp(line, "...", 3) == 0 && strchr(line, 'Z'),
           "a long name is cut from the left to fit 60 columns: %s", line);
    progress_line(line, sizeof line, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0, 0, 0, 20);
    TAP_OK(line[0] && (line[3] & 0xc0) != 0x80 && strstr(line, "0 B"),
           "a cut name keeps whole UTF-8 characters: %s", line);
    progress_line(line, sizeof line, "f", 0, 0, 0, 80);
    TAP_OK(strstr(line, "0 B") && !strstr(line, "ETA"), "no size: no ETA");
}

static void report(void)
{
    push_report rp;
    memset(&rp, 0, sizeof rp);
    push_file f = {.local = "./a \"q\".txt", .remote = "C:\\T\\a", .size = 1,
                   .transport = "smb"};
    xfer_result r = {.status = XFER_COPIED, .size = 1, .moved = 1};
    memcpy(r.sha256, "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB", 65);
    push_report_add(&rp, &f, "copied", &r, 0.5, XFER_E_NONE, NULL);
    ws_error e = {0};
    ws_error_set(&e, WS_E_IO, "add --force to replace it", "remote file C:\\T\\b exists");
    f.local = "b";
    f.remote = "C:\\T\\b";
    f.transport = "winrm";
    push_report_add(&rp, &f, "failed", NULL, 0.1, XFER_E_EXISTS, &e);
    ws_error why = {0};
    ws_error_set(&why, WS_E_CONNECT, "open 445", "cannot reach the share");
    push_report_fallback(&rp, &why);
    push_totals t = {.files = 2, .copied = 1, .failed = 1, .bytes = 1, .moved = 1};
    ws_error job = {0};
    ws_error_set(&job, WS_E_IO, NULL, "1 of 2 files failed");
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    push_report_write(mem, &rp, "push", "h", "auto", &t, 1.0, &job);
    fclose(mem);
    TAP_OK(text && strstr(text, "\"local\": \"./a \\\"q\\\".txt\"")
           && strstr(text, "\"remote\": \"C:\\\\T\\\\a\"")
           && strstr(text, "\"sha256\": \"CA978112")
           && strstr(text, "\"kind\": \"exists\"") && strstr(text, "\"status\": \"failed\"")
           && strstr(text, "\"fallback\": \"cannot reach the share\"")
           && strstr(text, "\"failed\": 1"), "the --json summary holds both files");
    free(text);
    push_report_free(&rp);
}

/* pull -r: names a host lists are checked before they become local paths, and the list
 * is bounded (remote_list.h). */
static void listing(void)
{
    char why[128];
    const char *good[] = {"a.txt", "sub\\b.bin", ".hidden", "sp ace\\r\xc3\xa9sum\xc3\xa9",
                          "Bob\xe2\x80\x99s report.txt", "..x", "x..", "a\\...\\b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        why[0] = '\0';
        TAP_OK(remote_rel_check(good[i], why, sizeof why) == 0, "listed name '%s' taken (%s)",
               good[i], why);
    }
    const char *bad[] = {"", "..", ".", "a\\..\\b", "a\\.\\b", "\\a", "a\\", "a\\\\b",
                         "a/../../etc/passwd", "/etc/passwd", "C:\\x", "a:stream", "a\nb",
                         "x\x7f", "a\\..", "..\\a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = '\0';
        TAP_OK(remote_rel_check(bad[i], why, sizeof why) == -1 && why[0],
               "listed name #%zu refused: %s", i, why);
    }
    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = '\0';
    TAP_OK(remote_rel_check(longname, why, sizeof why) == -1, "a 256-byte component refused");
    longname[255] = '\0';
    TAP_OK(remote_rel_check(longname, why, sizeof why) == 0, "a 255-byte component taken");

    TAP_OK(remote_rel_depth("a") == 1 && remote_rel_depth("a\\b\\c") == 3 &&
           remote_rel_depth("") == 0, "depth counts components");
    remote_list l;
    memset(&l, 0, sizeof l);
    ws_error err = {0};
    char deep[64 * 2 + 8] = "";
    for (int i = 0; i < 64; i++)
        strcat(deep, i ? "\\d" : "d");
    TAP_OK(remote_list_add(&l, deep, 1, &err) == WS_OK, "64 levels taken");
    strcat(deep, "\\f");
    TAP_OK(remote_list_add(&l, deep, 1, &err) == WS_E_PROTOCOL && strstr(err.what, "64 levels")
           && err.fix[0], "65 levels refused, with a fix (%s)", err.what);
    TAP_OK(remote_list_add(&l, "b", 2, &err) == WS_OK && remote_list_add(&l, "a", 3, &err) == WS_OK
           && remote_list_add_unreadable(&l, "x", "Access denied", &err) == WS_OK,
           "files and an unreadable directory added");
    remote_list_sort(&l);
    TAP_OK(l.nfiles == 3 && strcmp(l.files[0].rel, "a") == 0 && l.files[0].size == 3 &&
           strcmp(l.files[1].rel, "b") == 0 && l.nunreadable == 1 &&
           strcmp(l.why[0], "Access denied") == 0, "sorted by name, sizes kept, reason kept");
    remote_list_free(&l);
    TAP_OK(l.nfiles == 0 && l.files == NULL, "freed and emptied");
    size_t added = 0;
    ws_rc rc = WS_OK;
    while (rc == WS_OK && added <= REMOTE_LIST_MAX) {
        rc = remote_list_add(&l, "f", 0, &err);
        added += rc == WS_OK;
    }
    TAP_OK(rc == WS_E_PROTOCOL && added == REMOTE_LIST_MAX && strstr(err.what, "more than"),
           "the %d-file bound holds (%zu added: %s)", REMOTE_LIST_MAX, added, err.what);
    remote_list_free(&l);
}

int main(void)
{
    paths();
    listing();
    formatting();
    report();
    return tap_done();
}
