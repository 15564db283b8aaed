/* Learning the server's envelope limit (MS-WSMV 2.2.4.10, PROTOCOL.md 8): Server 2012
 * and later accept 500 KiB (MaxEnvelopeSizekb), older ones 150, and nanosh starts at
 * the safe 153600 bytes. Big uploads ask once and then send three times as much per
 * request. */
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

#define WS_NS_CONFIG "http://schemas.microsoft.com/wbem/wsman/1/config"
/* A bound on what a reply may claim, so a hostile value cannot make envelopes huge. */
#define MAX_ENVELOPE_CAP (4u * 1024u * 1024u)
/* Room for the multipart/encrypted framing and signature around a sealed envelope
 * (MS-WSMV 2.2.9.1.1.2): the server may count the whole HTTP body against its limit. */
#define FRAMING_ROOM 2048u

ws_rc ws_client_learn_max_envelope(ws_client *c, ws_error *err)
{
    char *config = NULL, *text = NULL, *end = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr n;
    unsigned long kb;
    ws_rc rc;

    if ((rc = ws_get(c, WS_NS_CONFIG, NULL, 0, &config, err)) != WS_OK)
        return rc;
    if ((rc = ws_xml_parse(config, strlen(config), "the WinRM configuration", &doc, err)) != WS_OK)
        goto out;
    n = xmlDocGetRootElement(doc);
    if (!(n && ws_xml_is(n, WS_NS_CONFIG, "MaxEnvelopeSizekb")))
        n = n ? ws_xml_find(n, WS_NS_CONFIG, "MaxEnvelopeSizekb") : NULL;
    if (!n || !(text = ws_xml_text(n)) || (kb = strtoul(text, &end, 10), *end) || kb < 8 ||
        kb > MAX_ENVELOPE_CAP / 1024) {
        rc = ws_error_set(err, WS_E_PROTOCOL, "", "the WinRM configuration has no usable MaxEnvelopeSizekb");
        goto out;
    }
    if (kb * 1024 - FRAMING_ROOM > ws_client_max_envelope(c))
        ws_client_set_max_envelope(c, (unsigned)(kb * 1024 - FRAMING_ROOM));
out:
    free(text);
    xmlFreeDoc(doc);
    free(config);
    return rc;
}
