/* Step 2, host (docs/bootstrap.md): Nano Server 2016 (SKU 143/144, build 14393), UBR at
 * least 206 (KB3176936), the Containers package (service vmcompute), and an engine
 * version that runs on 14393 (NANO.md 1.3, 1.6, 1.7). Nothing to apply. */
#include "shell/bootstrap/bs_int.h"
#include <stdlib.h>
#include <string.h>

#define MIN_UBR 206

/* Fails the step and returns -1 on a request failure. */
static int os_check(bs_run *run, char *build, size_t cap)
{
    bs_objs os;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_query(run, "root/cimv2", "SELECT * FROM Win32_OperatingSystem", 0, &os, &err) != WS_OK) {
        bs_fail_err(run, "reading Win32_OperatingSystem: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    if (os.n == 0) {
        bs_set(run, BS_STATUS_FAILED, "check WMI on the host", "Win32_OperatingSystem has no instance");
        bs_objs_free(&os);
        return -1;
    }
    const char *sku = bs_obj_get(&os.v[0], "OperatingSystemSKU");
    const char *b = bs_obj_get(&os.v[0], "BuildNumber");
    const char *caption = bs_obj_get(&os.v[0], "Caption");
    bs_fact_add(run, "Caption", "%s", caption ? caption : "");
    bs_fact_add(run, "OperatingSystemSKU", "%s", sku ? sku : "");
    bs_fact_add(run, "BuildNumber", "%s", b ? b : "");
    snprintf(build, cap, "%s", b ? b : "");
    int rc = 0;
    if (!sku || (strcmp(sku, "143") != 0 && strcmp(sku, "144") != 0)) {
        bs_set(run, BS_STATUS_FAILED, "bootstrap readies Nano Server 2016 hosts; use "
               "DockerMsftProvider or Docker's instructions on other editions",
               "not Nano Server: OperatingSystemSKU is %s (%s), not 143 or 144",
               sku ? sku : "absent", caption ? caption : "no caption");
        rc = -1;
    } else if (!b || strcmp(b, "14393") != 0) {
        bs_set(run, BS_STATUS_FAILED, "bootstrap readies Windows Server 2016 (build 14393) Nano hosts",
               "build %s, not 14393 (Windows Server 2016)", b ? b : "absent");
        rc = -1;
    }
    bs_objs_free(&os);
    return rc;
}

/* The UBR through StdRegProv.GetDWORDValue; -1 (step failed) or 0 with *ubr. */
static int ubr_check(bs_run *run, long long *ubr)
{
    bs_prop in[] = {{"hDefKey", "2147483650"},
                    {"sSubKeyName", "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"},
                    {"sValueName", "UBR"}};
    bs_obj out;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_invoke(run, BS_WMI "root/default/StdRegProv", "GetDWORDValue", NULL, 0, in, 3,
                      &out, &err) != WS_OK) {
        bs_fail_err(run, "reading the UBR (StdRegProv): ", &err);
        ws_error_clear(&err);
        return -1;
    }
    long long rv = bs_return_value(&out);
    const char *v = bs_obj_get(&out, "uValue");
    char *end = NULL;
    *ubr = v ? strtoll(v, &end, 10) : -1;
    int rc = 0;
    if (rv != 0 || !v || *end || *ubr < 0) {
        bs_set(run, BS_STATUS_FAILED, "check the host's registry and WMI",
               "cannot read the UBR: GetDWORDValue returned %lld", rv);
        rc = -1;
    } else {
        bs_fact_add(run, "UBR", "%lld", *ubr);
        if (*ubr < MIN_UBR) {
            bs_set(run, BS_STATUS_FAILED, "apply the servicing stack update KB3176936 and the "
                   "latest cumulative update to the image (containers need them)",
                   "update level 14393.%lld is too old: containers need at least 14393.%d "
                   "(KB3176936)", *ubr, MIN_UBR);
            rc = -1;
        }
    }
    bs_obj_free(&out);
    return rc;
}

static int containers_check(bs_run *run)
{
    ws_selector sel[] = {{"Name", "vmcompute"}};
    bs_obj svc;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_wmi_get(run, BS_CIMV2 "Win32_Service", sel, 1, &svc, &err) != WS_OK) {
        if (bs_wmi_not_found(&err))
            bs_set(run, BS_STATUS_FAILED, "rebuild the image with New-NanoServerImage "
                   "-Containers (Nano Server 2016 has no online feature install that works "
                   "without the Internet)",
                   "the Containers feature is missing: no Host Compute Service (vmcompute)");
        else
            bs_fail_err(run, "reading the vmcompute service: ", &err);
        ws_error_clear(&err);
        return -1;
    }
    const char *state = bs_obj_get(&svc, "State");
    bs_fact_add(run, "vmcompute", "%s", state ? state : "present");
    bs_obj_free(&svc);
    return 0;
}

void bs_step_host(bs_run *run)
{
    char build[32];
    long long ubr = 0;
    if (os_check(run, build, sizeof build) != 0 || bs_stopped(run) || ubr_check(run, &ubr) != 0 ||
        bs_stopped(run) || containers_check(run) != 0)
        return;
    /* The engine the zip carries, when it says (bs_local.c); a zip that cannot be read
     * is docker-files' failure, not this one's. */
    const char *engine = "";
    if ((run->cfg->docker_zip || run->cfg->docker_dir) && bs_local_files(run, NULL) == WS_OK)
        engine = run->zip_version;
    bs_fact_add(run, "EngineVersion", "%s", engine[0] ? engine : "unknown until dockerd --version");
    if (bs_version_too_new(engine)) {
        bs_set(run, BS_STATUS_FAILED, "use a 17.06, 18.09, 19.03 or 20.10 engine (Docker EE "
               "or Mirantis); engines from 23.0 on need build 17763",
               "the zip's engine %s refuses to start on build 14393", engine);
        return;
    }
    bs_set(run, BS_STATUS_OK, NULL, "Nano Server 2016 (%s.%lld), Containers feature present",
           build, ubr);
}
