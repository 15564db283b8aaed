"""Upload over WinRM: a file piped into `cat > C:\\...` on the server as the command's
stdin.  nanosh gets it on its standard input; pywinrm sends it Ansible-style in
250000-byte Send chunks.  MB/s (10^6 bytes per second); each upload is checked by size."""
import os
import time

from measure import ProcessFailed, run_process, summary


def make_payload(path, size):
    with open(path, 'wb') as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n


def upload_run(target, client, payload):
    name = 'upload-%s.bin' % client
    remote = 'C:\\' + name
    if client == 'nanosh':
        r = run_process(target.nanosh_argv('-c', 'cat > %s' % remote), env=target.env(), stdin_path=payload)
    else:
        r = run_process(target.pywinrm_argv('upload', payload, remote),
                        env=target.env(legacy_openssl=target.auth == 'ntlm'))
    landed = target.sandbox_path(name)
    size = os.path.getsize(landed) if os.path.exists(landed) else -1
    if size != os.path.getsize(payload):
        raise ProcessFailed('%s uploaded %d of %d bytes' % (client, size, os.path.getsize(payload)))
    os.unlink(landed)
    return r


def measure_upload(target, clients, runs, size, budget_s):
    """Stops a client's repetitions early (at least one run) once they exceed budget_s."""
    payload = os.path.join(target.tmp, 'payload.bin')
    make_payload(payload, size)
    out = {}
    for client in clients:
        rates, cpus, rss, reqs = [], [], [], []
        started = time.monotonic()
        for _ in range(runs):
            before = target.requests()
            r = upload_run(target, client, payload)
            rates.append(size / r['wall_s'] / 1e6)
            cpus.append(r['cpu_s'])
            rss.append(r['maxrss_kib'])
            reqs.append(target.requests() - before)
            if time.monotonic() - started > budget_s:
                break
        out[client] = {'mb_per_s': summary(rates), 'cpu_s': summary(cpus), 'maxrss_kib': summary(rss),
                       'requests': summary(reqs), 'cut_by_time_budget': len(rates) < runs}
    os.unlink(payload)
    return out
