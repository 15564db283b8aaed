/* Where the runner takes its hosts from: the inventory read line by line, filtered by a
 * shard. One entry in memory at a time, however long the file. */
#ifndef NANOSH_FLEET_SOURCE_H
#define NANOSH_FLEET_SOURCE_H
#include "shell/fleet/inventory.h"
#include "shell/fleet/shard.h"

typedef struct fleet_source {
    inventory_reader *reader;    /* borrowed, opened by the caller */
    shard_spec shard;            /* n 0: every host */
} fleet_source;

/* The next entry this shard takes: 1, 0 at the end, -1 with err set. Its signature is
 * the runner's fleet_next_fn (ud is the fleet_source). */
int fleet_source_next(void *ud, inventory_entry *e, ws_error *err);

/* How many hosts of the inventory the shard takes (a first pass for the progress total);
 * rewinds the reader before and after. */
ws_rc fleet_source_count(fleet_source *s, size_t *count, ws_error *err);

#endif
