/* Step 5, firewall (docs/bootstrap.md, NANO.md 2.4): the "File and Printer Sharing"
 * group (@FirewallAPI.dll,-28502) enabled through MSFT_NetFirewallRule.Enable on each
 * disabled rule's EPR, netsh as the fallback (only its exit code is used: its text is
 * localised); FPS-SMB-In-TCP must be enabled after. Enabled is 1 (on) or 2 (off). */
#include "shell/bootstrap/bs_int.h"
#include <string.h>

#define RULE_CLASS BS_STDCIMV2 "MSFT_NetFirewallRule"
#define WQL "SELECT * FROM MSFT_NetFirewallRule WHERE RuleGroup = '" BS_FPS_GROUP "'"
#define NETSH "netsh advfirewall firewall set rule group=\"" BS_FPS_GROUP "\" new enable=yes"
#define SMB_RULE "FPS-SMB-In-TCP"

static int enabled(const bs_obj *r)
{
    const char *e = bs_obj_get(r, "Enabled");
    return e && strcmp(e, "1") == 0;
}

static size_t count_enabled(const bs_objs *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += (size_t)enabled(&l->v[i]);
    return n;
}

static const bs_obj *smb_rule(const bs_objs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *id = bs_obj_get(&l->v[i], "InstanceID");
        if (id && strcmp(id, SMB_RULE) == 0)
            return &l->v[i];
    }
    return NULL;
}

/* netsh through WinRS; 0 when it exited 0, else -1 with why filled. */
static int netsh(bs_run *run, char *why, size_t cap)
{
    bs_cmd_out o;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_cmd_run(run, NETSH, 60000, &o, &err) != WS_OK) {
        snprintf(why, cap, "netsh could not be run: %.150s", err.what);
        ws_error_clear(&err);
        return -1;
    }
    int ok = o.has_exit_code && o.exit_code == 0;
    if (!ok)
        snprintf(why, cap, "netsh exited with %llu", o.has_exit_code ? o.exit_code : 0ULL);
    bs_cmd_out_free(&o);
    return ok ? 0 : -1;
}

/* Enable on each disabled rule; 0 when every call returned 0, else -1 with why. */
static int enable_rules(bs_run *run, const bs_objs *l, char *why, size_t cap)
{
    for (size_t i = 0; i < l->n; i++) {
        if (enabled(&l->v[i]))
            continue;
        if (bs_stopped(run))
            return -2;
        const char *id = bs_obj_get(&l->v[i], "InstanceID");
        if (!l->v[i].nsel) {
            snprintf(why, cap, "the host gave no EPR for rule %.100s", id ? id : "?");
            return -1;
        }
        bs_obj out;
        ws_error err;
        memset(&err, 0, sizeof err);
        if (bs_wmi_invoke(run, RULE_CLASS, "Enable", l->v[i].sel, l->v[i].nsel, NULL, 0, &out,
                          &err) != WS_OK) {
            snprintf(why, cap, "Enable on %.60s failed: %.200s", id ? id : "?", err.what);
            ws_error_clear(&err);
            return -1;
        }
        long long rv = bs_return_value(&out);
        bs_obj_free(&out);
        if (rv != 0) {
            snprintf(why, cap, "Enable on %.100s returned %lld", id ? id : "?", rv);
            return -1;
        }
    }
    return 0;
}

void bs_step_firewall(bs_run *run)
{
    bs_objs l;
    ws_error err;
    memset(&err, 0, sizeof err);
    int readable = bs_wmi_query(run, "root/standardcimv2", WQL, 1, &l, &err) == WS_OK;
    char why[400] = "";
    if (!readable) {
        snprintf(why, sizeof why, "MSFT_NetFirewallRule cannot be read: %.300s", err.what);
        ws_error_clear(&err);
        if (run->cfg->plan) {
            /* A run would fall back to netsh: that is the change a plan can foresee. */
            bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "%s; netsh would enable the group", why);
            return;
        }
    } else {
        size_t on = count_enabled(&l);
        bs_fact_add(run, "RulesInGroup", "%zu", l.n);
        bs_fact_add(run, "RulesEnabledBefore", "%zu", on);
        if (l.n == 0) {
            bs_set(run, BS_STATUS_FAILED, "check the image: Nano's firewall carries this group",
                   "no rule of the 'File and Printer Sharing' group (" BS_FPS_GROUP ")");
            goto out;
        }
        if (on == l.n) {
            bs_set(run, BS_STATUS_OK, NULL, "'File and Printer Sharing' group enabled (%zu rules)", l.n);
            goto out;
        }
        if (run->cfg->plan) {
            bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "'File and Printer Sharing': %zu of %zu "
                   "rules would be enabled", l.n - on, l.n);
            goto out;
        }
    }
    int r = readable ? enable_rules(run, &l, why, sizeof why) : -1;
    if (r == -2)
        goto out;
    const char *how = "MSFT_NetFirewallRule.Enable";
    if (r != 0) {
        /* The fallback: netsh, judged by its exit code and the verify below. */
        char nwhy[200];
        if (bs_stopped(run))
            goto out;
        if (netsh(run, nwhy, sizeof nwhy) != 0) {
            bs_set(run, BS_STATUS_FAILED, "enable the group on the host: netsh advfirewall "
                   "firewall set rule group=\"File and Printer Sharing\" new enable=yes",
                   "%s; the fallback failed too: %s", why, nwhy);
            goto out;
        }
        how = "netsh";
        bs_fact_add(run, "Fallback", "%s", why);
    }
    bs_objs_free(&l);
    if (bs_wmi_query(run, "root/standardcimv2", WQL, 1, &l, &err) != WS_OK) {
        if (!readable) {
            /* The class could not be read before either: netsh's exit code is all there is. */
            bs_set(run, BS_STATUS_CHANGED, NULL, "'File and Printer Sharing' enabled with netsh "
                   "(not verified: the firewall class cannot be read)");
        } else
            bs_fail_err(run, "verifying the firewall: ", &err);
        ws_error_clear(&err);
        return;
    }
    size_t on = count_enabled(&l);
    bs_fact_add(run, "RulesEnabledAfter", "%zu", on);
    const bs_obj *smb = smb_rule(&l);
    if (!smb || !enabled(smb)) {
        bs_set(run, BS_STATUS_FAILED, "enable it on the host: netsh advfirewall firewall set "
               "rule name=\"File and Printer Sharing (SMB-In)\" new enable=yes",
               "after %s, the rule " SMB_RULE " is %s", how, smb ? "still disabled" : "missing");
        goto out;
    }
    bs_set(run, BS_STATUS_CHANGED, NULL, "'File and Printer Sharing' group enabled (%zu rules%s)",
           l.n, r != 0 ? ", with netsh" : "");
out:
    bs_objs_free(&l);
}
