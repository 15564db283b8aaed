/* One error value for every layer: a result code, what happened, what to do,
 * and, for SOAP faults, the parsed fault (MS-WSMV 2.2.4.43). */
#ifndef NANOSH_ERROR_H
#define NANOSH_ERROR_H
#include <stdarg.h>

typedef enum ws_rc {
    WS_OK = 0,
    WS_E_USAGE,       /* bad argument from the caller or the user */
    WS_E_NOMEM,
    WS_E_RESOLVE,     /* host name does not resolve */
    WS_E_CONNECT,     /* connection refused or unreachable */
    WS_E_TLS_VERIFY,  /* server certificate not trusted */
    WS_E_TLS,         /* other TLS failure */
    WS_E_TIMEOUT,     /* connect, read or overall deadline passed */
    WS_E_AUTH,        /* HTTP 401 or failed handshake */
    WS_E_HTTP,        /* unexpected HTTP status without a SOAP fault */
    WS_E_FAULT,       /* SOAP fault: see ws_error.fault */
    WS_E_PROTOCOL,    /* malformed or unexpected reply */
    WS_E_INSECURE,    /* refused an insecure mode the user did not ask for */
    WS_E_CRYPTO,      /* bad signature, sealing or key failure */
    WS_E_IO,          /* local file or terminal I/O */
} ws_rc;

typedef struct ws_fault {
    char *code;            /* s:Code/s:Value, local part ("Sender", "Receiver") */
    char *subcode;         /* s:Subcode/s:Value, local part ("TimedOut") */
    char *reason;          /* s:Reason/s:Text */
    char *fault_detail;    /* w:FaultDetail URI, if any */
    unsigned long long wsman_code; /* WSManFault/@Code or MSFT_WmiError/error_Code */
    int has_wsman_code;
    char *machine;         /* WSManFault/@Machine */
    char *message;         /* innermost WSManFault Message text, or MSFT_WmiError Message */
    char *provider;        /* ProviderFault/@provider */
    char *provider_path;   /* ProviderFault/@path */
    char *wmi_message_id;  /* MSFT_WmiError/MessageID */
} ws_fault;

typedef struct ws_error {
    ws_rc rc;
    long http_status;      /* 0 when no HTTP exchange was involved */
    char what[512];        /* what happened, one line */
    char fix[256];         /* what to do, one line; may be empty */
    ws_fault fault;        /* filled when rc == WS_E_FAULT */
} ws_error;

/* Sets rc, what (printf-style) and fix; returns rc so callers can `return ws_error_set(...)`.
 * err may be NULL. */
ws_rc ws_error_set(ws_error *err, ws_rc rc, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ws_error_clear(ws_error *err);          /* frees fault strings, resets to WS_OK */
void ws_fault_free(ws_fault *f);
const char *ws_rc_name(ws_rc rc);            /* "connection refused", ... */

#endif
