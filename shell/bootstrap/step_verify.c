/* Step 9, verify (docs/bootstrap.md, NANO.md 6): docker version reports a server version. */
#include "shell/bootstrap/bs_int.h"
#include <string.h>

void bs_step_verify(bs_run *run)
{
    bs_cmd_out o;
    ws_error err;
    memset(&err, 0, sizeof err);
    if (bs_cmd_run(run, "docker version --format \"{{.Server.Version}}\"", 120000, &o, &err) != WS_OK) {
        bs_fail_err(run, "running docker version: ", &err);
        ws_error_clear(&err);
        return;
    }
    char line[128];
    size_t n = strcspn(o.out, "\r\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, o.out, n);
    line[n] = '\0';
    bs_fold(line, line, sizeof line);
    if (o.has_exit_code && o.exit_code == 0 && line[0] && line[0] != ' ') {
        bs_fact_add(run, "ServerVersion", "%s", line);
        bs_set(run, BS_STATUS_OK, NULL, "docker version: server %s", line);
    } else {
        char shown[200];
        bs_fold(o.err_len ? o.err : o.out, shown, sizeof shown);
        bs_set(run, BS_STATUS_FAILED, "check the docker service on the host (Get-Service docker) "
               "and its event log", "docker version gave no server version (exit %llu): %s",
               o.has_exit_code ? o.exit_code : 0ULL, shown);
    }
    bs_cmd_out_free(&o);
}
