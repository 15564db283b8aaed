/* libFuzzer target: "nanosh wsman" output, WS-Management replies as JSON
 * (shell/cli/xml_json.c). Whatever the host sends, what is written when xml_json_write
 * returns 0 is one JSON document (read back with jansson). Run with -close_fd_mask=2:
 * XML that does not parse prints one line on stderr. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shell/cli/xml_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = strndup((const char *)data, size);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!xml || !f)
        abort();
    int rc = xml_json_write(f, xml, size % 2 ? 2 : 0);
    if (fclose(f) != 0)
        abort();
    if (rc == 0) {
        json_error_t je;
        json_t *doc = json_loadb(out, len, 0, &je);
        if (!doc) {
            fprintf(stderr, "not JSON: %s at %d: %.*s\n", je.text, je.position, (int)len, out);
            abort();
        }
        json_decref(doc);
    } else if (rc != 255) {
        abort();
    }
    free(out);
    free(xml);
    return 0;
}
