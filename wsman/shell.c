/* The WinRS text shell: Create, Command, Send, Receive, Signal and Delete
 * (MS-WSMV 3.1.4.5.2, 3.1.4.11-3.1.4.14; PROTOCOL.md 2). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/base64.h"
#include "wsman/soap.h"

#define WS_DEFAULT_CODEPAGE 65001u   /* UTF-8, as go-winrm and WinRb use */

struct ws_shell {
    ws_client *client;
    char *resource_uri;
    char *id;
    ws_selector selector;        /* ShellId, exactly as the server returned it */
    size_t max_send;             /* largest stdin chunk, see ws_shell_max_send */
    int deleted;
    ws_buf send_req;             /* the last Send request, its memory kept for the next */
};

const char *ws_shell_id(const ws_shell *s)
{
    return s->id;
}

void ws_receive_free(ws_receive *r)
{
    if (!r)
        return;
    free(r->state);
    memset(r, 0, sizeof *r);
}

static ws_rc nomem(ws_error *err, const char *what)
{
    return ws_error_set(err, WS_E_NOMEM, "", "out of memory %s", what);
}

/* ---- reply readers ---- */

ws_rc ws_shell_parse_created(const ws_reply *r, char **shell_id, ws_error *err)
{
    xmlNodePtr n = NULL, set;

    *shell_id = NULL;
    /* x:ResourceCreated/a:ReferenceParameters/w:SelectorSet/w:Selector[@Name="ShellId"]. */
    if (ws_xml_is(r->payload, WS_NS_TRANSFER, "ResourceCreated")
        && (set = ws_xml_find(r->payload, WS_NS_WSMAN, "SelectorSet")))
        for (n = ws_xml_child(set, WS_NS_WSMAN, "Selector"); n; n = ws_xml_next(n, WS_NS_WSMAN, "Selector")) {
            char *name = ws_xml_attr(n, "Name");
            int hit = name && strcmp(name, "ShellId") == 0;
            free(name);
            if (hit)
                break;
        }
    /* Some servers answer with the rsp:Shell resource only. */
    if (!n && ws_xml_is(r->payload, WS_NS_SHELL, "Shell"))
        n = ws_xml_child(r->payload, WS_NS_SHELL, "ShellId");
    if (!n)
        return ws_error_set(err, WS_E_PROTOCOL, "", "the shell Create reply carries no ShellId");
    if (!(*shell_id = ws_xml_text(n)))
        return nomem(err, "reading the ShellId");
    if (!**shell_id) {
        free(*shell_id);
        *shell_id = NULL;
        return ws_error_set(err, WS_E_PROTOCOL, "", "the shell Create reply has an empty ShellId");
    }
    return WS_OK;
}

ws_rc ws_shell_parse_command(const ws_reply *r, char **command_id, ws_error *err)
{
    xmlNodePtr n = ws_xml_is(r->payload, WS_NS_SHELL, "CommandResponse")
                   ? ws_xml_child(r->payload, WS_NS_SHELL, "CommandId") : NULL;

    *command_id = NULL;
    if (!n)
        return ws_error_set(err, WS_E_PROTOCOL, "", "the Command reply carries no CommandId");
    if (!(*command_id = ws_xml_text(n)))
        return nomem(err, "reading the CommandId");
    if (!**command_id) {
        free(*command_id);
        *command_id = NULL;
        return ws_error_set(err, WS_E_PROTOCOL, "", "the Command reply has an empty CommandId");
    }
    return WS_OK;
}

/* Base64 of one rsp:Stream; servers may wrap the text, so whitespace is skipped. */
static ws_rc decode_stream(const char *b64, ws_buf *out, ws_error *err)
{
    size_t len = strlen(b64);
    int r;

    if (len > (size_t)WS_REPLY_MAX_BYTES)
        return ws_error_set(err, WS_E_PROTOCOL, "", "a stream chunk is too large");
    if ((r = ws_base64_decode_text(b64, len, out)) == WS_BASE64_NOMEM)
        return nomem(err, "decoding a stream");
    if (r < 0)
        return ws_error_set(err, WS_E_PROTOCOL, "", "a stream chunk is not valid base64");
    return WS_OK;
}

static int same_id(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static ws_rc deliver_stream(const xmlNode *st, const char *command_id, ws_stream_cb cb,
                            void *ud, ws_error *err)
{
    char *cid = ws_xml_attr(st, "CommandId"), *name = ws_xml_attr(st, "Name"), *b64 = NULL;
    ws_buf data = WS_BUF_INIT;
    ws_rc rc = WS_OK;

    /* Streams of another command are not ours (MS-WSMV 2.2.4.27: CommandId is optional). */
    if (command_id && cid && !same_id(cid, command_id))
        goto done;
    if (!name || !*name) {
        rc = ws_error_set(err, WS_E_PROTOCOL, "", "a Receive stream has no Name");
        goto done;
    }
    if (!(b64 = ws_xml_text(st))) {
        rc = nomem(err, "reading a stream");
        goto done;
    }
    if ((rc = decode_stream(b64, &data, err)) != WS_OK)
        goto done;
    /* Empty chunks (End="true" markers) carry nothing to deliver. */
    if (data.len > 0 && cb && cb(ud, name, data.data, data.len) != 0)
        rc = ws_error_set(err, WS_E_IO, "", "could not write the output of stream %.40s", name);
done:
    ws_buf_free(&data);
    free(b64);
    free(name);
    free(cid);
    return rc;
}

/* ExitCode is a 32-bit Windows exit code; a signed rendering (-1073741510) is kept as its
 * unsigned value (3221225786) so that both spellings compare equal. */
static int parse_exit_code(const char *s, unsigned long long *out)
{
    char *end;

    errno = 0;
    if (*s == '-') {
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < INT32_MIN)
            return -1;
        *out = (unsigned long long)(uint32_t)(int32_t)v;
        return 0;
    }
    if (!isdigit((unsigned char)*s))
        return -1;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

static ws_rc read_state(const xmlNode *cs, ws_receive *out, ws_error *err)
{
    xmlNodePtr ec;
    char *state = ws_xml_attr(cs, "State"), *code;
    ws_rc rc = WS_OK;

    if (!state)
        return ws_error_set(err, WS_E_PROTOCOL, "", "a CommandState has no State");
    free(out->state);
    out->state = state;
    /* MS-WSMV 2.2.4.9; URIs compare case-insensitively here, as Windows does for signals. */
    if (strcasecmp(state, WS_STATE_DONE) == 0)
        out->done = 1;
    if (!(ec = ws_xml_child(cs, WS_NS_SHELL, "ExitCode")))
        return WS_OK;
    if (!(code = ws_xml_text(ec)))
        return nomem(err, "reading an ExitCode");
    if (parse_exit_code(code, &out->exit_code) < 0)
        rc = ws_error_set(err, WS_E_PROTOCOL, "", "the ExitCode \"%.40s\" is not a number", code);
    else
        out->has_exit_code = 1;
    free(code);
    return rc;
}

ws_rc ws_shell_parse_receive(const ws_reply *r, const char *command_id, ws_stream_cb cb,
                             void *ud, ws_receive *out, ws_error *err)
{
    ws_rc rc;

    if (!ws_xml_is(r->payload, WS_NS_SHELL, "ReceiveResponse"))
        return ws_error_set(err, WS_E_PROTOCOL, "", "the Receive reply is not a ReceiveResponse");
    /* Chunks are delivered in document order (MS-WSMV 3.1.4.14). */
    for (xmlNodePtr n = r->payload->children; n; n = n->next) {
        if (ws_xml_is(n, WS_NS_SHELL, "Stream")) {
            if ((rc = deliver_stream(n, command_id, cb, ud, err)) != WS_OK)
                return rc;
        } else if (ws_xml_is(n, WS_NS_SHELL, "CommandState")) {
            char *cid = ws_xml_attr(n, "CommandId");
            int other = command_id && cid && !same_id(cid, command_id);
            free(cid);
            if (!other && (rc = read_state(n, out, err)) != WS_OK)
                return rc;
        }
    }
    return WS_OK;
}

/* ---- requests ---- */

/* Envelope for an operation on this shell: its resource URI and ShellId selector. */
static ws_rc shell_envelope(const ws_shell *s, const char *action, const ws_option *opt,
                            size_t nopt, ws_envelope *env, ws_error *err)
{
    return ws_client_envelope(s->client, action, s->resource_uri, &s->selector, 1, opt, nopt,
                              env, err);
}

static ws_rc build_send(const ws_shell *s, const char *command_id, const char *b64, int end,
                        ws_envelope *env, ws_error *err)
{
    xmlNodePtr send, st;
    ws_rc rc = shell_envelope(s, WS_ACTION_SEND, NULL, 0, env, err);

    if (rc != WS_OK)
        return rc;
    if (!(send = ws_xml_add(env->body, WS_NS_SHELL, "rsp", "Send", NULL))
        || !(st = ws_xml_add(send, WS_NS_SHELL, "rsp", "Stream", b64))
        || !xmlSetProp(st, BAD_CAST "Name", BAD_CAST "stdin")
        || !xmlSetProp(st, BAD_CAST "CommandId", BAD_CAST command_id)
        || (end && !xmlSetProp(st, BAD_CAST "End", BAD_CAST "true"))) {
        ws_envelope_free(env);
        return nomem(err, "building Send");
    }
    return WS_OK;
}

/* MS-WSMV 3.1.4.13: the whole Send envelope must fit MaxEnvelopeSize. Measure an empty
 * one, keep 256 bytes of slack as pypsrp does, and take 3/4 of the rest for base64. */
static ws_rc compute_max_send(ws_shell *s, ws_error *err)
{
    ws_envelope env;
    ws_buf b = WS_BUF_INIT;
    unsigned max = ws_client_max_envelope(s->client);
    ws_rc rc = build_send(s, "00000000-0000-0000-0000-000000000000", NULL, 1, &env, err);

    if (rc != WS_OK)
        return rc;
    rc = ws_envelope_serialize(&env, &b, err);
    ws_envelope_free(&env);
    if (rc == WS_OK)
        s->max_send = b.len + 256 < max ? (max - b.len - 256) / 4 * 3 : 0;
    ws_buf_free(&b);
    return rc;
}

static int add_env_vars(xmlNodePtr shell, const char *const *env)
{
    xmlNodePtr vars;

    if (!env || !*env)
        return 0;
    if (!(vars = ws_xml_add(shell, WS_NS_SHELL, "rsp", "Environment", NULL)))
        return -1;
    for (; *env; env++) {
        const char *eq = strchr(*env, '=');
        char *name;
        xmlNodePtr v;
        if (!eq || eq == *env)
            return -2;
        if (!(name = strndup(*env, (size_t)(eq - *env))))
            return -1;
        v = ws_xml_add(vars, WS_NS_SHELL, "rsp", "Variable", eq + 1);
        if (!v || !xmlSetProp(v, BAD_CAST "Name", BAD_CAST name)) {
            free(name);
            return -1;
        }
        free(name);
    }
    return 0;
}

/* rsp:Shell body of Create, MS-WSMV 2.2.4.37. */
static ws_rc build_create(ws_client *c, const ws_shell_opts *o, const char *resource_uri,
                          ws_envelope *env, ws_error *err)
{
    char codepage[16], idle[32];
    ws_option opts[2] = {
        {"WINRS_NOPROFILE", o->noprofile ? "TRUE" : "FALSE", 0},
        {"WINRS_CODEPAGE", codepage, 0},
    };
    xmlNodePtr shell;
    int r;
    ws_rc rc;

    snprintf(codepage, sizeof codepage, "%u", o->codepage ? o->codepage : WS_DEFAULT_CODEPAGE);
    if ((rc = ws_client_envelope(c, WS_ACTION_CREATE, resource_uri, NULL, 0, opts, 2, env, err)) != WS_OK)
        return rc;
    if (!(shell = ws_xml_add(env->body, WS_NS_SHELL, "rsp", "Shell", NULL))
        || !ws_xml_add(shell, WS_NS_SHELL, "rsp", "InputStreams", "stdin")
        || !ws_xml_add(shell, WS_NS_SHELL, "rsp", "OutputStreams", "stdout stderr"))
        goto nomem;
    if (o->working_dir && !ws_xml_add(shell, WS_NS_SHELL, "rsp", "WorkingDirectory", o->working_dir))
        goto nomem;
    if ((r = add_env_vars(shell, o->env)) == -2) {
        ws_envelope_free(env);
        return ws_error_set(err, WS_E_USAGE, "write environment variables as NAME=VALUE",
                            "an environment entry has no NAME=");
    }
    if (r < 0)
        goto nomem;
    /* xs:duration although the prose says milliseconds (PROTOCOL.md 2.1). */
    snprintf(idle, sizeof idle, "PT%uS", o->idle_timeout_s);
    if (o->idle_timeout_s && !ws_xml_add(shell, WS_NS_SHELL, "rsp", "IdleTimeOut", idle))
        goto nomem;
    return WS_OK;
nomem:
    ws_envelope_free(env);
    return nomem(err, "building the shell Create request");
}

ws_rc ws_shell_create(ws_client *c, const ws_shell_opts *o, ws_shell **out, ws_error *err)
{
    static const ws_shell_opts defaults;
    ws_envelope env;
    ws_reply reply;
    ws_shell *s;
    ws_rc rc;

    *out = NULL;
    if (!o)
        o = &defaults;
    if (!(s = calloc(1, sizeof *s)))
        return nomem(err, "creating a shell");
    s->client = c;
    if (!(s->resource_uri = strdup(o->resource_uri ? o->resource_uri : WS_RESOURCE_CMD))) {
        rc = nomem(err, "creating a shell");
        goto fail;
    }
    if ((rc = build_create(c, o, s->resource_uri, &env, err)) != WS_OK)
        goto fail;
    rc = ws_client_call(c, &env, 0, &reply, err);
    ws_envelope_free(&env);
    if (rc != WS_OK)
        goto fail;
    rc = ws_shell_parse_created(&reply, &s->id, err);
    ws_reply_free(&reply);
    if (rc != WS_OK)
        goto fail;
    s->selector.name = "ShellId";
    s->selector.value = s->id;
    if ((rc = compute_max_send(s, err)) != WS_OK) {
        /* Created there but unusable here: delete it rather than leave it to count
         * against MaxShellsPerUser until its IdleTimeOut (best effort). */
        ws_error ignored = {0};
        ws_shell_delete(s, &ignored);
        ws_error_clear(&ignored);
        goto fail;
    }
    *out = s;
    return WS_OK;
fail:
    ws_shell_free(s);
    return rc;
}

ws_rc ws_shell_command(ws_shell *s, const char *command, const char *const *args, size_t nargs,
                       char **command_id, ws_error *err)
{
    /* Ignored by Server 2012 R2 and later (MS-WSMV 3.1.4.11, <117>), kept for older hosts. */
    static const ws_option opts[] = {
        {"WINRS_CONSOLEMODE_STDIN", "TRUE", 0},
        {"WINRS_SKIP_CMD_SHELL", "FALSE", 0},
    };
    ws_envelope env;
    ws_reply reply;
    xmlNodePtr line;
    ws_rc rc;

    *command_id = NULL;
    if (!command || !*command)
        return ws_error_set(err, WS_E_USAGE, "give a command to run", "the command is empty");
    if ((rc = shell_envelope(s, WS_ACTION_COMMAND, opts, 2, &env, err)) != WS_OK)
        return rc;
    /* One Arguments element per argument, as pypsrp sends (MS-WSMV 2.2.4.7). */
    if (!(line = ws_xml_add(env.body, WS_NS_SHELL, "rsp", "CommandLine", NULL))
        || !ws_xml_add(line, WS_NS_SHELL, "rsp", "Command", command)) {
        rc = nomem(err, "building Command");
        goto done;
    }
    for (size_t i = 0; i < nargs; i++)
        if (!ws_xml_add(line, WS_NS_SHELL, "rsp", "Arguments", args[i])) {
            rc = nomem(err, "building Command");
            goto done;
        }
    if ((rc = ws_client_call(s->client, &env, 0, &reply, err)) != WS_OK)
        goto done;
    rc = ws_shell_parse_command(&reply, command_id, err);
    ws_reply_free(&reply);
done:
    ws_envelope_free(&env);
    return rc;
}

/* Stands for the stdin text in the serialized Send, where the base64 is written straight
 * into the request: one pass over the data instead of an encode, a copy into the XML tree
 * and an escaping copy out of it. Base64 needs no XML escaping; the mark is of the base64
 * alphabet, so it serializes as written, and nothing else in a Send can contain it. */
#define STDIN_MARK "NANOSHSTDINMARK0"

ws_rc ws_shell_send(ws_shell *s, const char *command_id, const void *data, size_t len,
                    int end, ws_error *err)
{
    ws_envelope env;
    ws_reply reply;
    ws_buf head = WS_BUF_INIT, *req = &s->send_req;
    ws_rc rc;
    const char *mark;

    if (len > s->max_send)
        return ws_error_set(err, WS_E_USAGE, "send stdin in chunks of ws_shell_max_send() bytes",
                            "a stdin chunk of %zu bytes exceeds the %zu-byte limit", len, s->max_send);
    if ((rc = build_send(s, command_id, len ? STDIN_MARK : NULL, end, &env, err)) != WS_OK)
        return rc;
    if ((rc = ws_envelope_serialize(&env, &head, err)) != WS_OK)
        goto done;
    ws_buf_secret(req);          /* growing it leaves no copy behind either */
    ws_buf_reset(req);
    mark = len ? strstr(head.data, STDIN_MARK) : NULL;
    if (len && !mark) {
        rc = ws_error_set(err, WS_E_PROTOCOL, NULL, "the Send envelope lost its stdin mark");
        goto done;
    }
    if (!len ? ws_buf_append(req, head.data, head.len) != 0
        : ws_buf_append(req, head.data, (size_t)(mark - head.data)) != 0
          || ws_base64_encode(data, len, req) < 0
          || ws_buf_appends(req, mark + strlen(STDIN_MARK)) != 0) {
        rc = nomem(err, "encoding stdin");
        goto done;
    }
    if ((rc = ws_client_call_text(s->client, req->data, req->len, env.message_id, 0, &reply,
                                  err)) == WS_OK)
        ws_reply_free(&reply);
    /* What a command reads may be typed secrets (Read-Host): not kept past the Send
     * (the buffer is a secret one: reset wipes it). */
    ws_buf_reset(req);
done:
    ws_envelope_free(&env);
    ws_buf_free(&head);
    return rc;
}

ws_rc ws_shell_receive(ws_shell *s, const char *command_id, ws_stream_cb cb, void *ud,
                       ws_receive *r, ws_error *err)
{
    /* Ignored since Server 2008 R2 (<119>), sent by pywinrm and pypsrp. */
    static const ws_option opts[] = {{"WSMAN_CMDSHELL_OPTION_KEEPALIVE", "TRUE", 0}};
    ws_error local = {0};
    ws_error *e = err ? err : &local;
    ws_envelope env;
    ws_reply reply;
    xmlNodePtr rcv, ds;
    ws_rc rc;

    if ((rc = shell_envelope(s, WS_ACTION_RECEIVE, opts, 1, &env, e)) != WS_OK)
        goto done;
    if (!(rcv = ws_xml_add(env.body, WS_NS_SHELL, "rsp", "Receive", NULL))
        || !(ds = ws_xml_add(rcv, WS_NS_SHELL, "rsp", "DesiredStream", "stdout stderr"))
        || !xmlSetProp(ds, BAD_CAST "CommandId", BAD_CAST command_id)) {
        ws_envelope_free(&env);
        rc = nomem(e, "building Receive");
        goto done;
    }
    rc = ws_client_call(s->client, &env, 0, &reply, e);
    ws_envelope_free(&env);
    if (rc == WS_E_FAULT && ws_fault_is_timeout(&e->fault)) {
        /* MS-WSMV 3.1.4.14: no output within OperationTimeout; the caller polls again. */
        ws_error_clear(e);
        rc = WS_OK;
        goto done;
    }
    if (rc != WS_OK)
        goto done;
    rc = ws_shell_parse_receive(&reply, command_id, cb, ud, r, e);
    ws_reply_free(&reply);
done:
    if (e == &local)
        ws_error_clear(&local);
    return rc;
}

ws_rc ws_shell_signal(ws_shell *s, const char *command_id, const char *code_uri, ws_error *err)
{
    ws_envelope env;
    ws_reply reply;
    xmlNodePtr sig;
    ws_rc rc;

    if ((rc = shell_envelope(s, WS_ACTION_SIGNAL, NULL, 0, &env, err)) != WS_OK)
        return rc;
    if (!(sig = ws_xml_add(env.body, WS_NS_SHELL, "rsp", "Signal", NULL))
        || !xmlSetProp(sig, BAD_CAST "CommandId", BAD_CAST command_id)
        || !ws_xml_add(sig, WS_NS_SHELL, "rsp", "Code", code_uri)) {
        rc = nomem(err, "building Signal");
        goto done;
    }
    if ((rc = ws_client_call(s->client, &env, 0, &reply, err)) == WS_OK)
        ws_reply_free(&reply);
done:
    ws_envelope_free(&env);
    return rc;
}

size_t ws_shell_max_send(const ws_shell *s)
{
    return s->max_send;
}

ws_rc ws_shell_raise_envelope_limit(ws_shell *s, ws_error *err)
{
    ws_rc rc = ws_client_learn_max_envelope(s->client, err);
    return rc == WS_OK ? compute_max_send(s, err) : rc;
}

ws_rc ws_shell_delete(ws_shell *s, ws_error *err)
{
    ws_envelope env;
    ws_reply reply;
    ws_rc rc;

    if (s->deleted)
        return WS_OK;
    if ((rc = shell_envelope(s, WS_ACTION_DELETE, NULL, 0, &env, err)) != WS_OK)
        return rc;
    rc = ws_client_call(s->client, &env, WS_POST_IDEMPOTENT, &reply, err);
    ws_envelope_free(&env);
    if (rc == WS_OK) {
        ws_reply_free(&reply);
        s->deleted = 1;
    }
    return rc;
}

void ws_shell_free(ws_shell *s)
{
    if (!s)
        return;
    ws_buf_free(&s->send_req);
    free(s->resource_uri);
    free(s->id);
    free(s);
}
