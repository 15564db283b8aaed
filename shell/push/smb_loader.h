/* libsmbclient, loaded with dlopen only when a transfer uses SMB: linking it would pull
 * about 110 shared libraries into every start of nanosh (DESIGN.md, "Performance").
 * <libsmbclient.h> still gives every type; the table holds the functions shell/push/
 * uses, each typed with __typeof__ so a mismatch with the header is a compile error. */
#ifndef NANOSH_SHELL_SMB_LOADER_H
#define NANOSH_SHELL_SMB_LOADER_H
#include "base/error.h"
#include <libsmbclient.h>

/* The library the header describes, by its SONAME (objdump -p libsmbclient.so). */
#define SMB_LIBRARY "libsmbclient.so.0"

/* Every libsmbclient function shell/push/ calls. */
#define SMB_FUNCTIONS(X)                                                                  \
    X(smbc_new_context) X(smbc_init_context) X(smbc_free_context)                         \
    X(smbc_setOptionUserData)                                                             \
    X(smbc_setFunctionAuthDataWithContext) X(smbc_setOptionUseNTHash)                     \
    X(smbc_setOptionProtocols) X(smbc_setOptionUseKerberos)                               \
    X(smbc_setOptionFallbackAfterKerberos) X(smbc_setOptionNoAutoAnonymousLogin)          \
    X(smbc_setTimeout) X(smbc_setPort) X(smbc_setDebug)                                   \
    X(smbc_getFunctionOpen) X(smbc_getFunctionRead) X(smbc_getFunctionWrite)              \
    X(smbc_getFunctionClose) X(smbc_getFunctionStat) X(smbc_getFunctionUnlink)            \
    X(smbc_getFunctionRename) X(smbc_getFunctionMkdir) X(smbc_getFunctionLseek)           \
    X(smbc_getFunctionOpendir) X(smbc_getFunctionReaddir) X(smbc_getFunctionClosedir)

#define SMB_MEMBER(name) __typeof__(&name) name;
typedef struct smb_api {
    void *handle;
    SMB_FUNCTIONS(SMB_MEMBER)
} smb_api;
#undef SMB_MEMBER

/* Loads SMB_LIBRARY (or, when library is not NULL, that file: for tests) and fills *api.
 * WS_OK, or WS_E_IO with the loader's reason and "install the libsmbclient package".
 * It stays loaded until exit: unloading Samba's libraries would strand their global
 * state (the debug layer, talloc contexts); a second load only takes a reference. */
ws_rc smb_api_load(smb_api *api, const char *library, ws_error *err);

/* smbc_getOptionUserData(ctx) for an auth callback, which gets the context but not the
 * table: the loaded library's function is found again (RTLD_NOLOAD), so no file-scope
 * pointer is needed. NULL when the library is not loaded. */
void *smb_user_data(SMBCCTX *ctx);

#endif
