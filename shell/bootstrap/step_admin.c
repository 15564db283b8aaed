/* Step 3, admin-account (docs/bootstrap.md, NANO.md 3): the built-in Administrator
 * (SID ending -500) and the connecting account not disabled or locked out, with
 * PasswordRequired set (applied when it is not); the connecting account in the group
 * S-1-5-32-544. Whether a password is set no WMI property says: the evidence is reach's
 * network logon with a non-empty password. */
#include "shell/bootstrap/bs_int.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* An account's name for messages. */
static const char *nm(const bs_obj *a)
{
    const char *n = bs_obj_get(a, "Name");
    return n ? n : "(no name)";
}

/* The account part of "HOST\user", "user@domain" or "user". */
static void account_name(const char *user, char *out, size_t cap)
{
    const char *s = user ? user : "";
    const char *bs = strrchr(s, '\\');
    if (bs)
        s = bs + 1;
    size_t n = strcspn(s, "@");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The value of key in a reference: 'Name="x"' or "Name='x'" in a WMI path, or
 * "Name=x" as bs_wmi.c writes an EPR's selectors. 0 with out, else -1. */
static int ref_key(const char *ref, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = ref; p && (p = strstr(p, key)); p++) {
        if (p != ref && !strchr(".,; ", p[-1]))
            continue;
        if (p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        char q = (*v == '"' || *v == '\'') ? *v++ : 0;
        size_t n = q ? strcspn(v, q == '"' ? "\"" : "'") : strcspn(v, ",;");
        if (n >= cap)
            return -1;
        memcpy(out, v, n);
        out[n] = '\0';
        return 0;
    }
    return -1;
}

/* Whether the account named name is in the Administrators group (S-1-5-32-544, whose
 * name is localised). 1, 0, or -1 with the step failed. */
static int in_admins(bs_run *run, const char *name)
{
    bs_objs g, gu;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_query(run, "root/cimv2", "SELECT * FROM Win32_Group WHERE SID='S-1-5-32-544'", 0,
                     &g, &err) != WS_OK) {
        bs_fail_err(run, "reading the Administrators group: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    if (g.n == 0) {
        bs_set(run, BS_STATUS_FAILED, "check WMI on the host", "no group with SID S-1-5-32-544");
        bs_objs_free(&g);
        return -1;
    }
    const char *gd = bs_obj_get(&g.v[0], "Domain"), *gn = bs_obj_get(&g.v[0], "Name");
    char wql[512];
    int bad = !gd || !gn || strpbrk(gd, "'\"\\") || strpbrk(gn, "'\"\\");
    if (!bad)
        snprintf(wql, sizeof wql, "SELECT * FROM Win32_GroupUser WHERE GroupComponent="
                 "\"Win32_Group.Domain='%s',Name='%s'\"", gd, gn);
    bs_objs_free(&g);
    if (bad) {
        bs_set(run, BS_STATUS_FAILED, "check WMI on the host",
               "the Administrators group has a name that cannot be queried");
        return -1;
    }
    if (bs_wmi_query(run, "root/cimv2", wql, 0, &gu, &err) != WS_OK) {
        bs_fail_err(run, "reading the Administrators' members: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    int found = 0;
    for (size_t i = 0; i < gu.n && !found; i++) {
        const char *part = bs_obj_get(&gu.v[i], "PartComponent");
        char member[256];
        found = part && ref_key(part, "Name", member, sizeof member) == 0 &&
                strcasecmp(member, name) == 0;
    }
    bs_objs_free(&gu);
    return found;
}

/* One account's flags as a fact; a failure reason when disabled or locked. */
static const char *account_problem(bs_run *run, const bs_obj *a, const char *label)
{
    const char *name = bs_obj_get(a, "Name");
    bs_fact_add(run, label, "%s: Disabled=%s Lockout=%s PasswordRequired=%s", name ? name : "?",
                bs_obj_get(a, "Disabled") ? bs_obj_get(a, "Disabled") : "?",
                bs_obj_get(a, "Lockout") ? bs_obj_get(a, "Lockout") : "?",
                bs_obj_get(a, "PasswordRequired") ? bs_obj_get(a, "PasswordRequired") : "?");
    if (is_true(bs_obj_get(a, "Disabled")))
        return "disabled";
    if (is_true(bs_obj_get(a, "Lockout")))
        return "locked out";
    return NULL;
}

/* PasswordRequired set on a (Put of the instance); 0, or -1 with the step failed. */
static int require_password(bs_run *run, const bs_obj *a)
{
    const char *d = bs_obj_get(a, "Domain"), *n = bs_obj_get(a, "Name");
    ws_selector sel[] = {{"Domain", d ? d : ""}, {"Name", n ? n : ""}};
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_put_prop(run, BS_CIMV2 "Win32_UserAccount", sel, 2, "PasswordRequired", "true",
                    &err) != WS_OK) {
        bs_fail_err(run, "setting PasswordRequired: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    return 0;
}

static int read_accounts(bs_run *run, bs_objs *l)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_query(run, "root/cimv2", "SELECT * FROM Win32_UserAccount WHERE LocalAccount=True",
                     0, l, &err) != WS_OK) {
        bs_fail_err(run, "reading Win32_UserAccount: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    return 0;
}

/* The built-in Administrator and the connecting account (may be the same, or absent:
 * a domain account). */
static void find(const bs_objs *l, const char *me, const bs_obj **admin, const bs_obj **mine)
{
    *admin = *mine = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const char *sid = bs_obj_get(&l->v[i], "SID"), *name = bs_obj_get(&l->v[i], "Name");
        size_t n = sid ? strlen(sid) : 0;
        if (n > 4 && strcmp(sid + n - 4, "-500") == 0)
            *admin = &l->v[i];
        if (name && strcasecmp(name, me) == 0)
            *mine = &l->v[i];
    }
}

void bs_step_admin(bs_run *run)
{
    char me[128];
    account_name(run->h->user, me, sizeof me);
    bs_objs l;
    if (read_accounts(run, &l) != 0)
        return;
    const bs_obj *admin, *mine;
    find(&l, me, &admin, &mine);
    const char *why;
    if (!admin) {
        bs_set(run, BS_STATUS_FAILED, "check WMI on the host",
               "no local account with a SID ending -500 (the built-in Administrator)");
        goto out;
    }
    if ((why = account_problem(run, admin, "Administrator"))) {
        bs_set(run, BS_STATUS_FAILED, "enable the built-in Administrator on the host "
               "(nanosh does not enable accounts)", "the built-in Administrator %s is %s",
               nm(admin), why);
        goto out;
    }
    if (mine && mine != admin && (why = account_problem(run, mine, "ConnectingAccount"))) {
        bs_set(run, BS_STATUS_FAILED, "enable or unlock the account on the host",
               "the connecting account %s is %s", me, why);
        goto out;
    }
    int member = in_admins(run, me);
    if (member < 0)
        goto out;
    if (!member) {
        bs_set(run, BS_STATUS_FAILED, "connect as the built-in Administrator, or add the "
               "account to Administrators", "%s is not in the Administrators group "
               "(S-1-5-32-544)", me);
        goto out;
    }
    bs_fact_add(run, "PasswordSet", "%s", run->h->password_given
                ? "yes: a network logon with a non-empty password succeeded (no WMI property says it)"
                : "cannot be known: no WMI property says whether a password is set, and this "
                  "logon used no password (Kerberos)");
    const bs_obj *todo[2] = {NULL, NULL};
    int ntodo = 0;
    if (!is_true(bs_obj_get(admin, "PasswordRequired")))
        todo[ntodo++] = admin;
    if (mine && mine != admin && !is_true(bs_obj_get(mine, "PasswordRequired")))
        todo[ntodo++] = mine;
    if (!ntodo) {
        bs_set(run, BS_STATUS_OK, NULL, "%s: enabled, password required%s", me,
               run->h->password_given ? ", and set (it logged on with one)" : "");
        goto out;
    }
    if (run->cfg->plan) {
        bs_set(run, BS_STATUS_WOULD_CHANGE, NULL, "PasswordRequired would be set on %s%s%s",
               nm(todo[0]), ntodo > 1 ? " and " : "", ntodo > 1 ? nm(todo[1]) : "");
        goto out;
    }
    char names[256] = "";
    for (int i = 0; i < ntodo; i++) {
        if (bs_stopped(run) || require_password(run, todo[i]) != 0)
            goto out;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.100s", i ? ", " : "",
                 nm(todo[i]));
    }
    /* Verify: read them again. */
    bs_objs_free(&l);
    if (read_accounts(run, &l) != 0)
        return;
    find(&l, me, &admin, &mine);
    if (!admin || !is_true(bs_obj_get(admin, "PasswordRequired")) ||
        (mine && !is_true(bs_obj_get(mine, "PasswordRequired")))) {
        bs_set(run, BS_STATUS_FAILED, "set it on the host (net user NAME /passwordreq:yes)",
               "PasswordRequired was set on %s, but the host still says false", names);
        goto out;
    }
    bs_set(run, BS_STATUS_CHANGED, NULL, "PasswordRequired set on %s", names);
out:
    bs_objs_free(&l);
}
