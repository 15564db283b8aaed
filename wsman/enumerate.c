/* WS-Enumeration Enumerate/Pull with an optional WQL filter (MS-WSMV 3.1.4.1.13, 4.1.2;
 * PROTOCOL.md 1.6). wsman:OptimizeEnumeration lets the first reply carry items too. */
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

#define WS_ENUM_MAX_ELEMENTS "32000"

/* Items sit in wsman:Items (optimized Enumerate) or wsen:Items (Pull). */
static ws_rc deliver_items(const xmlNode *items, ws_item_cb on_item, void *ud, ws_error *err)
{
    for (xmlNodePtr n = items ? items->children : NULL; n; n = n->next) {
        char *xml;
        ws_rc rc;
        int stop;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if ((rc = ws_xml_serialize_node(n, &xml, err)) != WS_OK)
            return rc;
        stop = on_item ? on_item(ud, xml) : 0;
        free(xml);
        if (stop)
            return ws_error_set(err, WS_E_USAGE, "", "the enumeration was stopped by the caller");
    }
    return WS_OK;
}

static xmlNodePtr either(const xmlNode *parent, const char *name)
{
    xmlNodePtr n = ws_xml_child(parent, WS_NS_WSMAN, name);

    return n ? n : ws_xml_child(parent, WS_NS_ENUM, name);
}

ws_rc ws_enum_parse(const ws_reply *r, ws_item_cb on_item, void *ud, char **context,
                    int *end, ws_error *err)
{
    const xmlNode *resp = r->payload;
    xmlNodePtr ctx;

    *context = NULL;
    *end = 0;
    if (!ws_xml_is(resp, WS_NS_ENUM, "EnumerateResponse") && !ws_xml_is(resp, WS_NS_ENUM, "PullResponse"))
        return ws_error_set(err, WS_E_PROTOCOL, "",
                            "expected an EnumerateResponse or PullResponse, got <%.60s>",
                            resp ? (const char *)resp->name : "nothing");
    /* The context first, so that a caller who stops early can still Release it. */
    if ((ctx = ws_xml_child(resp, WS_NS_ENUM, "EnumerationContext"))) {
        if (!(*context = ws_xml_text(ctx)))
            return ws_error_set(err, WS_E_NOMEM, "", "out of memory reading an EnumerationContext");
        if (!**context) {
            free(*context);
            *context = NULL;
        }
    }
    *end = either(resp, "EndOfSequence") != NULL;
    return deliver_items(either(resp, "Items"), on_item, ud, err);
}

/* The resource an enumeration addresses: URI and selectors, sent with every request of
 * it (DSP0226 8.2). */
typedef struct enum_target {
    const char *uri;
    const ws_selector *sel;
    size_t nsel;
    int epr;                    /* wsman:EnumerationMode EnumerateObjectAndEPR */
} enum_target;

/* Enumerate or Pull: one request, items delivered, context and end handed back. */
static ws_rc enum_step(ws_client *c, const enum_target *t, const char *wql,
                       char **context, int *end, ws_item_cb on_item, void *ud, ws_error *err)
{
    ws_envelope env;
    ws_reply reply;
    xmlNodePtr op;
    const char *action = *context ? WS_ACTION_PULL : WS_ACTION_ENUMERATE;
    ws_rc rc;

    if ((rc = ws_client_envelope(c, action, t->uri, t->sel, t->nsel, NULL, 0, &env, err)) != WS_OK)
        return rc;
    if (*context) {
        op = ws_xml_add(env.body, WS_NS_ENUM, "n", "Pull", NULL);
        if (!op || !ws_xml_add(op, WS_NS_ENUM, "n", "EnumerationContext", *context)
            || !ws_xml_add(op, WS_NS_ENUM, "n", "MaxElements", WS_ENUM_MAX_ELEMENTS))
            goto nomem;
    } else {
        xmlNodePtr filter;
        op = ws_xml_add(env.body, WS_NS_ENUM, "n", "Enumerate", NULL);
        if (!op || !ws_xml_add(op, WS_NS_WSMAN, "w", "OptimizeEnumeration", NULL)
            || !ws_xml_add(op, WS_NS_WSMAN, "w", "MaxElements", WS_ENUM_MAX_ELEMENTS))
            goto nomem;
        if (wql && (!(filter = ws_xml_add(op, WS_NS_WSMAN, "w", "Filter", wql))
                    || !xmlSetProp(filter, BAD_CAST "Dialect", BAD_CAST WS_DIALECT_WQL)))
            goto nomem;
        if (t->epr && !ws_xml_add(op, WS_NS_WSMAN, "w", "EnumerationMode", "EnumerateObjectAndEPR"))
            goto nomem;
    }
    free(*context);
    *context = NULL;
    if ((rc = ws_client_call(c, &env, 0, &reply, err)) == WS_OK) {
        rc = ws_enum_parse(&reply, on_item, ud, context, end, err);
        ws_reply_free(&reply);
    }
    ws_envelope_free(&env);
    return rc;
nomem:
    ws_envelope_free(&env);
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory building an enumeration request");
}

/* Frees the server's enumeration state when the caller stops early (WS-Enumeration 3.5). */
static void enum_release(ws_client *c, const enum_target *t, const char *context)
{
    ws_envelope env;
    ws_reply reply;
    xmlNodePtr op;

    if (ws_client_envelope(c, WS_ACTION_RELEASE, t->uri, t->sel, t->nsel, NULL, 0, &env, NULL) != WS_OK)
        return;
    op = ws_xml_add(env.body, WS_NS_ENUM, "n", "Release", NULL);
    if (op && ws_xml_add(op, WS_NS_ENUM, "n", "EnumerationContext", context)
        && ws_client_call(c, &env, 0, &reply, NULL) == WS_OK)
        ws_reply_free(&reply);
    ws_envelope_free(&env);
}

/* Counts the items of one reply on their way to the caller's callback. */
typedef struct item_count {
    ws_item_cb on_item;
    void *ud;
    size_t items;
} item_count;

static int count_item(void *ud, const char *item_xml)
{
    item_count *ic = ud;

    ic->items++;
    return ic->on_item ? ic->on_item(ic->ud, item_xml) : 0;
}

static ws_rc enumerate(ws_client *c, const enum_target t, const char *wql, ws_item_cb on_item,
                       void *ud, ws_error *err)
{
    const char *resource_uri = t.uri;
    item_count ic = {on_item, ud, 0};
    char *context = NULL;
    int end = 0, release;
    unsigned empty_pulls = 0;
    ws_rc rc;

    if (!resource_uri || !*resource_uri)
        return ws_error_set(err, WS_E_USAGE, "give a resource URI", "no resource URI given");
    for (int pull = 0;; pull = 1) {
        ic.items = 0;
        rc = enum_step(c, &t, wql, &context, &end, count_item, &ic, err);
        if (rc != WS_OK || end || !context)
            break;
        empty_pulls = pull && ic.items == 0 ? empty_pulls + 1 : 0;
        if (empty_pulls >= WS_ENUM_MAX_EMPTY_PULLS) {
            rc = ws_error_set(err, WS_E_PROTOCOL, "the server's enumeration is stuck: retry it, or narrow it with a filter",
                              "the server answered %u Pulls in a row with no items and no EndOfSequence; "
                              "stopped there (capped at %u empty Pulls)", empty_pulls, WS_ENUM_MAX_EMPTY_PULLS);
            break;
        }
    }
    /* The caller stopped early, or the server is stuck: let it free the context. */
    release = (rc == WS_E_USAGE || empty_pulls >= WS_ENUM_MAX_EMPTY_PULLS) && context && !end;
    if (release)
        enum_release(c, &t, context);
    free(context);
    return rc;
}

ws_rc ws_enumerate(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                   const char *wql, ws_item_cb on_item, void *ud, ws_error *err)
{
    return enumerate(c, (enum_target){resource_uri, sel, nsel, 0}, wql, on_item, ud, err);
}

ws_rc ws_enumerate_epr(ws_client *c, const char *resource_uri, const ws_selector *sel,
                       size_t nsel, const char *wql, ws_item_cb on_item, void *ud,
                       ws_error *err)
{
    return enumerate(c, (enum_target){resource_uri, sel, nsel, 1}, wql, on_item, ud, err);
}
