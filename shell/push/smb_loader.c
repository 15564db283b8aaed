/* Resolves the libsmbclient table at run time (see smb_loader.h for why). */
#include "shell/push/smb_loader.h"
#include <dlfcn.h>
#include <string.h>

#define SMB_FIX "install the libsmbclient package (apt-get install libsmbclient)"

/* Stores one symbol in *slot; -1 (with the loader's reason) when it is missing. */
static int resolve(void *handle, const char *lib, const char *name, void *slot, ws_error *err)
{
    dlerror();
    void *sym = dlsym(handle, name);
    if (!sym) {
        const char *why = dlerror();
        ws_error_set(err, WS_E_IO, SMB_FIX, "%s has no %s: %s", lib, name,
                     why ? why : "symbol is NULL");
        return -1;
    }
    memcpy(slot, &sym, sizeof sym);    /* POSIX: a dlsym result converts to any pointer */
    return 0;
}

ws_rc smb_api_load(smb_api *api, const char *library, ws_error *err)
{
    const char *lib = library ? library : SMB_LIBRARY;
    memset(api, 0, sizeof *api);
    /* RTLD_LOCAL: Samba's many names stay out of the global scope. */
    api->handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!api->handle) {
        const char *why = dlerror();
        return ws_error_set(err, WS_E_IO, SMB_FIX, "cannot load %s for SMB transfers: %s",
                            lib, why ? why : "unknown reason");
    }
#define SMB_RESOLVE(name) || resolve(api->handle, lib, #name, &api->name, err) != 0
    if (0 SMB_FUNCTIONS(SMB_RESOLVE)) {
        dlclose(api->handle);
        memset(api, 0, sizeof *api);
        return WS_E_IO;
    }
#undef SMB_RESOLVE
    return WS_OK;
}

void *smb_user_data(SMBCCTX *ctx)
{
    void *handle = dlopen(SMB_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!handle)
        return NULL;
    __typeof__(&smbc_getOptionUserData) get = NULL;
    void *sym = dlsym(handle, "smbc_getOptionUserData");
    memcpy(&get, &sym, sizeof sym);
    void *data = get ? get(ctx) : NULL;
    dlclose(handle);
    return data;
}
