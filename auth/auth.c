/* Mechanism-independent parts of ws_auth. */
#include "auth.h"
#include <stdlib.h>

/* ops->destroy wipes and releases the mechanism's state; the handle itself is freed here. */
void ws_auth_free(ws_auth *a)
{
    if (!a)
        return;
    if (a->ops && a->ops->destroy)
        a->ops->destroy(a);
    free(a);
}
