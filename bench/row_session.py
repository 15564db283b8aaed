"""N commands in one session: nanosh's line-by-line shell fed from a pipe, pywinrm's
run_command loop in one Python process, Go's loop on one shell.  Commands per second,
CPU per command, and the HTTP requests each further command adds."""
import os

from measure import ProcessFailed, run_process, summary


def session_run(target, client, count, script_dir):
    if client == 'nanosh':
        # cmd mode, as the peers' run_command: every line is one WinRS command
        script = os.path.join(script_dir, 'echo-hi-%d.txt' % count)
        if not os.path.exists(script):
            with open(script, 'w') as f:
                f.write(':cmd\n' + 'echo hi\n' * count)
        return run_process(target.nanosh_argv(), env=target.env(), stdin_path=script)
    if client == 'pywinrm':
        return run_process(target.pywinrm_argv('loop', str(count)),
                           env=target.env(legacy_openssl=target.auth == 'ntlm'))
    return run_process(target.go_argv('loop', str(count)), env=target.env())


def measure_session(target, clients, runs, count):
    samples = {c: {'commands_per_s': [], 'cpu_per_command_s': [], 'maxrss_kib': [], 'requests': []}
               for c in clients}
    one_command = {}
    for client in clients:                 # the cost of the session around one command
        before = target.requests()
        session_run(target, client, 1, target.tmp)
        one_command[client] = target.requests() - before
    for _ in range(runs):
        for client in clients:
            before = target.requests()
            r = session_run(target, client, count, target.tmp)
            his = r['stdout'].count(b'hi')       # the peers check each result themselves
            if client == 'nanosh' and his != count:
                raise ProcessFailed('%s printed %d of %d hi lines' % (client, his, count))
            s = samples[client]
            s['commands_per_s'].append(count / r['wall_s'])
            s['cpu_per_command_s'].append(r['cpu_s'] / count)
            s['maxrss_kib'].append(r['maxrss_kib'])
            s['requests'].append(target.requests() - before)
    out = {}
    for client, s in samples.items():
        out[client] = dict((k, summary(v)) for k, v in s.items())
        total = out[client]['requests']['median']
        out[client]['requests_per_command'] = (total - one_command[client]) / (count - 1)
    return out
