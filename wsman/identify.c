/* wsmid:Identify (DSP0226 11, MS-WSMV 3.1.4.1.23): which protocol and product the
 * server speaks. The unauthenticated form needs the WSMANIDENTIFY header, which the
 * transport adds for WS_POST_UNAUTHENTICATED. */
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

void ws_identity_free(ws_identity *id)
{
    if (!id)
        return;
    free(id->protocol_version);
    free(id->product_vendor);
    free(id->product_version);
    free(id->security_profiles);
    memset(id, 0, sizeof *id);
}

/* Both namespace spellings exist: "identity" on the wire, "identify" in MS-WSMV 2.2.1. */
static xmlNodePtr identity_child(const xmlNode *parent, const char *name)
{
    xmlNodePtr n = ws_xml_child(parent, WS_NS_IDENTITY, name);

    return n ? n : ws_xml_child(parent, WS_NS_IDENTIFY_ALT, name);
}

static int take(char **dst, const xmlNode *parent, const char *name)
{
    xmlNodePtr n = identity_child(parent, name);

    return !n || (*dst = ws_xml_text(n)) ? 0 : -1;
}

/* SecurityProfiles holds one SecurityProfileName per profile: join them with spaces. */
static int take_profiles(ws_identity *id, const xmlNode *resp)
{
    xmlNodePtr set = identity_child(resp, "SecurityProfiles");
    ws_buf b = WS_BUF_INIT;

    if (!set)
        return 0;
    for (xmlNodePtr n = set->children; n; n = n->next) {
        char *s;
        if (!ws_xml_is(n, WS_NS_IDENTITY, "SecurityProfileName")
            && !ws_xml_is(n, WS_NS_IDENTIFY_ALT, "SecurityProfileName"))
            continue;
        if (!(s = ws_xml_text(n)))
            goto nomem;
        if ((b.len && ws_buf_appends(&b, " ") < 0) || ws_buf_appends(&b, s) < 0) {
            free(s);
            goto nomem;
        }
        free(s);
    }
    if (!b.data && ws_buf_appends(&b, "") < 0)
        goto nomem;
    id->security_profiles = ws_buf_steal(&b);
    return 0;
nomem:
    ws_buf_free(&b);
    return -1;
}

ws_rc ws_identity_parse(const ws_reply *r, ws_identity *out, ws_error *err)
{
    const xmlNode *resp = r->payload;

    memset(out, 0, sizeof *out);
    if (!ws_xml_is(resp, WS_NS_IDENTITY, "IdentifyResponse")
        && !ws_xml_is(resp, WS_NS_IDENTIFY_ALT, "IdentifyResponse"))
        return ws_error_set(err, WS_E_PROTOCOL, "check that the URL points at a WS-Management listener",
                            "the server did not answer Identify with an IdentifyResponse");
    if (take(&out->protocol_version, resp, "ProtocolVersion") < 0
        || take(&out->product_vendor, resp, "ProductVendor") < 0
        || take(&out->product_version, resp, "ProductVersion") < 0
        || take_profiles(out, resp) < 0) {
        ws_identity_free(out);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory reading IdentifyResponse");
    }
    if (!out->protocol_version) {
        ws_identity_free(out);
        return ws_error_set(err, WS_E_PROTOCOL, "", "the IdentifyResponse has no ProtocolVersion");
    }
    return WS_OK;
}

ws_rc ws_identify(ws_client *c, int unauthenticated, ws_identity *out, ws_error *err)
{
    ws_header h = {0};   /* no Action: Identify goes with an empty s:Header */
    ws_envelope env;
    ws_reply reply;
    ws_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = ws_envelope_new(&h, &env, err)) != WS_OK)
        return rc;
    if (!ws_xml_add(env.body, WS_NS_IDENTITY, "wsmid", "Identify", NULL)) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory building Identify");
        goto done;
    }
    rc = ws_client_call(c, &env, WS_POST_IDEMPOTENT | (unauthenticated ? WS_POST_UNAUTHENTICATED : 0),
                        &reply, err);
    if (rc != WS_OK)
        goto done;
    rc = ws_identity_parse(&reply, out, err);
    ws_reply_free(&reply);
done:
    ws_envelope_free(&env);
    return rc;
}
