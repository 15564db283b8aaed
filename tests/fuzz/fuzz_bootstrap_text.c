/* libFuzzer target: bootstrap's readers of what a host answers (shell/bootstrap).
 * An input starting with '<' is a WS-Management reply: its enumeration items go to the
 * WMI object reader (bs_obj_parse) as bs_wmi_query hands them, its payload serialized as
 * a Get or Invoke hands it, a fault as bootstrap judges a Get's (bs_wmi_not_found), and
 * the input as a bare object. Any other input is host text:
 * line 1 the host's TrustedHosts and line 2 the names to add (bs_trusted_merge), and
 * every line the output of "dockerd.exe --version" (bs_docker_version, then the version
 * parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "shell/bootstrap/bs_int.h"
#include "wsman/soap.h"

static void read_object(const char *xml)
{
    bs_obj o;
    ws_error err = {0};
    if (bs_obj_parse(xml, &o, &err) == WS_OK) {
        if (o.nprops > BS_WMI_MAX_PROPS || o.nsel > 32)
            abort();
        for (size_t i = 0; i < o.nprops; i++)
            if (!o.props[i].name)
                abort();
            else
                (void)bs_obj_get(&o, o.props[i].name);
        for (size_t i = 0; i < o.nsel; i++)
            if (!o.sel[i].name || !o.sel[i].value)
                abort();
        (void)bs_return_value(&o);
        (void)bs_obj_get(&o, "TrustedHosts");
        bs_obj_free(&o);
    } else if (!err.what[0] || o.props || o.sel) {
        abort();
    }
    ws_error_clear(&err);
}

static int on_item(void *ud, const char *xml)
{
    (void)ud;
    read_object(xml);
    return 0;
}

static void wmi(const char *data, size_t size)
{
    ws_reply r;
    ws_error err = {0};
    if (ws_reply_parse(data, size, NULL, &r, &err) == WS_OK) {
        char *context = NULL;
        int end = 0;
        (void)ws_enum_parse(&r, on_item, NULL, &context, &end, &err);
        free(context);
        ws_error_clear(&err);
        /* A fault: whether bootstrap reads it as "that instance does not exist". */
        ws_fault f;
        if (r.payload && ws_xml_is(r.payload, WS_NS_SOAP, "Fault") &&
            ws_fault_parse(r.payload, &f, &err) == WS_OK) {
            ws_fault_to_error(&f, 500, &err);
            (void)bs_wmi_not_found(&err);
        }
        ws_error_clear(&err);
        char *payload = NULL;
        if (r.payload && ws_xml_serialize_node(r.payload, &payload, &err) == WS_OK)
            read_object(payload);
        free(payload);
        ws_reply_free(&r);
    }
    ws_error_clear(&err);
    char *s = strndup(data, size);
    if (s)
        read_object(s);
    free(s);
}

static void version(const char *line)
{
    char v[64];
    int ma, mi;
    if (bs_docker_version(line, v, sizeof v) == 0) {
        if (!memchr(v, '\0', sizeof v) || !v[0] || strpbrk(v, " \t,\r\n"))
            abort();
        (void)bs_version_too_new(v);
    }
    if (bs_version_major_minor(line, &ma, &mi) == 0 && (ma < 0 || mi < 0))
        abort();
}

/* Every entry of add, trimmed, is in the merge unless have holds "*". */
static void trusted(const char *have, const char *add)
{
    int changed = -1;
    char *want = bs_trusted_merge(have, add, &changed);
    if (!want)
        return;
    if (changed != 0 && changed != 1)
        abort();
    if (!changed && strcmp(want, have) != 0)
        abort();
    if (changed && (strlen(want) > strlen(have) + strlen(add) + 1))
        abort();
    int again = -1;
    char *twice = bs_trusted_merge(want, add, &again);
    if (twice && again != 0)
        abort();                 /* merging what is already there changes nothing */
    free(twice);
    free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    if (size && p[0] == '<') {
        wmi(p, size);
        return 0;
    }
    char *text = strndup(p, size);
    if (!text)
        return 0;
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        char *add = nl + 1, *nl2 = strchr(add, '\n');
        char *add_line = nl2 ? strndup(add, (size_t)(nl2 - add)) : strdup(add);
        if (add_line) {
            trusted(text, add_line);
            free(add_line);
        }
        *nl = '\n';
    } else {
        trusted("", text);
    }
    for (char *line = text; line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        version(line);
        line = next;
    }
    free(text);
    return 0;
}
