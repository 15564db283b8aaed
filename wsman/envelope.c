/* Building SOAP 1.2 request envelopes with the WS-Management headers of
 * MS-WSMV 3.1.4.1 (PROTOCOL.md 1.3). libxml2 does all escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>
#include "wsman/soap.h"
#include "base/hex.h"
#include "base/random.h"

ws_rc ws_uuid_new(char out[WS_UUID_LEN + 1], ws_error *err)
{
    unsigned char b[16];

    if (ws_random_bytes(b, sizeof b) < 0)
        return ws_error_set(err, WS_E_CRYPTO, "", "cannot draw random bytes for a message ID");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* RFC 4122 4.4: version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* variant 10 */
    snprintf(out, WS_UUID_LEN + 1,
             "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
             b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return WS_OK;
}

xmlNodePtr ws_xml_add(xmlNodePtr parent, const char *ns_uri, const char *prefix,
                      const char *name, const char *text)
{
    xmlNsPtr ns = xmlSearchNsByHref(parent->doc, parent, BAD_CAST ns_uri);
    xmlNodePtr n = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);

    if (!n)
        return NULL;
    if (!ns && !(ns = xmlNewNs(n, BAD_CAST ns_uri, BAD_CAST prefix))) {
        xmlFreeNode(n);
        return NULL;
    }
    xmlSetNs(n, ns);
    /* xmlNodeAddContent escapes the text, unlike the content argument of xmlNewDocNode. */
    if (text && *text) {
        xmlNodePtr t = xmlNewDocText(parent->doc, BAD_CAST text);
        if (!t || !xmlAddChild(n, t)) {
            xmlFreeNode(t);
            xmlFreeNode(n);
            return NULL;
        }
    }
    if (!xmlAddChild(parent, n)) {
        xmlFreeNode(n);
        return NULL;
    }
    return n;
}

/* Sets s:mustUnderstand="true|false" (SOAP 1.2 5.2.3). */
static int must_understand(const ws_envelope *env, xmlNodePtr n, int yes)
{
    return xmlSetNsProp(n, env->ns_soap, BAD_CAST "mustUnderstand",
                        BAD_CAST (yes ? "true" : "false")) ? 0 : -1;
}

static xmlNodePtr add_header(ws_envelope *env, const char *ns_uri, const char *prefix,
                             const char *name, const char *text, int mu)
{
    xmlNodePtr n = ws_xml_add(env->header, ns_uri, prefix, name, text);

    if (n && mu >= 0 && must_understand(env, n, mu) < 0)
        return NULL;
    return n;
}

/* MS-WSMV 3.1.4.1.8/9: Locale and DataLocale must not be mustUnderstand="true". */
static int add_locale(ws_envelope *env, const char *ns_uri, const char *prefix,
                      const char *name, const char *lang)
{
    xmlNodePtr n = add_header(env, ns_uri, prefix, name, NULL, 0);

    if (!n)
        return -1;
    xmlNodeSetLang(n, BAD_CAST lang);
    return 0;
}

static int add_selectors(ws_envelope *env, const ws_header *h)
{
    xmlNodePtr set = add_header(env, WS_NS_WSMAN, "w", "SelectorSet", NULL, -1);

    if (!set)
        return -1;
    for (size_t i = 0; i < h->nselectors; i++) {
        xmlNodePtr s = ws_xml_add(set, WS_NS_WSMAN, "w", "Selector", h->selectors[i].value);
        if (!s || !xmlSetProp(s, BAD_CAST "Name", BAD_CAST h->selectors[i].name))
            return -1;
    }
    return 0;
}

static int add_options(ws_envelope *env, const ws_header *h)
{
    xmlNodePtr set = add_header(env, WS_NS_WSMAN, "w", "OptionSet", NULL, 1);

    if (!set)
        return -1;
    for (size_t i = 0; i < h->noptions; i++) {
        xmlNodePtr o = ws_xml_add(set, WS_NS_WSMAN, "w", "Option", h->options[i].value);
        if (!o || !xmlSetProp(o, BAD_CAST "Name", BAD_CAST h->options[i].name))
            return -1;
        if (h->options[i].must_comply && !xmlSetProp(o, BAD_CAST "MustComply", BAD_CAST "true"))
            return -1;
    }
    return 0;
}

static int add_headers(ws_envelope *env, const ws_header *h)
{
    const char *lang = h->locale ? h->locale : "en-US";
    unsigned max = h->max_envelope_size ? h->max_envelope_size : WS_DEFAULT_MAX_ENVELOPE;
    char num[32];
    xmlNodePtr reply_to, addr;

    if (h->to && !add_header(env, WS_NS_ADDR, "a", "To", h->to, -1))
        return -1;
    if (h->resource_uri && !add_header(env, WS_NS_WSMAN, "w", "ResourceURI", h->resource_uri, 1))
        return -1;
    if (!(reply_to = add_header(env, WS_NS_ADDR, "a", "ReplyTo", NULL, -1)))
        return -1;
    if (!(addr = ws_xml_add(reply_to, WS_NS_ADDR, "a", "Address", WS_ADDR_ANONYMOUS))
        || must_understand(env, addr, 1) < 0)
        return -1;
    if (!add_header(env, WS_NS_ADDR, "a", "Action", h->action, 1))
        return -1;
    if (!add_header(env, WS_NS_ADDR, "a", "MessageID", env->message_id, -1))
        return -1;
    snprintf(num, sizeof num, "%u", max);
    if (!add_header(env, WS_NS_WSMAN, "w", "MaxEnvelopeSize", num, 1))
        return -1;
    if (add_locale(env, WS_NS_WSMAN, "w", "Locale", lang) < 0
        || add_locale(env, WS_NS_WSMV, "p", "DataLocale", lang) < 0)
        return -1;
    if (h->session_id && !add_header(env, WS_NS_WSMV, "p", "SessionId", h->session_id, 0))
        return -1;
    if (h->operation_timeout_ms > 0) {
        /* xs:duration with milliseconds, as in the MS-WSMV examples (PT60.000S). */
        snprintf(num, sizeof num, "PT%lu.%03luS",
                 (unsigned long)(h->operation_timeout_ms / 1000),
                 (unsigned long)(h->operation_timeout_ms % 1000));
        if (!add_header(env, WS_NS_WSMAN, "w", "OperationTimeout", num, -1))
            return -1;
    }
    if (h->nselectors && add_selectors(env, h) < 0)
        return -1;
    if (h->noptions && add_options(env, h) < 0)
        return -1;
    return 0;
}

/* A resource URI may end in "?name=value&name2=value2", the form winrm.cmd takes (and how
 * OMI and WMI classes outside the default namespace get __cimnamespace, DSP0227 6.3).
 * Those selectors go into the SelectorSet (DSP0226 7.2), percent-decoded (RFC 3986 2.1),
 * ahead of the caller's; the ResourceURI header gets the part before '?'. */
typedef struct uri_selectors {
    char *base;            /* the resource URI without its query */
    char *query;           /* decoded in place; sel[] points into it */
    ws_selector *sel;
    size_t nsel;
} uri_selectors;

static void uri_selectors_free(uri_selectors *u)
{
    free(u->base);
    free(u->query);
    free(u->sel);
    memset(u, 0, sizeof *u);
}

/* Decodes %XX in place; -1 on a broken escape or an encoded NUL. */
static int percent_decode(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (*s != '%') {
            *out++ = *s;
            continue;
        }
        int hi = ws_hexval(s[1]), lo = hi < 0 ? -1 : ws_hexval(s[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return -1;
        *out++ = (char)(hi * 16 + lo);
        s += 2;
    }
    *out = '\0';
    return 0;
}

static ws_rc bad_query(uri_selectors *u, const char *part, const char *why, ws_error *err)
{
    ws_rc rc = ws_error_set(err, WS_E_USAGE, "write selectors as URI?name=value&name2=value2, with %XX for "
                            "reserved characters", "the resource URI's selector '%.80s' %s", part, why);
    uri_selectors_free(u);
    return rc;
}

static ws_rc split_resource_uri(const ws_header *h, uri_selectors *u, ws_error *err)
{
    const char *q = strchr(h->resource_uri, '?');
    size_t parts = 1;
    char *part, *next;

    memset(u, 0, sizeof *u);
    for (const char *p = q; *p; p++)
        parts += *p == '&';
    if (!(u->base = strndup(h->resource_uri, (size_t)(q - h->resource_uri))) || !(u->query = strdup(q + 1))
        || !(u->sel = calloc(parts + h->nselectors, sizeof *u->sel))) {
        uri_selectors_free(u);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a SOAP envelope");
    }
    for (part = u->query; part; part = next) {
        char *eq;
        if ((next = strchr(part, '&')))
            *next++ = '\0';
        if (!*part)
            continue;   /* "?" alone, or "&&" */
        if (!(eq = strchr(part, '=')) || eq == part)
            return bad_query(u, part, "is not name=value", err);
        *eq = '\0';
        if (percent_decode(part) < 0 || percent_decode(eq + 1) < 0)
            return bad_query(u, part, "has a broken %XX escape", err);
        u->sel[u->nsel++] = (ws_selector){part, eq + 1};
    }
    for (size_t i = 0; i < h->nselectors; i++)
        u->sel[u->nsel++] = h->selectors[i];
    /* DSP0226 7.2: each selector name appears once in a SelectorSet. */
    for (size_t i = 0; i < u->nsel; i++)
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(u->sel[i].name, u->sel[j].name) == 0) {
                ws_rc rc = ws_error_set(err, WS_E_USAGE, "give each selector once, in the URI or with -k",
                                        "the selector '%.80s' is given twice", u->sel[i].name);
                uri_selectors_free(u);
                return rc;
            }
    return WS_OK;
}

static ws_rc build(const ws_header *h, ws_envelope *env, ws_error *err);

ws_rc ws_envelope_new(const ws_header *h, ws_envelope *env, ws_error *err)
{
    uri_selectors u;
    ws_header with_query;
    ws_rc rc;

    memset(env, 0, sizeof *env);
    if (!h->action || !h->resource_uri || !strchr(h->resource_uri, '?'))
        return build(h, env, err);
    if ((rc = split_resource_uri(h, &u, err)) != WS_OK)
        return rc;
    with_query = *h;
    with_query.resource_uri = u.base;
    with_query.selectors = u.sel;
    with_query.nselectors = u.nsel;
    rc = build(&with_query, env, err);
    uri_selectors_free(&u);
    return rc;
}

static ws_rc build(const ws_header *h, ws_envelope *env, ws_error *err)
{
    char uuid[WS_UUID_LEN + 1];
    xmlNodePtr root;
    ws_rc rc;

    memset(env, 0, sizeof *env);
    /* MS-WSMV 3.1.4.1.5: a missing MessageID is an InvalidMessageInformationHeader. */
    if (h->action) {
        if ((rc = ws_uuid_new(uuid, err)) != WS_OK)
            return rc;
        snprintf(env->message_id, sizeof env->message_id, "uuid:%s", uuid);
    }
    if (!(env->doc = xmlNewDoc(BAD_CAST "1.0")))
        goto nomem;
    if (!(root = xmlNewDocNode(env->doc, NULL, BAD_CAST "Envelope", NULL)))
        goto nomem;
    xmlDocSetRootElement(env->doc, root);
    if (!(env->ns_soap = xmlNewNs(root, BAD_CAST WS_NS_SOAP, BAD_CAST "s")))
        goto nomem;
    xmlSetNs(root, env->ns_soap);
    /* Declared once on the root so that every header shares the prefixes. */
    if (h->action && (!xmlNewNs(root, BAD_CAST WS_NS_ADDR, BAD_CAST "a")
                      || !xmlNewNs(root, BAD_CAST WS_NS_WSMAN, BAD_CAST "w")
                      || !xmlNewNs(root, BAD_CAST WS_NS_WSMV, BAD_CAST "p")))
        goto nomem;
    if (!(env->header = ws_xml_add(root, WS_NS_SOAP, "s", "Header", NULL))
        || !(env->body = ws_xml_add(root, WS_NS_SOAP, "s", "Body", NULL)))
        goto nomem;
    if (h->action && add_headers(env, h) < 0)
        goto nomem;
    return WS_OK;
nomem:
    ws_envelope_free(env);
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a SOAP envelope");
}

ws_rc ws_envelope_add_xml(ws_envelope *env, const char *body_xml, ws_error *err)
{
    xmlDocPtr frag = NULL;
    xmlNodePtr copy;
    ws_rc rc = ws_xml_parse(body_xml, strlen(body_xml), "request body", &frag, err);

    if (rc != WS_OK)
        return rc;
    copy = xmlDocCopyNode(xmlDocGetRootElement(frag), env->doc, 1);
    xmlFreeDoc(frag);
    if (!copy || !xmlAddChild(env->body, copy)) {
        xmlFreeNode(copy);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory building a SOAP envelope");
    }
    return WS_OK;
}

ws_rc ws_envelope_serialize(const ws_envelope *env, ws_buf *out, ws_error *err)
{
    xmlChar *mem = NULL;
    int len = 0;
    ws_rc rc = WS_OK;

    xmlDocDumpMemoryEnc(env->doc, &mem, &len, "UTF-8");
    if (!mem || len <= 0 || ws_buf_append(out, mem, (size_t)len) < 0)
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory serializing a SOAP envelope");
    xmlFree(mem);
    return rc;
}

void ws_envelope_free(ws_envelope *env)
{
    if (!env)
        return;
    xmlFreeDoc(env->doc);
    memset(env, 0, sizeof *env);
}
