/* WS-Transfer Get, Put, Create and Delete (MS-WSMV 3.1.4.2-3.1.4.5). */
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

ws_rc ws_transfer_call(ws_client *c, const char *action, const char *resource_uri,
                       const ws_selector *sel, size_t nsel, const char *body_xml,
                       unsigned flags, char **reply_xml, ws_error *err)
{
    ws_envelope env;
    ws_reply reply;
    ws_rc rc;

    if (reply_xml)
        *reply_xml = NULL;
    if (!resource_uri || !*resource_uri)
        return ws_error_set(err, WS_E_USAGE, "give a resource URI", "no resource URI given");
    if ((rc = ws_client_envelope(c, action, resource_uri, sel, nsel, NULL, 0, &env, err)) != WS_OK)
        return rc;
    if (body_xml && (rc = ws_envelope_add_xml(&env, body_xml, err)) != WS_OK)
        goto done;
    if ((rc = ws_client_call(c, &env, flags, &reply, err)) != WS_OK)
        goto done;
    if (reply_xml && reply.payload)
        rc = ws_xml_serialize_node(reply.payload, reply_xml, err);
    ws_reply_free(&reply);
done:
    ws_envelope_free(&env);
    return rc;
}

ws_rc ws_get(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
             char **reply_xml, ws_error *err)
{
    return ws_transfer_call(c, WS_ACTION_GET, resource_uri, sel, nsel, NULL,
                            WS_POST_IDEMPOTENT, reply_xml, err);
}

ws_rc ws_put(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
             const char *body_xml, char **reply_xml, ws_error *err)
{
    if (!body_xml)
        return ws_error_set(err, WS_E_USAGE, "give the new representation of the resource",
                            "Put needs a body");
    return ws_transfer_call(c, WS_ACTION_PUT, resource_uri, sel, nsel, body_xml,
                            WS_POST_IDEMPOTENT, reply_xml, err);
}

ws_rc ws_create(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                const char *body_xml, char **reply_xml, ws_error *err)
{
    return ws_transfer_call(c, WS_ACTION_CREATE, resource_uri, sel, nsel, body_xml, 0,
                            reply_xml, err);
}

ws_rc ws_delete(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                ws_error *err)
{
    return ws_transfer_call(c, WS_ACTION_DELETE, resource_uri, sel, nsel, NULL,
                            WS_POST_IDEMPOTENT, NULL, err);
}
