/* Resolves the readline table at run time (see rl_loader.h for why). */
#include "shell/repl/rl_loader.h"
#include <dlfcn.h>
#include <string.h>

/* Stores one symbol in *slot; -1 (with the loader's reason) when it is missing. */
static int resolve(void *handle, const char *name, void *slot, ws_error *err)
{
    dlerror();
    void *sym = dlsym(handle, name);
    if (!sym) {
        const char *why = dlerror();
        ws_error_set(err, WS_E_IO, "install a GNU readline " RL_STR(RL_VERSION_MAJOR) " library",
                     "%s has no %s: %s", RL_LIBRARY, name, why ? why : "symbol is NULL");
        return -1;
    }
    memcpy(slot, &sym, sizeof sym);    /* POSIX: a dlsym result converts to any pointer */
    return 0;
}

ws_rc rl_api_load(rl_api *rl, ws_error *err)
{
    memset(rl, 0, sizeof *rl);
    /* RTLD_LOCAL: readline's names stay out of the global scope others bind against. */
    rl->handle = dlopen(RL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!rl->handle) {
        const char *why = dlerror();
        return ws_error_set(err, WS_E_IO, "install the libreadline" RL_STR(RL_VERSION_MAJOR)
                            " package for line editing", "cannot load %s: %s", RL_LIBRARY,
                            why ? why : "unknown reason");
    }
#define RL_RESOLVE(name) || resolve(rl->handle, #name, &rl->name, err) != 0
    if (0 RL_FUNCTIONS(RL_RESOLVE) RL_VARIABLES(RL_RESOLVE)) {
        dlclose(rl->handle);
        memset(rl, 0, sizeof *rl);
        return WS_E_IO;
    }
#undef RL_RESOLVE
    return WS_OK;
}
