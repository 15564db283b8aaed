/* nanosh's WS-Management client library: the public header.
 * Every call returns a ws_rc and, on failure, fills *err (which may be NULL). */
#ifndef NANOSH_WSMAN_H
#define NANOSH_WSMAN_H
#include <stddef.h>
#include <stdio.h>
#include "auth/auth.h"

/* Namespaces, MS-WSMV 2.2.1. */
#define WS_NS_SOAP    "http://www.w3.org/2003/05/soap-envelope"
#define WS_NS_ADDR    "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define WS_NS_WSMAN   "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define WS_NS_WSMV    "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
#define WS_NS_SHELL   "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define WS_NS_TRANSFER "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define WS_NS_ENUM    "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WS_NS_FAULT   "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
#define WS_NS_IDENTITY "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
#define WS_NS_IDENTIFY_ALT "http://schemas.dmtf.org/wbem/wsman/identify/1/wsmanidentity.xsd"
#define WS_NS_WMIERROR "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"

#define WS_RESOURCE_CMD   WS_NS_SHELL "/cmd"
#define WS_SIGNAL_TERMINATE WS_NS_SHELL "/signal/terminate"
#define WS_SIGNAL_CTRL_C    WS_NS_SHELL "/signal/ctrl_c"
#define WS_FAULT_TIMED_OUT  2150858793ULL   /* MS-WSMV 3.1.4.14: poll again */
#define WS_DEFAULT_OPERATION_TIMEOUT_MS 20000L
#define WS_READ_MARGIN_MS 10000L            /* HTTP read bound beyond OperationTimeout */

typedef struct ws_target {
    const char *host;     /* DNS name, IPv4 or IPv6 literal without brackets */
    int port;             /* 0: 5985 or 5986 */
    int https;
    const char *path;     /* NULL: "/wsman" */
} ws_target;

typedef struct ws_conn_opts {
    const char *cacert;          /* CA bundle for HTTPS, NULL: system store */
    int insecure;                /* skip TLS verification (-k) */
    int allow_unencrypted;       /* permit Basic / plaintext SOAP over HTTP */
    long connect_timeout_ms;     /* 0: 30000 */
    long operation_timeout_ms;   /* wsman:OperationTimeout; 0: 20000 */
    long deadline_ms;            /* whole-operation bound from now, 0: none */
    unsigned max_envelope_size;  /* 0: 153600 */
    const char *locale;          /* NULL: "en-US" */
    FILE *debug;                 /* wire trace with secrets redacted, NULL: off */
} ws_conn_opts;

typedef struct ws_client ws_client;

/* Takes ownership of auth (may be NULL for unauthenticated Identify only). */
ws_rc ws_client_new(const ws_target *t, const ws_conn_opts *o, ws_auth *auth,
                    ws_client **out, ws_error *err);
void ws_client_free(ws_client *c);
const char *ws_client_url(const ws_client *c);
/* Changes wsman:OperationTimeout for the requests that follow (0: the default), e.g. to
 * keep Receive polls short while local input is waiting to be sent. */
void ws_client_set_operation_timeout(ws_client *c, long ms);
unsigned long ws_client_requests(const ws_client *c);   /* HTTP requests sent */
/* After an authenticated request: the mechanism that logged on ("Kerberos", "NTLM",
 * "Basic"; "" before any) and whether messages are encrypted (sealed, or HTTPS). */
void ws_client_security(const ws_client *c, const char **mechanism, int *encrypted);

/* ---- WS-Management operations (MS-WSMV 3.1.4) ---- */
typedef struct ws_selector { const char *name; const char *value; } ws_selector;

typedef struct ws_identity {
    char *protocol_version, *product_vendor, *product_version;
    char *security_profiles;   /* space-separated, may be NULL */
} ws_identity;
void ws_identity_free(ws_identity *id);

/* unauthenticated: send "WSMANIDENTIFY: unauthenticated" (MS-WSMV 3.1.4.1.23). */
ws_rc ws_identify(ws_client *c, int unauthenticated, ws_identity *out, ws_error *err);

/* Get/Put/Create/Invoke hand back the reply's s:Body first child serialized as XML
 * (caller frees). body_xml is a complete XML element for the request body, or NULL.
 * Every resource_uri may end in "?name=value&..." (percent-encoded, as winrm.cmd takes
 * it): those selectors are sent ahead of sel[]. */
ws_rc ws_get(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
             char **reply_xml, ws_error *err);
ws_rc ws_put(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
             const char *body_xml, char **reply_xml, ws_error *err);
ws_rc ws_create(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                const char *body_xml, char **reply_xml, ws_error *err);
ws_rc ws_delete(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                ws_error *err);
ws_rc ws_invoke(ws_client *c, const char *resource_uri, const char *method,
                const ws_selector *sel, size_t nsel, const char *body_xml,
                char **reply_xml, ws_error *err);
/* Enumerate + Pull until EndOfSequence. on_item gets each item serialized as XML;
 * a non-zero return stops the enumeration (and is returned as WS_E_USAGE). wql may be NULL.
 * Selectors (e.g. __cimnamespace, DSP0227 6.3) go with the Enumerate and every Pull.
 * A Pull may come back empty (WS-Enumeration 3.3), but a server that answers
 * WS_ENUM_MAX_EMPTY_PULLS in a row with no items and no EndOfSequence is given up on
 * (WS_E_PROTOCOL), so that it cannot be pulled from forever. */
#define WS_ENUM_MAX_EMPTY_PULLS 32u
typedef int (*ws_item_cb)(void *ud, const char *item_xml);
ws_rc ws_enumerate(ws_client *c, const char *resource_uri, const ws_selector *sel, size_t nsel,
                   const char *wql, ws_item_cb on_item, void *ud, ws_error *err);
/* The same in wsman:EnumerationMode EnumerateObjectAndEPR (DSP0226 8.7, MS-WSMV 3.1.4.8):
 * each item is a wsman:Item holding the object, then its wsa:EndpointReference, whose
 * SelectorSet addresses that instance (e.g. for an Invoke on it). */
ws_rc ws_enumerate_epr(ws_client *c, const char *resource_uri, const ws_selector *sel,
                       size_t nsel, const char *wql, ws_item_cb on_item, void *ud,
                       ws_error *err);

/* ---- WinRS shell (MS-WSMV 3.1.4.5.2, 3.1.4.11-3.1.4.14) ---- */
typedef struct ws_shell ws_shell;

typedef struct ws_shell_opts {
    const char *resource_uri;        /* NULL: WS_RESOURCE_CMD */
    const char *working_dir;         /* NULL: server default */
    const char *const *env;          /* NAME=VALUE strings, NULL-terminated, may be NULL */
    unsigned codepage;               /* WINRS_CODEPAGE; 0: 65001 */
    int noprofile;                   /* WINRS_NOPROFILE */
    unsigned idle_timeout_s;         /* 0: server default */
} ws_shell_opts;

typedef struct ws_receive {
    int done;                        /* CommandState Done seen */
    int has_exit_code;
    unsigned long long exit_code;    /* NTSTATUS-style codes >= 2^31 exist */
    char *state;                     /* last CommandState URI, owned */
} ws_receive;
void ws_receive_free(ws_receive *r);

/* Called for every decoded stream chunk, in document order. stream is "stdout",
 * "stderr" or another stream name. A non-zero return aborts with WS_E_IO. */
typedef int (*ws_stream_cb)(void *ud, const char *stream, const void *data, size_t len);

ws_rc ws_shell_create(ws_client *c, const ws_shell_opts *o, ws_shell **out, ws_error *err);
const char *ws_shell_id(const ws_shell *s);
ws_rc ws_shell_command(ws_shell *s, const char *command, const char *const *args, size_t nargs,
                       char **command_id, ws_error *err);
ws_rc ws_shell_send(ws_shell *s, const char *command_id, const void *data, size_t len,
                    int end, ws_error *err);
/* One Receive. A w:TimedOut fault (2150858793) is not an error: it returns WS_OK with
 * nothing delivered and r->done == 0, so the caller polls again. */
ws_rc ws_shell_receive(ws_shell *s, const char *command_id, ws_stream_cb cb, void *ud,
                       ws_receive *r, ws_error *err);
ws_rc ws_shell_signal(ws_shell *s, const char *command_id, const char *code_uri, ws_error *err);
/* Largest stdin chunk that keeps a Send envelope under MaxEnvelopeSize. */
size_t ws_shell_max_send(const ws_shell *s);
/* Reads the server's MaxEnvelopeSizekb from winrm/config and, when it is larger than
 * the client's limit, uses it for the requests that follow: Send chunks grow to match
 * (ws_shell_max_send). Needs read access to the configuration (administrators). */
ws_rc ws_shell_raise_envelope_limit(ws_shell *s, ws_error *err);
/* Deletes the remote shell; the handle stays valid for ws_shell_free. */
ws_rc ws_shell_delete(ws_shell *s, ws_error *err);
void ws_shell_free(ws_shell *s);

#endif
