/* Process-wide set-up of the libraries under wsman/ (libcurl, and through it OpenSSL).
 * Call ws_global_init once before any other thread starts, ws_global_cleanup at exit. */
#ifndef NANOSH_GLOBAL_H
#define NANOSH_GLOBAL_H
#include "base/error.h"

ws_rc ws_global_init(ws_error *err);
void ws_global_cleanup(void);

#endif
