/* tls-server-end-point channel-binding data (RFC 5929 4.1), as Windows computes it for
 * Extended Protection (MS-WSMV 2.2.4.34 CbtHardeningLevel). */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include "auth/cbt.h"

#define CBT_PREFIX "tls-server-end-point:"

/* RFC 5929 4.1: the signature's hash, but SHA-256 for MD5, SHA-1 and unknown ones.
 * X509_get_signature_info also reads the hash out of RSA-PSS parameters. */
static const EVP_MD *cbt_hash(X509 *cert)
{
    int md_nid = NID_undef;

    if (!X509_get_signature_info(cert, &md_nid, NULL, NULL, NULL)) {
        int pk_nid;
        if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pk_nid))
            md_nid = NID_undef;
    }
    if (md_nid == NID_undef || md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md5_sha1)
        return EVP_sha256();
    const EVP_MD *md = EVP_get_digestbynid(md_nid);
    return md ? md : EVP_sha256();
}

ws_rc ws_cbt_app_data(const unsigned char *der, size_t len, ws_buf *out, ws_error *err)
{
    const unsigned char *p = der;
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    X509 *cert = NULL;
    ws_rc rc = WS_OK;

    if (!der || len == 0 || len > 1024 * 1024)
        return ws_error_set(err, WS_E_USAGE, "", "no server certificate for channel bindings");
    cert = d2i_X509(NULL, &p, (long)len);
    if (!cert || p != der + len) {
        rc = ws_error_set(err, WS_E_TLS, "check that the server sends a valid X.509 certificate",
                          "cannot parse the server certificate for channel bindings");
        goto out;
    }
    if (!X509_digest(cert, cbt_hash(cert), hash, &hash_len)) {
        rc = ws_error_set(err, WS_E_TLS, "", "cannot hash the server certificate for channel bindings");
        goto out;
    }
    if (ws_buf_append(out, CBT_PREFIX, sizeof CBT_PREFIX - 1) || ws_buf_append(out, hash, hash_len))
        rc = ws_error_set(err, WS_E_NOMEM, "", "out of memory");
out:
    X509_free(cert);
    return rc;
}
