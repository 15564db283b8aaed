/* The SMB room's pure parts: a Windows target path to its share (shell/push/smb_path.c),
 * smb:// URLs, and libsmbclient's loader failing with a clear fix. No server needed. */
#include "shell/push/smb_loader.h"
#include "shell/push/smb_path.h"
#include "tests/tap.h"
#include <stdlib.h>

/* Maps target (with share) and checks the share, path and directory flag. */
static void map_ok(const char *target, const char *share, const char *want_share,
                   const char *want_path, int want_dir)
{
    smb_target t;
    ws_error err = {0};
    ws_rc rc = smb_target_map(target, share, &t, &err);
    TAP_OK(rc == WS_OK, "%s maps (%s)", target, err.what);
    TAP_STR_EQ(t.share, want_share, "%s -> share %s", target, want_share);
    TAP_STR_EQ(t.path, want_path, "%s -> path '%s'", target, want_path);
    TAP_OK(t.is_dir == want_dir, "%s is %sa directory", target, want_dir ? "" : "not ");
}

static void map_fails(const char *target, const char *share, const char *why)
{
    smb_target t;
    ws_error err = {0};
    ws_rc rc = smb_target_map(target, share, &t, &err);
    TAP_OK(rc == WS_E_USAGE && err.fix[0], "%s refused: %s (%s; %s)", target, why, err.what,
           err.fix);
}

static void url_is(const char *host, const char *share, const char *path, const char *want)
{
    char *url = smb_url(host, share, path);
    TAP_STR_EQ(url, want, "URL of %s %s '%s'", host, share, path);
    free(url);
}

int main(void)
{
    map_ok("C:\\dir\\f", NULL, "C$", "dir/f", 0);
    map_ok("c:/dir//sub/./f.txt", NULL, "C$", "dir/sub/f.txt", 0);
    map_ok("D:\\data\\", NULL, "D$", "data", 1);
    map_ok("C:\\", NULL, "C$", "", 1);
    map_ok("C:\\Windows\\System32\\", NULL, "ADMIN$", "System32", 1);
    map_ok("C:\\WINDOWS\\system32\\drivers\\etc\\hosts", NULL, "ADMIN$",
           "system32/drivers/etc/hosts", 0);
    map_ok("C:\\Windows", NULL, "ADMIN$", "", 1);
    map_ok("C:\\WindowsApps\\x", NULL, "C$", "WindowsApps/x", 0);   /* not below Windows */
    map_ok("D:\\Windows\\x", NULL, "D$", "Windows/x", 0);           /* ADMIN$ is C:\Windows */
    map_ok("C:\\Windows\\x", "data", "data", "Windows/x", 0);       /* the caller's share wins */
    map_ok("\\in\\share\\f", "data", "data", "in/share/f", 0);
    map_ok("f", "data", "data", "f", 0);
    map_fails("dir\\f", NULL, "no drive and no share");
    map_fails("", NULL, "empty");
    map_fails("C:\\dir\\..\\..\\f", NULL, "'..'");
    map_fails("C:\\f", "a\\b", "a share with a separator");

    url_is("127.0.0.1", "C$", "dir/f", "smb://127.0.0.1/C%24/dir/f");
    url_is("host", "ADMIN$", "", "smb://host/ADMIN%24");
    url_is("::1", "share", "a b%/c#?.txt", "smb://[::1]/share/a%20b%25/c%23%3F.txt");
    url_is("h", "s", "r\xc3\xa9", "smb://h/s/r%C3%A9");

    /* A missing library is an error value that says what to install. */
    smb_api api;
    ws_error err = {0};
    ws_rc rc = smb_api_load(&api, "libnanosh-no-such-smbclient.so.0", &err);
    TAP_OK(rc == WS_E_IO && api.handle == NULL, "a missing libsmbclient is WS_E_IO (%s)", err.what);
    TAP_OK(strstr(err.fix, "install the libsmbclient package") != NULL, "its fix: %s", err.fix);
    TAP_OK(strstr(err.what, "libnanosh-no-such-smbclient.so.0") != NULL, "it names the library");
    /* The real one loads and fills every slot. */
    rc = smb_api_load(&api, NULL, &err);
    TAP_OK(rc == WS_OK && api.smbc_new_context && api.smbc_getFunctionMkdir,
           "%s loads and resolves its table (%s)", SMB_LIBRARY, rc ? err.what : "ok");
    smb_api again;
    rc = smb_api_load(&again, NULL, &err);
    TAP_OK(rc == WS_OK && again.handle == api.handle && again.smbc_free_context
           == api.smbc_free_context, "a second load finds the same library");
    return tap_done();
}
