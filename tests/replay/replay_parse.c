/* Feeds one recorded reply (a file argument or stdin) through the library's parsers and
 * prints what they found as one JSON object, for test_corpus_replay.py to compare with
 * its own independent reading.
 * usage: replay_parse [--message-id ID] [FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include "wsman/soap.h"

static void json_str(ws_buf *o, const char *s)
{
    if (!s) {
        ws_buf_appends(o, "null");
        return;
    }
    ws_buf_appends(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ws_buf_appendf(o, "\\%c", *p);
        else if (*p < 0x20)
            ws_buf_appendf(o, "\\u%04x", *p);
        else
            ws_buf_append(o, p, 1);
    }
    ws_buf_appends(o, "\"");
}

/* "k": for the next member of the object being written; a comma first unless the object
 * has just opened. */
static void json_key(ws_buf *o, const char *k)
{
    if (o->len && o->data[o->len - 1] != '{')
        ws_buf_appends(o, ", ");
    json_str(o, k);
    ws_buf_appends(o, ": ");
}

static void json_str_member(ws_buf *o, const char *k, const char *v)
{
    json_key(o, k);
    json_str(o, v);
}

static void json_bool_member(ws_buf *o, const char *k, int v)
{
    json_key(o, k);
    ws_buf_appends(o, v ? "true" : "false");
}

/* Per-stream totals, in order of first appearance. */
typedef struct stream_sum {
    char name[64];
    size_t chunks, bytes;
    EVP_MD_CTX *sha;
} stream_sum;

typedef struct streams {
    stream_sum s[16];
    size_t n;
} streams;

static int on_stream(void *ud, const char *name, const void *data, size_t len)
{
    streams *st = ud;
    size_t i;

    for (i = 0; i < st->n && strcmp(st->s[i].name, name) != 0; i++)
        ;
    if (i == st->n) {
        if (st->n == sizeof st->s / sizeof st->s[0])
            return -1;
        snprintf(st->s[i].name, sizeof st->s[i].name, "%s", name);
        st->s[i].sha = EVP_MD_CTX_new();
        if (!st->s[i].sha || !EVP_DigestInit_ex(st->s[i].sha, EVP_sha256(), NULL))
            return -1;
        st->n++;
    }
    st->s[i].chunks++;
    st->s[i].bytes += len;
    return EVP_DigestUpdate(st->s[i].sha, data, len) ? 0 : -1;
}

static void put_streams(ws_buf *o, streams *st)
{
    ws_buf_appends(o, "{");
    for (size_t i = 0; i < st->n; i++) {
        unsigned char md[32];
        unsigned mdlen = 0;
        EVP_DigestFinal_ex(st->s[i].sha, md, &mdlen);
        EVP_MD_CTX_free(st->s[i].sha);
        json_key(o, st->s[i].name);
        ws_buf_appendf(o, "{\"chunks\": %zu, \"bytes\": %zu, \"sha256\": \"", st->s[i].chunks, st->s[i].bytes);
        for (unsigned j = 0; j < mdlen; j++)
            ws_buf_appendf(o, "%02x", md[j]);
        ws_buf_appends(o, "\"}");
    }
    ws_buf_appends(o, "}");
}

static int count_item(void *ud, const char *xml)
{
    (void)xml;
    ++*(size_t *)ud;
    return 0;
}

static void put_error(ws_buf *o, const char *key, const ws_error *e)
{
    json_key(o, key);
    ws_buf_appends(o, "{");
    json_str_member(o, "rc", ws_rc_name(e->rc));
    json_str_member(o, "what", e->what);
    ws_buf_appends(o, "}");
}

static void put_fault(ws_buf *o, const ws_reply *r)
{
    ws_fault f;
    ws_error e = {0};

    if (ws_fault_parse(r->payload, &f, &e) != WS_OK) {
        put_error(o, "fault_error", &e);
        return;
    }
    json_key(o, "fault");
    ws_buf_appends(o, "{");
    json_str_member(o, "code", f.code);
    json_str_member(o, "subcode", f.subcode);
    json_str_member(o, "reason", f.reason);
    json_str_member(o, "fault_detail", f.fault_detail);
    json_key(o, "wsman_code");
    if (f.has_wsman_code)
        ws_buf_appendf(o, "%llu", f.wsman_code);
    else
        ws_buf_appends(o, "null");
    json_str_member(o, "machine", f.machine);
    json_str_member(o, "message", f.message);
    json_str_member(o, "provider", f.provider);
    json_str_member(o, "provider_path", f.provider_path);
    json_str_member(o, "wmi_message_id", f.wmi_message_id);
    json_bool_member(o, "timed_out", ws_fault_is_timeout(&f));
    ws_fault_to_error(&f, 500, &e);
    json_str_member(o, "what", e.what);
    json_str_member(o, "fix", e.fix);
    ws_buf_appends(o, "}");
    ws_error_clear(&e);
}

/* Runs the reader that matches the payload and records what it found. */
static void put_payload(ws_buf *o, const ws_reply *r)
{
    const xmlNode *p = r->payload;
    ws_error e = {0};
    char *s = NULL;

    if (ws_xml_is(p, WS_NS_SOAP, "Fault")) {
        put_fault(o, r);
    } else if (ws_xml_is(p, WS_NS_TRANSFER, "ResourceCreated") || ws_xml_is(p, WS_NS_SHELL, "Shell")) {
        if (ws_shell_parse_created(r, &s, &e) == WS_OK) {
            json_str_member(o, "shell_id", s);
        } else {
            put_error(o, "shell_id_error", &e);
        }
    } else if (ws_xml_is(p, WS_NS_SHELL, "CommandResponse")) {
        if (ws_shell_parse_command(r, &s, &e) == WS_OK) {
            json_str_member(o, "command_id", s);
        } else {
            put_error(o, "command_id_error", &e);
        }
    } else if (ws_xml_is(p, WS_NS_SHELL, "ReceiveResponse")) {
        streams st = {0};
        ws_receive rv = {0};
        ws_rc rc = ws_shell_parse_receive(r, NULL, on_stream, &st, &rv, &e);
        json_key(o, "streams");
        put_streams(o, &st);
        if (rc != WS_OK)
            put_error(o, "receive_error", &e);
        json_str_member(o, "state", rv.state);
        json_bool_member(o, "done", rv.done);
        if (rv.has_exit_code) {
            json_key(o, "exit_code");
            ws_buf_appendf(o, "%llu", rv.exit_code);
        }
        ws_receive_free(&rv);
    } else if (ws_xml_is(p, WS_NS_ENUM, "EnumerateResponse") || ws_xml_is(p, WS_NS_ENUM, "PullResponse")) {
        size_t items = 0;
        int end = 0;
        if (ws_enum_parse(r, count_item, &items, &s, &end, &e) == WS_OK) {
            json_key(o, "enum");
            ws_buf_appendf(o, "{\"items\": %zu", items);
            json_bool_member(o, "end", end);
            json_str_member(o, "context", s);
            ws_buf_appends(o, "}");
        } else {
            put_error(o, "enum_error", &e);
        }
    } else if (ws_xml_is(p, WS_NS_IDENTITY, "IdentifyResponse") || ws_xml_is(p, WS_NS_IDENTIFY_ALT, "IdentifyResponse")) {
        ws_identity id;
        if (ws_identity_parse(r, &id, &e) == WS_OK) {
            json_key(o, "identity");
            ws_buf_appends(o, "{");
            json_str_member(o, "protocol_version", id.protocol_version);
            json_str_member(o, "product_vendor", id.product_vendor);
            json_str_member(o, "product_version", id.product_version);
            ws_buf_appends(o, "}");
            ws_identity_free(&id);
        } else {
            put_error(o, "identity_error", &e);
        }
    }
    free(s);
    ws_error_clear(&e);
}

static int read_all(FILE *f, ws_buf *b)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ws_buf_append(b, chunk, n) < 0)
            return -1;
    return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *message_id = NULL, *path = NULL;
    ws_buf in = WS_BUF_INIT, out = WS_BUF_INIT;
    ws_reply r;
    ws_error e = {0};
    FILE *f = stdin;
    char *s;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--message-id") == 0 && i + 1 < argc)
            message_id = argv[++i];
        else
            path = argv[i];
    }
    if (path && !(f = fopen(path, "rb"))) {
        perror(path);
        return 2;
    }
    if (read_all(f, &in) < 0) {
        fprintf(stderr, "cannot read input\n");
        return 2;
    }
    if (f != stdin)
        fclose(f);
    ws_buf_appends(&out, "{");
    if (ws_reply_parse(in.data ? in.data : "", in.len, message_id, &r, &e) != WS_OK) {
        put_error(&out, "parse_error", &e);
    } else {
        json_str_member(&out, "payload", r.payload ? (const char *)r.payload->name : NULL);
        json_str_member(&out, "action", s = ws_reply_header(&r, WS_NS_ADDR, "Action"));
        free(s);
        put_payload(&out, &r);
        ws_reply_free(&r);
    }
    ws_buf_appends(&out, "}\n");
    fwrite(out.data, 1, out.len, stdout);
    ws_error_clear(&e);
    ws_buf_free(&in);
    ws_buf_free(&out);
    xmlCleanupParser();
    return 0;
}
