"""Running one client process and summarising repeated measurements."""
import os
import statistics
import subprocess
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
_launcher = None


class ProcessFailed(Exception):
    pass


def build_launcher(build_dir):
    """Compiles bench/wait4_run.c, which runs each client and reports its wait4 rusage."""
    global _launcher
    binary = os.path.join(build_dir, 'wait4_run')
    p = subprocess.run([os.environ.get('CC', 'cc'), '-std=c11', '-O2', '-o', binary,
                        os.path.join(BENCH, 'wait4_run.c')], capture_output=True, text=True)
    if p.returncode != 0:
        raise ProcessFailed('building bench/wait4_run.c failed: ' + p.stderr[-600:])
    _launcher = binary


def run_process(argv, env=None, stdin_path=None, timeout=600):
    """Runs argv to completion; wall seconds, user+sys CPU seconds and peak RSS (KiB)
    from wait4, and its stdout.  Raises ProcessFailed when it exits non-zero."""
    stdin = open(stdin_path, 'rb') if stdin_path else subprocess.DEVNULL
    fd, usage_file = tempfile.mkstemp(prefix='nanosh-bench-usage.')
    os.close(fd)
    try:
        proc = subprocess.Popen([_launcher, usage_file] + list(argv), stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, start_new_session=True)
        out, err = _communicate(proc, timeout)
        proc.wait()
        with open(usage_file) as f:
            fields = f.read().split()
    finally:
        os.unlink(usage_file)
        if stdin_path:
            stdin.close()
    if len(fields) != 5 or proc.returncode != 0:
        raise ProcessFailed('%s exited %d: %s' % (os.path.basename(argv[0]) if argv[0] != '/usr/bin/python3'
                                                 else ' '.join(argv[:2]), proc.returncode,
                                                 err.decode(errors='replace').strip()[-800:]))
    wall, user, system, maxrss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return {'wall_s': wall, 'cpu_s': user + system, 'user_s': user, 'sys_s': system, 'maxrss_kib': maxrss,
            'stdout': out}


def _communicate(proc, timeout):
    """Reads stdout and stderr to EOF, or kills the process at the deadline."""
    import selectors
    sel = selectors.DefaultSelector()
    chunks = {proc.stdout: [], proc.stderr: []}
    for f in chunks:
        sel.register(f, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(proc.pid, 9)          # the launcher's own group: it and the client
            proc.wait()
            raise ProcessFailed('%s did not finish in %d s' % (proc.args[0], timeout))
        for key, _ in sel.select(left):
            data = os.read(key.fd, 65536)
            if data:
                chunks[key.fileobj].append(data)
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
    return b''.join(chunks[proc.stdout]), b''.join(chunks[proc.stderr])


def summary(values):
    """Median, min and max of a list of numbers, and how many there were."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values), 'n': len(values)}
