/* Faults (MS-WSMV 2.2.4.43): every field, nested ProviderFault, MSFT_WmiError, and the
 * one-line explanation for the faults users meet. */
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "wsman/soap.h"
#include "tests/tap.h"

#define FAULT(code, sub, reason, detail) \
    "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\" xmlns:w=\"" WS_NS_WSMAN "\" xmlns:f=\"" WS_NS_FAULT "\">" \
    "<s:Body><s:Fault><s:Code><s:Value>" code "</s:Value>" sub "</s:Code>" reason \
    "<s:Detail>" detail "</s:Detail></s:Fault></s:Body></s:Envelope>"
#define SUB(v) "<s:Subcode><s:Value>" v "</s:Value></s:Subcode>"
#define REASON(t) "<s:Reason><s:Text xml:lang=\"en-US\">" t "</s:Text></s:Reason>"
#define WSMAN_FAULT(code, machine, msg) \
    "<f:WSManFault Code=\"" code "\" Machine=\"" machine "\"><f:Message>" msg "</f:Message></f:WSManFault>"

/* Parses xml and its fault; returns the rc of the fault parse. */
static ws_rc fault_of(const char *xml, ws_fault *f, ws_error *err)
{
    ws_reply r;
    ws_rc rc = ws_reply_parse(xml, strlen(xml), NULL, &r, err);

    memset(f, 0, sizeof *f);
    if (rc != WS_OK)
        return rc;
    rc = ws_fault_parse(r.payload, f, err);
    ws_reply_free(&r);
    return rc;
}

static void test_every_field(void)
{
    const char *xml = FAULT("s:Sender", SUB("w:InvalidSelectors"), REASON("\n  The shell was not found.  \n"),
        "<w:FaultDetail> http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors </w:FaultDetail>"
        "<f:WSManFault Code=\"2150858843\" Machine=\"nano01.example.test\"><f:Message>"
        "<f:ProviderFault provider=\"Shell provider\" path=\"%systemroot%\\system32\\WsmSvc.dll\">"
        "<f:WSManFault Code=\"2150858843\" Machine=\"\"><f:Message>  inner text  </f:Message></f:WSManFault>"
        "</f:ProviderFault></f:Message></f:WSManFault>");
    ws_fault f;
    ws_error err = {0};
    ws_rc rc = fault_of(xml, &f, &err);

    TAP_OK(rc == WS_OK, "fault with every WSManFault field parses");
    TAP_STR_EQ(f.code, "Sender", "Code/Value local name");
    TAP_STR_EQ(f.subcode, "InvalidSelectors", "Subcode/Value local name");
    TAP_STR_EQ(f.reason, "The shell was not found.", "Reason text trimmed");
    TAP_STR_EQ(f.fault_detail, "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors", "FaultDetail");
    TAP_OK(f.has_wsman_code && f.wsman_code == 2150858843ULL, "WSManFault Code");
    TAP_STR_EQ(f.machine, "nano01.example.test", "Machine of the outer WSManFault");
    TAP_STR_EQ(f.message, "inner text", "Message of the innermost WSManFault");
    TAP_STR_EQ(f.provider, "Shell provider", "ProviderFault provider");
    TAP_STR_EQ(f.provider_path, "%systemroot%\\system32\\WsmSvc.dll", "ProviderFault path");
    ws_fault_to_error(&f, 500, &err);
    TAP_OK(err.rc == WS_E_FAULT && err.http_status == 500, "fault becomes WS_E_FAULT with the HTTP status");
    TAP_OK(strstr(err.what, "no longer exists") && strstr(err.what, "nano01.example.test") && *err.fix,
           "InvalidSelectors explained as a gone shell: %s / %s", err.what, err.fix);
    TAP_STR_EQ(err.fault.subcode, "InvalidSelectors", "err.fault owns the parsed fault");
    TAP_OK(f.subcode == NULL, "the source fault is emptied");
    ws_error_clear(&err);
}

static void test_wmi_error(void)
{
    const char *xml = FAULT("s:Receiver", SUB("w:InternalError"), REASON("Reason text."),
        "<p:MSFT_WmiError xmlns:p=\"" WS_NS_WMIERROR "\">"
        "<p:Message>  WMI   message. </p:Message><p:MessageID>HRESULT 0x803381a5</p:MessageID>"
        "<p:error_Code>2150859173</p:error_Code></p:MSFT_WmiError>");
    ws_fault f;
    ws_error err = {0};
    ws_rc rc = fault_of(xml, &f, &err);

    TAP_OK(rc == WS_OK && f.has_wsman_code && f.wsman_code == 2150859173ULL, "MSFT_WmiError error_Code");
    TAP_STR_EQ(f.message, "WMI   message.", "MSFT_WmiError Message");
    TAP_STR_EQ(f.wmi_message_id, "HRESULT 0x803381a5", "MSFT_WmiError MessageID");
    ws_fault_to_error(&f, 500, &err);
    TAP_OK(strstr(err.what, "(w:InternalError, MaxShellsPerUser)") && strstr(err.what, "WMI message.")
           && !strstr(err.what, "QuotaLimit") && strstr(err.fix, "winrm/config/winrs @{MaxShellsPerUser="),
           "shells quota under the subcode sent, message on one line: %s / %s", err.what, err.fix);
    ws_error_clear(&err);
}

/* One fault through ws_fault_to_error; checks what and fix contain the given words. */
static void explain(const char *xml, const char *what_has, const char *fix_has, const char *name)
{
    ws_fault f;
    ws_error err = {0};
    ws_rc rc = fault_of(xml, &f, &err);

    if (rc == WS_OK)
        ws_fault_to_error(&f, 500, &err);
    TAP_OK(rc == WS_OK && strstr(err.what, what_has) && strstr(err.fix, fix_has) && !strchr(err.what, '\n'),
           "%s: %s / %s", name, err.what, err.fix);
    ws_error_clear(&err);
}

static void test_explanations(void)
{
    explain(FAULT("s:Receiver", SUB("w:TimedOut"), REASON("The WS-Management service cannot complete the operation."),
                  WSMAN_FAULT("2150858793", "127.0.0.1", "x")), "OperationTimeout", "timeout", "TimedOut");
    explain(FAULT("s:Sender", SUB("w:AccessDenied"), REASON("Access is denied."), WSMAN_FAULT("5", "h", "Access is denied.")),
            "access denied", "Administrators", "AccessDenied by subcode");
    explain(FAULT("s:Receiver", SUB("w:InternalError"), "", WSMAN_FAULT("2147942405", "h", "Access is denied. ")),
            "access denied", "Administrators", "AccessDenied by code 0x80070005");
    explain(FAULT("s:Sender", SUB("w:EncodingLimit"), REASON("The envelope is too large."), ""),
            "MaxEnvelopeSize", "MaxEnvelopeSizekb", "EncodingLimit");
    explain(FAULT("s:Receiver", SUB("w:InternalError"), "", WSMAN_FAULT("2150859180", "h", "shells disabled")),
            "AllowRemoteShellAccess", "AllowRemoteShellAccess", "remote shells disabled");
    explain(FAULT("s:Receiver", SUB("w:InternalError"), REASON("r"),
                  WSMAN_FAULT("2147942606", "52.12.219.136", "The filename or\n extension is too long. ")),
            "0x800700CE (2147942606): The filename or extension is too long.", "", "unknown code shown in hex and decimal");
    explain(FAULT("s:Sender", "", REASON(" Test reason. "), ""), "server fault Sender", "", "fault with a code only");
    explain(FAULT("s:Receiver", SUB("w:InternalError"), "", WSMAN_FAULT("-2144108503", "h", "x")),
            "OperationTimeout", "", "a signed code is read as its unsigned value");
}

/* A recorded reply from $NANOSH_CORPUS (default /work/shared/corpus), read in place;
 * NULL when absent. Caller frees. */
static char *corpus_file(const char *name)
{
    const char *dir = getenv("NANOSH_CORPUS");
    char path[1024];
    FILE *fp;
    char *buf = NULL;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/work/shared/corpus", name);
    if (!(fp = fopen(path, "rb")))
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0
        && (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, fp) == (size_t)n)
        buf[n] = '\0';
    else {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

/* Runs a recorded fault through ws_fault_to_error; 0 when the file is absent. */
static int recorded(const char *name, ws_error *err, int *shell_gone)
{
    char *xml = corpus_file(name);
    ws_fault f;

    memset(err, 0, sizeof *err);
    if (!xml) {
        printf("ok %d # SKIP %s not in the corpus\n", ++tap_n, name);
        return 0;
    }
    if (fault_of(xml, &f, err) != WS_OK) {
        free(xml);
        TAP_OK(0, "%s parses: %s", name, err->what);
        return 0;
    }
    *shell_gone = ws_fault_is_shell_gone(&f);
    ws_fault_to_error(&f, 500, err);
    free(xml);
    return 1;
}

/* The two quotas are told apart by code, and named by the subcode the server sent. */
static void test_recorded_quotas(void)
{
    ws_error err;
    int gone;

    if (recorded("pywinrm/responses/fault_internal_error_msft_wmierror_edited.xml", &err, &gone)) {
        TAP_OK(strstr(err.what, "(w:InternalError, MaxConcurrentOperationsPerUser)") && !strstr(err.what, "QuotaLimit")
               && strstr(err.what, "WMI Message."),
               "operations quota 2150859174 under w:InternalError: %s", err.what);
        TAP_OK(strstr(err.fix, "winrm set winrm/config/service @{MaxConcurrentOperationsPerUser=")
               && !strstr(err.fix, "MaxShellsPerUser"), "operations quota names its own setting: %s", err.fix);
    }
    ws_error_clear(&err);
    if (recorded("winrb_winrm/fault_quota_limit_max_shells_msft_wmierror.xml", &err, &gone)) {
        TAP_OK(strstr(err.what, "(w:QuotaLimit, MaxShellsPerUser)") && strstr(err.what, "maximum number of 30"),
               "shells quota 2150859173: %s", err.what);
        TAP_OK(strstr(err.fix, "winrm set winrm/config/winrs @{MaxShellsPerUser=")
               && !strstr(err.fix, "MaxConcurrentOperationsPerUser"), "shells quota names its own setting: %s", err.fix);
    }
    ws_error_clear(&err);
}

/* InvalidSelectors: the server's message is kept; "shell" only when the shell is gone. */
static void test_recorded_invalid_selectors(void)
{
    static const char *const command[] = {
        "pypsrp/responses/fault_invalid_selectors_unknown_command_id.xml",
        "pypsrp/responses/fault_invalid_selectors_psrp_receive.xml",
    };
    ws_error err;
    int gone;

    for (size_t i = 0; i < sizeof command / sizeof command[0]; i++) {
        if (recorded(command[i], &err, &gone)) {
            TAP_OK(!gone && strstr(err.what, "command identifier that does not exist")
                   && strstr(err.what, "(w:InvalidSelectors)") && !strstr(err.what, "no longer exists")
                   && !strstr(err.what, "remote shell") && !strstr(err.fix, "shell"),
                   "unknown CommandId keeps Windows' message, no word of a gone shell: %s / %s", err.what, err.fix);
        }
        ws_error_clear(&err);
    }
    if (recorded("pypsrp/responses/fault_invalid_selectors_nested_shell_provider.xml", &err, &gone))
        TAP_OK(gone && strstr(err.what, "remote shell on 127.0.0.1 no longer exists")
               && strstr(err.what, "invalid selectors for the resource") && strstr(err.fix, "new shell"),
               "unknown ShellId (shell provider): the shell is gone: %s / %s", err.what, err.fix);
    ws_error_clear(&err);
}

static void test_bad_faults(void)
{
    ws_fault f;
    ws_error err = {0};
    ws_rc rc = fault_of("<s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Body><s:Fault><s:Reason/></s:Fault></s:Body></s:Envelope>",
                        &f, &err);

    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "without a code") && f.reason == NULL,
           "a fault without any code is a clear error: %s", err.what);
    ws_error_clear(&err);
    rc = fault_of(FAULT("s:Receiver", SUB("w:InternalError"), "", WSMAN_FAULT("banana", "h", "m")), &f, &err);
    TAP_OK(rc == WS_OK && !f.has_wsman_code && f.subcode, "a non-numeric WSManFault Code is ignored, the rest kept");
    ws_fault_free(&f);
    rc = fault_of(FAULT("s:Receiver", SUB("w:InternalError"), "", WSMAN_FAULT("99999999999999999999999", "h", "m")), &f, &err);
    TAP_OK(rc == WS_OK && !f.has_wsman_code, "an out-of-range code is ignored");
    ws_fault_free(&f);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* TAP lines survive a sanitizer abort */
    test_every_field();
    test_wmi_error();
    test_explanations();
    test_recorded_quotas();
    test_recorded_invalid_selectors();
    test_bad_faults();
    xmlCleanupParser();
    return tap_done();
}
