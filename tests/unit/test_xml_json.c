/* xml_json_write on an element with very many siblings: the JSON is right, and the work
 * grows linearly with the number of siblings (counted, not timed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "shell/cli/xml_json.h"
#include "tests/tap.h"

/* <r><a>a0</a><b>b0</b><a>a1</a><b>b1</b>...<c>only</c></r> with n of each. */
static char *siblings_xml(size_t n)
{
    char *xml = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&xml, &len);

    if (!m)
        return NULL;
    fputs("<r>", m);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "<a>a%zu</a><b>b%zu</b>", i, i);
    fputs("<c>only</c></r>", m);
    fclose(m);
    return xml;
}

/* The JSON of xml, NULL when xml_json_write failed. */
static char *to_json(const char *xml)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    int rc;

    if (!m)
        return NULL;
    rc = xml_json_write(m, xml, 0);
    fclose(m);
    if (rc != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The array at *pos holds exactly "<prefix>0" .. "<prefix>(n-1)", in order. Reads item by
 * item (no strstr per item: it would rescan the rest of the output each time). */
static int array_in_order(const char **pos, const char *prefix, size_t n)
{
    char want[64];
    const char *p = strchr(*pos, '[');

    for (size_t i = 0; p && i < n; i++) {
        p += strspn(p, "[, \n");
        int len = snprintf(want, sizeof want, "\"%s%zu\"", prefix, i);
        if (strncmp(p, want, (size_t)len) != 0)
            return 0;
        p += len;
    }
    if (!p)
        return 0;
    p += strspn(p, " \n");
    *pos = p + 1;
    return *p == ']';
}

static void test_many_siblings(size_t n)
{
    char *xml = siblings_xml(n), *json = xml ? to_json(xml) : NULL;
    const char *pos = json;

    TAP_OK(json != NULL, "%zu interleaved siblings convert", 2 * n + 1);
    if (json) {
        TAP_OK(count(json, "\"a\": [") == 1 && count(json, "\"b\": [") == 1 && count(json, "\"c\": \"only\"") == 1,
               "one array per repeated name, a single value for the lone one");
        TAP_OK((pos = strstr(pos, "\"a\": [")) && array_in_order(&pos, "a", n)
               && (pos = strstr(pos, "\"b\": [")) && array_in_order(&pos, "b", n)
               && strstr(pos, "\"c\": \"only\""),
               "arrays keep document order and sit at the first sibling's place");
    }
    free(json);
    free(xml);
}

/* Sibling visits for n pairs of siblings. */
static unsigned long long visits_for(size_t n)
{
    char *xml = siblings_xml(n), *json;
    unsigned long long before = xml_json_sibling_visits();

    json = xml ? to_json(xml) : NULL;
    free(json);
    free(xml);
    return xml_json_sibling_visits() - before;
}

static void test_linear_work(void)
{
    size_t n = 2000;
    unsigned long long one = visits_for(n), two = visits_for(2 * n);

    TAP_OK(one > 0 && one <= 4 * (2 * n + 1), "siblings visited a bounded number of times each: %llu for %zu",
           one, 2 * n + 1);
    TAP_OK(two <= 2 * one + 8, "twice the siblings, twice the work: %llu then %llu", one, two);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* TAP lines survive a sanitizer abort */
    test_many_siblings(3);
    test_many_siblings(100000);
    test_linear_work();
    xmlCleanupParser();
    return tap_done();
}
