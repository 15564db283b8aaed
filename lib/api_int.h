/* What the files of the libnanosh facade share; never installed. */
#ifndef NANOSH_LIB_API_INT_H
#define NANOSH_LIB_API_INT_H
/* The library's own symbols are hidden (-fvisibility=hidden); the public ones take
 * default visibility from their declarations here, and lib/nanosh.map names them. */
#pragma GCC visibility push(default)
#include "lib/nanosh.h"
#pragma GCC visibility pop
#include "wsman/wsman.h"

struct nanosh_client {
    ws_client *ws;
    long operation_timeout_ms;   /* as given; 0: the library default */
    _Atomic int cancel;          /* nanosh_cancel's request for the run (WS_CANCEL_*) */
    char kerberos_skipped[512];  /* from negotiate: why the last handshake was not Kerberos */
};

/* Copies a ws_error into the public error (err may be NULL) and returns its code. A
 * rejected NTLM fallback also says why Kerberos, which might have worked, was not used. */
nanosh_rc api_error_from(const nanosh_client *c, const ws_error *e, nanosh_error *err);

/* Fills the public error (err may be NULL) and returns rc. */
nanosh_rc api_fail(nanosh_error *err, nanosh_rc rc, const char *fix, const char *what);

/* Copies an options struct whose first member is its size: a caller built against an
 * older, shorter struct gets zeros for the members it does not know; one built against
 * a newer struct has the members this library does not know ignored. -1 when in is
 * NULL or too short to hold its size. */
int api_copy_options(const void *in, size_t in_size, void *out, size_t out_size);

#endif
