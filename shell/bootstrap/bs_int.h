/* Inside nanosh bootstrap (shell/bootstrap/bootstrap.h): what one run shares between its
 * steps, the steps themselves, and the helpers they use (WMI over WS-Man, a fixed command
 * line through WinRS, text). Not for use outside shell/bootstrap/. */
#ifndef NANOSH_SHELL_BOOTSTRAP_INT_H
#define NANOSH_SHELL_BOOTSTRAP_INT_H
#include "shell/bootstrap/bootstrap.h"
#include "shell/bootstrap/bs_zip.h"
#include <limits.h>

#define BS_WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
#define BS_CIMV2 BS_WMI "root/cimv2/"
#define BS_STDCIMV2 BS_WMI "root/standardcimv2/"
#define BS_CONFIG_CLIENT "http://schemas.microsoft.com/wbem/wsman/1/config/client"
#define BS_SYSTEM32 "C:\\Windows\\System32"
#define BS_FPS_GROUP "@FirewallAPI.dll,-28502"

/* One run: the caller's host and config, the result being filled, and what steps learn
 * for the steps after them. */
typedef struct bs_run {
    const bs_host *h;
    const bs_config *cfg;
    bs_step_result *r;             /* the step running now */
    const bs_report *report;       /* the steps so far (for "needs STEP") */
    /* The local docker.exe and dockerd.exe: extracted from the zip once, on first use. */
    int local_tried;
    ws_rc local_rc;
    ws_error local_err;
    char tmpdir[PATH_MAX];         /* "" when nothing was extracted */
    char local[2][PATH_MAX];       /* docker.exe, dockerd.exe */
    char zip_version[64];          /* the engine version the zip says, "" when unknown */
} bs_run;

typedef void (*bs_step_fn)(bs_run *run);
void bs_step_reach(bs_run *run);
void bs_step_host(bs_run *run);
void bs_step_admin(bs_run *run);
void bs_step_trusted_hosts(bs_run *run);
void bs_step_firewall(bs_run *run);
void bs_step_share(bs_run *run);
void bs_step_docker_files(bs_run *run);
void bs_step_docker_service(bs_run *run);
void bs_step_verify(bs_run *run);

/* ---- results (bs_text.c) ---- */
/* Sets the step's status and reason (printf-style); fix only for failed. */
void bs_set(bs_run *run, bs_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fails the step with err's what and fix, after prefix ("reading X: "). */
void bs_fail_err(bs_run *run, const char *prefix, const ws_error *err);
/* Records a fact (value folded, cut to fit); ignored past BS_FACTS_MAX. */
void bs_fact_add(bs_run *run, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Host text for one line: control characters become spaces, cut to cap. */
void bs_fold(const char *s, char *out, size_t cap);
/* The request deadline passed or the cancel flag is set: the step fails saying so. */
int bs_stopped(bs_run *run);
/* The run's deadline for a request that would go past it, ws_now_ms() based; 0: none. */
long long bs_deadline(const bs_run *run);

/* TrustedHosts merged: every entry of have kept (trimmed, in order, doubles dropped),
 * then each of add not already there (compared without regard to case); nothing added
 * when have holds "*". Returns a malloc'd list joined by ",", or have itself when
 * nothing is added (*changed 0); NULL when out of memory. */
char *bs_trusted_merge(const char *have, const char *add, int *changed);
/* The engine version in "Docker version 17.06.2-ee-16, build abc": the third
 * space-separated token of the text before the first comma (as DockerMsftProvider reads
 * it, NANO.md 1.3). 0 with out filled, -1 when the line is not that. */
int bs_docker_version(const char *line, char *out, size_t cap);
/* Major and minor of a version text ("17.06.2-ee-16" -> 17, 6); -1 when it has none. */
int bs_version_major_minor(const char *v, int *major, int *minor);
/* Whether an engine of that version refuses to start on build 14393 (23.0 and later,
 * NANO.md 1.7). */
int bs_version_too_new(const char *v);
/* Messages for Win32_Share.Create and Win32_Service.StartService return codes
 * (NANO.md 2.3). */
const char *bs_share_create_message(unsigned long code);
const char *bs_start_service_message(unsigned long code);

/* ---- WMI over WS-Man (bs_wmi.c) ---- */
typedef struct bs_prop {
    char *name;
    char *value;                  /* NULL for xsi:nil */
} bs_prop;

/* One WMI instance (or method output) as name/value text, and with EPR mode its
 * selectors. */
typedef struct bs_obj {
    bs_prop *props;
    size_t nprops;
    ws_selector *sel;             /* strings owned */
    size_t nsel;
} bs_obj;

typedef struct bs_objs {
    bs_obj *v;
    size_t n;
} bs_objs;

enum { BS_WMI_MAX_OBJS = 4096, BS_WMI_MAX_PROPS = 512 };

void bs_obj_free(bs_obj *o);
void bs_objs_free(bs_objs *l);
/* The property's text, NULL when absent or nil. */
const char *bs_obj_get(const bs_obj *o, const char *name);
/* A WMI item as the plug-in writes it (a whole instance, a w:XmlFragment, a
 * Method_OUTPUT, or a w:Item with the object and its EPR) into *out. */
ws_rc bs_obj_parse(const char *xml, bs_obj *out, ws_error *err);
/* WQL enumeration of BS_WMI namespace/"*" (namespace e.g. "root/cimv2"); epr asks for
 * EnumerateObjectAndEPR. At most BS_WMI_MAX_OBJS objects. */
ws_rc bs_wmi_query(bs_run *run, const char *ns, const char *wql, int epr, bs_objs *out,
                   ws_error *err);
/* Get of the class URI with selectors. */
ws_rc bs_wmi_get(bs_run *run, const char *class_uri, const ws_selector *sel, size_t nsel,
                 bs_obj *out, ws_error *err);
/* Invoke method with the (name, value) parameters in order; *out gets the output's
 * properties (ReturnValue among them). */
ws_rc bs_wmi_invoke(bs_run *run, const char *class_uri, const char *method,
                    const ws_selector *sel, size_t nsel, const bs_prop *params, size_t np,
                    bs_obj *out, ws_error *err);
/* Get of uri, the property prop (any namespace) set to value (added when absent),
 * Put back whole: only that property changes (PROTOCOL.md 8). */
ws_rc bs_put_prop(bs_run *run, const char *uri, const ws_selector *sel, size_t nsel,
                  const char *prop, const char *value, ws_error *err);
/* Whether a failed Get means the instance does not exist (w:ObjectNotFound, a
 * w:InvalidSelectors on a WMI resource, or WMI's not-found error). */
int bs_wmi_not_found(const ws_error *err);
/* ReturnValue of a method output as a number; -1 when absent or not a number. */
long long bs_return_value(const bs_obj *out);

/* ---- a fixed command line through WinRS (bs_cmd.c) ---- */
enum { BS_CMD_CAPTURE_MAX = 65536 };
typedef struct bs_cmd_out {
    int has_exit_code;
    unsigned long long exit_code;
    char *out, *err;              /* NUL-terminated, at most BS_CMD_CAPTURE_MAX bytes */
    size_t out_len, err_len;
} bs_cmd_out;
void bs_cmd_out_free(bs_cmd_out *o);
/* Runs command_line in a new cmd shell on the run's client, to its end, bounded by the
 * run's deadline (and timeout_ms from now when > 0), and deletes the shell. WS_OK when
 * it exited (see has_exit_code). */
ws_rc bs_cmd_run(bs_run *run, const char *command_line, long timeout_ms, bs_cmd_out *out,
                 ws_error *err);
/* A PowerShell snippet (docs/powershell-snippets.md) run as -EncodedCommand. */
ws_rc bs_ps_run(bs_run *run, const char *script, long timeout_ms, bs_cmd_out *out,
                ws_error *err);

/* ---- the local docker files (bs_local.c) ---- */
/* docker.exe and dockerd.exe from --docker-dir, or extracted from --docker-zip into a
 * private temp dir (once per run); fills run->local and run->zip_version. */
ws_rc bs_local_files(bs_run *run, ws_error *err);
/* Removes what bs_local_files extracted. */
void bs_local_cleanup(bs_run *run);

#endif
