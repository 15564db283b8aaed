/* libnanosh: a WinRM / WS-Management client library.
 *
 * This is the only header a program includes; compile and link with
 *     cc prog.c $(pkg-config --cflags --libs nanosh)
 *
 * What it does: connect to a Windows host's WinRM service (HTTP 5985 or HTTPS 5986),
 * authenticate with Negotiate (Kerberos, else NTLM), NTLM, Kerberos or Basic, ask the
 * host who it is (WS-Management Identify), and run cmd.exe command lines, with their
 * output handed to your callbacks as it arrives.
 *
 * Conventions:
 * - Every call that can fail returns a nanosh_rc and, on failure, fills *err (which may
 *   be NULL) with one line saying what happened and one saying what to do. The library
 *   never prints and never prompts: output goes to your callbacks, the debug trace to
 *   the FILE you name.
 * - TLS is verified unless you set insecure. Basic is used only when you name it
 *   (NANOSH_AUTH_BASIC), and Basic or unencrypted messages over plain HTTP only when you
 *   also set allow_unencrypted. Over plain HTTP, NTLM and Kerberos encrypt every message.
 * - The client copies what it needs of the options, secrets included, and wipes its
 *   copies when it is freed; your strings stay yours (to wipe) once nanosh_client_new
 *   returns. Kerberos uses the ticket cache that KRB5CCNAME names, as kinit does.
 * - Everything belongs to a nanosh_client; the only process-wide step is libcurl's
 *   set-up, done once (pthread_once) by the first nanosh_client_new. Two clients may be
 *   used at the same time from two threads; one client is used by one thread at a time
 *   (except nanosh_cancel, which may be called from anywhere, a signal handler too).
 * - Option structs start with a size member: initialise them with NANOSH_OPTIONS_INIT
 *   and NANOSH_RUN_OPTIONS_INIT, so that a program built against this header keeps
 *   working with later versions of the library, which may add members at the end.
 */
#ifndef NANOSH_H
#define NANOSH_H
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ---- */

typedef enum nanosh_rc {
    NANOSH_OK = 0,
    NANOSH_E_USAGE,       /* a bad argument */
    NANOSH_E_NOMEM,       /* out of memory */
    NANOSH_E_RESOLVE,     /* the host name does not resolve */
    NANOSH_E_CONNECT,     /* connection refused or host unreachable */
    NANOSH_E_TLS_VERIFY,  /* the server's certificate is not trusted */
    NANOSH_E_TLS,         /* another TLS failure */
    NANOSH_E_TIMEOUT,     /* the connect, a reply or the run's timeout ran out */
    NANOSH_E_AUTH,        /* credentials rejected, or the handshake failed */
    NANOSH_E_HTTP,        /* an unexpected HTTP status */
    NANOSH_E_FAULT,       /* the host answered with a WS-Management fault */
    NANOSH_E_PROTOCOL,    /* a malformed or unexpected reply */
    NANOSH_E_INSECURE,    /* refused an insecure mode you did not ask for */
    NANOSH_E_CRYPTO,      /* a bad signature, sealing or key failure */
    NANOSH_E_IO,          /* local I/O, e.g. an output callback failed */
    NANOSH_E_CANCELLED = 100, /* nanosh_cancel stopped the run */
} nanosh_rc;

typedef struct nanosh_error {
    nanosh_rc rc;
    long http_status;             /* the HTTP status involved, 0 if none */
    unsigned long long wsman_code; /* for NANOSH_E_FAULT: the WSManFault or WMI error
                                     code, when has_wsman_code is set */
    int has_wsman_code;
    char what[512];               /* what happened, one line */
    char fix[256];                /* what to do, one line; may be empty */
} nanosh_error;

/* A short name for rc ("connection failed", "timed out", ...); never NULL. */
const char *nanosh_rc_name(nanosh_rc rc);

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *nanosh_version(void);

/* ---- Clients ---- */

typedef enum nanosh_auth {
    NANOSH_AUTH_NEGOTIATE = 0, /* Kerberos when it can work here, else NTLM; never Basic */
    NANOSH_AUTH_NTLM,          /* NTLMv2, with a password or an NT hash */
    NANOSH_AUTH_KERBEROS,      /* Kerberos only: ticket cache, or user@REALM + password */
    NANOSH_AUTH_BASIC,         /* Basic: HTTPS, or plain HTTP with allow_unencrypted */
} nanosh_auth;

typedef struct nanosh_options {
    size_t size;                /* sizeof(nanosh_options): use NANOSH_OPTIONS_INIT */
    const char *host;           /* DNS name, IPv4 or IPv6 address (no brackets) */
    int port;                   /* 0: 5985, or 5986 with https */
    int https;
    const char *cacert;         /* PEM file of CAs to trust; NULL: the system's store */
    int insecure;               /* do not verify the server's certificate (unsafe) */
    int allow_unencrypted;      /* permit Basic or plaintext SOAP over plain HTTP */
    nanosh_auth auth;
    const char *user;           /* DOMAIN\user, user@REALM or a bare name; NULL with
                                   Kerberos: the ticket cache's principal */
    const char *password;       /* NULL: none (Kerberos ticket cache, or nt_hash) */
    const char *nt_hash;        /* NTLM pass-the-hash: 32 hex digits (or LM:NT), or NULL */
    const char *spn;            /* Kerberos service name; NULL: HTTP@host */
    long connect_timeout_ms;    /* 0: 30 s */
    long operation_timeout_ms;  /* WS-Management OperationTimeout, the length of one
                                   poll; 0: 20 s, and 2 s for nanosh_run's polls. A
                                   reply may take this + 10 s. */
    FILE *debug;                /* a wire trace, secrets redacted; NULL: none */
} nanosh_options;

#define NANOSH_OPTIONS_INIT { .size = sizeof(nanosh_options) }

typedef struct nanosh_client nanosh_client;

/* Checks the options and prepares a client; nothing is sent yet (the connection and the
 * authentication happen with the first request). *out is NULL on failure. */
nanosh_rc nanosh_client_new(const nanosh_options *o, nanosh_client **out, nanosh_error *err);
/* Closes the connection and wipes what the client holds. NULL is fine. */
void nanosh_client_free(nanosh_client *c);
/* The endpoint URL, e.g. "https://host:5986/wsman". */
const char *nanosh_client_url(const nanosh_client *c);

/* ---- Identify (DSP0226 11, MS-WSMV 3.1.4.1.23) ---- */

typedef struct nanosh_identity {
    char *protocol_version;     /* e.g. "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" */
    char *product_vendor;       /* e.g. "Microsoft Corporation" */
    char *product_version;      /* e.g. "OS: 10.0.14393 SP: 0.0 Stack: 3.0" */
    char *security_profiles;    /* space-separated profile URIs; may be NULL */
} nanosh_identity;

/* Asks the host who it is, authenticated (as every other request), or, with
 * unauthenticated set, without credentials, as WinRM allows for Identify only (a client
 * made with NANOSH_AUTH_NEGOTIATE and no user or password serves for that).
 * Free *out with nanosh_identity_free. */
nanosh_rc nanosh_identify(nanosh_client *c, int unauthenticated, nanosh_identity *out,
                          nanosh_error *err);
void nanosh_identity_free(nanosh_identity *id);

/* ---- Running a cmd.exe command line (WinRS, MS-WSMV 3.1.4.11-3.1.4.14) ---- */

/* Receives a chunk of the command's output as soon as it arrives, unbuffered. Returns
 * 0 to go on, or -1 to stop: the command is then terminated and nanosh_run returns
 * NANOSH_E_IO. Output is bytes as the host sends them, in its code page (UTF-8 for
 * cmd.exe run by nanosh); lines end in CR LF. */
typedef int (*nanosh_write_fn)(void *ud, const void *data, size_t len);

/* Supplies the command's standard input. Must not block: puts up to cap bytes in buf
 * and returns how many (0 when nothing is ready yet; it is asked again after the next
 * poll), or -1 to fail the run with NANOSH_E_IO. Sets *eof once the input has ended,
 * with or without bytes in the same call. */
typedef long (*nanosh_read_fn)(void *ud, void *buf, size_t cap, int *eof);

typedef struct nanosh_run_options {
    size_t size;                /* sizeof(nanosh_run_options): NANOSH_RUN_OPTIONS_INIT */
    nanosh_write_fn out;        /* the command's stdout; NULL: dropped */
    void *out_ud;
    nanosh_write_fn err;        /* the command's stderr; NULL: dropped */
    void *err_ud;
    long timeout_ms;            /* bound on the whole run; 0: none. When it runs out
                                   the command is terminated: NANOSH_E_TIMEOUT (within
                                   a second, with polls cut to 1 s) */
    const char *working_dir;    /* NULL: the host's default (the user's profile) */
    nanosh_read_fn in;          /* the command's stdin; NULL: none, the command gets
                                   end-of-file if it reads */
    void *in_ud;
} nanosh_run_options;

#define NANOSH_RUN_OPTIONS_INIT { .size = sizeof(nanosh_run_options) }

/* Runs command_line through cmd.exe in a fresh remote shell, which is deleted at the
 * end, and waits for it to end: Create, Command, Receive until done, Signal, Delete.
 * o may be NULL for the defaults (no input, output dropped, no timeout). On NANOSH_OK, *exit_code (if exit_code is not NULL) is the
 * command's exit code: Windows codes are 32-bit, and codes such as 0x80070002 are
 * common. A run that nanosh_cancel terminated returns NANOSH_E_CANCELLED; one that ended
 * by itself after a Ctrl-C returns NANOSH_OK with its exit code. */
nanosh_rc nanosh_run(nanosh_client *c, const char *command_line,
                     const nanosh_run_options *o, unsigned long long *exit_code,
                     nanosh_error *err);

/* Asks the run in progress on c (or, if none is, the next one) to stop:
 * NANOSH_CANCEL_CTRL_C sends the command a Ctrl-C and lets it end by itself;
 * NANOSH_CANCEL_TERMINATE terminates it. The run sees the request between two requests
 * to the host, so within one poll (2 s, or operation_timeout_ms if set). Safe from
 * another thread and from a signal handler. nanosh_run forgets the request when it
 * returns. */
enum { NANOSH_CANCEL_CTRL_C = 1, NANOSH_CANCEL_TERMINATE = 2 };
void nanosh_cancel(nanosh_client *c, int how);

#ifdef __cplusplus
}
#endif
#endif
