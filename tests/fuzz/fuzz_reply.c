/* libFuzzer target: a SOAP reply from the server (wsman/reply.c ws_reply_parse) and
 * everything read from it: a Fault (ws_fault_parse, ws_fault_to_error), Receive streams
 * and CommandState (ws_shell_parse_receive), Identify, shell Create and Command replies,
 * Enumerate items and header lookups. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

#define MESSAGE_ID "uuid:0AB58087-C2C3-0005-0000-000000010000"
#define COMMAND_ID "1A6DEE6B-EC68-4DD6-87E9-030C0048ECC4"

static int on_stream(void *ud, const char *stream, const void *data, size_t len)
{
    size_t *total = ud;
    /* Touch every byte so ASan sees reads past the end. */
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        *total += p[i];
    *total += strlen(stream);
    return 0;
}

static int on_item(void *ud, const char *item_xml)
{
    size_t *total = ud;
    *total += strlen(item_xml);
    return 0;
}

static void read_fault(xmlNodePtr fault)
{
    ws_fault f;
    ws_error err = {0};
    if (ws_fault_parse(fault, &f, &err) == WS_OK) {
        (void)ws_fault_is_timeout(&f);
        ws_fault_to_error(&f, 500, &err);
    }
    ws_error_clear(&err);
    /* The same with no error to hand the fault to. */
    if (ws_fault_parse(fault, &f, NULL) == WS_OK)
        ws_fault_to_error(&f, 400, NULL);
}

static void read_payload(const ws_reply *r)
{
    ws_error err = {0};
    size_t total = 0;
    char *s = NULL;

    for (int pass = 0; pass < 2; pass++) {
        ws_receive rcv = {0};
        ws_shell_parse_receive(r, pass ? COMMAND_ID : NULL, on_stream, &total, &rcv, &err);
        ws_receive_free(&rcv);
        ws_error_clear(&err);
    }

    ws_identity id;
    if (ws_identity_parse(r, &id, &err) == WS_OK)
        ws_identity_free(&id);
    ws_error_clear(&err);

    if (ws_shell_parse_created(r, &s, &err) == WS_OK)
        free(s);
    ws_error_clear(&err);
    if (ws_shell_parse_command(r, &s, &err) == WS_OK)
        free(s);
    ws_error_clear(&err);

    char *context = NULL;
    int end = 0;
    ws_enum_parse(r, on_item, &total, &context, &end, &err);
    free(context);
    ws_error_clear(&err);

    if (r->payload && ws_xml_serialize_node(r->payload, &s, &err) == WS_OK)
        free(s);
    ws_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ws_reply r;
    ws_error err = {0};

    if (ws_reply_parse((const char *)data, size, MESSAGE_ID, &r, &err) != WS_OK) {
        ws_error_clear(&err);
        /* A RelatesTo mismatch is the only difference without a message id. */
        if (ws_reply_parse((const char *)data, size, NULL, &r, &err) != WS_OK) {
            ws_error_clear(&err);
            return 0;
        }
    }
    free(ws_reply_header(&r, WS_NS_ADDR, "Action"));
    free(ws_reply_header(&r, WS_NS_ADDR, "RelatesTo"));
    if (r.payload && ws_xml_is(r.payload, WS_NS_SOAP, "Fault"))
        read_fault(r.payload);
    else
        read_payload(&r);
    ws_reply_free(&r);
    return 0;
}
