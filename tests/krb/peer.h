/* The python3-gssapi acceptor (acceptor.py) as a child process, for the Kerberos tests. */
#ifndef NANOSH_TESTS_KRB_PEER_H
#define NANOSH_TESTS_KRB_PEER_H
#include <stddef.h>
#include <sys/types.h>

typedef struct peer {
    pid_t pid;
    int to, from;          /* its stdin, its stdout */
    char line[1 << 16];    /* last reply line, without the newline */
} peer;

/* Starts acceptor.py with up to 3 extra arguments (NULL-terminated). 0 or -1. */
int peer_start(peer *p, const char *const *args);
/* Sends "CMD payload" (payload base64-encoded when given) and reads one reply line,
 * waiting at most 10 seconds. Returns the reply's first word, or "" on a failure. */
const char *peer_call(peer *p, const char *cmd, const char *num, const void *data, size_t len);
/* Decodes the base64 in word n (0-based) of the last reply into buf; returns its length or -1. */
long peer_word_b64(const peer *p, int n, unsigned char *buf, size_t size);
/* Copies word n of the last reply; "" when absent. */
const char *peer_word(const peer *p, int n, char *buf, size_t size);
/* Closes the pipes and reaps the child, killing it after a bounded wait. */
void peer_stop(peer *p);

#endif
