/* libFuzzer target: the fleet inventory (shell/fleet/inventory.c, docs/fleet.md
 * "Inventory") and the shard spec (shell/fleet/shard.c, "Shards"). The first line of an
 * input is a --shard spec (auto/N reads JOB_COMPLETION_INDEX, set here to 2); the rest is
 * an inventory file, checked by the first pass (duplicates re-read the file) and read
 * entry by entry as the runner does. Run with -close_fd_mask=3. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/fuzz/fuzz_tempfile.h"
#include "shell/fleet/inventory.h"
#include "shell/fleet/shard.h"

static const char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    path = fuzz_temp_file("inventory");
    setenv("JOB_COMPLETION_INDEX", "2", 1);
    return 0;
}

/* What every entry the parser accepts must be. */
static void check_entry(const inventory_entry *e, const shard_spec *s)
{
    char label[INV_LABEL_MAX], key[INV_LABEL_MAX];
    if (!memchr(e->host, '\0', sizeof e->host) || !memchr(e->user, '\0', sizeof e->user) ||
        !e->host[0] || e->port > 65535 || (unsigned)e->auth > INV_AUTH_CERTIFICATE)
        abort();
    inventory_entry_label(e, label);
    inventory_entry_key(e, key);
    if (!strstr(label, e->host) || !strchr(key, '/'))
        abort();
    (void)inv_auth_name(e->auth);
    (void)shard_takes(s, e->host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t speclen = nl ? (size_t)(nl - p) : size;
    char *spec = strndup(p, speclen);
    if (!spec)
        return 0;
    shard_spec s;
    ws_error err = {0};
    if (shard_parse(spec, &s, &err) == WS_OK) {
        if (s.n < 1 || s.n > SHARD_N_MAX || s.k < 1 || s.k > s.n)
            abort();
    } else if (!err.what[0] || s.n != 0) {
        abort();
    }
    ws_error_clear(&err);
    free(spec);

    const char *inv = nl ? nl + 1 : p + size;
    size_t invlen = (size_t)(p + size - inv);
    FILE *f = fopen(path, "we");
    if (!f)
        abort();
    if (invlen && fwrite(inv, 1, invlen, f) != invlen)
        abort();
    if (fclose(f) != 0)
        abort();

    size_t count = 0;
    ws_rc rc = inventory_check(path, &count, &err);
    if (rc != WS_OK && !err.what[0])
        abort();
    ws_error_clear(&err);

    inventory_reader *r;
    if (inventory_open(path, &r, &err) != WS_OK)
        abort();
    inventory_entry e;
    size_t seen = 0;
    int got;
    for (int pass = 0; pass < 2; pass++) {
        seen = 0;
        while ((got = inventory_next(r, &e, &err)) == 1) {
            check_entry(&e, &s);
            seen++;
        }
        if (got < 0 && !err.what[0])
            abort();
        if (rc == WS_OK && (got != 0 || seen != count))
            abort();        /* the first pass passed: the second reads the same hosts */
        ws_error_clear(&err);
        if (inventory_rewind(r, &err) != WS_OK)
            abort();
    }
    inventory_close(r);
    return 0;
}
