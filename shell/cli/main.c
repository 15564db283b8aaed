/* nanosh: a WinRM client for Linux. Parses the command line, then hands over to the
 * one-shot runner, the line-by-line shell, or the wsman, push, pull and bootstrap
 * subcommands. */
#include "shell/cli/bootstrap_cmd.h"
#include "shell/cli/config.h"
#include "shell/cli/credentials.h"
#include "shell/cli/errors.h"
#include "shell/cli/fleet_cmd.h"
#include "shell/cli/options.h"
#include "shell/cli/ps_cli.h"
#include "shell/cli/push_cmd.h"
#include "shell/repl/repl.h"
#include "shell/cli/winrs.h"
#include "shell/cli/signals.h"
#include "shell/cli/wsman_cmd.h"
#include "wsman/global.h"
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* DESIGN.md, "Security": secrets never reach a core dump, and a non-dumpable process
 * cannot be read through ptrace or /proc/PID/mem by other processes of the user. */
static void keep_secrets_in(void)
{
    const struct rlimit no_core = {0, 0};

    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &no_core);
}

static int dispatch(const nanosh_opts *o)
{
    if (o->inventory)
        return fleet_main(o);
    if (o->mode == MODE_WSMAN)
        return wsman_main(o);
    if (o->mode == MODE_PUSH || o->mode == MODE_PULL)
        return push_main(o);
    if (o->mode == MODE_BOOTSTRAP)
        return bootstrap_main(o);
    switch (o->command_kind) {
    case COMMAND_CMD:
        return run_one_shot(o, o->command);
    case COMMAND_PS_TEXT:
    case COMMAND_PS_FILE:
        return powershell_run(o);
    case COMMAND_NONE:
        break;
    }
    return repl_run(o);
}

int main(int argc, char **argv)
{
    nanosh_opts o;
    credentials_env env_secrets;
    keep_secrets_in();
    /* nanosh report merge: local files only, no options of the other modes. */
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_cmd_main(argc - 1, argv + 1);
    if (credentials_take_env(&env_secrets) != 0)
        return 255;
    int rc = options_parse(argc, argv, &o);
    o.env_secrets = &env_secrets;
    /* bootstrap and fleets apply the config file, the defaults and the checks to each of
     * their hosts (shell/cli/bootstrap_cmd.c, shell/cli/fleet_cmd.c). */
    int per_host = o.mode == MODE_BOOTSTRAP || o.inventory;
    if (rc == 0 && !per_host)
        rc = config_apply(&o);
    if (rc == 0 && !per_host) {
        options_finish(&o);
        rc = options_validate(&o);
    }
    if (rc == 0) {
        ws_error err;
        memset(&err, 0, sizeof err);
        if (ws_global_init(&err) != WS_OK) {
            rc = fail_ws(&err);
            ws_error_clear(&err);
        } else {
            signals_install();
            rc = dispatch(&o);
            ws_global_cleanup();
        }
    }
    options_free(&o);
    credentials_forget(&env_secrets);
    xmlCleanupParser();
    return rc < 0 ? 0 : rc;
}
