/* The --debug wire trace: libcurl's debug callback, with credentials redacted. */
#ifndef NANOSH_TRACE_H
#define NANOSH_TRACE_H
#include <stddef.h>
#include <stdio.h>
#include <curl/curl.h>

/* CURLOPT_DEBUGFUNCTION; CURLOPT_DEBUGDATA is the FILE* to write to. Authorization and
 * Proxy-Authorization values become "<scheme> <redacted>", WWW-Authenticate tokens are
 * shortened, bodies are shown as text up to a limit, binary data only by its size. */
int ws_trace_curl(CURL *h, curl_infotype type, char *data, size_t size, void *file);

/* Writes one header line the way the trace shows it (exposed for tests). */
void ws_trace_header_line(FILE *f, const char *prefix, const char *line, size_t len);

/* Writes one libcurl informational line with URL credentials removed. */
void ws_trace_text(FILE *f, const char *data, size_t size);

#endif
