/* The shared error value: set, clear, and short names for result codes. */
#include "base/error.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ws_rc ws_error_set(ws_error *err, ws_rc rc, const char *fix, const char *fmt, ...)
{
    if (!err)
        return rc;
    /* The fault is left alone: a caller may fill it before setting WS_E_FAULT. */
    err->rc = rc;
    err->http_status = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof err->what, fmt, ap);
    va_end(ap);
    snprintf(err->fix, sizeof err->fix, "%s", fix ? fix : "");
    return rc;
}

void ws_fault_free(ws_fault *f)
{
    if (!f)
        return;
    free(f->code);
    free(f->subcode);
    free(f->reason);
    free(f->fault_detail);
    free(f->machine);
    free(f->message);
    free(f->provider);
    free(f->provider_path);
    free(f->wmi_message_id);
    memset(f, 0, sizeof *f);
}

void ws_error_clear(ws_error *err)
{
    if (!err)
        return;
    ws_fault_free(&err->fault);
    memset(err, 0, sizeof *err);
}

const char *ws_rc_name(ws_rc rc)
{
    switch (rc) {
    case WS_OK:           return "success";
    case WS_E_USAGE:      return "usage error";
    case WS_E_NOMEM:      return "out of memory";
    case WS_E_RESOLVE:    return "host name not found";
    case WS_E_CONNECT:    return "connection failed";
    case WS_E_TLS_VERIFY: return "certificate not trusted";
    case WS_E_TLS:        return "TLS failure";
    case WS_E_TIMEOUT:    return "timed out";
    case WS_E_AUTH:       return "authentication failed";
    case WS_E_HTTP:       return "HTTP error";
    case WS_E_FAULT:      return "WS-Management fault";
    case WS_E_PROTOCOL:   return "protocol error";
    case WS_E_INSECURE:   return "refused insecure mode";
    case WS_E_CRYPTO:     return "message security failure";
    case WS_E_IO:         return "I/O error";
    }
    return "unknown error";
}
