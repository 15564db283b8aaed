/* Running http_fixture.py for a test: a temporary directory, the server process (stopped
 * by PID), its certificate and its request log. */
#ifndef NANOSH_TEST_FIXTURE_H
#define NANOSH_TEST_FIXTURE_H

typedef struct fixture {
    char dir[64];
    int pid;
    int http_port, https_port, v6_port;
} fixture;

/* Creates the directory and a certificate, starts the server and waits (up to 10 s)
 * for its ports. 0 on success. */
int fixture_start(fixture *f);
/* Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the directory. */
void fixture_stop(fixture *f);
/* DIR/name, in one of four static buffers. */
const char *fixture_path(const fixture *f, const char *name);
/* The whole file, NUL-terminated, or NULL; caller frees. */
char *fixture_slurp(const char *path);
/* Requests the server logged so far. */
int fixture_log_count(const fixture *f);
/* Field key of log line idx (0-based), or "" (one of four static buffers). */
const char *fixture_log_field(const fixture *f, int idx, const char *key);

#endif
