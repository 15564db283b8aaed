/* Custom actions: a WMI/CIM method is invoked with the action <resourceURI>/<Method>
 * and a <Method>_INPUT body in the class namespace (MS-WSMV 3.1.4.1.32, 4.1.4). */
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "wsman/soap.h"

/* The empty <p:Method_INPUT xmlns:p="resourceURI"/> for methods without parameters. */
static ws_rc empty_input(const char *resource_uri, const char *method, char **out,
                         ws_error *err)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root;
    ws_buf name = WS_BUF_INIT;
    ws_rc rc = WS_OK;

    *out = NULL;
    if (!doc || ws_buf_appendf(&name, "%s_INPUT", method) < 0)
        goto nomem;
    if (!(root = xmlNewDocNode(doc, NULL, BAD_CAST name.data, NULL)))
        goto nomem;
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST resource_uri, BAD_CAST "p"));
    if (!root->ns)
        goto nomem;
    rc = ws_xml_serialize_node(root, out, err);
    goto done;
nomem:
    rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory building an Invoke body");
done:
    ws_buf_free(&name);
    xmlFreeDoc(doc);
    return rc;
}

ws_rc ws_invoke(ws_client *c, const char *resource_uri, const char *method,
                const ws_selector *sel, size_t nsel, const char *body_xml,
                char **reply_xml, ws_error *err)
{
    ws_buf action = WS_BUF_INIT;
    char *input = NULL;
    ws_rc rc;

    if (reply_xml)
        *reply_xml = NULL;
    if (!resource_uri || !*resource_uri || !method || !*method || strpbrk(method, "/ <>&\"'"))
        return ws_error_set(err, WS_E_USAGE, "give a resource URI and a method name such as Create",
                            "Invoke needs a resource URI and a plain method name");
    if (ws_buf_appendf(&action, "%s/%s", resource_uri, method) < 0) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory building an Invoke request");
        goto done;
    }
    if (!body_xml && (rc = empty_input(resource_uri, method, &input, err)) != WS_OK)
        goto done;
    rc = ws_transfer_call(c, action.data, resource_uri, sel, nsel, body_xml ? body_xml : input,
                          0, reply_xml, err);
done:
    free(input);
    ws_buf_free(&action);
    return rc;
}
