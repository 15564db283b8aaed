/* Unit tests of the nanosh program's parsers and writers: JSON string escaping, the
 * XML-to-JSON mapping of "nanosh wsman", and target, port and seconds parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shell/cli/json.h"
#include "shell/cli/options.h"
#include "shell/cli/xml_json.h"
#include "tests/tap.h"

/* Runs one writer into memory and returns what it wrote (static buffer). */
static char *captured;
static FILE *capture_begin(void)
{
    static size_t len;
    free(captured);
    captured = NULL;
    return open_memstream(&captured, &len);
}

static const char *json_of(const char *s, size_t len)
{
    FILE *f = capture_begin();
    json_write_stringn(f, s, len);
    fclose(f);
    return captured;
}

static const char *xml_json_of(const char *xml, int *rc)
{
    FILE *f = capture_begin();
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");   /* the error line for bad XML is checked by rc */
    *rc = xml_json_write(f, xml, 0);
    fclose(stderr);
    stderr = saved;
    fclose(f);
    return captured;
}

static void test_json_strings(void)
{
    TAP_STR_EQ(json_of("plain", 5), "\"plain\"", "plain text is quoted");
    TAP_STR_EQ(json_of("a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quote and backslash are escaped");
    TAP_STR_EQ(json_of("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"", "short escapes");
    TAP_STR_EQ(json_of("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"", "other control bytes as \\u");
    TAP_STR_EQ(json_of("a\0b", 3), "\"a\\u0000b\"", "NUL inside the length is kept, escaped");
    TAP_STR_EQ(json_of("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
               "valid UTF-8 passes through");
    TAP_STR_EQ(json_of("\xff", 1), "\"\\ufffd\"", "invalid byte becomes U+FFFD");
    TAP_STR_EQ(json_of("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"", "overlong form is rejected");
    TAP_STR_EQ(json_of("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"", "UTF-16 surrogate is rejected");
    TAP_STR_EQ(json_of("\xe2\x82", 2), "\"\\ufffd\\ufffd\"", "truncated sequence is rejected");
    FILE *f = capture_begin();
    json_write_string(f, NULL);
    fclose(f);
    TAP_STR_EQ(captured, "null", "NULL is written as null");
}

static void test_xml_json(void)
{
    int rc;
    const char *got = xml_json_of(
        "<p:Win32_Service xmlns:p=\"http://x/cimv2/Win32_Service\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
        "<p:Name>WinRM</p:Name><p:Desc xsi:nil=\"true\"/>"
        "<p:Dep>A</p:Dep><p:Dep>B</p:Dep><p:Empty/></p:Win32_Service>", &rc);
    TAP_OK(rc == 0, "a WMI instance converts");
    TAP_STR_EQ(got,
               "{\n  \"Win32_Service\": {\n    \"Name\": \"WinRM\",\n    \"Desc\": null,\n"
               "    \"Dep\": [\n      \"A\",\n      \"B\"\n    ],\n    \"Empty\": \"\"\n  }\n}",
               "local names, xsi:nil as null, repeated names as an array");

    got = xml_json_of("<cfg:Listener xmlns:cfg=\"u\" Source=\"GPO\">text<cfg:Port>5985</cfg:Port>"
                      "</cfg:Listener>", &rc);
    TAP_STR_EQ(got,
               "{\n  \"Listener\": {\n    \"@Source\": \"GPO\",\n    \"Port\": \"5985\",\n"
               "    \"#text\": \"text\"\n  }\n}",
               "attributes as @name, mixed text as #text");

    got = xml_json_of("<a>x &amp; \"y\"\n</a>", &rc);
    TAP_STR_EQ(got, "{\n  \"a\": \"x & \\\"y\\\"\\n\"\n}", "entities decoded, then JSON-escaped");

    got = xml_json_of("<a><b>1</b>", &rc);
    TAP_OK(rc == 255, "malformed XML fails with 255");

    got = xml_json_of("<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", &rc);
    TAP_OK(rc != 0 || !strstr(got, "root:"), "external entities are not expanded");
}

static void test_target(void)
{
    char why[256], *user, *host;
    int port;

    TAP_OK(options_parse_target("host", &user, &host, &port, why, sizeof why) == 0
           && !user && strcmp(host, "host") == 0 && port == 0, "bare host");
    free(user); free(host);
    TAP_OK(options_parse_target("DOM\\admin@nano01:5986", &user, &host, &port, why, sizeof why) == 0
           && strcmp(user, "DOM\\admin") == 0 && strcmp(host, "nano01") == 0 && port == 5986,
           "user, host and port");
    free(user); free(host);
    TAP_OK(options_parse_target("admin@CORP.EXAMPLE@h", &user, &host, &port, why, sizeof why) == 0
           && strcmp(user, "admin@CORP.EXAMPLE") == 0 && strcmp(host, "h") == 0,
           "the last @ ends the user");
    free(user); free(host);
    TAP_OK(options_parse_target("[fe80::1%eth0]:5986", &user, &host, &port, why, sizeof why) == 0
           && strcmp(host, "fe80::1%eth0") == 0 && port == 5986, "bracketed IPv6 with port");
    free(user); free(host);
    TAP_OK(options_parse_target("[::1]", &user, &host, &port, why, sizeof why) == 0
           && strcmp(host, "::1") == 0 && port == 0, "bracketed IPv6 without port");
    free(user); free(host);
    TAP_OK(options_parse_target("::1", &user, &host, &port, why, sizeof why) == 0
           && strcmp(host, "::1") == 0 && port == 0, "bare IPv6 is all host");
    free(user); free(host);
    TAP_OK(options_parse_target("[::1]x", &user, &host, &port, why, sizeof why) < 0,
           "text after ] is refused");
    TAP_OK(options_parse_target("h:", &user, &host, &port, why, sizeof why) < 0, "empty port");
    TAP_OK(options_parse_target(":5985", &user, &host, &port, why, sizeof why) < 0, "empty host");
    TAP_OK(options_parse_target("u@", &user, &host, &port, why, sizeof why) < 0, "user without host");
}

/* A URL or a plain target; "" for a NULL field, so that a row of the table can say none. */
static void url_case(const char *arg, const char *user, const char *host, int port, int https,
                     const char *path)
{
    target_spec t;
    char why[256] = "";
    int rc = target_parse(arg, &t, why, sizeof why);
    TAP_OK(rc == 0, "target %s parses (%s)", arg, why);
    if (rc != 0)
        return;
    TAP_STR_EQ(t.user ? t.user : "", user, "target %s: user", arg);
    TAP_STR_EQ(t.host ? t.host : "", host, "target %s: host", arg);
    TAP_OK(t.port == port && t.https == https, "target %s: port %d (want %d), https %d (want %d)",
           arg, t.port, port, t.https, https);
    TAP_STR_EQ(t.path ? t.path : "", path, "target %s: path", arg);
    target_spec_free(&t);
}

static void url_refused(const char *arg, const char *reason)
{
    target_spec t;
    char why[256] = "";
    int rc = target_parse(arg, &t, why, sizeof why);
    TAP_OK(rc < 0 && strstr(why, reason), "target %s is refused: %s", arg, why);
    if (rc == 0)
        target_spec_free(&t);
}

static void test_url_targets(void)
{
    url_case("https://nano01:5986/wsman", "", "nano01", 5986, 1, "/wsman");
    url_case("http://nano01", "", "nano01", 0, 0, "");
    url_case("http://nano01/", "", "nano01", 0, 0, "");
    url_case("HTTPS://Nano01", "", "Nano01", 0, 1, "");
    url_case("HtTp://h:5985/wsman", "", "h", 5985, 0, "/wsman");
    url_case("https://admin@h/wsman", "admin", "h", 0, 1, "/wsman");
    url_case("http://DOM%5Cadmin@h:5985/wsman", "DOM\\admin", "h", 5985, 0, "/wsman");
    url_case("http://DOM%5cadmin@h", "DOM\\admin", "h", 0, 0, "");
    url_case("https://admin%40CORP.EXAMPLE@h", "admin@CORP.EXAMPLE", "h", 0, 1, "");
    url_case("https://[fd00::5]:5986/wsman", "", "fd00::5", 5986, 1, "/wsman");
    url_case("http://u@[::1]/custom/winrm", "u", "::1", 0, 0, "/custom/winrm");
    url_case("https://h/a%20b", "", "h", 0, 1, "/a%20b");
    url_case("u@h:5986", "u", "h", 5986, -1, "");
    url_refused("ftp://h/wsman", "unknown URL scheme 'ftp'");
    url_refused("httpx://h", "unknown URL scheme");
    url_refused("://h", "unknown URL scheme");
    url_refused("https://h/wsman?x=1", "no query or fragment ('?')");
    url_refused("https://h/wsman#top", "no query or fragment ('#')");
    url_refused("https://h/ws man", "space");
    url_refused("https://h/ws\tman", "space");
    url_refused("https://h:0/wsman", "bad port");
    url_refused("https://h:99999", "bad port");
    url_refused("https:///wsman", "no host");
    url_refused("https://@h", "empty user");
    url_refused("http://a%2@h", "bad %-escape");
    url_refused("http://a%00b@h", "bad %-escape");
    url_refused("https://[::1/wsman", "missing ']'");
}

static void test_numbers(void)
{
    int port;
    long ms;
    TAP_OK(options_parse_port("65535", &port) == 0 && port == 65535, "port 65535");
    TAP_OK(options_parse_port("0", &port) < 0, "port 0 refused");
    TAP_OK(options_parse_port("65536", &port) < 0, "port 65536 refused");
    TAP_OK(options_parse_port("+80", &port) < 0, "signed port refused");
    TAP_OK(options_parse_port("80x", &port) < 0, "trailing junk refused");
    TAP_OK(options_parse_seconds("2.5", &ms) == 0 && ms == 2500, "2.5 s is 2500 ms");
    TAP_OK(options_parse_seconds("0.0001", &ms) == 0 && ms == 1, "tiny values round up to 1 ms");
    TAP_OK(options_parse_seconds("0", &ms) < 0, "0 s refused");
    TAP_OK(options_parse_seconds("-3", &ms) < 0, "negative refused");
    TAP_OK(options_parse_seconds("inf", &ms) < 0, "inf refused");
    TAP_OK(options_parse_seconds("1e9", &ms) < 0, "more than a year refused");
    auth_mech m;
    TAP_OK(options_parse_auth("Basic", &m) == 0 && m == AUTH_BASIC, "auth names are case-insensitive");
    TAP_OK(options_parse_auth("digest", &m) < 0, "unknown auth refused");
}

int main(void)
{
    test_json_strings();
    test_xml_json();
    test_target();
    test_url_targets();
    test_numbers();
    free(captured);
    return tap_done();
}
