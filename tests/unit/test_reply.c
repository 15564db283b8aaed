/* Reply parsing: other prefixes, padded text and other XML declarations are accepted;
 * Receive streams, exit codes, enumeration and identity are read; hostile input
 * (truncated, huge, entity bombs, external entities, wrong namespaces) gets a clear
 * error and no crash. */
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "wsman/soap.h"
#include "tests/tap.h"

#define ENV_OPEN(prefix) "<" prefix ":Envelope xmlns:" prefix "=\"" WS_NS_SOAP "\" xmlns:a=\"" WS_NS_ADDR "\">"

static ws_rc parse(const char *xml, const char *mid, ws_reply *r, ws_error *err)
{
    ws_error_clear(err);
    return ws_reply_parse(xml, strlen(xml), mid, r, err);
}

static void test_tolerant(void)
{
    static const char *variants[] = {
        /* the usual Windows form */
        "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\" xmlns:a=\"" WS_NS_ADDR "\" xmlns:rsp=\"" WS_NS_SHELL "\">"
        "<s:Header><a:RelatesTo>uuid:ABCDEF01-0000-4000-8000-000000000001</a:RelatesTo></s:Header>"
        "<s:Body><rsp:CommandResponse><rsp:CommandId>C1</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>",
        /* OMI style: other prefixes, declaration with single quotes, padded text */
        "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n"
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" WS_NS_SOAP "\" xmlns:wsa=\"" WS_NS_ADDR "\">\n"
        "  <SOAP-ENV:Header>\n    <wsa:RelatesTo>\n      uuid:abcdef01-0000-4000-8000-000000000001\n    </wsa:RelatesTo>\n  </SOAP-ENV:Header>\n"
        "  <SOAP-ENV:Body>\n    <shell:CommandResponse xmlns:shell=\"" WS_NS_SHELL "\">\n"
        "      <shell:CommandId>\n        C1\n      </shell:CommandId>\n    </shell:CommandResponse>\n  </SOAP-ENV:Body>\n"
        "</SOAP-ENV:Envelope>\n\n",
        /* default namespaces, no prefixes at all, CDATA text */
        "<?xml version=\"1.0\"?><Envelope xmlns=\"" WS_NS_SOAP "\"><Body>"
        "<CommandResponse xmlns=\"" WS_NS_SHELL "\"><CommandId><![CDATA[C1]]></CommandId></CommandResponse></Body></Envelope>",
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        ws_reply r;
        ws_error err = {0};
        char *id = NULL;
        ws_rc rc = parse(variants[i], "uuid:ABCDEF01-0000-4000-8000-000000000001", &r, &err);
        TAP_OK(rc == WS_OK, "variant %zu parses (%s)", i, err.what);
        if (rc != WS_OK)
            continue;
        rc = ws_shell_parse_command(&r, &id, &err);
        TAP_STR_EQ(rc == WS_OK ? id : NULL, "C1", "variant %zu: CommandId found and trimmed", i);
        free(id);
        ws_reply_free(&r);
    }
}

static void test_utf16(void)
{
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Body/></s:Envelope>";
    size_t n = strlen(xml);
    char *u = malloc(2 * n + 2);
    ws_reply r;
    ws_error err = {0};
    ws_rc rc;

    u[0] = (char)0xFF;   /* little-endian byte order mark */
    u[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = xml[i];
        u[3 + 2 * i] = 0;
    }
    rc = ws_reply_parse(u, 2 * n + 2, NULL, &r, &err);
    TAP_OK(rc == WS_OK && r.body && !r.payload, "UTF-16 reply with a byte order mark parses");
    if (rc == WS_OK)
        ws_reply_free(&r);
    free(u);
}

static void test_relates_to(void)
{
    const char *xml = ENV_OPEN("s") "<s:Header><a:RelatesTo> uuid:AAAA </a:RelatesTo></s:Header><s:Body/></s:Envelope>";
    ws_reply r;
    ws_error err = {0};
    ws_rc rc;

    rc = parse(xml, "uuid:aaaa", &r, &err);
    TAP_OK(rc == WS_OK, "RelatesTo matches case-insensitively after trimming");
    ws_reply_free(&r);
    rc = parse(xml, "uuid:BBBB", &r, &err);
    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "RelatesTo") && r.doc == NULL,
           "a RelatesTo mismatch is refused: %s", err.what);
    rc = parse(ENV_OPEN("s") "<s:Body/></s:Envelope>", "uuid:BBBB", &r, &err);
    TAP_OK(rc == WS_OK, "a reply without RelatesTo is accepted");
    ws_reply_free(&r);
}

typedef struct collected {
    char log[512];
    int calls;
    int stop_after;
} collected;

static int collect(void *ud, const char *stream, const void *data, size_t len)
{
    collected *c = ud;
    size_t o = strlen(c->log);

    snprintf(c->log + o, sizeof c->log - o, "%s:%.*s|", stream, (int)len, (const char *)data);
    return ++c->calls == c->stop_after;
}

#define RECEIVE(streams) \
    "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\" xmlns:rsp=\"" WS_NS_SHELL "\"><s:Body><rsp:ReceiveResponse>" \
    streams "</rsp:ReceiveResponse></s:Body></s:Envelope>"

static void test_receive(void)
{
    const char *xml = RECEIVE(
        "<rsp:Stream Name=\"stdout\" CommandId=\"c1\">aGVs\nbG8=</rsp:Stream>"        /* "hello", wrapped */
        "<rsp:Stream Name=\"stderr\" CommandId=\"C1\">b29wcw==</rsp:Stream>"          /* "oops" */
        "<rsp:Stream Name=\"stdout\" CommandId=\"OTHER\">eA==</rsp:Stream>"           /* another command */
        "<rsp:Stream Name=\"stdout\" CommandId=\"C1\"> IHdvcmxk </rsp:Stream>"         /* " world", padded */
        "<rsp:Stream Name=\"stdout\" CommandId=\"C1\" End=\"true\"></rsp:Stream>"
        "<rsp:CommandState CommandId=\"C1\" State=\"" WS_STATE_DONE "\"><rsp:ExitCode> 3221225786 </rsp:ExitCode></rsp:CommandState>");
    ws_reply r;
    ws_error err = {0};
    ws_receive rv = {0};
    collected c = {"", 0, 0};
    ws_rc rc;

    if (parse(xml, NULL, &r, &err) != WS_OK) {
        TAP_OK(0, "Receive reply parses: %s", err.what);
        return;
    }
    rc = ws_shell_parse_receive(&r, "C1", collect, &c, &rv, &err);
    TAP_OK(rc == WS_OK, "ReceiveResponse is read");
    TAP_STR_EQ(c.log, "stdout:hello|stderr:oops|stdout: world|",
               "chunks decoded in document order, other commands and empty chunks skipped");
    TAP_OK(rv.done && rv.has_exit_code && rv.exit_code == 3221225786ULL, "Done with a 64-bit ExitCode above 2^31");
    ws_receive_free(&rv);

    memset(&c, 0, sizeof c);
    c.stop_after = 1;
    rc = ws_shell_parse_receive(&r, "C1", collect, &c, &rv, &err);
    TAP_OK(rc == WS_E_IO && c.calls == 1, "a callback that fails stops delivery with WS_E_IO");
    ws_receive_free(&rv);
    ws_reply_free(&r);

    rc = parse(RECEIVE("<rsp:CommandState CommandId=\"C1\" State=\"" WS_NS_SHELL "/CommandState/Running\"/>"), NULL, &r, &err);
    memset(&rv, 0, sizeof rv);
    if (rc == WS_OK)
        rc = ws_shell_parse_receive(&r, "C1", NULL, NULL, &rv, &err);
    TAP_OK(rc == WS_OK && !rv.done && !rv.has_exit_code && rv.state && strstr(rv.state, "Running"),
           "Running state: not done, no exit code");
    ws_receive_free(&rv);
    ws_reply_free(&r);

    rc = parse(RECEIVE("<rsp:CommandState State=\"" WS_STATE_DONE "\"><rsp:ExitCode>-1</rsp:ExitCode></rsp:CommandState>"), NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_shell_parse_receive(&r, "C1", NULL, NULL, &rv, &err);
    TAP_OK(rc == WS_OK && rv.exit_code == 4294967295ULL, "a signed ExitCode -1 reads as its 32-bit value");
    ws_receive_free(&rv);
    ws_reply_free(&r);

    rc = parse(RECEIVE("<rsp:Stream Name=\"stdout\">!!notbase64!!</rsp:Stream>"), NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_shell_parse_receive(&r, NULL, NULL, NULL, &rv, &err);
    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "base64"), "invalid base64 is a clear error: %s", err.what);
    ws_receive_free(&rv);
    ws_reply_free(&r);

    rc = parse(RECEIVE("<rsp:CommandState State=\"" WS_STATE_DONE "\"><rsp:ExitCode>12abc</rsp:ExitCode></rsp:CommandState>"), NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_shell_parse_receive(&r, NULL, NULL, NULL, &rv, &err);
    TAP_OK(rc == WS_E_PROTOCOL && strstr(err.what, "ExitCode"), "a non-numeric ExitCode is a clear error");
    ws_receive_free(&rv);
    ws_reply_free(&r);
}

static int count_items(void *ud, const char *xml)
{
    ++*(int *)ud;
    return strstr(xml, "xmlns") == NULL;   /* items must serialize with their namespaces */
}

static void test_enum_identify_shell(void)
{
    const char *enum_xml =
        "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\" xmlns:n=\"" WS_NS_ENUM "\" xmlns:w=\"" WS_NS_WSMAN "\"><s:Body>"
        "<n:EnumerateResponse><n:EnumerationContext> uuid:CTX </n:EnumerationContext><w:Items>"
        "<p:Win32_Service xmlns:p=\"http://x/p\"><p:Name>WinRM</p:Name></p:Win32_Service>"
        "<p:Win32_Service xmlns:p=\"http://x/p\"><p:Name>W32Time</p:Name></p:Win32_Service>"
        "</w:Items></n:EnumerateResponse></s:Body></s:Envelope>";
    const char *id_xml =
        "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Header/><s:Body>"
        "<wsmid:IdentifyResponse xmlns:wsmid=\"" WS_NS_IDENTIFY_ALT "\"><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>"
        "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor><wsmid:ProductVersion>OS: 10.0.14393 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>"
        "<wsmid:SecurityProfiles><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/basic</wsmid:SecurityProfileName>"
        "<wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/spnego-kerberos</wsmid:SecurityProfileName></wsmid:SecurityProfiles>"
        "</wsmid:IdentifyResponse></s:Body></s:Envelope>";
    ws_reply r;
    ws_error err = {0};
    ws_identity id;
    char *ctx = NULL, *shell = NULL;
    int items = 0, end = -1;
    ws_rc rc;

    rc = parse(enum_xml, NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_enum_parse(&r, count_items, &items, &ctx, &end, &err);
    TAP_OK(rc == WS_OK && items == 2 && end == 0 && ctx && strcmp(ctx, "uuid:CTX") == 0,
           "EnumerateResponse: items with namespaces, trimmed context, not at the end");
    free(ctx);
    ws_reply_free(&r);

    rc = parse(id_xml, NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_identity_parse(&r, &id, &err);
    TAP_OK(rc == WS_OK && strcmp(id.product_vendor, "Microsoft Corporation") == 0
           && strstr(id.product_version, "10.0.14393") && strstr(id.security_profiles, "basic ")
           && strstr(id.security_profiles, "spnego-kerberos"),
           "IdentifyResponse in the MS-WSMV 'identify' namespace spelling, profiles joined");
    if (rc == WS_OK)
        ws_identity_free(&id);
    ws_reply_free(&r);

    rc = parse("<s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Body><x:ResourceCreated xmlns:x=\"" WS_NS_TRANSFER "\"/></s:Body></s:Envelope>",
               NULL, &r, &err);
    if (rc == WS_OK)
        rc = ws_shell_parse_created(&r, &shell, &err);
    TAP_OK(rc == WS_E_PROTOCOL && !shell && strstr(err.what, "ShellId"), "a Create reply without ShellId is a clear error");
    ws_reply_free(&r);
}

#define STR_LEN(lit) lit, sizeof lit - 1

static void expect_refused(const char *xml, size_t len, const char *want, const char *name)
{
    ws_reply r;
    ws_error err = {0};
    ws_rc rc = ws_reply_parse(xml, len, NULL, &r, &err);

    TAP_OK(rc != WS_OK && r.doc == NULL && strstr(err.what, want) && !strchr(err.what, '\n'),
           "%s is refused with a one-line error: %s", name, err.what);
    if (rc == WS_OK)
        ws_reply_free(&r);
}

static void test_hostile(void)
{
    static const char bomb[] =
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope ["
        "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
        "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
        "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "]><s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Body>&g;</s:Body></s:Envelope>";
    static const char xxe[] =
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Body>&x;</s:Body></s:Envelope>";
    static const char full[] = ENV_OPEN("s") "<s:Body><rsp:ReceiveResponse xmlns:rsp=\"" WS_NS_SHELL "\"/></s:Body></s:Envelope>";
    size_t huge_len = WS_REPLY_MAX_BYTES + 1;
    char *huge;

    expect_refused(bomb, sizeof bomb - 1, "", "an entity expansion bomb");
    expect_refused(xxe, sizeof xxe - 1, "", "an external entity");
    for (size_t cut = 1; cut < sizeof full - 1; cut += 7) {
        ws_reply r;
        ws_error err = {0};
        ws_rc rc = ws_reply_parse(full, cut, NULL, &r, &err);
        if (rc == WS_OK) {
            ws_reply_free(&r);
            TAP_OK(0, "truncated reply of %zu bytes accepted", cut);
            return;
        }
    }
    TAP_OK(1, "every truncation of a reply is refused");
    expect_refused(full, 0, "empty", "an empty body");
    expect_refused(STR_LEN("<html><body>500 Internal Server Error</body></html>"), "not a SOAP 1.2 envelope",
                   "an HTML error page");
    expect_refused(STR_LEN("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>"),
                   "not a SOAP 1.2 envelope", "a SOAP 1.1 envelope");
    expect_refused(STR_LEN("<s:Envelope xmlns:s=\"" WS_NS_SOAP "\"><s:Header/></s:Envelope>"), "no SOAP Body",
                   "an envelope without Body");
    expect_refused(STR_LEN("<Envelope><Body/></Envelope>"), "without namespace", "an envelope without namespace");
    expect_refused(STR_LEN("\x00\x01\x02garbage"), "not well-formed", "binary garbage");
    if ((huge = malloc(huge_len))) {
        memset(huge, ' ', huge_len);
        expect_refused(huge, huge_len, "limit", "a reply over the size limit");
        free(huge);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* TAP lines survive a sanitizer abort */
    test_tolerant();
    test_utf16();
    test_relates_to();
    test_receive();
    test_enum_identify_shell();
    test_hostile();
    xmlCleanupParser();
    return tap_done();
}
