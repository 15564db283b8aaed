/* The fleet inventory (-i FILE, docs/fleet.md "Inventory"): one host per line,
 *
 *     [user@]host[:port] [user=NAME] [port=N] [auth=MECH] [https]   # comment
 *
 * where host is a name, an IPv4 address or a bracketed IPv6 address ([fe80::1]:5986).
 * Blank lines and `#` comments are ignored. The reader streams: one entry at a time,
 * one line buffer, so memory does not grow with the file. inventory_check is the first
 * pass: it validates every line and finds duplicate hosts before anything runs. */
#ifndef NANOSH_FLEET_INVENTORY_H
#define NANOSH_FLEET_INVENTORY_H
#include "base/error.h"
#include <stddef.h>

typedef enum inv_auth {
    INV_AUTH_DEFAULT = 0,     /* none given: the command line's -a decides */
    INV_AUTH_NEGOTIATE,
    INV_AUTH_NTLM,
    INV_AUTH_KERBEROS,
    INV_AUTH_BASIC,
    INV_AUTH_CERTIFICATE,
} inv_auth;

/* "negotiate", "ntlm", ...; "" for INV_AUTH_DEFAULT. */
const char *inv_auth_name(inv_auth a);

enum {
    INV_LINE_MAX = 4096,      /* longer lines are an error, not silently cut */
    INV_HOST_MAX = 254,       /* a DNS name is at most 253 characters (RFC 1035 2.3.4) */
    INV_USER_MAX = 257,
    INV_LABEL_MAX = INV_HOST_MAX + 16,
};

typedef struct inventory_entry {
    char host[INV_HOST_MAX];  /* without brackets, port or user */
    char user[INV_USER_MAX];  /* "" when none given */
    unsigned port;            /* 0 when none given */
    inv_auth auth;
    int https;                /* the bare word `https` */
    int ipv6;                 /* host was bracketed */
    unsigned long line;       /* 1-based line number in the file */
} inventory_entry;

/* Parses one line. Returns WS_OK with *is_entry 1 and e filled, WS_OK with *is_entry 0
 * for a blank or comment line, or WS_E_USAGE naming the line number and the problem. */
ws_rc inventory_parse_line(const char *line, unsigned long lineno, inventory_entry *e,
                           int *is_entry, ws_error *err);

/* The host as reports and messages name it: "host", "host:port", "[v6]" or
 * "[v6]:port" (the port only when one was given). Never truncated: INV_LABEL_MAX fits. */
void inventory_entry_label(const inventory_entry *e, char out[INV_LABEL_MAX]);

/* The identity duplicates are found by: lower-cased host and the port that will be
 * used (given, else 5986 with https, else 5985). */
void inventory_entry_key(const inventory_entry *e, char out[INV_LABEL_MAX]);

typedef struct inventory_reader inventory_reader;

/* Opens path for reading ("-" is not accepted: the first pass needs to read it twice). */
ws_rc inventory_open(const char *path, inventory_reader **out, ws_error *err);
/* The next entry: 1 with e filled, 0 at the end, -1 with err set (malformed line, I/O). */
int inventory_next(inventory_reader *r, inventory_entry *e, ws_error *err);
/* Starts again from the first line. */
ws_rc inventory_rewind(inventory_reader *r, ws_error *err);
void inventory_close(inventory_reader *r);

/* The first pass: every line parses and no host appears twice (the error names both
 * lines). *count gets the number of hosts. Memory: 16 bytes per host (a hash and a line
 * number); a hash match is confirmed by re-reading the earlier line. */
ws_rc inventory_check(const char *path, size_t *count, ws_error *err);

#endif
