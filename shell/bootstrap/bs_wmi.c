/* WMI through the WinRM WMI plug-in (NANO.md 2.2): WQL enumerations into lists of
 * property maps, Get by selectors, Invoke with parameters. Replies are host text: every
 * shape is checked, nothing is assumed present, counts are bounded. */
#include "shell/bootstrap/bs_int.h"
#include "wsman/soap.h"
#include <stdlib.h>
#include <string.h>

#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

void bs_obj_free(bs_obj *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nprops; i++) {
        free(o->props[i].name);
        free(o->props[i].value);
    }
    for (size_t i = 0; i < o->nsel; i++) {
        free((char *)o->sel[i].name);
        free((char *)o->sel[i].value);
    }
    free(o->props);
    free(o->sel);
    memset(o, 0, sizeof *o);
}

void bs_objs_free(bs_objs *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        bs_obj_free(&l->v[i]);
    if (l) {
        free(l->v);
        memset(l, 0, sizeof *l);
    }
}

const char *bs_obj_get(const bs_obj *o, const char *name)
{
    for (size_t i = 0; o && i < o->nprops; i++)
        if (strcmp(o->props[i].name, name) == 0)
            return o->props[i].value;
    return NULL;
}

static int is_nil(const xmlNode *n)
{
    xmlChar *v = xmlGetNsProp(n, BAD_CAST "nil", BAD_CAST NS_XSI);
    int nil = v && strcmp((const char *)v, "true") == 0;
    xmlFree(v);
    return nil;
}

/* A reference property (an EPR) as "Key=value,Key=value" from its SelectorSet. */
static char *selectors_text(const xmlNode *set)
{
    ws_buf b = WS_BUF_INIT;
    int bad = 0;
    for (xmlNodePtr s = ws_xml_child(set, WS_NS_WSMAN, "Selector"); s && !bad;
         s = ws_xml_next(s, WS_NS_WSMAN, "Selector")) {
        char *name = ws_xml_attr(s, "Name"), *value = ws_xml_text(s);
        bad = !name || !value ||
              ws_buf_appendf(&b, "%s%s=%s", b.len ? "," : "", name, value) < 0;
        free(name);
        free(value);
    }
    char *out = bad ? NULL : ws_buf_steal(&b);
    ws_buf_free(&b);
    return out ? out : strdup("");
}

/* The element children of n as properties. */
static ws_rc read_props(const xmlNode *n, bs_obj *o, ws_error *err)
{
    size_t count = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        count += c->type == XML_ELEMENT_NODE;
    if (count > BS_WMI_MAX_PROPS)
        return ws_error_set(err, WS_E_PROTOCOL, NULL, "a WMI object with %zu properties: "
                            "more than %d, refused", count, BS_WMI_MAX_PROPS);
    if (!count)
        return WS_OK;
    if (!(o->props = calloc(count, sizeof *o->props)))
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        bs_prop *p = &o->props[o->nprops++];
        p->name = strdup((const char *)c->name);
        xmlNodePtr set = ws_xml_find(c, WS_NS_WSMAN, "SelectorSet");
        p->value = is_nil(c) ? NULL : set ? selectors_text(set) : ws_xml_text(c);
        if (!p->name || (!p->value && !is_nil(c)))
            return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    }
    return WS_OK;
}

/* The wsman:SelectorSet of an EPR, below n. */
static ws_rc read_selectors(const xmlNode *n, bs_obj *o, ws_error *err)
{
    xmlNodePtr set = ws_xml_find(n, WS_NS_WSMAN, "SelectorSet");
    size_t count = 0;
    for (xmlNodePtr s = set ? ws_xml_child(set, WS_NS_WSMAN, "Selector") : NULL; s;
         s = ws_xml_next(s, WS_NS_WSMAN, "Selector"))
        count++;
    if (count > 32)
        return ws_error_set(err, WS_E_PROTOCOL, NULL, "an EPR with %zu selectors: refused", count);
    if (!count)
        return WS_OK;
    if (!(o->sel = calloc(count, sizeof *o->sel)))
        return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
    for (xmlNodePtr s = ws_xml_child(set, WS_NS_WSMAN, "Selector"); s;
         s = ws_xml_next(s, WS_NS_WSMAN, "Selector")) {
        char *name = ws_xml_attr(s, "Name"), *value = ws_xml_text(s);
        if (!name || !value) {
            free(name);
            free(value);
            if (!name)
                continue;     /* a selector without a name addresses nothing */
            return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        }
        o->sel[o->nsel].name = name;
        o->sel[o->nsel].value = value;
        o->nsel++;
    }
    return WS_OK;
}

ws_rc bs_obj_parse(const char *xml, bs_obj *out, ws_error *err)
{
    xmlDocPtr doc;
    memset(out, 0, sizeof *out);
    ws_rc rc = ws_xml_parse(xml, strlen(xml), "a WMI object", &doc, err);
    if (rc != WS_OK)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root && ws_xml_is(root, WS_NS_WSMAN, "Item")) {
        xmlNodePtr obj = ws_xml_first_element(root);
        if (!obj || ws_xml_is(obj, WS_NS_ADDR, "EndpointReference"))
            rc = ws_error_set(err, WS_E_PROTOCOL, NULL, "a wsman:Item without its object");
        else if ((rc = read_props(obj, out, err)) == WS_OK) {
            xmlNodePtr epr = ws_xml_child(root, WS_NS_ADDR, "EndpointReference");
            rc = epr ? read_selectors(epr, out, err) : WS_OK;
        }
    } else if (root)
        rc = read_props(root, out, err);
    else
        rc = ws_error_set(err, WS_E_PROTOCOL, NULL, "an empty WMI reply");
    xmlFreeDoc(doc);
    if (rc != WS_OK)
        bs_obj_free(out);
    return rc;
}

typedef struct collect {
    bs_objs *l;
    size_t cap;
    ws_error *err;
    ws_rc rc;
} collect;

static int collect_item(void *ud, const char *xml)
{
    collect *c = ud;
    if (c->l->n >= BS_WMI_MAX_OBJS) {
        c->rc = ws_error_set(c->err, WS_E_PROTOCOL, NULL, "more than %d WMI objects: "
                             "stopped there", BS_WMI_MAX_OBJS);
        return 1;
    }
    if (c->l->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        bs_obj *v = realloc(c->l->v, cap * sizeof *v);
        if (!v) {
            c->rc = ws_error_set(c->err, WS_E_NOMEM, NULL, "out of memory");
            return 1;
        }
        c->l->v = v;
        c->cap = cap;
    }
    if ((c->rc = bs_obj_parse(xml, &c->l->v[c->l->n], c->err)) != WS_OK)
        return 1;
    c->l->n++;
    return 0;
}

ws_rc bs_wmi_query(bs_run *run, const char *ns, const char *wql, int epr, bs_objs *out,
                   ws_error *err)
{
    char uri[256];
    memset(out, 0, sizeof *out);
    snprintf(uri, sizeof uri, BS_WMI "%s/*", ns);
    collect c = {out, 0, err, WS_OK};
    ws_rc rc = (epr ? ws_enumerate_epr : ws_enumerate)(run->h->client, uri, NULL, 0, wql,
                                                       collect_item, &c, err);
    if (c.rc != WS_OK)
        rc = c.rc;          /* the callback's reason, not "stopped by the caller" */
    if (rc != WS_OK)
        bs_objs_free(out);
    return rc;
}

/* A reply payload into *out; an empty one is a protocol error. */
static ws_rc reply_obj(char *xml, const char *what, bs_obj *out, ws_error *err)
{
    ws_rc rc = xml ? bs_obj_parse(xml, out, err)
                   : ws_error_set(err, WS_E_PROTOCOL, NULL, "the host answered %s with nothing", what);
    free(xml);
    return rc;
}

ws_rc bs_wmi_get(bs_run *run, const char *class_uri, const ws_selector *sel, size_t nsel,
                 bs_obj *out, ws_error *err)
{
    char *xml = NULL;
    memset(out, 0, sizeof *out);
    ws_rc rc = ws_get(run->h->client, class_uri, sel, nsel, &xml, err);
    if (rc != WS_OK) {
        free(xml);
        return rc;
    }
    return reply_obj(xml, "a Get", out, err);
}

/* <p:Method_INPUT xmlns:p="class_uri"><p:Name>value</p:Name>...</p:Method_INPUT> */
static ws_rc input_body(const char *class_uri, const char *method, const bs_prop *params,
                        size_t np, char **out, ws_error *err)
{
    char name[128];
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = NULL;
    ws_rc rc = WS_OK;
    snprintf(name, sizeof name, "%s_INPUT", method);
    if (!doc || !(root = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL)))
        goto nomem;
    xmlDocSetRootElement(doc, root);
    xmlNsPtr ns = xmlNewNs(root, BAD_CAST class_uri, BAD_CAST "p");
    if (!ns)
        goto nomem;
    xmlSetNs(root, ns);
    for (size_t i = 0; i < np; i++)
        if (!xmlNewTextChild(root, ns, BAD_CAST params[i].name, BAD_CAST params[i].value))
            goto nomem;
    rc = ws_xml_serialize_node(root, out, err);
    xmlFreeDoc(doc);
    return rc;
nomem:
    xmlFreeDoc(doc);
    return ws_error_set(err, WS_E_NOMEM, NULL, "out of memory building an Invoke body");
}

ws_rc bs_wmi_invoke(bs_run *run, const char *class_uri, const char *method,
                    const ws_selector *sel, size_t nsel, const bs_prop *params, size_t np,
                    bs_obj *out, ws_error *err)
{
    char *body = NULL, *xml = NULL;
    memset(out, 0, sizeof *out);
    ws_rc rc = input_body(class_uri, method, params, np, &body, err);
    if (rc == WS_OK)
        rc = ws_invoke(run->h->client, class_uri, method, sel, nsel, body, &xml, err);
    free(body);
    if (rc != WS_OK) {
        free(xml);
        return rc;
    }
    return reply_obj(xml, method, out, err);
}

int bs_wmi_not_found(const ws_error *err)
{
    if (err->rc != WS_E_FAULT)
        return 0;
    const ws_fault *f = &err->fault;
    const char *sub = f->subcode ? f->subcode : "";
    /* The WMI plug-in's answer for a missing instance is a:DestinationUnreachable with
     * ERROR_WSMAN_RESOURCE_NOT_FOUND 2150858752 (recorded on 2012 R2); w:ObjectNotFound
     * and WBEM_E_NOT_FOUND 0x80041002 are taken as the same. */
    if (strcmp(sub, "ObjectNotFound") == 0)
        return 1;
    return f->has_wsman_code && (f->wsman_code == 0x80041002ULL || f->wsman_code == 2150858752ULL);
}

long long bs_return_value(const bs_obj *out)
{
    const char *v = bs_obj_get(out, "ReturnValue");
    char *end;
    if (!v || !*v)
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    return *end || v[0] == '-' || n > 0xFFFFFFFFULL ? -1 : (long long)n;
}

/* The element child of root named name (any namespace), or NULL. */
static xmlNodePtr child_named(xmlNodePtr root, const char *name)
{
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

ws_rc bs_put_prop(bs_run *run, const char *uri, const ws_selector *sel, size_t nsel,
                  const char *prop, const char *value, ws_error *err)
{
    char *xml = NULL, *body = NULL, *reply = NULL;
    xmlDocPtr doc = NULL;
    ws_rc rc = ws_get(run->h->client, uri, sel, nsel, &xml, err);
    if (rc == WS_OK && !xml)
        rc = ws_error_set(err, WS_E_PROTOCOL, NULL, "the host answered a Get with nothing");
    if (rc == WS_OK)
        rc = ws_xml_parse(xml, strlen(xml), "a resource", &doc, err);
    if (rc == WS_OK) {
        xmlNodePtr root = xmlDocGetRootElement(doc), p = root ? child_named(root, prop) : NULL;
        if (!root)
            rc = ws_error_set(err, WS_E_PROTOCOL, NULL, "an empty resource");
        else if (p) {
            xmlUnsetNsProp(p, xmlSearchNsByHref(doc, p, BAD_CAST NS_XSI), BAD_CAST "nil");
            xmlNodeSetContent(p, NULL);
            xmlNodeAddContent(p, BAD_CAST value);
        } else if (!xmlNewTextChild(root, root->ns, BAD_CAST prop, BAD_CAST value))
            rc = ws_error_set(err, WS_E_NOMEM, NULL, "out of memory");
        if (rc == WS_OK)
            rc = ws_xml_serialize_node(root, &body, err);
    }
    if (rc == WS_OK)
        rc = ws_put(run->h->client, uri, sel, nsel, body, &reply, err);
    xmlFreeDoc(doc);
    free(xml);
    free(body);
    free(reply);
    return rc;
}
