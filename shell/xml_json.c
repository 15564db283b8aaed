/* XML to JSON for WS-Management resources, with libxml2 doing the parsing. */
#include "shell/xml_json.h"
#include "shell/errors.h"
#include "shell/json.h"
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

static void newline(FILE *f, int indent)
{
    fputc('\n', f);
    for (int i = 0; i < indent; i++)
        fputs("  ", f);
}

static int is_nil(xmlNode *el)
{
    xmlChar *v = xmlGetNsProp(el, BAD_CAST "nil", BAD_CAST XSI_NS);
    int nil = v && (xmlStrcmp(v, BAD_CAST "true") == 0 || xmlStrcmp(v, BAD_CAST "1") == 0);
    xmlFree(v);
    return nil;
}

static int is_nil_attr(xmlAttr *a)
{
    return a->ns && xmlStrcmp(a->ns->href, BAD_CAST XSI_NS) == 0
           && xmlStrcmp(a->name, BAD_CAST "nil") == 0;
}

static int has_element_children(xmlNode *el)
{
    for (xmlNode *c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static int has_attributes(xmlNode *el)
{
    for (xmlAttr *a = el->properties; a; a = a->next)
        if (!is_nil_attr(a))
            return 1;
    return 0;
}

/* Text directly under el (not in child elements), NULL when only whitespace. */
static xmlChar *own_text(xmlNode *el)
{
    xmlChar *text = NULL;
    for (xmlNode *c = el->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            text = xmlStrcat(text, c->content);
    if (text && !text[strspn((const char *)text, " \t\r\n")]) {
        xmlFree(text);
        text = NULL;
    }
    return text;
}

static void write_element(FILE *f, xmlNode *el, int indent);

static void write_key(FILE *f, const char *prefix, const xmlChar *name, int indent, int *first)
{
    if (!*first)
        fputc(',', f);
    *first = 0;
    newline(f, indent);
    char key[512];
    snprintf(key, sizeof key, "%s%s", prefix, (const char *)name);
    json_write_string(f, key);
    fputs(": ", f);
}

static void write_object(FILE *f, xmlNode *el, int indent)
{
    int first = 1;
    fputc('{', f);
    for (xmlAttr *a = el->properties; a; a = a->next) {
        if (is_nil_attr(a))
            continue;
        write_key(f, "@", a->name, indent + 1, &first);
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        json_write_string(f, v ? (const char *)v : "");
        xmlFree(v);
    }
    for (xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        /* Group siblings by local name at the first one; skip the later ones. */
        int seen = 0, count = 0;
        for (xmlNode *p = el->children; p != c; p = p->next)
            if (p->type == XML_ELEMENT_NODE && xmlStrcmp(p->name, c->name) == 0)
                seen = 1;
        if (seen)
            continue;
        for (xmlNode *p = c; p; p = p->next)
            if (p->type == XML_ELEMENT_NODE && xmlStrcmp(p->name, c->name) == 0)
                count++;
        write_key(f, "", c->name, indent + 1, &first);
        if (count == 1) {
            write_element(f, c, indent + 1);
            continue;
        }
        int first_item = 1;
        fputc('[', f);
        for (xmlNode *p = c; p; p = p->next) {
            if (p->type != XML_ELEMENT_NODE || xmlStrcmp(p->name, c->name) != 0)
                continue;
            if (!first_item)
                fputc(',', f);
            first_item = 0;
            newline(f, indent + 2);
            write_element(f, p, indent + 2);
        }
        newline(f, indent + 1);
        fputc(']', f);
    }
    xmlChar *text = own_text(el);
    if (text) {
        write_key(f, "", BAD_CAST "#text", indent + 1, &first);
        json_write_string(f, (const char *)text);
        xmlFree(text);
    }
    if (!first)
        newline(f, indent);
    fputc('}', f);
}

static void write_element(FILE *f, xmlNode *el, int indent)
{
    if (!has_element_children(el) && !has_attributes(el)) {
        if (is_nil(el)) {
            fputs("null", f);
            return;
        }
        xmlChar *text = xmlNodeGetContent(el);
        json_write_string(f, text ? (const char *)text : "");
        xmlFree(text);
        return;
    }
    write_object(f, el, indent);
}

int xml_json_write(FILE *f, const char *xml, int indent)
{
    /* No network, no entity expansion: the reply comes from the server, untrusted. */
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "reply.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return fail("use --xml to see the raw reply", "cannot convert the server's reply to JSON: "
                    "it is not well-formed XML");
    }
    int first = 1;
    fputc('{', f);
    write_key(f, "", root->name, indent + 1, &first);
    write_element(f, root, indent + 1);
    newline(f, indent);
    fputc('}', f);
    xmlFreeDoc(doc);
    return 0;
}
