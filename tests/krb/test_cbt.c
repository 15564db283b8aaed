/* tls-server-end-point channel-binding data (RFC 5929 4.1) for certificates signed with
 * each hash: the data must use that hash, except MD5 and SHA-1, which become SHA-256. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "auth/cbt.h"
#include "tests/tap.h"

/* A self-signed certificate over key, signed with md (NULL for Ed25519); DER in *der. */
static int make_cert(EVP_PKEY *key, const EVP_MD *md, int pss, unsigned char **der)
{
    X509 *x = X509_new();
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int len = -1;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, key);
    if (EVP_DigestSignInit(mctx, &pctx, md, NULL, key) == 1
        && (!pss || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1)
        && X509_sign_ctx(x, mctx) > 0)
        len = i2d_X509(x, der);
    EVP_MD_CTX_free(mctx);
    X509_free(x);
    return len;
}

static int check(EVP_PKEY *key, const EVP_MD *sign_md, int pss, const EVP_MD *want_md, const char *name)
{
    unsigned char *der = NULL, want[EVP_MAX_MD_SIZE];
    unsigned int want_len = 0;
    ws_buf out = WS_BUF_INIT;
    ws_error err = {0};
    int len = make_cert(key, sign_md, pss, &der), good;

    if (len <= 0) {
        printf("# cannot make a %s certificate\n", name);
        return 0;
    }
    EVP_Digest(der, (size_t)len, want, &want_len, want_md, NULL);
    good = ws_cbt_app_data(der, (size_t)len, &out, &err) == WS_OK
           && out.len == 21 + want_len && memcmp(out.data, "tls-server-end-point:", 21) == 0
           && memcmp(out.data + 21, want, want_len) == 0;
    ws_buf_free(&out);
    OPENSSL_free(der);
    return good;
}

int main(void)
{
    EVP_PKEY *ec = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048), *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    TAP_OK(ec && rsa && ed, "test keys");
    TAP_OK(check(ec, EVP_sha256(), 0, EVP_sha256(), "ecdsa-sha256"), "ECDSA with SHA-256: SHA-256");
    TAP_OK(check(ec, EVP_sha384(), 0, EVP_sha384(), "ecdsa-sha384"), "ECDSA with SHA-384: SHA-384");
    TAP_OK(check(rsa, EVP_sha512(), 0, EVP_sha512(), "rsa-sha512"), "RSA with SHA-512: SHA-512");
    TAP_OK(check(rsa, EVP_sha1(), 0, EVP_sha256(), "rsa-sha1"), "RSA with SHA-1: SHA-256 instead");
    TAP_OK(check(rsa, EVP_md5(), 0, EVP_sha256(), "rsa-md5"), "RSA with MD5: SHA-256 instead");
    TAP_OK(check(rsa, EVP_sha384(), 1, EVP_sha384(), "rsa-pss-sha384"), "RSA-PSS with SHA-384: SHA-384 from the PSS parameters");
    TAP_OK(check(ed, NULL, 0, EVP_sha256(), "ed25519"), "Ed25519 (no separate hash): SHA-256");

    unsigned char *der = NULL;
    int len = make_cert(ec, EVP_sha256(), 0, &der);
    ws_buf out = WS_BUF_INIT;
    ws_error err = {0};
    TAP_OK(ws_cbt_app_data(der, (size_t)len - 1, &out, &err) == WS_E_TLS && out.len == 0, "truncated certificate refused: %s", err.what);
    unsigned char *longer = OPENSSL_malloc((size_t)len + 1);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    TAP_OK(ws_cbt_app_data(longer, (size_t)len + 1, &out, &err) == WS_E_TLS, "trailing bytes refused");
    TAP_OK(ws_cbt_app_data((const unsigned char *)"junk", 4, &out, &err) == WS_E_TLS, "garbage refused");
    TAP_OK(ws_cbt_app_data(NULL, 0, &out, &err) == WS_E_USAGE, "no certificate is a usage error");
    ws_buf_free(&out);
    OPENSSL_free(der);
    OPENSSL_free(longer);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
    return tap_done();
}
