/* SOAP faults (MS-WSMV 2.2.4.43, PROTOCOL.md 3): decoding every field Windows and OMI
 * send, and turning the result into one line that says what happened and what to do. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "wsman/soap.h"

/* wsmerror.h / winerror.h values, PROTOCOL.md 3.2. */
#define WS_CODE_INVALID_SELECTORS 2150858843ULL
#define WS_CODE_ACCESS_DENIED     2147942405ULL
#define WS_CODE_ENVELOPE_TOO_LARGE 2150858790ULL
#define WS_CODE_QUOTA_MAX_SHELLS  2150859173ULL
#define WS_CODE_QUOTA_MAX_OPS     2150859174ULL
#define WS_CODE_SHELLS_NOT_ALLOWED 2150859180ULL

static int parse_code(const char *s, unsigned long long *out)
{
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    if (*s == '-') {
        /* A signed rendering of a 32-bit HRESULT: keep its unsigned value. */
        v = strtoll(s, &end, 10);
        if (errno || *end || v < INT32_MIN)
            return -1;
        *out = (unsigned long long)(uint32_t)(int32_t)v;
        return 0;
    }
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

/* Reads a string field into *dst when it is not yet set; -1 when out of memory. */
static int take_text(char **dst, const xmlNode *n)
{
    if (*dst || !n)
        return 0;
    return (*dst = ws_xml_text(n)) ? 0 : -1;
}

static int take_attr(char **dst, const xmlNode *n, const char *name)
{
    if (*dst || !n)
        return 0;
    *dst = ws_xml_attr(n, name);
    return 0;   /* absent attributes stay NULL; ws_xml_attr only fails on ENOMEM */
}

/* Direct text of a Message element, ignoring nested elements (ProviderFault). */
static int direct_text(char **dst, const xmlNode *msg)
{
    xmlNodePtr c;
    int has_text = 0;

    for (c = msg->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE && c->content) {
            for (const xmlChar *p = c->content; *p; p++)
                if (!isspace(*p)) { has_text = 1; break; }
        }
    if (!has_text)
        return 0;
    free(*dst);
    *dst = NULL;
    return take_text(dst, msg);
}

/* WSManFault: Code and Machine on the outermost, Message from the innermost text
 * (MS-WSMV 2.2.4.43: Message holds text or a ProviderFault with a nested WSManFault). */
static int parse_wsman_fault(const xmlNode *wf, ws_fault *f, int depth)
{
    xmlNodePtr msg, pf, inner;
    char *code;

    if (depth > 8)
        return 0;
    if ((code = ws_xml_attr(wf, "Code"))) {
        unsigned long long v;
        if (!f->has_wsman_code && parse_code(code, &v) == 0) {
            f->wsman_code = v;
            f->has_wsman_code = 1;
        }
        free(code);
    }
    if (!f->machine || !*f->machine) {
        free(f->machine);
        f->machine = NULL;
        take_attr(&f->machine, wf, "Machine");
    }
    if (!(msg = ws_xml_child(wf, WS_NS_FAULT, "Message")))
        return 0;
    if (direct_text(&f->message, msg) < 0)
        return -1;
    if (!(pf = ws_xml_child(msg, WS_NS_FAULT, "ProviderFault")))
        return 0;
    take_attr(&f->provider, pf, "provider");
    take_attr(&f->provider_path, pf, "path");
    if ((inner = ws_xml_child(pf, WS_NS_FAULT, "WSManFault")))
        return parse_wsman_fault(inner, f, depth + 1);
    /* A ProviderFault may carry its text directly (masterzen fixture). */
    return direct_text(&f->message, pf);
}

static int parse_wmi_error(const xmlNode *we, ws_fault *f)
{
    xmlNodePtr n;
    char *code = NULL;

    if ((n = ws_xml_child(we, WS_NS_WMIERROR, "error_Code"))) {
        unsigned long long v;
        if (!(code = ws_xml_text(n)))
            return -1;
        if (!f->has_wsman_code && parse_code(code, &v) == 0) {
            f->wsman_code = v;
            f->has_wsman_code = 1;
        }
        free(code);
    }
    if ((n = ws_xml_child(we, WS_NS_WMIERROR, "Message"))) {
        free(f->message);
        f->message = NULL;
        if (take_text(&f->message, n) < 0)
            return -1;
    }
    return take_text(&f->wmi_message_id, ws_xml_child(we, WS_NS_WMIERROR, "MessageID"));
}

static char *qname_local_copy(const xmlNode *value)
{
    char *s = ws_xml_text(value), *out;

    if (!s)
        return NULL;
    out = strdup(ws_qname_local(s));
    free(s);
    return out;
}

ws_rc ws_fault_parse(const xmlNode *fault, ws_fault *f, ws_error *err)
{
    xmlNodePtr code, sub, val, reason, detail, n;

    memset(f, 0, sizeof *f);
    if ((code = ws_xml_child(fault, WS_NS_SOAP, "Code"))) {
        if ((val = ws_xml_child(code, WS_NS_SOAP, "Value")) && !(f->code = qname_local_copy(val)))
            goto nomem;
        /* The most specific Subcode names the fault (SOAP 1.2 part 1, 5.4.6). */
        for (sub = ws_xml_child(code, WS_NS_SOAP, "Subcode"); sub;
             sub = ws_xml_child(sub, WS_NS_SOAP, "Subcode"))
            if ((val = ws_xml_child(sub, WS_NS_SOAP, "Value"))) {
                free(f->subcode);
                if (!(f->subcode = qname_local_copy(val)))
                    goto nomem;
            }
    }
    if ((reason = ws_xml_child(fault, WS_NS_SOAP, "Reason"))
        && take_text(&f->reason, ws_xml_child(reason, WS_NS_SOAP, "Text")) < 0)
        goto nomem;
    if ((detail = ws_xml_child(fault, WS_NS_SOAP, "Detail"))) {
        if (take_text(&f->fault_detail, ws_xml_child(detail, WS_NS_WSMAN, "FaultDetail")) < 0)
            goto nomem;
        if ((n = ws_xml_child(detail, WS_NS_FAULT, "WSManFault")) && parse_wsman_fault(n, f, 0) < 0)
            goto nomem;
        if ((n = ws_xml_child(detail, WS_NS_WMIERROR, "MSFT_WmiError")) && parse_wmi_error(n, f) < 0)
            goto nomem;
    }
    if (!f->code && !f->subcode && !f->has_wsman_code) {
        ws_fault_free(f);
        memset(f, 0, sizeof *f);
        return ws_error_set(err, WS_E_PROTOCOL, "", "the server sent a SOAP fault without a code");
    }
    return WS_OK;
nomem:
    ws_fault_free(f);
    memset(f, 0, sizeof *f);
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory reading a SOAP fault");
}

static int subcode_is(const ws_fault *f, const char *name)
{
    return f->subcode && strcmp(f->subcode, name) == 0;
}

int ws_fault_is_timeout(const ws_fault *f)
{
    return (f->has_wsman_code && f->wsman_code == WS_FAULT_TIMED_OUT) || subcode_is(f, "TimedOut");
}

/* Copies s into dst on one line: runs of whitespace become one space. */
static void one_line(char *dst, size_t size, const char *s)
{
    size_t o = 0;
    int space = 0;

    for (; s && *s && o + 1 < size; s++) {
        if (isspace((unsigned char)*s)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < size)
            dst[o++] = ' ';
        space = 0;
        dst[o++] = *s;
    }
    dst[o] = '\0';
}

/* How messages name the fault: the subcode the server sent, else its SOAP code. */
static void fault_tag(const ws_fault *f, char *buf, size_t size)
{
    if (f->subcode)
        snprintf(buf, size, "w:%.60s", f->subcode);
    else
        snprintf(buf, size, "s:%.60s", f->code ? f->code : "Fault");
}

static int is_invalid_selectors(const ws_fault *f)
{
    return subcode_is(f, "InvalidSelectors")
           || (f->has_wsman_code && f->wsman_code == WS_CODE_INVALID_SELECTORS);
}

/* Windows' shell provider (WsmSvc.dll) answers an unknown ShellId with InvalidSelectors
 * wrapped in its ProviderFault (corpus fault_invalid_selectors_nested_shell_provider.xml);
 * an unknown CommandId or WMI key gets the same subcode without it (MS-WSMV 3.1.4.11). */
int ws_fault_is_shell_gone(const ws_fault *f)
{
    return is_invalid_selectors(f) && f->provider && strcasecmp(f->provider, "Shell provider") == 0;
}

static void explain_invalid_selectors(const ws_fault *f, const char *where, const char *text,
                                      ws_error *err)
{
    if (ws_fault_is_shell_gone(f))
        ws_error_set(err, WS_E_FAULT, "run the command again: a new shell will be opened",
                     "the remote shell%s no longer exists: it was closed or timed out (w:InvalidSelectors): %s",
                     where, text);
    else
        ws_error_set(err, WS_E_FAULT, "a command that has ended cannot be read again; for a resource, "
                     "check that the selectors (-k) name its keys",
                     "the server%s does not know what the request names (w:InvalidSelectors): %s", where, text);
}

/* Each quota has its own setting (PROTOCOL.md 3.2, MS-WSMV 2.2.4.36 and 2.2.4.42). */
static void explain_quota(unsigned long long c, const char *tag, const char *where, const char *text,
                          ws_error *err)
{
    if (c == WS_CODE_QUOTA_MAX_SHELLS)
        ws_error_set(err, WS_E_FAULT, "close unused shells, or raise the quota: "
                     "winrm set winrm/config/winrs @{MaxShellsPerUser=\"50\"}",
                     "too many shells open for this user%s (%s, MaxShellsPerUser): %s", where, tag, text);
    else if (c == WS_CODE_QUOTA_MAX_OPS)
        ws_error_set(err, WS_E_FAULT, "end unused commands and shells, or raise the quota: "
                     "winrm set winrm/config/service @{MaxConcurrentOperationsPerUser=\"3000\"}",
                     "too many operations running for this user%s (%s, MaxConcurrentOperationsPerUser): %s",
                     where, tag, text);
    else
        ws_error_set(err, WS_E_FAULT, "close unused shells and commands; 'winrm get winrm/config' "
                     "on the server lists the quotas",
                     "a server quota for this user was exceeded%s (%s): %s", where, tag, text);
}

ws_rc ws_fault_to_error(ws_fault *f, long http_status, ws_error *err)
{
    char text[320], where[96] = "", tag[64];
    const char *msg;
    const char *name = f->subcode ? f->subcode : f->code ? f->code : "fault";
    unsigned long long c = f->has_wsman_code ? f->wsman_code : 0;

    one_line(text, sizeof text, f->message ? f->message : f->reason ? f->reason : "");
    if (f->machine && *f->machine)
        snprintf(where, sizeof where, " on %.80s", f->machine);
    fault_tag(f, tag, sizeof tag);
    msg = *text ? text : "no message";

    if (ws_fault_is_timeout(f))
        ws_error_set(err, WS_E_FAULT, "raise the operation timeout, or check that the server is not overloaded",
                     "the server%s did not answer within OperationTimeout (w:TimedOut)", where);
    else if (is_invalid_selectors(f))
        explain_invalid_selectors(f, where, msg, err);
    else if (subcode_is(f, "AccessDenied") || c == WS_CODE_ACCESS_DENIED)
        ws_error_set(err, WS_E_FAULT, "use an account in the Administrators group, or grant it access with winrm configSDDL default",
                     "access denied%s: %s", where, *text ? text : "the account may not use WinRM");
    else if (c == WS_CODE_SHELLS_NOT_ALLOWED)
        ws_error_set(err, WS_E_FAULT, "run: winrm set winrm/config/winrs @{AllowRemoteShellAccess=\"true\"}",
                     "remote shells are disabled%s (AllowRemoteShellAccess=false)", where);
    else if (subcode_is(f, "QuotaLimit") || c == WS_CODE_QUOTA_MAX_SHELLS || c == WS_CODE_QUOTA_MAX_OPS)
        explain_quota(c, tag, where, msg, err);
    else if (subcode_is(f, "EncodingLimit") || c == WS_CODE_ENVELOPE_TOO_LARGE)
        ws_error_set(err, WS_E_FAULT, "lower the envelope size, or raise it on the server: winrm set winrm/config @{MaxEnvelopeSizekb=\"500\"}",
                     "the request exceeds the server's MaxEnvelopeSize%s (%s): %s", where, tag, msg);
    else if (f->has_wsman_code)
        ws_error_set(err, WS_E_FAULT, "",
                     "server fault %s%s, code 0x%08llX (%llu): %s", name, where, c, c, msg);
    else
        ws_error_set(err, WS_E_FAULT, "", "server fault %s%s: %s", name, where, msg);
    if (err) {
        err->http_status = http_status;
        ws_fault_free(&err->fault);
        err->fault = *f;
    } else {
        ws_fault_free(f);
    }
    memset(f, 0, sizeof *f);
    return WS_E_FAULT;
}
