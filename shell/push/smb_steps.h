/* Inside the SMB room: the steps put and get share (smb_steps.c). Not for use outside
 * shell/push/. */
#ifndef NANOSH_SHELL_SMB_STEPS_H
#define NANOSH_SHELL_SMB_STEPS_H
#include "shell/push/smb_conn.h"
#include <openssl/evp.h>

/* WS_OK, or the reason to stop between two chunks: the cancel flag (XFER_E_CANCELLED)
 * or the deadline (WS_E_TIMEOUT). The partial copy stays for --resume. */
ws_rc smb_should_stop(const xfer_opts *o, xfer_kind *kind, ws_error *err);
/* Tells o's progress callback, if any. */
void smb_progress(const xfer_opts *o, unsigned long long done, unsigned long long size);
/* Adds the first len bytes of the local fd (pread from 0) to md: the part of a resumed
 * copy that is already on the other side. */
ws_rc smb_hash_local_prefix(EVP_MD_CTX *md, int fd, unsigned long long len,
                            const char *local, ws_error *err);
/* The SHA-256 the server side holds for share/path, upper-case hex: hasher's when given,
 * else by reading the file back over SMB. */
ws_rc smb_remote_sha256(smb_conn *c, const smb_hasher *hasher, const char *share,
                        const char *path, char out[65], ws_error *err);
/* Whether share/path holds the first size bytes of the local fd (pread: its offset is
 * left alone): the local SHA-256 (to hex, upper case) against the server's. */
ws_rc smb_same_bytes(smb_conn *c, const smb_hasher *hasher, int fd, unsigned long long size,
                     const xfer_opts *o, const char *share, const char *path, char hex[65],
                     int *same, ws_error *err);
/* Makes the directories above path in share that are missing. */
ws_rc smb_make_parents(smb_conn *c, const char *share, const char *path, ws_error *err);
/* md's digest as upper-case hex. */
void smb_digest_hex(EVP_MD_CTX *md, char out[65]);

#endif
