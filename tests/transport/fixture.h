/* Running http_fixture.py for a test: a temporary directory, the server process (stopped
 * by PID), its certificate and its request log. */
#ifndef NANOSH_TEST_FIXTURE_H
#define NANOSH_TEST_FIXTURE_H

typedef struct fixture {
    char dir[64];
    int pid;
    int http_port, https_port, v6_port;
} fixture;

/* Unsets the proxy variables: the tests talk to loopback, and a proxy from the caller's
 * environment must not interfere. */
void fixture_unset_proxies(void);
/* Creates the temporary directory of a zeroed f, for a test that needs it before the
 * server starts. 0 on success. */
int fixture_make_dir(fixture *f);
/* Creates the directory (unless fixture_make_dir did) and a certificate for 127.0.0.1
 * and localhost, starts the server with the Basic account user:password (NULL, NULL:
 * the server's default) and waits (up to 10 s) for its ports. 0 on success. */
int fixture_start(fixture *f, const char *user, const char *password);
/* Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the directory with
 * the files in it. */
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
