"""Start-up of a one-shot command, `nanosh -c 'echo hi'`, for this nanosh and an earlier
build of it (--base), against the same test server: client CPU (user+sys) and peak RSS
from wait4.  The two builds take turns run by run; one warm-up run each is discarded."""
from measure import ProcessFailed, run_process, summary


def oneshot_argv(target, nanosh):
    argv = target.nanosh_argv('-c', 'echo hi')
    argv[0] = nanosh
    return argv


def measure_startup(target, builds, runs):
    """builds: {'name': path}.  {'name': {'cpu_s':, 'maxrss_kib':, 'wall_s':}} of summaries."""
    raw = dict((name, []) for name in builds)
    for i in range(runs + 1):
        for name, path in builds.items():
            r = run_process(oneshot_argv(target, path), env=target.env(), timeout=60)
            if not r['stdout'].startswith(b'hi'):
                raise ProcessFailed('%s -c "echo hi" printed %r' % (path, r['stdout'][:80]))
            if i:
                raw[name].append(r)
    return dict((name, {'path': builds[name],
                        'cpu_s': summary([r['cpu_s'] for r in rs]),
                        'maxrss_kib': summary([r['maxrss_kib'] for r in rs]),
                        'wall_s': summary([r['wall_s'] for r in rs])}) for name, rs in raw.items())
