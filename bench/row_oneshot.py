"""One-shot `-c 'echo hi'`: whole-process wall time, client CPU, peak RSS and the HTTP
requests counted at the server, for nanosh and its peers, and the server floor."""
import json

from measure import ProcessFailed, run_process, summary


def oneshot_argv(target, client):
    if client == 'nanosh':
        return target.nanosh_argv('-c', 'echo hi'), target.env()
    if client == 'pywinrm':
        return target.pywinrm_argv('oneshot'), target.env(legacy_openssl=target.auth == 'ntlm')
    return target.go_argv('oneshot'), target.env()


def measure_oneshot(target, clients, runs):
    """{client: {'wall_s','cpu_s','maxrss_kib','requests': summaries}}; one warm-up run
    per client first, then the clients take turns so that noise falls on all alike."""
    samples = {c: {'wall_s': [], 'cpu_s': [], 'maxrss_kib': [], 'requests': []} for c in clients}
    for turn in range(runs + 1):
        for client in clients:
            argv, env = oneshot_argv(target, client)
            before = target.requests()
            r = run_process(argv, env=env)
            if not r['stdout'].startswith(b'hi'):
                raise ProcessFailed('%s printed %r instead of hi' % (client, r['stdout'][:200]))
            if turn == 0:
                continue
            for key in ('wall_s', 'cpu_s', 'maxrss_kib'):
                samples[client][key].append(r[key])
            samples[client]['requests'].append(target.requests() - before)
    return {c: dict((k, summary(v)) for k, v in s.items()) for c, s in samples.items()}


def measure_floor(target, runs):
    before = target.requests()
    r = run_process(target.floor_argv(runs), env=target.env())
    data = json.loads(r['stdout'])
    return {'wall_s': summary(data['wall_s']), 'cpu_s': summary(data['cpu_s']),
            'requests': summary([(target.requests() - before) / (runs + 1)])}
