/* Step 4, trusted-hosts (docs/bootstrap.md, PROTOCOL.md 8): winrm/config/client's
 * TrustedHosts with the --trusted-hosts entries (default "*") merged in, none dropped. */
#include "shell/bootstrap/bs_int.h"
#include <stdlib.h>
#include <string.h>

/* TrustedHosts now, malloc'd ("" when absent or nil); NULL with the step failed. */
static char *read_trusted(bs_run *run)
{
    bs_obj cl;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_get(run, BS_CONFIG_CLIENT, NULL, 0, &cl, &err) != WS_OK) {
        bs_fail_err(run, "reading winrm/config/client: ", &err);
        ws_error_clear(&err);
        return NULL;
    }
    const char *v = bs_obj_get(&cl, "TrustedHosts");
    char *out = strdup(v ? v : "");
    bs_obj_free(&cl);
    if (!out)
        bs_set(run, BS_STATUS_FAILED, NULL, "out of memory");
    return out;
}

void bs_step_trusted_hosts(bs_run *run)
{
    const char *add = run->cfg->trusted_hosts ? run->cfg->trusted_hosts : "*";
    char *have = read_trusted(run), *want = NULL, *now = NULL;
    int changed = 0;
    if (!have)
        return;
    bs_fact_add(run, "TrustedHostsBefore", "%s", have);
    if (!(want = bs_trusted_merge(have, add, &changed))) {
        bs_set(run, BS_STATUS_FAILED, NULL, "out of memory");
        goto out;
    }
    if (!changed) {
        bs_set(run, BS_STATUS_OK, NULL, "TrustedHosts: '%s'", have);
        goto out;
    }
    if (run->cfg->plan) {
        bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "TrustedHosts: '%s' -> '%s'", have, want);
        goto out;
    }
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_put_prop(run, BS_CONFIG_CLIENT, NULL, 0, "TrustedHosts", want, &err) != WS_OK) {
        bs_fail_err(run, "writing winrm/config/client: ", &err);
        ws_error_clear(&err);
        goto out;
    }
    if (!(now = read_trusted(run)))
        goto out;
    bs_fact_add(run, "TrustedHostsAfter", "%s", now);
    if (strcmp(now, want) != 0)
        bs_set(run, BS_STATUS_FAILED, "set it on the host: winrm set winrm/config/client "
               "@{TrustedHosts=\"...\"}", "TrustedHosts was written as '%s' but reads '%s'",
               want, now);
    else
        bs_set(run, BS_STATUS_CHANGED, NULL, "TrustedHosts: '%s' -> '%s'", have, now);
out:
    free(have);
    free(want);
    free(now);
}
