/* Shards (shell/fleet/shard.h, source.h): N shards over one inventory take every host
 * exactly once; auto/N reads JOB_COMPLETION_INDEX; bad specs are clear errors. */
#include "shell/fleet/shard.h"
#include "shell/fleet/source.h"
#include "tests/fleet/fleet_test.h"
#include "tests/tap.h"

static void parsing(void)
{
    shard_spec s;
    ws_error err = {0};
    TAP_OK(shard_parse("3/8", &s, &err) == WS_OK && s.k == 3 && s.n == 8, "3/8");
    TAP_OK(shard_parse("1/1", &s, &err) == WS_OK && s.k == 1 && s.n == 1, "1/1");
    TAP_OK(shard_parse("10000/10000", &s, &err) == WS_OK && s.k == 10000, "10000/10000");
    static const char *const bad[] = {
        "0/8", "9/8", "3/0", "3/10001", "3", "/8", "3/", "a/8", "3/8x", "-1/8", "3/-8",
        " 3/8", "3 /8", "", "auto", "auto/", "auto/0", "AUTO/8x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        ws_error_clear(&err);
        s.k = s.n = 77;
        TAP_OK(shard_parse(bad[i], &s, &err) == WS_E_USAGE && err.what[0] && err.fix[0] &&
               s.n == 0, "--shard \"%s\" is refused: %s", bad[i], err.what);
    }

    unsetenv("JOB_COMPLETION_INDEX");
    ws_error_clear(&err);
    TAP_OK(shard_parse("auto/8", &s, &err) == WS_E_USAGE &&
           strstr(err.what, "JOB_COMPLETION_INDEX is not set") && strstr(err.fix, "Indexed"),
           "auto/8 without JOB_COMPLETION_INDEX");
    setenv("JOB_COMPLETION_INDEX", "0", 1);
    TAP_OK(shard_parse("auto/8", &s, &err) == WS_OK && s.k == 1 && s.n == 8,
           "auto/8 with index 0 is 1/8");
    setenv("JOB_COMPLETION_INDEX", "7", 1);
    TAP_OK(shard_parse("auto/8", &s, &err) == WS_OK && s.k == 8, "auto/8 with index 7 is 8/8");
    static const char *const bad_index[] = {"8", "-1", "x", "1.5", ""};
    for (size_t i = 0; i < sizeof bad_index / sizeof bad_index[0]; ++i) {
        setenv("JOB_COMPLETION_INDEX", bad_index[i], 1);
        ws_error_clear(&err);
        TAP_OK(shard_parse("auto/8", &s, &err) == WS_E_USAGE, "auto/8 with index \"%s\": %s",
               bad_index[i], err.what);
    }
    unsetenv("JOB_COMPLETION_INDEX");
    ws_error_clear(&err);
}

static void hashing(void)
{
    /* FNV-1a 64 reference values (http://www.isthe.com/chongo/tech/comp/fnv/). */
    TAP_OK(shard_hash("") == 0xcbf29ce484222325ull, "FNV-1a 64 of \"\"");
    TAP_OK(shard_hash("a") == 0xaf63dc4c8601ec8cull, "FNV-1a 64 of \"a\"");
    TAP_OK(shard_hash("foobar") == 0x85944171f73967e8ull, "FNV-1a 64 of \"foobar\"");
    TAP_OK(shard_hash("NANO1.Example.com") == shard_hash("nano1.example.com"),
           "the hash ignores case");
    shard_spec all = {0, 0};
    TAP_OK(shard_takes(&all, "x") && shard_takes(NULL, "y"), "no shard takes every host");
}

/* N shards over one 1000-host inventory, each read as its own run would. */
static void coverage(unsigned n)
{
    enum { HOSTS = 1000 };
    char path[512];
    ft_path(path, sizeof path, "fleet.txt");
    FILE *f = fopen(path, "w");
    fprintf(f, "# a fleet\n");
    for (int i = 0; i < HOSTS; ++i)
        fprintf(f, "%snano%04d.example.com%s\n", i % 7 ? "" : "ops@", i,
                i % 5 ? "" : " https");
    fclose(f);
    static unsigned char taken[HOSTS];
    memset(taken, 0, sizeof taken);
    size_t sum = 0, counted = 0, empty = 0, wrong = 0;
    ws_error err = {0};
    for (unsigned k = 1; k <= n; ++k) {
        char spec[32];
        fleet_source src = {0};
        inventory_entry e;
        size_t mine = 0, count = 0;
        snprintf(spec, sizeof spec, "%u/%u", k, n);
        shard_parse(spec, &src.shard, &err);
        inventory_open(path, &src.reader, &err);
        fleet_source_count(&src, &count, &err);
        while (fleet_source_next(&src, &e, &err) == 1) {
            int i = atoi(e.host + 4);
            if (i >= 0 && i < HOSTS)
                taken[i]++;
            ++mine;
            wrong += shard_hash(e.host) % n != k - 1;
        }
        inventory_close(src.reader);
        counted += count;
        sum += mine;
        empty += mine == 0;
        wrong += count != mine;
    }
    int once = 1;
    for (int i = 0; i < HOSTS; ++i)
        once &= taken[i] == 1;
    TAP_OK(once && sum == HOSTS && counted == HOSTS && wrong == 0,
           "%u shards take each of %d hosts exactly once", n, HOSTS);
    TAP_OK(n > 16 || empty == 0, "%u shards: none is empty (%zu empty)", n, empty);
    ws_error_clear(&err);
}

int main(void)
{
    if (ft_mkdir() != 0)
        TAP_SKIP_ALL("no temporary directory");
    parsing();
    hashing();
    coverage(1);
    coverage(8);
    coverage(13);
    coverage(64);
    ft_cleanup();
    return tap_done();
}
