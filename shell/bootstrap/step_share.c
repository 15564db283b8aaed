/* Step 6, share (docs/bootstrap.md, NANO.md 2.3): Win32_Share NAME for PATH, made with
 * Win32_Share.Create (the directory first, snippet 13) unless present. */
#include "shell/bootstrap/bs_int.h"
#include "shell/ps/ps_snippets.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Windows paths equal without regard to case or one trailing '\\' ("C:\\Share\\"). */
static int same_path(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 3 && a[la - 1] == '\\')
        la--;
    if (lb > 3 && b[lb - 1] == '\\')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* 1 present (path in *path), 0 absent, -1 with the step failed. */
static int read_share(bs_run *run, const char *name, char *path, size_t cap)
{
    ws_selector sel[] = {{"Name", name}};
    bs_obj s;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_get(run, BS_CIMV2 "Win32_Share", sel, 1, &s, &err) != WS_OK) {
        int absent = bs_wmi_not_found(&err);
        if (!absent)
            bs_fail_err(run, "reading Win32_Share: ", &err);
        ws_error_clear(&err);
        return absent ? 0 : -1;
    }
    const char *p = bs_obj_get(&s, "Path");
    snprintf(path, cap, "%s", p ? p : "");
    bs_obj_free(&s);
    return 1;
}

/* Snippet 13: the directory made; 0, or -1 with the step failed. */
static int make_dir(bs_run *run, const char *dir)
{
    char *text = ps_snippet_make_dir(dir);
    if (!text) {
        bs_set(run, BS_STATUS_FAILED, NULL, "out of memory");
        return -1;
    }
    bs_cmd_out o;
    ws_error err;
    memset(&err, 0, sizeof err);
    ws_rc rc = bs_ps_run(run, text, 120000, &o, &err);
    free(text);
    if (rc != WS_OK) {
        bs_fail_err(run, "making the share's directory: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    const char *d = o.out;
    while (*d == '\r' || *d == '\n' || *d == ' ')
        d++;
    int ok = o.has_exit_code && o.exit_code == 0 && d[0] == 'D' && (!d[1] || d[1] == '\r' || d[1] == '\n');
    if (!ok) {
        char shown[200];
        const char *e = strstr(o.err, "NANOSH-E ");
        bs_fold(e ? e + 9 : o.err, shown, sizeof shown);
        bs_set(run, BS_STATUS_FAILED, "check the path (--share-path) and the disk",
               "cannot make %s: %s", dir, shown[0] ? shown : "powershell.exe failed");
    }
    bs_cmd_out_free(&o);
    return ok ? 0 : -1;
}

void bs_step_share(bs_run *run)
{
    const char *name = run->cfg->share_name ? run->cfg->share_name : "Share";
    const char *path = run->cfg->share_path ? run->cfg->share_path : "C:\\Share";
    char have[512];
    int r = read_share(run, name, have, sizeof have);
    if (r < 0)
        return;
    bs_fact_add(run, "ShareName", "%s", name);
    if (r == 1) {
        bs_fact_add(run, "SharePath", "%s", have);
        if (same_path(have, path))
            bs_set(run, BS_STATUS_OK, NULL, "%s -> %s", name, have);
        else
            bs_set(run, BS_STATUS_FAILED, "give another --share-name, or --share-path to match",
                   "the share %s exists for %s, not %s", name, have, path);
        return;
    }
    if (run->cfg->plan) {
        bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "would create %s -> %s", name, path);
        return;
    }
    if (make_dir(run, path) != 0 || bs_stopped(run))
        return;
    bs_prop in[] = {{"Path", (char *)path}, {"Name", (char *)name}, {"Type", "0"},
                    {"Description", "nanosh bootstrap"}};
    bs_obj out;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_invoke(run, BS_CIMV2 "Win32_Share", "Create", NULL, 0, in, 4, &out, &err) != WS_OK) {
        bs_fail_err(run, "Win32_Share.Create: ", &err);
        ws_error_clear(&err);
        return;
    }
    long long rv = bs_return_value(&out);
    bs_obj_free(&out);
    bs_fact_add(run, "CreateReturnValue", "%lld", rv);
    if (rv != 0) {
        bs_set(run, BS_STATUS_FAILED, rv == 2 ? "connect as an administrator" :
               rv == 22 ? "give another --share-name" : "check --share-path and --share-name",
               "Win32_Share.Create returned %lld: %s", rv,
               rv < 0 ? "no ReturnValue" : bs_share_create_message((unsigned long)rv));
        return;
    }
    if ((r = read_share(run, name, have, sizeof have)) < 0)
        return;
    if (r == 0 || !same_path(have, path)) {
        bs_set(run, BS_STATUS_FAILED, "check the Server service (LanmanServer) on the host",
               "Win32_Share.Create returned 0, but the share %s %s", name,
               r == 0 ? "is not there" : "has another path");
        return;
    }
    bs_fact_add(run, "SharePath", "%s", have);
    bs_set(run, BS_STATUS_CHANGED, NULL, "created %s -> %s", name, have);
}
