/* Parsing SOAP replies with libxml2. Matching is by namespace URI and local name, so
 * any prefix works, and text is trimmed, because real servers differ in both (the
 * OMI and WinRM 1.x replies in the corpus pad every value with newlines). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include "wsman/soap.h"

/* No network, no DTD loading, no entity substitution; CDATA becomes text. */
#define WS_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR \
                        | XML_PARSE_NOWARNING)

ws_rc ws_xml_parse(const char *data, size_t len, const char *what, xmlDocPtr *out,
                   ws_error *err)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    const xmlError *e;

    *out = NULL;
    if (len == 0)
        return ws_error_set(err, WS_E_PROTOCOL, "", "the %s is empty", what);
    if (len > WS_REPLY_MAX_BYTES)
        return ws_error_set(err, WS_E_PROTOCOL, "", "the %s is %zu bytes, over the %u-byte limit",
                            what, len, WS_REPLY_MAX_BYTES);
    if (!(ctxt = xmlNewParserCtxt()))
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory parsing the %s", what);
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, WS_XML_OPTIONS);
    if (!doc || !ctxt->wellFormed) {
        e = xmlCtxtGetLastError(ctxt);
        ws_error_set(err, WS_E_PROTOCOL, "", "the %s is not well-formed XML (line %d: %.200s)",
                     what, e ? e->line : 0,
                     e && e->message ? e->message : "parse error\n");
        /* libxml2 messages end with a newline; keep `what` on one line. */
        if (err) err->what[strcspn(err->what, "\n")] = '\0';
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return WS_E_PROTOCOL;
    }
    xmlFreeParserCtxt(ctxt);
    /* SOAP 1.2 part 1, 5: a SOAP message must not contain a DTD; refusing it also
     * rules out entity tricks. */
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return ws_error_set(err, WS_E_PROTOCOL, "", "the %s contains a DTD, which SOAP forbids", what);
    }
    *out = doc;
    return WS_OK;
}

int ws_xml_is(const xmlNode *n, const char *ns_uri, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href
        && xmlStrEqual(n->name, BAD_CAST name) && xmlStrEqual(n->ns->href, BAD_CAST ns_uri);
}

xmlNodePtr ws_xml_next(const xmlNode *after, const char *ns_uri, const char *name)
{
    for (xmlNodePtr n = after ? after->next : NULL; n; n = n->next)
        if (ws_xml_is(n, ns_uri, name))
            return n;
    return NULL;
}

xmlNodePtr ws_xml_child(const xmlNode *parent, const char *ns_uri, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (ws_xml_is(n, ns_uri, name))
            return n;
    return NULL;
}

xmlNodePtr ws_xml_first_element(const xmlNode *parent)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

xmlNodePtr ws_xml_find(const xmlNode *root, const char *ns_uri, const char *name)
{
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        xmlNodePtr hit;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (ws_xml_is(n, ns_uri, name))
            return n;
        if ((hit = ws_xml_find(n, ns_uri, name)))
            return hit;
    }
    return NULL;
}

static char *trimmed_copy(const xmlChar *s)
{
    const char *b = (const char *)s, *e;
    char *out;

    while (*b && isspace((unsigned char)*b))
        b++;
    e = b + strlen(b);
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (!(out = malloc((size_t)(e - b) + 1)))
        return NULL;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
    return out;
}

char *ws_xml_text(const xmlNode *n)
{
    xmlChar *s = xmlNodeGetContent(n);
    char *out = s ? trimmed_copy(s) : trimmed_copy(BAD_CAST "");

    xmlFree(s);
    return out;
}

char *ws_xml_attr(const xmlNode *n, const char *name)
{
    xmlChar *s = xmlGetNoNsProp(n, BAD_CAST name);
    char *out = s ? trimmed_copy(s) : NULL;

    xmlFree(s);
    return out;
}

const char *ws_qname_local(const char *qname)
{
    const char *colon = qname ? strrchr(qname, ':') : NULL;

    return colon ? colon + 1 : qname;
}

ws_rc ws_xml_serialize_node(const xmlNode *n, char **out, ws_error *err)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr copy = doc ? xmlDocCopyNode((xmlNodePtr)n, doc, 1) : NULL;
    xmlNsPtr *scope = NULL;
    xmlBufferPtr buf = NULL;
    ws_rc rc = WS_OK;

    *out = NULL;
    if (!copy)
        goto nomem;
    xmlDocSetRootElement(doc, copy);
    /* Keep prefixes declared on ancestors (s:Envelope) so QName values such as
     * xsi:type="p:Foo_Type" stay resolvable in the standalone copy. */
    scope = xmlGetNsList(n->doc, n);
    for (size_t i = 0; scope && scope[i]; i++)
        if (!xmlSearchNs(doc, copy, scope[i]->prefix)
            && !xmlNewNs(copy, scope[i]->href, scope[i]->prefix))
            goto nomem;
    if (!(buf = xmlBufferCreate()) || xmlNodeDump(buf, doc, copy, 0, 0) < 0)
        goto nomem;
    if (!(*out = strdup((const char *)xmlBufferContent(buf))))
        goto nomem;
    goto done;
nomem:
    rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory serializing a reply element");
done:
    xmlBufferFree(buf);
    xmlFree(scope);
    xmlFreeDoc(doc);
    return rc;
}

char *ws_reply_header(const ws_reply *r, const char *ns_uri, const char *name)
{
    xmlNodePtr n = ws_xml_child(r->header, ns_uri, name);

    return n ? ws_xml_text(n) : NULL;
}

static ws_rc check_relates_to(const ws_reply *r, const char *message_id, ws_error *err)
{
    xmlNodePtr n = ws_xml_child(r->header, WS_NS_ADDR, "RelatesTo");
    char *got;
    int same;

    if (!n || !message_id || !*message_id)
        return WS_OK;
    if (!(got = ws_xml_text(n)))
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory reading RelatesTo");
    same = strcasecmp(got, message_id) == 0;   /* UUID case is free, PROTOCOL.md 1.3 */
    if (!same)
        ws_error_set(err, WS_E_PROTOCOL, "check that no proxy mixes up replies, then retry",
                     "the reply answers message %.60s, not %.60s (wsa:RelatesTo mismatch)",
                     got, message_id);
    free(got);
    return same ? WS_OK : WS_E_PROTOCOL;
}

ws_rc ws_reply_parse(const char *data, size_t len, const char *message_id,
                     ws_reply *out, ws_error *err)
{
    xmlNodePtr root;
    ws_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = ws_xml_parse(data, len, "server reply", &out->doc, err)) != WS_OK)
        return rc;
    root = xmlDocGetRootElement(out->doc);
    if (!ws_xml_is(root, WS_NS_SOAP, "Envelope")) {
        rc = ws_error_set(err, WS_E_PROTOCOL, "",
                          "the server reply is not a SOAP 1.2 envelope (root element <%.60s>%s%.100s)",
                          root ? (const char *)root->name : "",
                          root && root->ns ? " in " : " without namespace",
                          root && root->ns ? (const char *)root->ns->href : "");
        goto fail;
    }
    out->header = ws_xml_child(root, WS_NS_SOAP, "Header");
    if (!(out->body = ws_xml_child(root, WS_NS_SOAP, "Body"))) {
        rc = ws_error_set(err, WS_E_PROTOCOL, "", "the server reply has no SOAP Body");
        goto fail;
    }
    out->payload = ws_xml_first_element(out->body);
    if ((rc = check_relates_to(out, message_id, err)) != WS_OK)
        goto fail;
    return WS_OK;
fail:
    ws_reply_free(out);
    return rc;
}

void ws_reply_free(ws_reply *r)
{
    if (!r)
        return;
    xmlFreeDoc(r->doc);
    memset(r, 0, sizeof *r);
}
