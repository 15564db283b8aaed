/* XML to JSON for WS-Management resources, with libxml2 doing the parsing. */
#include "shell/cli/xml_json.h"
#include "shell/cli/errors.h"
#include "shell/cli/json.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/hash.h>
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

static int write_element(FILE *f, xmlNode *el, int indent);

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

/* Per thread, so that conversions on two threads do not share it. */
static _Thread_local unsigned long long sibling_visits;

unsigned long long xml_json_sibling_visits(void)
{
    return sibling_visits;
}

/* Element children of one parent grouped by local name, in order of first appearance:
 * group g holds node[start[g]] .. node[start[g] + count[g] - 1], in document order. */
typedef struct name_groups {
    size_t n;
    size_t *start, *count;
    xmlNode **node;
} name_groups;

static void groups_free(name_groups *g)
{
    free(g->start);
    free(g->count);
    free(g->node);
}

/* Two passes over the children with a hash of names, so that an element with many
 * siblings costs linear work (a reply may hold hundreds of thousands). */
static int group_children(xmlNode *el, name_groups *g)
{
    size_t nchildren = 0, i = 0, *group_of = NULL, *next = NULL;
    xmlHashTablePtr index = NULL;
    int rc = -1;

    memset(g, 0, sizeof *g);
    for (xmlNode *c = el->children; c; c = c->next)
        nchildren += c->type == XML_ELEMENT_NODE;
    if (nchildren == 0)
        return 0;
    g->start = calloc(nchildren, sizeof *g->start);
    g->count = calloc(nchildren, sizeof *g->count);
    g->node = calloc(nchildren, sizeof *g->node);
    group_of = calloc(nchildren, sizeof *group_of);
    next = calloc(nchildren, sizeof *next);
    if (!g->start || !g->count || !g->node || !group_of || !next || !(index = xmlHashCreate(64)))
        goto out;
    for (xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        sibling_visits++;
        /* Values are group numbers + 1, so that NULL means "not seen yet". */
        uintptr_t v = (uintptr_t)xmlHashLookup(index, c->name);
        if (!v) {
            v = ++g->n;
            if (xmlHashAddEntry(index, c->name, (void *)v) != 0)
                goto out;
        }
        group_of[i++] = v - 1;
        g->count[v - 1]++;
    }
    for (size_t k = 1; k < g->n; k++)
        g->start[k] = g->start[k - 1] + g->count[k - 1];
    i = 0;
    for (xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        sibling_visits++;
        size_t grp = group_of[i++];
        g->node[g->start[grp] + next[grp]++] = c;
    }
    rc = 0;
out:
    xmlHashFree(index, NULL);
    free(group_of);
    free(next);
    if (rc != 0)
        groups_free(g);
    return rc;
}

static int write_group(FILE *f, xmlNode **nodes, size_t count, int indent)
{
    if (count == 1)
        return write_element(f, nodes[0], indent);
    fputc('[', f);
    for (size_t i = 0; i < count; i++) {
        if (i)
            fputc(',', f);
        newline(f, indent + 1);
        if (write_element(f, nodes[i], indent + 1) != 0)
            return -1;
    }
    newline(f, indent);
    fputc(']', f);
    return 0;
}

static int write_object(FILE *f, xmlNode *el, int indent)
{
    int first = 1;
    name_groups g;
    if (group_children(el, &g) != 0)
        return -1;
    fputc('{', f);
    for (xmlAttr *a = el->properties; a; a = a->next) {
        if (is_nil_attr(a))
            continue;
        write_key(f, "@", a->name, indent + 1, &first);
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        json_write_string(f, v ? (const char *)v : "");
        xmlFree(v);
    }
    /* Repeated names become one array, at the place of the first one. */
    for (size_t k = 0; k < g.n; k++) {
        xmlNode **nodes = g.node + g.start[k];
        write_key(f, "", nodes[0]->name, indent + 1, &first);
        if (write_group(f, nodes, g.count[k], indent + 1) != 0) {
            groups_free(&g);
            return -1;
        }
    }
    groups_free(&g);
    xmlChar *text = own_text(el);
    if (text) {
        write_key(f, "", BAD_CAST "#text", indent + 1, &first);
        json_write_string(f, (const char *)text);
        xmlFree(text);
    }
    if (!first)
        newline(f, indent);
    fputc('}', f);
    return 0;
}

static int write_element(FILE *f, xmlNode *el, int indent)
{
    if (!has_element_children(el) && !has_attributes(el)) {
        if (is_nil(el)) {
            fputs("null", f);
            return 0;
        }
        xmlChar *text = xmlNodeGetContent(el);
        json_write_string(f, text ? (const char *)text : "");
        xmlFree(text);
        return 0;
    }
    return write_object(f, el, indent);
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
    int rc = write_element(f, root, indent + 1);
    xmlFreeDoc(doc);
    if (rc != 0)
        return fail("free some memory, or use --xml", "out of memory converting the server's reply to JSON");
    newline(f, indent);
    fputc('}', f);
    return 0;
}
