/* --shard K/N and --shard auto/N (docs/fleet.md "Shards"): a stable 1/N of the inventory
 * by a hash of the host name, so that N runs on N machines (a Kubernetes Indexed Job, a
 * CI matrix, an Ansible play) cover every host exactly once without a coordinator. */
#ifndef NANOSH_FLEET_SHARD_H
#define NANOSH_FLEET_SHARD_H
#include "base/error.h"
#include <stdint.h>

enum { SHARD_N_MAX = 10000 };

typedef struct shard_spec {
    unsigned k;               /* 1-based; 0 with n 0: no sharding, every host */
    unsigned n;
} shard_spec;

/* FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/) of the lower-cased bytes of s:
 * the same on every machine, every build and every run. */
uint64_t shard_hash(const char *s);

/* Parses "K/N" (1 <= K <= N <= 10000) or "auto/N", where K - 1 comes from the environment
 * variable JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs: 0-based, 0 <= index < N). */
ws_rc shard_parse(const char *spec, shard_spec *out, ws_error *err);

/* Does the shard take the host? host is the inventory entry's host name (without user or
 * port), compared without regard to case. A spec with n 0 takes every host. */
int shard_takes(const shard_spec *s, const char *host);

#endif
