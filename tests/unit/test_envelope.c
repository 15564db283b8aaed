/* Envelope building: every header of PROTOCOL.md 1.3 in the right namespace with the
 * right attributes, escaped values, and a round trip through the reply parser. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "wsman/soap.h"
#include "tests/tap.h"

#define NS_XML "http://www.w3.org/XML/1998/namespace"

static char *attr_ns(const xmlNode *n, const char *ns, const char *name)
{
    xmlChar *v = xmlGetNsProp(n, BAD_CAST name, BAD_CAST ns);
    char *out = v ? strdup((const char *)v) : NULL;

    xmlFree(v);
    return out;
}

static int attr_is(const xmlNode *n, const char *ns, const char *name, const char *want)
{
    char *v = n ? attr_ns(n, ns, name) : NULL;
    int eq = v && strcmp(v, want) == 0;

    free(v);
    return eq;
}

static int text_is(const xmlNode *n, const char *want)
{
    char *t = n ? ws_xml_text(n) : NULL;
    int eq = t && strcmp(t, want) == 0;

    if (!eq)
        printf("#   text: %s, want %s\n", t ? t : "(none)", want);
    free(t);
    return eq;
}

static int is_uuid(const char *s)
{
    static const char pat[] = "xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx";

    if (strlen(s) != WS_UUID_LEN)
        return 0;
    for (size_t i = 0; i < WS_UUID_LEN; i++) {
        if (pat[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != pat[i])
            return 0;
    }
    return strchr("89AB", s[19]) != NULL;   /* RFC 4122 variant */
}

/* Builds, serializes and re-parses an envelope; the caller frees the reply. */
static int round_trip(const ws_header *h, ws_envelope *env, ws_buf *wire, ws_reply *r)
{
    ws_error err = {0};

    if (ws_envelope_new(h, env, &err) != WS_OK)
        return -1;
    if (ws_envelope_serialize(env, wire, &err) != WS_OK)
        return -1;
    return ws_reply_parse(wire->data, wire->len, NULL, r, &err) == WS_OK ? 0 : -1;
}

static void test_full_header(void)
{
    ws_selector sel[] = {{"ShellId", "A<B>&\"C'"}, {"Name", "WinRM"}};
    ws_option opt[] = {{"WINRS_CODEPAGE", "65001", 0}, {"WINRS_NOPROFILE", "TRUE", 1}};
    ws_header h = {
        .to = "http://[::1]:5985/wsman?a=1&b=2",
        .action = WS_ACTION_CREATE,
        .resource_uri = WS_RESOURCE_CMD,
        .session_id = "uuid:11111111-2222-4333-8444-555555555555",
        .locale = "de-DE",
        .max_envelope_size = 512000,
        .operation_timeout_ms = 20000,
        .selectors = sel, .nselectors = 2,
        .options = opt, .noptions = 2,
    };
    ws_envelope env;
    ws_buf wire = WS_BUF_INIT;
    ws_reply r;
    xmlNodePtr n, hd;
    int built = round_trip(&h, &env, &wire, &r);

    TAP_OK(built == 0, "full envelope builds and parses back");
    if (!r.doc) {
        ws_envelope_free(&env);
        ws_buf_free(&wire);
        return;
    }
    hd = r.header;
    TAP_OK(strstr(wire.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") == wire.data,
           "serialized with a UTF-8 XML declaration");
    TAP_OK(ws_xml_is(xmlDocGetRootElement(r.doc), WS_NS_SOAP, "Envelope"), "root is a SOAP 1.2 Envelope");

    n = ws_xml_child(hd, WS_NS_ADDR, "To");
    TAP_OK(text_is(n, "http://[::1]:5985/wsman?a=1&b=2"), "wsa:To carries the URL, & escaped and restored");
    TAP_OK(strstr(wire.data, "a=1&amp;b=2") != NULL, "& is escaped on the wire");

    n = ws_xml_child(hd, WS_NS_WSMAN, "ResourceURI");
    TAP_OK(text_is(n, WS_RESOURCE_CMD), "wsman:ResourceURI");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "true"), "ResourceURI mustUnderstand=true");

    n = ws_xml_child(ws_xml_child(hd, WS_NS_ADDR, "ReplyTo"), WS_NS_ADDR, "Address");
    TAP_OK(text_is(n, WS_ADDR_ANONYMOUS), "ReplyTo/Address is anonymous");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "true"), "ReplyTo/Address mustUnderstand=true");

    n = ws_xml_child(hd, WS_NS_ADDR, "Action");
    TAP_OK(text_is(n, WS_ACTION_CREATE), "wsa:Action");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "true"), "Action mustUnderstand=true");

    n = ws_xml_child(hd, WS_NS_ADDR, "MessageID");
    TAP_OK(text_is(n, env.message_id), "MessageID on the wire equals env.message_id");
    TAP_OK(strncmp(env.message_id, "uuid:", 5) == 0 && is_uuid(env.message_id + 5),
           "MessageID is uuid: + an RFC 4122 version 4 UUID (%s)", env.message_id);

    n = ws_xml_child(hd, WS_NS_WSMAN, "MaxEnvelopeSize");
    TAP_OK(text_is(n, "512000"), "MaxEnvelopeSize value");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "true"), "MaxEnvelopeSize mustUnderstand=true");

    n = ws_xml_child(hd, WS_NS_WSMAN, "Locale");
    TAP_OK(attr_is(n, NS_XML, "lang", "de-DE"), "wsman:Locale xml:lang");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "false"), "Locale mustUnderstand=false (MS-WSMV 3.1.4.1.8)");
    n = ws_xml_child(hd, WS_NS_WSMV, "DataLocale");
    TAP_OK(attr_is(n, NS_XML, "lang", "de-DE"), "p:DataLocale xml:lang in the Microsoft namespace");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "false"), "DataLocale mustUnderstand=false");

    n = ws_xml_child(hd, WS_NS_WSMV, "SessionId");
    TAP_OK(text_is(n, "uuid:11111111-2222-4333-8444-555555555555"), "p:SessionId value");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "false"), "SessionId mustUnderstand=false");

    TAP_OK(text_is(ws_xml_child(hd, WS_NS_WSMAN, "OperationTimeout"), "PT20.000S"),
           "OperationTimeout as xs:duration PT20.000S");

    n = ws_xml_child(ws_xml_child(hd, WS_NS_WSMAN, "SelectorSet"), WS_NS_WSMAN, "Selector");
    TAP_OK(attr_is(n, NULL, "Name", "ShellId") && text_is(n, "A<B>&\"C'"),
           "first Selector Name and value, markup characters round-trip");
    TAP_OK(strstr(wire.data, "A&lt;B&gt;&amp;") != NULL, "selector value is escaped on the wire");
    n = ws_xml_next(n, WS_NS_WSMAN, "Selector");
    TAP_OK(attr_is(n, NULL, "Name", "Name") && text_is(n, "WinRM"), "second Selector kept in order");

    n = ws_xml_child(hd, WS_NS_WSMAN, "OptionSet");
    TAP_OK(attr_is(n, WS_NS_SOAP, "mustUnderstand", "true"), "OptionSet mustUnderstand=true");
    n = ws_xml_child(n, WS_NS_WSMAN, "Option");
    TAP_OK(attr_is(n, NULL, "Name", "WINRS_CODEPAGE") && text_is(n, "65001") && !xmlHasProp(n, BAD_CAST "MustComply"),
           "Option without MustComply");
    n = ws_xml_next(n, WS_NS_WSMAN, "Option");
    TAP_OK(attr_is(n, NULL, "Name", "WINRS_NOPROFILE") && attr_is(n, NULL, "MustComply", "true"),
           "Option with MustComply=true");
    TAP_OK(r.body && !r.payload, "the body is empty until the operation adds to it");

    ws_reply_free(&r);
    ws_envelope_free(&env);
    ws_buf_free(&wire);
}

static void test_defaults_and_identify(void)
{
    ws_header h = {.to = "http://h:5985/wsman", .action = WS_ACTION_GET, .operation_timeout_ms = 1500};
    ws_header id = {0};
    ws_envelope env, env2;
    ws_buf wire = WS_BUF_INIT;
    ws_reply r;
    ws_error err = {0};

    if (round_trip(&h, &env, &wire, &r) == 0) {
        TAP_OK(text_is(ws_xml_child(r.header, WS_NS_WSMAN, "MaxEnvelopeSize"), "153600"), "default MaxEnvelopeSize 153600");
        TAP_OK(attr_is(ws_xml_child(r.header, WS_NS_WSMAN, "Locale"), NS_XML, "lang", "en-US"), "default locale en-US");
        TAP_OK(text_is(ws_xml_child(r.header, WS_NS_WSMAN, "OperationTimeout"), "PT1.500S"), "milliseconds in OperationTimeout");
        TAP_OK(!ws_xml_child(r.header, WS_NS_WSMAN, "ResourceURI") && !ws_xml_child(r.header, WS_NS_WSMAN, "SelectorSet")
               && !ws_xml_child(r.header, WS_NS_WSMAN, "OptionSet") && !ws_xml_child(r.header, WS_NS_WSMV, "SessionId"),
               "absent fields produce no header");
        ws_reply_free(&r);
        ws_rc rc = ws_envelope_new(&h, &env2, &err);
        TAP_OK(rc == WS_OK && strcmp(env.message_id, env2.message_id) != 0,
               "each envelope gets a fresh MessageID");
        ws_envelope_free(&env2);
    } else {
        TAP_OK(0, "default envelope builds");
    }
    ws_envelope_free(&env);
    ws_buf_reset(&wire);

    /* MS-WSMV 3.1.4.1.23: Identify goes with an empty header. */
    if (round_trip(&id, &env, &wire, &r) == 0) {
        TAP_OK(r.header && !ws_xml_first_element(r.header) && env.message_id[0] == '\0',
               "Identify form: empty s:Header, no MessageID");
        ws_reply_free(&r);
    } else {
        TAP_OK(0, "Identify envelope builds");
    }
    ws_envelope_free(&env);
    ws_buf_free(&wire);
}

static void test_body(void)
{
    ws_header h = {.to = "http://h/wsman", .action = WS_ACTION_PUT, .resource_uri = "http://schemas.microsoft.com/wbem/wsman/1/config/client"};
    ws_envelope env;
    ws_buf wire = WS_BUF_INIT;
    ws_reply r;
    ws_error err = {0};
    xmlNodePtr n, body;
    char *xml = NULL;
    ws_rc rc;

    if (ws_envelope_new(&h, &env, &err) != WS_OK) {
        TAP_OK(0, "envelope for a body");
        return;
    }
    body = ws_xml_add(env.body, WS_NS_SHELL, "rsp", "Shell", NULL);
    ws_xml_add(body, WS_NS_SHELL, "rsp", "WorkingDirectory", "C:\\Temp & <x>");
    rc = ws_envelope_add_xml(&env, "<cfg:Client xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config/client\">"
                             "<cfg:TrustedHosts>*</cfg:TrustedHosts></cfg:Client>", &err);
    TAP_OK(rc == WS_OK, "a caller's XML body is accepted");
    rc = ws_envelope_add_xml(&env, "<a><b></a>", &err);
    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "request body"), "malformed body XML is refused: %s", err.what);
    ws_error_clear(&err);
    rc = ws_envelope_add_xml(&env, "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", &err);
    TAP_OK(rc == WS_E_PROTOCOL, "a body with a DTD is refused");
    ws_error_clear(&err);
    ws_envelope_serialize(&env, &wire, &err);
    if (ws_reply_parse(wire.data, wire.len, NULL, &r, &err) == WS_OK) {
        n = ws_xml_child(r.body, WS_NS_SHELL, "Shell");
        TAP_OK(text_is(ws_xml_child(n, WS_NS_SHELL, "WorkingDirectory"), "C:\\Temp & <x>"), "body text escaped and restored");
        n = ws_xml_child(r.body, "http://schemas.microsoft.com/wbem/wsman/1/config/client", "Client");
        TAP_OK(n && text_is(ws_xml_child(n, "http://schemas.microsoft.com/wbem/wsman/1/config/client", "TrustedHosts"), "*"),
               "caller's body keeps its namespace");
        rc = n ? ws_xml_serialize_node(n, &xml, &err) : WS_E_PROTOCOL;
        TAP_OK(rc == WS_OK && strstr(xml, "xmlns:cfg=") && strstr(xml, "xmlns:s="),
               "a reply element serializes standalone with its in-scope namespaces");
        free(xml);
        ws_reply_free(&r);
    } else {
        TAP_OK(0, "envelope with body parses: %s", err.what);
    }
    ws_envelope_free(&env);
    ws_buf_free(&wire);
}

/* Selector n (0-based) of the reply's SelectorSet has this name and value. */
static int selector_is(const ws_reply *r, int n, const char *name, const char *value)
{
    xmlNodePtr s = ws_xml_child(ws_xml_child(r->header, WS_NS_WSMAN, "SelectorSet"), WS_NS_WSMAN, "Selector");

    while (s && n-- > 0)
        s = ws_xml_next(s, WS_NS_WSMAN, "Selector");
    return s && attr_is(s, NULL, "Name", name) && text_is(s, value);
}

static int selector_count(const ws_reply *r)
{
    int n = 0;

    for (xmlNodePtr s = ws_xml_child(ws_xml_child(r->header, WS_NS_WSMAN, "SelectorSet"), WS_NS_WSMAN, "Selector");
         s; s = ws_xml_next(s, WS_NS_WSMAN, "Selector"))
        n++;
    return n;
}

/* DSP0226 7.2 / DSP0227 6.3: "URI?k=v&k2=v2" becomes the ResourceURI before '?' and a
 * SelectorSet, percent-decoded, ahead of the caller's selectors; on Enumerate too. */
static void test_uri_query_selectors(void)
{
    ws_selector sel[] = {{"Extra", "x&y"}};
    ws_header h = {
        .to = "http://h:5985/wsman", .action = WS_ACTION_ENUMERATE,
        .resource_uri = "http://schemas.microsoft.com/wbem/wscim/1/cim-schema/2/SCX_OperatingSystem"
                        "?__cimnamespace=root%2Fscx&Name=a%20b%26c",
        .selectors = sel, .nselectors = 1,
    };
    ws_envelope env;
    ws_buf wire = WS_BUF_INIT;
    ws_reply r;

    if (round_trip(&h, &env, &wire, &r) == 0) {
        TAP_OK(text_is(ws_xml_child(r.header, WS_NS_WSMAN, "ResourceURI"),
                       "http://schemas.microsoft.com/wbem/wscim/1/cim-schema/2/SCX_OperatingSystem"),
               "ResourceURI is the part before '?'");
        TAP_OK(selector_count(&r) == 3 && selector_is(&r, 0, "__cimnamespace", "root/scx")
               && selector_is(&r, 1, "Name", "a b&c") && selector_is(&r, 2, "Extra", "x&y"),
               "the query's selectors, percent-decoded, then the caller's");
        TAP_OK(text_is(ws_xml_child(r.header, WS_NS_ADDR, "Action"), WS_ACTION_ENUMERATE),
               "on an Enumerate request");
        ws_reply_free(&r);
    } else {
        TAP_OK(0, "an envelope for a resource URI with a query builds");
    }
    ws_envelope_free(&env);
    ws_buf_free(&wire);
}

/* A query that is not name=value, a broken escape, an encoded NUL or a name given twice
 * is a usage error, not a request. */
static void test_bad_uri_queries(void)
{
    static const char *const bad[] = {
        "http://r/x?__cimnamespace", "http://r/x?=v", "http://r/x?a=%2", "http://r/x?a=%zz",
        "http://r/x?a=b%00c", "http://r/x?a=1&A=2",
    };
    ws_selector dup[] = {{"name", "k"}};
    ws_envelope env;
    ws_error err = {0};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ws_header h = {.to = "http://h/wsman", .action = WS_ACTION_GET, .resource_uri = bad[i]};
        ws_rc rc = ws_envelope_new(&h, &env, &err);
        TAP_OK(rc == WS_E_USAGE && !env.doc && *err.fix, "%s refused: %s", bad[i], err.what);
        ws_envelope_free(&env);
        ws_error_clear(&err);
    }
    ws_header h = {.to = "http://h/wsman", .action = WS_ACTION_GET, .resource_uri = "http://r/x?Name=a",
                   .selectors = dup, .nselectors = 1};
    TAP_OK(ws_envelope_new(&h, &env, &err) == WS_E_USAGE && strstr(err.what, "twice"),
           "a selector in the URI and again from the caller is refused: %s", err.what);
    ws_envelope_free(&env);
    ws_error_clear(&err);
    h = (ws_header){.to = "http://h/wsman", .action = WS_ACTION_GET, .resource_uri = "http://r/x?&a=1&"};
    TAP_OK(ws_envelope_new(&h, &env, &err) == WS_OK, "empty parts of a query are skipped");
    ws_envelope_free(&env);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* TAP lines survive a sanitizer abort */
    test_full_header();
    test_defaults_and_identify();
    test_body();
    test_uri_query_selectors();
    test_bad_uri_queries();
    xmlCleanupParser();
    return tap_done();
}
