/* The WS-Management client: one transport, one session, the options every request
 * carries, and the build-post-parse-fault routine all operations share. */
#include <stdlib.h>
#include <string.h>
#include "wsman/soap.h"

struct ws_client {
    ws_transport *tp;
    char session_id[WS_MESSAGE_ID_LEN + 1];   /* MS-WSMV 3.1.4.1.37, constant per client */
    char *locale;
    unsigned max_envelope_size;
    long operation_timeout_ms;
};

ws_rc ws_client_new(const ws_target *t, const ws_conn_opts *o, ws_auth *auth,
                    ws_client **out, ws_error *err)
{
    static const ws_conn_opts defaults;
    char uuid[WS_UUID_LEN + 1];
    ws_client *c;
    ws_rc rc;

    *out = NULL;
    if (!o)
        o = &defaults;
    if (!(c = calloc(1, sizeof *c))) {
        ws_auth_free(auth);
        return ws_error_set(err, WS_E_NOMEM, "", "out of memory creating a client");
    }
    c->max_envelope_size = o->max_envelope_size ? o->max_envelope_size : WS_DEFAULT_MAX_ENVELOPE;
    c->operation_timeout_ms = o->operation_timeout_ms > 0 ? o->operation_timeout_ms
                                                          : WS_DEFAULT_OPERATION_TIMEOUT_MS;
    /* MS-WSMV 3.1.4.1.7: the server answers EncodingLimit below 8192 bytes. */
    if (c->max_envelope_size < 8192) {
        rc = ws_error_set(err, WS_E_USAGE, "use a MaxEnvelopeSize of at least 8192 bytes",
                          "MaxEnvelopeSize %u is below the protocol minimum", c->max_envelope_size);
        goto fail;
    }
    if (!(c->locale = strdup(o->locale ? o->locale : "en-US"))) {
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory creating a client");
        goto fail;
    }
    if ((rc = ws_uuid_new(uuid, err)) != WS_OK)
        goto fail;
    snprintf(c->session_id, sizeof c->session_id, "uuid:%s", uuid);
    rc = ws_transport_new(t, o, auth, &c->tp, err);
    auth = NULL;   /* the transport owns it now, even on failure */
    if (rc != WS_OK)
        goto fail;
    *out = c;
    return WS_OK;
fail:
    ws_auth_free(auth);
    ws_client_free(c);
    return rc;
}

void ws_client_free(ws_client *c)
{
    if (!c)
        return;
    ws_transport_free(c->tp);
    free(c->locale);
    free(c);
}

const char *ws_client_url(const ws_client *c)
{
    return ws_transport_url(c->tp);
}

unsigned long ws_client_requests(const ws_client *c)
{
    return ws_transport_requests(c->tp);
}

unsigned ws_client_max_envelope(const ws_client *c)
{
    return c->max_envelope_size;
}

const char *ws_client_locale(const ws_client *c)
{
    return c->locale;
}

ws_rc ws_client_envelope(const ws_client *c, const char *action, const char *resource_uri,
                         const ws_selector *sel, size_t nsel, const ws_option *opt,
                         size_t nopt, ws_envelope *env, ws_error *err)
{
    ws_header h = {
        .to = ws_client_url(c),
        .action = action,
        .resource_uri = resource_uri,
        .session_id = c->session_id,
        .locale = c->locale,
        .max_envelope_size = c->max_envelope_size,
        .operation_timeout_ms = c->operation_timeout_ms,
        .selectors = sel,
        .nselectors = nsel,
        .options = opt,
        .noptions = nopt,
    };

    return ws_envelope_new(&h, env, err);
}

/* A fault that came back parsed: hand it to err with its one-line explanation. */
static ws_rc reply_fault(ws_reply *r, xmlNodePtr fault, long status, ws_error *err)
{
    ws_fault f;
    ws_rc rc = ws_fault_parse(fault, &f, err);

    ws_reply_free(r);
    if (rc != WS_OK)
        return rc;
    return ws_fault_to_error(&f, status, err);
}

/* A shell Create carries rsp:Shell as its body (MS-WSMV 3.1.4.5). */
static int creates_shell(const ws_envelope *env)
{
    xmlNodePtr first = env->body ? xmlFirstElementChild(env->body) : NULL;
    return first && ws_xml_is(first, WS_NS_SHELL, "Shell");
}

ws_rc ws_client_call(ws_client *c, const ws_envelope *env, unsigned flags, ws_reply *reply,
                     ws_error *err)
{
    ws_buf req = WS_BUF_INIT;
    ws_rc rc;

    memset(reply, 0, sizeof *reply);
    if ((rc = ws_envelope_serialize(env, &req, err)) == WS_OK) {
        if (creates_shell(env))
            flags |= WS_POST_CREATES_SHELL;
        rc = ws_client_call_text(c, req.data, req.len, env->message_id, flags, reply, err);
    }
    ws_buf_free(&req);
    return rc;
}

ws_rc ws_client_call_text(ws_client *c, const char *req, size_t len, const char *message_id,
                          unsigned flags, ws_reply *reply, ws_error *err)
{
    ws_buf resp = WS_BUF_INIT;
    long status = 0;
    xmlNodePtr fault;
    ws_rc rc;

    memset(reply, 0, sizeof *reply);
    if (len > c->max_envelope_size) {
        rc = ws_error_set(err, WS_E_USAGE, "send less data per request, or raise MaxEnvelopeSize",
                          "the request is %zu bytes, over MaxEnvelopeSize %u", len,
                          c->max_envelope_size);
        goto done;
    }
    /* The HTTP read bound follows the OperationTimeout of this request (PROTOCOL.md 1.3:
     * the server may legitimately block for all of it). */
    if ((rc = ws_transport_post(c->tp, req, len, flags,
                                c->operation_timeout_ms + WS_READ_MARGIN_MS, &resp, &status,
                                err)) != WS_OK)
        goto done;
    rc = ws_reply_parse(resp.data, resp.len, message_id, reply, err);
    if (rc != WS_OK) {
        /* PROTOCOL.md 3.3: a non-200 status whose body is not SOAP is an HTTP error; XML
         * that is no SOAP envelope comes from something other than WinRM (a proxy, another
         * service), so its event log would not tell. */
        if (status != 200)
            rc = ws_error_set(err, WS_E_HTTP, "something other than WinRM may answer on this "
                              "port (a proxy?): check the port and -s/--https, or retry with "
                              "--debug to see the reply",
                              "the server answered HTTP %ld with XML that is not a SOAP "
                              "envelope", status);
        goto done;
    }
    if ((fault = reply->payload) && ws_xml_is(fault, WS_NS_SOAP, "Fault")) {
        rc = reply_fault(reply, fault, status, err);
        goto done;
    }
    if (status != 200) {
        ws_reply_free(reply);
        rc = ws_error_set(err, WS_E_HTTP, "check the server's WinRM event log, or retry with --debug",
                          "the server answered HTTP %ld without a SOAP fault", status);
    }
done:
    if (rc != WS_OK && err && err->http_status == 0)
        err->http_status = status;
    ws_buf_free(&resp);
    return rc;
}

void ws_client_set_operation_timeout(ws_client *c, long ms)
{
    c->operation_timeout_ms = ms > 0 ? ms : WS_DEFAULT_OPERATION_TIMEOUT_MS;
}

void ws_client_set_max_envelope(ws_client *c, unsigned bytes)
{
    c->max_envelope_size = bytes;
}

void ws_client_security(const ws_client *c, const char **mechanism, int *encrypted)
{
    ws_transport_security(c->tp, mechanism, encrypted);
}
