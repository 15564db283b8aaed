/* The nanosh command line (DESIGN.md, "Command-line contract"): parsing and checks. */
#ifndef NANOSH_SHELL_OPTIONS_H
#define NANOSH_SHELL_OPTIONS_H
#include <stddef.h>
#include "wsman/wsman.h"
#include "shell/cli/target.h"

typedef enum auth_mech {
    AUTH_UNSET = 0,
    AUTH_NEGOTIATE,
    AUTH_NTLM,
    AUTH_KERBEROS,
    AUTH_BASIC,
    AUTH_CERTIFICATE,
} auth_mech;

typedef enum nanosh_mode {
    MODE_SHELL,          /* nanosh host [-c|-p|-f]: commands and the interactive shell */
    MODE_WSMAN,          /* nanosh wsman host OPERATION ... */
    MODE_PUSH,           /* nanosh push host LOCAL... REMOTE */
    MODE_PULL,           /* nanosh pull host REMOTE LOCAL */
    MODE_BOOTSTRAP,      /* nanosh bootstrap host... */
} nanosh_mode;

typedef enum command_kind {
    COMMAND_NONE,        /* interactive shell, or command lines read from stdin */
    COMMAND_CMD,         /* -c: a cmd.exe command line */
    COMMAND_PS_TEXT,     /* -p: PowerShell text */
    COMMAND_PS_FILE,     /* -f: a PowerShell script file, "-" for stdin */
} command_kind;

/* Secrets moved out of the environment at start-up (shell/cli/credentials.h). */
typedef struct credentials_env credentials_env;

typedef struct nanosh_opts {
    nanosh_mode mode;
    char *target_arg;            /* the [user@]host[:port] argument as typed */

    /* Target and credentials; "unset" values let the config file fill them in. */
    char *host;                  /* without brackets */
    char *user;                  /* NULL: unset */
    const char *user_source;     /* where user came from: "-u" or "user@host" */
    int port;                    /* 0: unset */
    int https;                   /* -1: unset; a URL target's scheme sets it */
    char *path;                  /* a URL target's endpoint path; NULL: /wsman */
    int target_is_url;           /* the target was a URL: its scheme set https */
    auth_mech auth;              /* AUTH_UNSET: unset */
    char *cacert;                /* NULL: unset */
    int insecure;
    int allow_unencrypted;
    const char *password_file;
    const credentials_env *env_secrets;  /* owned by main; NULL: none were read */
    const char *nt_hash_file;
    const char *keytab;
    const char *spn;
    int delegate;

    /* Bounds, in milliseconds; 0: unset. */
    long timeout_ms;
    long connect_timeout_ms;
    long operation_timeout_ms;
    unsigned idle_timeout_s;     /* --idle-timeout, whole seconds; 0: unset */

    /* The config file (shell/cli/config.h). */
    const char *config_file;     /* -F FILE; NULL: $XDG_CONFIG_HOME/nanosh/config */
    int no_config;               /* --no-config: read no config file */
    char *host_alias;            /* the host as typed when a HostName replaced it; NULL: none */
    char *config_password_file;  /* the file's PasswordFile, ~ expanded: after NANOSH_PASSWORD */
    char *config_spn;            /* the file's SPN, which spn then points to; NULL: none */

    /* WinRS shell settings for -c/-p/-f and the shell (MS-WSMV 2.2.4.37, WINRS_*). */
    const char **env;            /* --env NAME=VALUE, in order, NULL-terminated; NULL: none */
    size_t nenv;
    int no_profile;              /* --no-profile: WINRS_NOPROFILE */
    unsigned codepage;           /* --codepage N, 1-65535; 0: unset (65001, UTF-8) */
    const char *cwd;             /* --cwd DIR: the shell's working directory */
    int text;                    /* --text: CRLF to LF on output, LF to CRLF on input */
    const char *log_file;        /* --log FILE: a transcript of the interactive session */

    int debug;                   /* -v: wire trace on stderr */
    int json;                    /* --json */

    command_kind command_kind;
    const char *command;         /* -c or -p text, or -f path */
    int stdin_null;              /* -n */

    /* nanosh wsman */
    int xml;                     /* --xml: raw XML instead of JSON */
    const char *wsman_op;        /* identify, get, put, enumerate, invoke */
    const char **wsman_args;     /* the operation's arguments (pointers into argv) */
    size_t nwsman_args;
    ws_selector *selectors;      /* -k key=value after the operation; strings owned */
    size_t nselectors;
    const char *filter;          /* --filter WQL */
    int unauthenticated;         /* identify --unauthenticated */

    /* nanosh push and pull (issue 11) */
    const char **copy_args;      /* the paths after the host (pointers into argv) */
    size_t ncopy_args;
    const char *via;             /* --via smb|winrm|auto; NULL: auto */
    const char *share;           /* --share NAME */
    int smb_port;                /* --smb-port; 0: 445 */
    int resume;                  /* --resume */
    unsigned streams;            /* --streams N, 1..16; 0: unset (1) */
    int recursive;               /* -r */
    int force;                   /* --force */

    /* nanosh bootstrap (issue 12). The targets are all checked as [user@]host[:port];
     * the first one also fills host, user and port above, as for the other modes. */
    const char **targets;        /* every host argument (pointers into argv) */
    size_t ntargets;
    int port_option;             /* the --port value alone (not a host:port); 0: none */
    const char *docker_zip;      /* --docker-zip FILE */
    const char *docker_dir;      /* --docker-dir DIR */
    const char *trusted_hosts;   /* --trusted-hosts LIST */
    const char *share_path;      /* --share-path 'C:\Share' */
    const char *share_name;      /* --share-name NAME */
    const char *steps;           /* --steps LIST (checked against the step names later) */
    const char *skip;            /* --skip LIST */
    const char *report;          /* --report FILE.json */
    int plan;                    /* --plan */

    /* Fleets (issue 13, docs/fleet.md): bootstrap or -c/-p/-f on every inventory host. */
    const char *inventory;       /* -i FILE; NULL: the hosts come from the command line */
    unsigned jobs;               /* -j N, 1..1024; 0: unset (8) */
    const char *shard;           /* --shard K/N or auto/N (checked by shell/fleet/shard.h) */
    const char *output_dir;      /* --output-dir DIR: -c output kept per host */
} nanosh_opts;

/* Parses argv into o (which it initialises). Returns 0 to go on, -1 when --help or
 * --version was printed (exit 0), or 255 after printing a one-line error. */
int options_parse(int argc, char **argv, nanosh_opts *o);

/* Fills what is still unset with built-in defaults (after the config file). */
void options_finish(nanosh_opts *o);

/* Checks the combination (auth mechanism available, Basic over HTTP, ...) before any
 * prompt or connection. Returns 0 or 255 after printing a one-line error. */
int options_validate(const nanosh_opts *o);

void options_free(nanosh_opts *o);

/* Frees the strings a per-host copy of the options owns (bootstrap and fleets make one
 * per host from the command line's): host, user, cacert, path, host_alias, and what the
 * config file allocated for the host (config_password_file, config_spn). */
void options_host_free(nanosh_opts *ho);

/* Shared value parsers, also used by the config file. Return 0 or -1. */
int options_parse_port(const char *s, int *port);
int options_parse_seconds(const char *s, long *ms);
int options_parse_auth(const char *s, auth_mech *m);
const char *options_auth_name(auth_mech m);

#endif
