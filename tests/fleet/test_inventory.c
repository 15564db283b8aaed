/* The fleet inventory (shell/fleet/inventory.h): every form of a good line, every
 * malformed case with its line number, duplicates, comments, and a 100000-line file
 * streamed with bounded memory. */
#include "shell/fleet/inventory.h"
#include "tests/fleet/fleet_test.h"
#include "tests/tap.h"

static int parse(const char *line, inventory_entry *e, ws_error *err)
{
    int is_entry = -1;
    ws_error_clear(err);
    ws_rc rc = inventory_parse_line(line, 7, e, &is_entry, err);
    return rc != WS_OK ? -1 : is_entry;
}

static void good_lines(void)
{
    inventory_entry e;
    ws_error err = {0};
    char label[INV_LABEL_MAX], key[INV_LABEL_MAX];

    TAP_OK(parse("web1", &e, &err) == 1 && e.port == 0 && !e.user[0] && !e.https &&
           e.auth == INV_AUTH_DEFAULT && e.line == 7, "a bare host name");
    TAP_STR_EQ(e.host, "web1", "its host");
    inventory_entry_label(&e, label);
    inventory_entry_key(&e, key);
    TAP_STR_EQ(label, "web1", "its label has no port");
    TAP_STR_EQ(key, "web1/5985", "its key has the HTTP port");

    TAP_OK(parse("Web1.Example.COM:5986\r\n", &e, &err) == 1 && e.port == 5986,
           "host:port with CRLF");
    inventory_entry_key(&e, key);
    TAP_STR_EQ(key, "web1.example.com/5986", "the key is lower-cased");

    TAP_OK(parse("[fe80::1%eth0]:5986", &e, &err) == 1 && e.ipv6 && e.port == 5986,
           "[v6%%zone]:port");
    TAP_STR_EQ(e.host, "fe80::1%eth0", "the IPv6 host without brackets");
    inventory_entry_label(&e, label);
    TAP_STR_EQ(label, "[fe80::1%eth0]:5986", "the IPv6 label keeps the brackets");
    TAP_OK(parse("[::ffff:10.0.0.1]", &e, &err) == 1 && e.ipv6 && e.port == 0,
           "[v6] with an IPv4 tail, no port");

    TAP_OK(parse("admin@10.0.0.5", &e, &err) == 1, "user@host");
    TAP_STR_EQ(e.user, "admin", "the user before @");
    TAP_STR_EQ(e.host, "10.0.0.5", "the host after @");
    TAP_OK(parse("svc@CORP.EXAMPLE@nano3:5985", &e, &err) == 1 && e.port == 5985,
           "user@REALM@host:port");
    TAP_STR_EQ(e.user, "svc@CORP.EXAMPLE", "the last @ splits user and host");

    TAP_OK(parse("  nano4\tuser=CORP\\ops port=5986 auth=kerberos https   # rack 3", &e,
                 &err) == 1 && e.port == 5986 && e.auth == INV_AUTH_KERBEROS && e.https,
           "every option and a trailing comment");
    TAP_STR_EQ(e.user, "CORP\\ops", "user= with a domain");
    for (unsigned a = INV_AUTH_NEGOTIATE; a <= INV_AUTH_CERTIFICATE; ++a) {
        char line[64];
        snprintf(line, sizeof line, "h auth=%s", inv_auth_name((inv_auth)a));
        TAP_OK(parse(line, &e, &err) == 1 && e.auth == (inv_auth)a, "auth=%s",
               inv_auth_name((inv_auth)a));
    }
    TAP_OK(parse("h https", &e, &err) == 1 && e.https, "the bare word https");
    inventory_entry_key(&e, key);
    TAP_STR_EQ(key, "h/5986", "https makes the key's port 5986");

    TAP_OK(parse("", &e, &err) == 0, "an empty line is no entry");
    TAP_OK(parse(" \t \r\n", &e, &err) == 0, "a blank line is no entry");
    TAP_OK(parse("# web9", &e, &err) == 0, "a comment line is no entry");
    TAP_OK(parse("   #web9 user=x", &e, &err) == 0, "an indented comment is no entry");
    ws_error_clear(&err);
}

typedef struct bad_case {
    const char *line;
    const char *says;       /* a piece of the error's what */
} bad_case;

static const bad_case BAD[] = {
    {"web1:0", "not a number from 1 to 65535"},
    {"web1:65536", "not a number from 1 to 65535"},
    {"web1:", "not a number from 1 to 65535"},
    {"web1:59x5", "not a number from 1 to 65535"},
    {"fe80::1", "in brackets"},
    {"[fe80::1", "without its ']'"},
    {"[fe80::1]5985", "only ':port'"},
    {"[fe80::zz]", "not an IPv6 address"},
    {"[]:5985", "not an IPv6 address"},
    {"bad$host", "not a host name"},
    {"-web1", "not a host name"},
    {"@web1", "the user before '@'"},
    {"admin@", "not a host name"},
    {"web1 rack3", "not key=value nor https"},
    {"web1 colour=red", "unknown key"},
    {"web1 port=99999", "port=99999 is not"},
    {"web1 port=", "port= is not"},
    {"web1 auth=digest", "auth=digest is not one of"},
    {"web1 https https", "https is given twice"},
    {"web1 user=a user=b", "the user is given twice"},
    {"ops@web1 user=b", "the user is given twice"},
    {"web1 user=", "user= is empty"},
    {"web1:5985 port=5986", "the port is given twice"},
    {"web1 auth=ntlm auth=basic", "auth= is given twice"},
    {"web1 password=hunter2", "passwords do not belong"},
    {"web1 user=a\x01z", "a control character"},
};

static void bad_lines(void)
{
    char path[512], text[256];
    ws_error err = {0};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; ++i) {
        /* Line 4, after a comment, a blank line and a good host. */
        snprintf(text, sizeof text, "# fleet\n\nok1\n%s\nok2\n", BAD[i].line);
        ft_write(path, sizeof path, "bad.txt", text);
        size_t n = 99;
        ws_error_clear(&err);
        ws_rc rc = inventory_check(path, &n, &err);
        TAP_OK(rc == WS_E_USAGE && strstr(err.what, "line 4:") && strstr(err.what, BAD[i].says)
               && err.fix[0] && n == 99, "malformed \"%s\": line 4, %s", BAD[i].line,
               BAD[i].says);
        if (rc == WS_OK || !strstr(err.what, BAD[i].says))
            printf("#   what: %s\n", err.what);
    }
    /* A line too long is an error, not two entries. */
    char *longline = malloc(INV_LINE_MAX + 64);
    memset(longline, 'a', INV_LINE_MAX + 10);
    strcpy(longline + INV_LINE_MAX + 10, "\n");
    ft_write(path, sizeof path, "long.txt", longline);
    free(longline);
    ws_error_clear(&err);
    TAP_OK(inventory_check(path, NULL, &err) == WS_E_USAGE && strstr(err.what, "line 1:") &&
           strstr(err.what, "longer than"), "a line longer than %d characters", INV_LINE_MAX - 1);
    ft_write(path, sizeof path, "empty.txt", "# nothing yet\n\n");
    ws_error_clear(&err);
    TAP_OK(inventory_check(path, NULL, &err) == WS_E_USAGE && strstr(err.what, "no host"),
           "an inventory without hosts is an error");
    ws_error_clear(&err);
    TAP_OK(inventory_check("/nonexistent/fleet.txt", NULL, &err) == WS_E_IO &&
           strstr(err.what, "/nonexistent/fleet.txt"), "a missing file names its path");
    ws_error_clear(&err);
}

static void duplicates(void)
{
    char path[512];
    ws_error err = {0};
    size_t n = 0;
    ft_write(path, sizeof path, "dup.txt", "a\n# b\nb\nc user=x\n\nA:5985 https\n");
    TAP_OK(inventory_check(path, &n, &err) == WS_E_USAGE &&
           strstr(err.what, "lines 1 and 6") && strstr(err.what, "appears twice"),
           "a host twice: both line numbers (case and the default port aside)");
    printf("# %s\n", err.what);
    ws_error_clear(&err);
    ft_write(path, sizeof path, "nodup.txt", "a\na https\na:5999\n[::1]\n[::1]:5986\nb\n");
    TAP_OK(inventory_check(path, &n, &err) == WS_OK && n == 6,
           "one host on different ports is no duplicate (6 hosts)");
    ws_error_clear(&err);

    /* Streaming gives the entries in order, with their lines. */
    inventory_reader *r;
    inventory_entry e;
    int lines_ok = 1, got, k = 0;
    TAP_OK(inventory_open(path, &r, &err) == WS_OK, "open for streaming");
    while ((got = inventory_next(r, &e, &err)) == 1)
        lines_ok &= e.line == (unsigned long)++k;
    TAP_OK(got == 0 && k == 6 && lines_ok, "six entries streamed, each with its line");
    TAP_OK(inventory_rewind(r, &err) == WS_OK && inventory_next(r, &e, &err) == 1 &&
           e.line == 1 && strcmp(e.host, "a") == 0, "rewind starts from the first line");
    inventory_close(r);

    /* The reader stops at a malformed line with its number. */
    ft_write(path, sizeof path, "mid.txt", "a\nb\nc:0\nd\n");
    inventory_open(path, &r, &err);
    k = 0;
    while ((got = inventory_next(r, &e, &err)) == 1)
        ++k;
    TAP_OK(got == -1 && k == 2 && strstr(err.what, "line 3:"), "streaming stops at line 3");
    inventory_close(r);
    ws_error_clear(&err);
}

/* 100000 hosts: streamed, the peak memory grows by far less than keeping the entries
 * would (100000 x sizeof(inventory_entry) is about 53 MB). */
static void big(void)
{
    enum { N = 100000 };
    char path[512];
    ft_path(path, sizeof path, "big.txt");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < N; ++i) {
        if (i % 1000 == 0)
            fprintf(f, "# rack %d\n", i / 1000);
        if (i % 3 == 0)
            fprintf(f, "ops@nano%06d.fleet.example.com:5986 auth=ntlm https\n", i);
        else
            fprintf(f, "nano%06d.fleet.example.com user=admin\n", i);
    }
    fclose(f);
    ws_error err = {0};
    inventory_reader *r;
    inventory_entry e;
    long before = ft_maxrss_kib();
    size_t n = 0;
    int got;
    inventory_open(path, &r, &err);
    while ((got = inventory_next(r, &e, &err)) == 1)
        ++n;
    inventory_close(r);
    long grew = ft_maxrss_kib() - before;
    TAP_OK(got == 0 && n == N, "100000 hosts streamed");
    TAP_OK(grew < 4 * 1024, "streaming them raised the peak memory by %ld KiB (< 4 MiB)", grew);
    before = ft_maxrss_kib();
    n = 0;
    TAP_OK(inventory_check(path, &n, &err) == WS_OK && n == N, "the first pass counts 100000");
    grew = ft_maxrss_kib() - before;
    TAP_OK(grew < 24 * 1024, "the first pass raised the peak memory by %ld KiB (< 24 MiB)", grew);
    ws_error_clear(&err);
}

int main(void)
{
    if (ft_mkdir() != 0)
        TAP_SKIP_ALL("no temporary directory");
    big();
    good_lines();
    bad_lines();
    duplicates();
    ft_cleanup();
    return tap_done();
}
