/* nanosh --version (see version.h). Linked libraries say their run-time version; the
 * dlopen'ed ones are loaded the way their users load them, so "yes" here means the
 * feature works (shell/repl/rl_loader.c, shell/push/smb_loader.c, shell/bootstrap/bs_zip.h). */
#include "shell/cli/version.h"
#include "shell/bootstrap/bs_zip.h"
#include "shell/push/smb_loader.h"
#include "shell/repl/rl_loader.h"
#include <curl/curl.h>
#include <dlfcn.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* A dlopen'ed library: whether it loads, its version, and why not. */
typedef struct loaded {
    int ok;
    char version[64];
    char why[600];
} loaded;

static void note_failure(loaded *l, const ws_error *err)
{
    l->ok = 0;
    snprintf(l->why, sizeof l->why, "%s", err->what);
}

/* A version symbol of a loaded library: a string variable or a function returning one. */
static void version_of(loaded *l, void *handle, const char *name, int is_function)
{
    void *sym = handle ? dlsym(handle, name) : NULL;
    const char *v = NULL;
    if (sym && is_function) {
        const char *(*fn)(void);
        memcpy(&fn, &sym, sizeof sym);
        v = fn();
    } else if (sym) {
        v = *(const char *const *)sym;
    }
    /* archive_version_string() says "libarchive 3.6.2": keep the number. */
    if (v && strncmp(v, "libarchive ", 11) == 0)
        v += 11;
    snprintf(l->version, sizeof l->version, "%s", v && v[0] ? v : "version unknown");
}

static void probe_readline(loaded *l)
{
    rl_api rl;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (rl_api_load(&rl, &err) != WS_OK)
        return note_failure(l, &err);
    l->ok = 1;
    version_of(l, rl.handle, "rl_library_version", 0);   /* kept loaded, as rl_loader does */
}

static void probe_smb(loaded *l)
{
    smb_api api;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (smb_api_load(&api, NULL, &err) != WS_OK)
        return note_failure(l, &err);
    l->ok = 1;
    version_of(l, api.handle, "smbc_version", 1);        /* kept loaded: smb_loader.h */
}

static void probe_archive(loaded *l)
{
    ws_error err;
    memset(&err, 0, sizeof err);
    void *handle = bs_zip_library(&err);
    if (!handle)
        return note_failure(l, &err);
    l->ok = 1;
    version_of(l, handle, "archive_version_string", 1);   /* kept loaded: bs_zip.c */
}

/* Kerberos works when GSSAPI offers the krb5 mechanism (RFC 4121); nanosh's NTLM is its
 * own code (auth/ntlm.c), so it needs no plugin. */
static int kerberos_mech_present(void)
{
    OM_uint32 minor = 0;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    int present = 0;
    if (GSS_ERROR(gss_indicate_mechs(&minor, &mechs)))
        return 0;
    gss_test_oid_set_member(&minor, (gss_OID)gss_mech_krb5, mechs, &present);
    gss_release_oid_set(&minor, &mechs);
    return present;
}

/* xmlParserVersion is "20914" for 2.9.14. */
static void libxml2_version(char *out, size_t len)
{
    long v = strtol(xmlParserVersion, NULL, 10);
    snprintf(out, len, "%ld.%ld.%ld", v / 10000, v / 100 % 100, v % 100);
}

static const char *jansson_version(void)
{
#if JANSSON_VERSION_HEX >= 0x020d00
    return jansson_version_str();
#else
    return JANSSON_VERSION " (built with)";
#endif
}

static void print_loaded(FILE *out, const char *name, const char *soname, const loaded *l)
{
    if (l->ok)
        fprintf(out, "  %-13s %s (%s, loaded at run time)\n", name, l->version, soname);
    else
        fprintf(out, "  %-13s not available: %s\n", name, l->why);
}

int version_print(FILE *out)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    char xml[32];
    loaded rl = {0}, smb = {0}, zip = {0};

    libxml2_version(xml, sizeof xml);
    probe_readline(&rl);
    probe_smb(&smb);
    probe_archive(&zip);
    int kerberos = kerberos_mech_present();

    fprintf(out, "nanosh %s\n", PACKAGE_VERSION);
    fprintf(out, "libraries:\n");
    fprintf(out, "  %-13s %s (TLS: %s)\n", "libcurl", curl->version,
            curl->ssl_version ? curl->ssl_version : "none");
    fprintf(out, "  %-13s %s\n", "libxml2", xml);
#ifdef OPENSSL_VERSION_STRING
    fprintf(out, "  %-13s %s\n", "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
    fprintf(out, "  %-13s %s\n", "OpenSSL", OpenSSL_version(OPENSSL_VERSION));
#endif
    fprintf(out, "  %-13s %s (MIT krb5, built with)\n", "GSSAPI",
            nanosh_krb5_version[0] ? nanosh_krb5_version : "version unknown");
    fprintf(out, "  %-13s %s\n", "jansson", jansson_version());
    print_loaded(out, "readline", RL_LIBRARY, &rl);
    print_loaded(out, "libsmbclient", SMB_LIBRARY, &smb);
    print_loaded(out, "libarchive", BS_ZIP_LIBRARY, &zip);
    fprintf(out, "features:\n");
    fprintf(out, "  %-13s %s\n", "Kerberos:", kerberos ? "yes" : "no (GSSAPI offers no krb5 mechanism)");
    fprintf(out, "  %-13s %s\n", "NTLM:", "yes (built in)");
    fprintf(out, "  %-13s %s\n", "SMB:", smb.ok ? "yes (push/pull --via smb)"
                                                 : "no (install libsmbclient; --via winrm works)");
    fprintf(out, "  %-13s %s\n", "zip reading:", zip.ok ? "yes (bootstrap --docker-zip)"
                                                         : "no (install libarchive13)");
    fprintf(out, "  %-13s %s\n", "line editing:", rl.ok ? "yes" : "no (install libreadline)");
    return 0;
}
