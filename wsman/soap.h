/* SOAP internals of wsman/: envelope building (envelope.c), reply parsing (reply.c),
 * fault decoding (fault.c), the request routine (client.c) and the reply readers each
 * operation exposes so that tests can replay recorded traffic without a network. */
#ifndef NANOSH_SOAP_H
#define NANOSH_SOAP_H
#include <libxml/tree.h>
#include "wsman/wsman.h"
#include "wsman/transport.h"

/* Action URIs, MS-WSMV 3.1.4.2-3.1.4.14. */
#define WS_ACTION_GET      WS_NS_TRANSFER "/Get"
#define WS_ACTION_PUT      WS_NS_TRANSFER "/Put"
#define WS_ACTION_CREATE   WS_NS_TRANSFER "/Create"
#define WS_ACTION_DELETE   WS_NS_TRANSFER "/Delete"
#define WS_ACTION_ENUMERATE WS_NS_ENUM "/Enumerate"
#define WS_ACTION_PULL     WS_NS_ENUM "/Pull"
#define WS_ACTION_RELEASE  WS_NS_ENUM "/Release"
#define WS_ACTION_COMMAND  WS_NS_SHELL "/Command"
#define WS_ACTION_SEND     WS_NS_SHELL "/Send"
#define WS_ACTION_RECEIVE  WS_NS_SHELL "/Receive"
#define WS_ACTION_SIGNAL   WS_NS_SHELL "/Signal"
#define WS_ADDR_ANONYMOUS  WS_NS_ADDR "/role/anonymous"
#define WS_DIALECT_WQL     "http://schemas.microsoft.com/wbem/wsman/1/WQL"
#define WS_STATE_DONE      WS_NS_SHELL "/CommandState/Done"

#define WS_DEFAULT_MAX_ENVELOPE 153600u
/* Replies above this are refused before parsing: Windows caps envelopes at
 * MaxEnvelopeSizekb (500 KiB by default, MS-WSMV 2.2.4.10), so this is generous. */
#define WS_REPLY_MAX_BYTES (32u * 1024u * 1024u)

#define WS_UUID_LEN 36                         /* RFC 4122 text form */
#define WS_MESSAGE_ID_LEN (5 + WS_UUID_LEN)   /* "uuid:" + UUID */

/* A wsman:Option of the OptionSet header (MS-WSMV 3.1.4.1.10). */
typedef struct ws_option {
    const char *name;
    const char *value;
    int must_comply;
} ws_option;

/* The addressing headers of one request, MS-WSMV 3.1.4.1 / PROTOCOL.md 1.3.
 * action == NULL builds the Identify form: an empty s:Header (MS-WSMV 3.1.4.1.23). */
typedef struct ws_header {
    const char *to;                 /* endpoint URL */
    const char *action;
    const char *resource_uri;       /* NULL: no ResourceURI header */
    const char *session_id;         /* "uuid:..." or NULL */
    const char *locale;             /* NULL: "en-US" */
    unsigned max_envelope_size;     /* 0: WS_DEFAULT_MAX_ENVELOPE */
    long operation_timeout_ms;      /* <= 0: no OperationTimeout header */
    const ws_selector *selectors;
    size_t nselectors;
    const ws_option *options;
    size_t noptions;
} ws_header;

typedef struct ws_envelope {
    xmlDocPtr doc;
    xmlNodePtr header, body;
    xmlNsPtr ns_soap;
    char message_id[WS_MESSAGE_ID_LEN + 1];   /* empty for the Identify form */
} ws_envelope;

/* envelope.c */
ws_rc ws_uuid_new(char out[WS_UUID_LEN + 1], ws_error *err);
ws_rc ws_envelope_new(const ws_header *h, ws_envelope *env, ws_error *err);
/* Adds an element in namespace ns_uri (declared with prefix on it unless in scope)
 * under parent; text may be NULL. Returns NULL only when out of memory. */
xmlNodePtr ws_xml_add(xmlNodePtr parent, const char *ns_uri, const char *prefix,
                      const char *name, const char *text);
/* Parses body_xml (one complete element) and appends it to the envelope's s:Body. */
ws_rc ws_envelope_add_xml(ws_envelope *env, const char *body_xml, ws_error *err);
ws_rc ws_envelope_serialize(const ws_envelope *env, ws_buf *out, ws_error *err);
void ws_envelope_free(ws_envelope *env);

/* reply.c: a parsed SOAP reply. */
typedef struct ws_reply {
    xmlDocPtr doc;
    xmlNodePtr header, body;
    xmlNodePtr payload;          /* first element child of s:Body, may be NULL */
} ws_reply;

/* Parses a SOAP 1.2 envelope with namespace-aware, prefix-agnostic matching. No
 * network, no DTD, no entity expansion, at most WS_REPLY_MAX_BYTES. When message_id is
 * given and the reply carries wsa:RelatesTo, they must match (WS-Addressing 3). */
ws_rc ws_reply_parse(const char *data, size_t len, const char *message_id,
                     ws_reply *out, ws_error *err);
void ws_reply_free(ws_reply *r);
/* Parses a standalone XML document with the same safety rules (for request bodies). */
ws_rc ws_xml_parse(const char *data, size_t len, const char *what, xmlDocPtr *out,
                   ws_error *err);

/* Element lookup by namespace URI and local name; any prefix matches. */
int ws_xml_is(const xmlNode *n, const char *ns_uri, const char *name);
xmlNodePtr ws_xml_child(const xmlNode *parent, const char *ns_uri, const char *name);
xmlNodePtr ws_xml_next(const xmlNode *after, const char *ns_uri, const char *name);
xmlNodePtr ws_xml_first_element(const xmlNode *parent);
/* First match in document order below root (root excluded). */
xmlNodePtr ws_xml_find(const xmlNode *root, const char *ns_uri, const char *name);
/* Text content with surrounding whitespace removed; malloc'd, NULL when out of memory. */
char *ws_xml_text(const xmlNode *n);
/* Attribute value (no namespace) trimmed; malloc'd, NULL when absent. */
char *ws_xml_attr(const xmlNode *n, const char *name);
/* The local part of a QName ("s:Receiver" -> "Receiver"). */
const char *ws_qname_local(const char *qname);
/* Serializes n as a standalone element, keeping every in-scope namespace declaration. */
ws_rc ws_xml_serialize_node(const xmlNode *n, char **out, ws_error *err);
/* The wsa:Action / wsa:RelatesTo header text, malloc'd, NULL when absent. */
char *ws_reply_header(const ws_reply *r, const char *ns_uri, const char *name);

/* fault.c */
/* Fills f from an s:Fault element (MS-WSMV 2.2.4.43). */
ws_rc ws_fault_parse(const xmlNode *fault, ws_fault *f, ws_error *err);
/* Turns a parsed fault into err: rc WS_E_FAULT, a one-line what and fix. Takes ownership
 * of f's strings (f is zeroed). */
ws_rc ws_fault_to_error(ws_fault *f, long http_status, ws_error *err);
/* Whether the fault is w:TimedOut (MS-WSMV 3.1.4.14: poll again). */
int ws_fault_is_timeout(const ws_fault *f);
/* Whether the fault says the shell named by ShellId is gone (w:InvalidSelectors from
 * the shell provider), as opposed to an unknown command or resource key. */
int ws_fault_is_shell_gone(const ws_fault *f);

/* client.c */
/* Starts an envelope with the client's To, SessionId, Locale, MaxEnvelopeSize and
 * OperationTimeout. */
ws_rc ws_client_envelope(const ws_client *c, const char *action, const char *resource_uri,
                         const ws_selector *sel, size_t nsel, const ws_option *opt,
                         size_t nopt, ws_envelope *env, ws_error *err);
/* Build, post, parse, fault: posts env and parses the reply. A SOAP fault returns
 * WS_E_FAULT with err->fault filled; reply is only set on WS_OK. flags: WS_POST_*. */
ws_rc ws_client_call(ws_client *c, const ws_envelope *env, unsigned flags, ws_reply *reply,
                     ws_error *err);
/* The same for a request already serialized (req, len), whose MessageID is message_id. */
ws_rc ws_client_call_text(ws_client *c, const char *req, size_t len, const char *message_id,
                          unsigned flags, ws_reply *reply, ws_error *err);
unsigned ws_client_max_envelope(const ws_client *c);
void ws_client_set_max_envelope(ws_client *c, unsigned bytes);

/* limits.c: raises the client's MaxEnvelopeSize to the server's MaxEnvelopeSizekb. */
ws_rc ws_client_learn_max_envelope(ws_client *c, ws_error *err);
const char *ws_client_locale(const ws_client *c);

/* transfer.c: one request whose body is body_xml (or empty) and whose reply payload is
 * handed back serialized (NULL when the body is empty); reply_xml may be NULL. */
ws_rc ws_transfer_call(ws_client *c, const char *action, const char *resource_uri,
                       const ws_selector *sel, size_t nsel, const char *body_xml,
                       unsigned flags, char **reply_xml, ws_error *err);

/* Reply readers, one per operation (identify.c, enumerate.c, shell.c). */
ws_rc ws_identity_parse(const ws_reply *r, ws_identity *out, ws_error *err);
/* Sets *context (malloc'd, NULL when absent; set even when on_item stops, so it can be
 * released) and *end, then calls on_item for each item. */
ws_rc ws_enum_parse(const ws_reply *r, ws_item_cb on_item, void *ud, char **context,
                    int *end, ws_error *err);
ws_rc ws_shell_parse_created(const ws_reply *r, char **shell_id, ws_error *err);
ws_rc ws_shell_parse_command(const ws_reply *r, char **command_id, ws_error *err);
/* command_id may be NULL to accept streams of every command. */
ws_rc ws_shell_parse_receive(const ws_reply *r, const char *command_id, ws_stream_cb cb,
                             void *ud, ws_receive *out, ws_error *err);

#endif
