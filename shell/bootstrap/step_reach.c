/* Step 1, reach (docs/bootstrap.md): Identify without authentication, then with it. */
#include "shell/bootstrap/bs_int.h"
#include <string.h>
#include <strings.h>

/* A 401, explained (NANO.md 3, 4.3). */
static void explain_auth(bs_run *run, const ws_error *err)
{
    bs_set(run, BS_STATUS_FAILED,
           "check the password; log on as the built-in Administrator (or set "
           "LocalAccountTokenFilterPolicy=1 on the host for another local administrator)",
           "the host refused the logon of %s (%s): a wrong password, an account with a blank "
           "password (WinRM refuses network logons of those, LimitBlankPasswordUse), or a "
           "local account other than the built-in Administrator, which remote UAC filters",
           run->h->user ? run->h->user : "the account", err->what);
}

void bs_step_reach(bs_run *run)
{
    const bs_host *h = run->h;
    /* Refused before any request: the host would refuse it anyway (NANO.md 3). */
    if (h->blank_password) {
        bs_set(run, BS_STATUS_FAILED, "set a password for the account on the host's console "
               "(or in the image), then give it in NANOSH_PASSWORD or --password-file",
               "no password given: WinRM refuses network logons of accounts with a blank "
               "password (LimitBlankPasswordUse), so nothing was sent");
        return;
    }
    ws_identity anon, id;
    ws_error err;
    memset(&err, 0, sizeof err);
    memset(&anon, 0, sizeof anon);
    memset(&id, 0, sizeof id);
    const char *url = ws_client_url(h->client);
    int https = url && strncasecmp(url, "https:", 6) == 0;
    if (ws_identify(h->client, 1, &anon, &err) != WS_OK) {
        if (err.rc == WS_E_CONNECT || err.rc == WS_E_TIMEOUT || err.rc == WS_E_RESOLVE) {
            bs_set(run, BS_STATUS_FAILED, "from another subnet, Nano's WinRM firewall rule "
                   "answers only its local subnet unless the image was built with "
                   "-EnableRemoteManagementPort: connect from the host's subnet",
                   "no answer from WinRM at %s: %s", url ? url : h->name, err.what);
            run->r->rc = err.rc;
            run->r->http_status = err.http_status;
        } else
            bs_fail_err(run, "unauthenticated Identify: ", &err);
        ws_error_clear(&err);
        goto out;
    }
    if (bs_stopped(run))
        goto out;
    if (ws_identify(h->client, 0, &id, &err) != WS_OK) {
        if (err.rc == WS_E_AUTH) {
            explain_auth(run, &err);
            run->r->rc = err.rc;
        }
        else
            bs_fail_err(run, "authenticated Identify: ", &err);
        ws_error_clear(&err);
        goto out;
    }
    const char *proto = id.protocol_version ? id.protocol_version : anon.protocol_version;
    bs_fact_add(run, "ProtocolVersion", "%s", proto ? proto : "");
    bs_fact_add(run, "ProductVendor", "%s", id.product_vendor ? id.product_vendor : "");
    bs_fact_add(run, "ProductVersion", "%s", id.product_version ? id.product_version : "");
    bs_fact_add(run, "Transport", "%s", https ? "HTTPS" : "HTTP");
    bs_fact_add(run, "URL", "%s", url ? url : "");
    const char *pv = id.product_version ? strstr(id.product_version, "Stack: ") : NULL;
    /* What the handshake chose, unless the caller says (a fleet runner may know). */
    const char *mech = h->mechanism;
    int encrypted = h->encrypted, sealed = 0;
    if (!mech || !mech[0]) {
        ws_client_security(h->client, &mech, &sealed);
        encrypted |= sealed;
    }
    if (mech && mech[0])
        bs_fact_add(run, "Mechanism", "%s", mech);
    bs_fact_add(run, "Encrypted", "%s", encrypted || https ? "yes" : "no");
    bs_set(run, BS_STATUS_OK, NULL, "WinRM %.16s over %s%s%.32s%s, logged on as %s",
           pv ? pv + 7 : "(version unknown)", https ? "HTTPS" : "HTTP",
           mech && mech[0] ? ", " : "", mech ? mech : "",
           encrypted || https ? ", encrypted" : "", h->user ? h->user : "the account");
out:
    ws_identity_free(&anon);
    ws_identity_free(&id);
}
