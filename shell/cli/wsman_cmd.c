/* The wsman subcommand: Identify, Get, Put, Enumerate and Invoke (MS-WSMV 3.1.4). */
#include "shell/cli/wsman_cmd.h"
#include "shell/cli/connect.h"
#include "shell/cli/errors.h"
#include "shell/cli/json.h"
#include "shell/localfs/readfile.h"
#include "shell/cli/signals.h"
#include "shell/cli/xml_json.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/tree.h>

/* The resource URI aliases of Windows' winrm.cmd ("winrm help aliases"). */
static const struct { const char *alias; const char *uri; } uri_aliases[] = {
    {"wmi",      "http://schemas.microsoft.com/wbem/wsman/1/wmi"},
    {"wmicimv2", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2"},
    {"cimv2",    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2"},
    {"winrm",    "http://schemas.microsoft.com/wbem/wsman/1"},
    {"wsman",    "http://schemas.microsoft.com/wbem/wsman/1"},
    {"shell",    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"},
};

static char *expand_uri(const char *uri)
{
    if (!strstr(uri, "://")) {
        for (size_t i = 0; i < sizeof uri_aliases / sizeof uri_aliases[0]; i++) {
            size_t n = strlen(uri_aliases[i].alias);
            if (strncasecmp(uri, uri_aliases[i].alias, n) == 0 && uri[n] == '/') {
                char *full = NULL;
                if (asprintf(&full, "%s%s", uri_aliases[i].uri, uri + n) < 0)
                    return NULL;
                return full;
            }
        }
    }
    return strdup(uri);
}

static int finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return fail("check where nanosh's output goes", "cannot write the output: %s",
                    strerror(errno));
    return 0;
}

static void write_profiles(const char *profiles)
{
    fputc('[', stdout);
    int first = 1;
    const char *p = profiles ? profiles : "";
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " \t\r\n");
        if (!first)
            fputs(", ", stdout);
        first = 0;
        json_write_stringn(stdout, p, n);
        p += n;
    }
    fputc(']', stdout);
}

static int do_identify(const nanosh_opts *o, const connect_ctx *cx, ws_client *c, ws_error *err)
{
    ws_identity id;
    memset(&id, 0, sizeof id);
    if (ws_identify(c, o->unauthenticated, &id, err) != WS_OK)
        return connect_report(cx, err);
    fputs("{\"protocol_version\": ", stdout);
    json_write_string(stdout, id.protocol_version);
    fputs(", \"product_vendor\": ", stdout);
    json_write_string(stdout, id.product_vendor);
    fputs(", \"product_version\": ", stdout);
    json_write_string(stdout, id.product_version);
    fputs(", \"security_profiles\": ", stdout);
    write_profiles(id.security_profiles);
    fputs("}\n", stdout);
    ws_identity_free(&id);
    return finish_output();
}

static int print_reply(const nanosh_opts *o, const char *reply)
{
    if (!reply || !*reply) {
        if (!o->xml)
            fputs("null\n", stdout);
        return finish_output();
    }
    if (o->xml) {
        fputs(reply, stdout);
        if (reply[strlen(reply) - 1] != '\n')
            fputc('\n', stdout);
        return finish_output();
    }
    int rc = xml_json_write(stdout, reply, 0);
    if (rc != 0)
        return rc;
    fputc('\n', stdout);
    return finish_output();
}

typedef struct enum_ctx {
    const nanosh_opts *o;
    size_t items;
    int failed;
} enum_ctx;

/* Items are printed as they arrive, so a long enumeration streams. */
static int on_item(void *ud, const char *item_xml)
{
    enum_ctx *ec = ud;
    if (ec->o->xml) {
        fputs(item_xml, stdout);
        fputc('\n', stdout);
    } else {
        fputs(ec->items ? ",\n  " : "[\n  ", stdout);
        if (xml_json_write(stdout, item_xml, 1) != 0) {
            ec->failed = 1;
            return 1;
        }
    }
    ec->items++;
    if (ferror(stdout)) {
        ec->failed = finish_output();
        return 1;
    }
    return 0;
}

static int do_enumerate(const nanosh_opts *o, const connect_ctx *cx, ws_client *c,
                        const char *uri, ws_error *err)
{
    enum_ctx ec = {.o = o};
    ws_rc rc = ws_enumerate(c, uri, o->selectors, o->nselectors, o->filter, on_item, &ec, err);
    if (ec.failed)
        return NANOSH_EXIT_FAILURE;
    if (rc != WS_OK)
        return connect_report(cx, err);
    if (!o->xml)
        fputs(ec.items ? "\n]\n" : "[]\n", stdout);
    return finish_output();
}

/* Invoke without a body file sends the empty input element <p:METHOD_INPUT/>, as
 * winrm.cmd does. libxml2 writes it so the URI is escaped properly. */
static char *default_invoke_body(const char *uri, const char *method)
{
    char *name = NULL;
    if (asprintf(&name, "%s_INPUT", method) < 0)
        return NULL;
    xmlNode *node = xmlNewNode(NULL, BAD_CAST name);
    free(name);
    if (!node)
        return NULL;
    xmlNs *ns = xmlNewNs(node, BAD_CAST uri, BAD_CAST "p");
    xmlSetNs(node, ns);
    xmlBuffer *buf = xmlBufferCreate();
    char *out = NULL;
    if (buf && xmlNodeDump(buf, NULL, node, 0, 0) >= 0)
        out = strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeNode(node);
    return out;
}

typedef struct op_spec {
    const char *name;
    size_t min_args, max_args;
    const char *usage;
} op_spec;

static const op_spec ops[] = {
    {"identify", 0, 0, "identify [--unauthenticated]"},
    {"get", 1, 1, "get URI [-k key=value]..."},
    {"put", 2, 2, "put URI FILE|- [-k key=value]..."},
    {"enumerate", 1, 1, "enumerate URI [--filter WQL] [-k key=value]..."},
    {"invoke", 2, 3, "invoke URI METHOD [FILE|-] [-k key=value]..."},
};

static int check_usage(const nanosh_opts *o, const op_spec **spec)
{
    *spec = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(o->wsman_op, ops[i].name) == 0)
            *spec = &ops[i];
    if (!*spec)
        return fail("use identify, get, put, enumerate or invoke",
                    "unknown wsman operation '%s'", o->wsman_op);
    const op_spec *s = *spec;
    if (o->nwsman_args < s->min_args || o->nwsman_args > s->max_args)
        return fail(NULL, "usage: nanosh wsman [options] host %s", s->usage);
    if (o->nselectors && strcmp(s->name, "identify") == 0)
        return fail("selectors go with get, put, enumerate and invoke",
                    "-k key=value does not apply to identify");
    if (o->filter && strcmp(s->name, "enumerate") != 0)
        return fail("use it with enumerate", "--filter does not apply to %s", s->name);
    if (o->xml && strcmp(s->name, "identify") == 0)
        return fail("drop --xml: the JSON holds every Identify field",
                    "--xml does not apply to identify");
    return 0;
}

int wsman_main(const nanosh_opts *o)
{
    const op_spec *spec;
    int rc = check_usage(o, &spec);
    if (rc != 0)
        return rc;

    /* Read local input before connecting: a bad path should cost no round trip. */
    char *body = NULL, *uri = NULL;
    size_t body_len = 0;
    const char *body_path = strcmp(spec->name, "put") == 0 ? o->wsman_args[1]
                            : (strcmp(spec->name, "invoke") == 0 && o->nwsman_args == 3)
                                ? o->wsman_args[2] : NULL;
    ws_error read_err;
    memset(&read_err, 0, sizeof read_err);
    if (body_path && readfile_all(body_path, "the request body", &body, &body_len,
                                  &read_err) != WS_OK)
        return fail_ws(&read_err);
    if (o->nwsman_args > 0 && !(uri = expand_uri(o->wsman_args[0]))) {
        free(body);
        return fail(NULL, "out of memory");
    }
    if (strcmp(spec->name, "invoke") == 0 && !body
        && !(body = default_invoke_body(uri, o->wsman_args[1]))) {
        free(uri);
        return fail("check the method name", "cannot build the input element for method '%s'",
                    o->wsman_args[1]);
    }

    ws_client *c = NULL;
    connect_ctx cx = {0};
    rc = connect_client(&cx, o, !o->unauthenticated, o->operation_timeout_ms, &c);
    /* Single requests leave nothing on the host to clean up: Ctrl-C and SIGTERM end nanosh
     * at once, as they end curl, instead of being recorded for a loop that never asks. */
    signals_terminate_on_arrival();
    ws_error err;
    memset(&err, 0, sizeof err);
    char *reply = NULL;
    if (rc != 0) {
        /* connect_client said why */
    } else if (strcmp(spec->name, "identify") == 0) {
        rc = do_identify(o, &cx, c, &err);
    } else if (strcmp(spec->name, "enumerate") == 0) {
        rc = do_enumerate(o, &cx, c, uri, &err);
    } else {
        ws_rc r;
        if (strcmp(spec->name, "get") == 0)
            r = ws_get(c, uri, o->selectors, o->nselectors, &reply, &err);
        else if (strcmp(spec->name, "put") == 0)
            r = ws_put(c, uri, o->selectors, o->nselectors, body, &reply, &err);
        else
            r = ws_invoke(c, uri, o->wsman_args[1], o->selectors, o->nselectors, body, &reply, &err);
        rc = r == WS_OK ? print_reply(o, reply) : connect_report(&cx, &err);
    }
    ws_error_clear(&err);
    free(reply);
    free(body);
    free(uri);
    ws_client_free(c);
    return rc;
}
