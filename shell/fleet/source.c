/* The runner's host source: the inventory streamed and filtered by the shard. */
#include "shell/fleet/source.h"

int fleet_source_next(void *ud, inventory_entry *e, ws_error *err)
{
    fleet_source *s = ud;
    int got;
    while ((got = inventory_next(s->reader, e, err)) == 1)
        if (shard_takes(&s->shard, e->host))
            return 1;
    return got;
}

ws_rc fleet_source_count(fleet_source *s, size_t *count, ws_error *err)
{
    inventory_entry e;
    size_t n = 0;
    int got;
    ws_rc rc = inventory_rewind(s->reader, err);
    if (rc != WS_OK)
        return rc;
    while ((got = fleet_source_next(s, &e, err)) == 1)
        ++n;
    if (got < 0)
        return err ? err->rc : WS_E_USAGE;
    *count = n;
    return inventory_rewind(s->reader, err);
}
