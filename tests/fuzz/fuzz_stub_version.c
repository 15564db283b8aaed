/* For the fuzz targets that link shell/cli/options.c for its parsers: --version's
 * report (shell/cli/version.c) loads libsmbclient, readline and libarchive to name
 * their versions, which no fuzz target reads; a target that got here is wrong. */
#include "shell/cli/version.h"
#include <stdlib.h>

const char nanosh_krb5_version[] = "fuzz";

int version_print(FILE *out)
{
    (void)out;
    abort();
}
