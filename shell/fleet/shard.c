/* Shards: --shard K/N and auto/N, and the stable host hash (docs/fleet.md "Shards"). */
#include "shell/fleet/shard.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

uint64_t shard_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;            /* FNV-1a 64 offset basis */
    for (; *s; ++s) {
        h ^= (uint64_t)(unsigned char)tolower((unsigned char)*s);
        h *= 0x100000001b3ull;                     /* FNV-1a 64 prime */
    }
    return h;
}

/* A decimal number 0..SHARD_N_MAX spanning exactly [s, end); -1 otherwise. */
static long small_number(const char *s, const char *end)
{
    long v = 0;
    if (s == end || end - s > 5)
        return -1;
    for (; s < end; ++s) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v <= SHARD_N_MAX ? v : -1;
}

ws_rc shard_parse(const char *spec, shard_spec *out, ws_error *err)
{
    static const char FIX[] = "give --shard K/N with 1 <= K <= N <= 10000, or auto/N";
    out->k = out->n = 0;
    const char *slash = spec ? strchr(spec, '/') : NULL;
    if (!slash)
        return ws_error_set(err, WS_E_USAGE, FIX, "--shard %s: expected K/N, e.g. 3/8",
                            spec ? spec : "");
    long n = small_number(slash + 1, slash + strlen(slash));
    if (n < 1)
        return ws_error_set(err, WS_E_USAGE, FIX,
                            "--shard %s: N must be a number from 1 to %d", spec, SHARD_N_MAX);
    long k;
    if ((size_t)(slash - spec) == 4 && strncmp(spec, "auto", 4) == 0) {
        const char *idx = getenv("JOB_COMPLETION_INDEX");
        if (!idx || !*idx)
            return ws_error_set(err, WS_E_USAGE,
                                "run it in a Kubernetes Indexed Job (completionMode: Indexed) or "
                                "give --shard K/N",
                                "--shard %s: JOB_COMPLETION_INDEX is not set", spec);
        long i = small_number(idx, idx + strlen(idx));
        if (i < 0 || i >= n)
            return ws_error_set(err, WS_E_USAGE, "make the Job's completions equal N",
                                "--shard %s: JOB_COMPLETION_INDEX=%.16s is not an index from 0 "
                                "to %ld", spec, idx, n - 1);
        k = i + 1;
    } else {
        k = small_number(spec, slash);
        if (k < 1 || k > n)
            return ws_error_set(err, WS_E_USAGE, FIX,
                                "--shard %s: K must be a number from 1 to N (%ld)", spec, n);
    }
    out->k = (unsigned)k;
    out->n = (unsigned)n;
    return WS_OK;
}

int shard_takes(const shard_spec *s, const char *host)
{
    if (!s || s->n == 0)
        return 1;
    return shard_hash(host) % s->n == s->k - 1;
}
