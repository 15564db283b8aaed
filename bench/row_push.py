"""File upload over WinRM: `nanosh push --via winrm` against pywinrm doing what Ansible's
`put_file` does (bench/peers/ansible_put.py), on the test server with NTLM and message
encryption, directly and through tests/lib/relay.py.

Each upload is one client process, timed and measured by bench/wait4_run.c (wall,
user+sys CPU, peak RSS), and checked on the server's disk by SHA-256 afterwards (outside
the timed process).  Rates are MB/s (10^6 bytes per second of the payload)."""
import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

from measure import ProcessFailed, run_process, summary

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(TOP, 'tests', 'sim'))
from simlib import USER  # noqa: E402
PYTHON = '/usr/bin/python3'
RELAY = os.path.join(TOP, 'tests', 'lib', 'relay.py')


class Relay:
    """tests/lib/relay.py in front of the server for as long as the with-block lasts;
    .stats holds its byte counts once it has stopped."""

    def __init__(self, port, rtt_ms=0, mbit=0, tmp='/tmp'):
        self.stats_file = os.path.join(tmp, 'relay-%d.json' % os.getpid())
        argv = [PYTHON, RELAY, '--stats', self.stats_file]
        if rtt_ms:
            argv += ['--rtt-ms', str(rtt_ms)]
        if mbit:
            argv += ['--mbit', str(mbit)]
        self.proc = subprocess.Popen(argv + ['127.0.0.1', str(port)], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise ProcessFailed('tests/lib/relay.py did not start')
        self.port = int(line)
        self.stats = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            with open(self.stats_file) as f:
                self.stats = json.load(f)
            os.unlink(self.stats_file)
        except (OSError, ValueError):
            self.stats = None
        return False


def make_payload(path, size):
    h = hashlib.sha256()
    with open(path, 'wb') as f:
        left = size
        while left:
            block = os.urandom(min(left, 1 << 20))
            h.update(block)
            f.write(block)
            left -= len(block)
    return h.hexdigest()


def sha256_of(path, base64_lines=False):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        if base64_lines:
            for line in f:
                if line.strip():
                    h.update(base64.b64decode(line.strip()))
        else:
            for block in iter(lambda: f.read(1 << 20), b''):
                h.update(block)
    return h.hexdigest()


def nanosh_has_push(nanosh):
    """True when this nanosh has the push command (its help mentions `--via`)."""
    p = subprocess.run([nanosh, 'push', '--help'], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    return '--via' in p.stdout + p.stderr


class Uploads:
    """The clients, and how each one's upload is run against a server port."""

    def __init__(self, target, payload, digest, has_push):
        self.target, self.payload, self.digest, self.has_push = target, payload, digest, has_push
        self.ansible_sink = 'powershell'
        self.probe_error = None
        self.notes = []

    def probe_ansible(self):
        """The exact Ansible script if the server's PowerShell runs it; else the same
        stdin into `cat` (and a note saying so)."""
        small = os.path.join(self.target.tmp, 'probe.bin')
        with open(small, 'wb') as f:
            f.write(os.urandom(1000))
        try:
            self._ansible(small, self.target.sim.port, 'powershell')
        except ProcessFailed as e:
            self.ansible_sink = 'cat'
            self.probe_error = str(e)[-400:]
            self.notes.append('the server\'s stand-in PowerShell does not run the Ansible put_file script (it '
                              'failed: see ansible_probe_error), so the Ansible-style peer sent the same base64 '
                              'lines in the same Sends to `cat > C:\\...`: the client\'s work and the bytes on '
                              'the wire are Ansible\'s; the server stores the lines instead of decoding them')
        finally:
            os.unlink(small)
            self._remove('ansible.bin')

    def _remove(self, name):
        path = self.target.sandbox_path(name)
        if os.path.exists(path):
            os.unlink(path)

    def _ansible(self, local, port, sink):
        url = 'http://127.0.0.1:%d/wsman' % port
        argv = [PYTHON, os.path.join(BENCH, 'peers', 'ansible_put.py'), '--sink', sink, local, 'C:\\ansible.bin',
                url, 'ntlm', 'always', USER, '']
        return run_process(argv, env=self.target.env(legacy_openssl=True))

    def run(self, client, port, streams=1):
        """One upload of the payload by client ('nanosh' or 'ansible'); the wait4 figures."""
        name = client + '.bin'
        self._remove(name)
        if client == 'ansible':
            r = self._ansible(self.payload, port, self.ansible_sink)
            landed_is_b64 = self.ansible_sink == 'cat'
        else:
            t = self.target
            where = ['-u', USER, '-a', 'ntlm', '127.0.0.1:%d' % port]
            if self.has_push:
                argv = [t.nanosh, 'push', '--via', 'winrm'] + (['--streams', str(streams)] if streams > 1 else []) \
                    + where + [self.payload, 'C:\\' + name]
                r = run_process(argv, env=t.env())
            else:
                r = run_process([t.nanosh] + where + ['-c', 'cat > C:\\' + name], env=t.env(),
                                stdin_path=self.payload)
            landed_is_b64 = False
        landed = self.target.sandbox_path(name)
        if not os.path.exists(landed):
            raise ProcessFailed('%s: no file on the server after the upload' % client)
        got = sha256_of(landed, landed_is_b64)
        os.unlink(landed)
        if got != self.digest:
            raise ProcessFailed('%s: the file on the server has SHA-256 %s, not %s' % (client, got, self.digest))
        return r

    def label(self, client, streams=1):
        if client == 'ansible':
            return 'pywinrm, Ansible put_file' + (' (into cat)' if self.ansible_sink == 'cat' else '')
        if not self.has_push:
            return 'nanosh -c "cat > ..." (no push command in this nanosh)'
        return 'nanosh push --via winrm' + (' --streams %d' % streams if streams > 1 else '')


def server_cpu_s(target):
    """User+sys CPU seconds of the test server so far, with the children it has waited
    for (the commands it ran: cat, the stand-in PowerShell), from /proc/PID/stat."""
    with open('/proc/%d/stat' % target.sim.proc.pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / float(os.sysconf('SC_CLK_TCK'))


def repeat(uploads, clients, port, runs, budget_s, size):
    """Runs each (client, streams) in turn, runs times or until budget_s has passed
    (at least once each); median, min and max of each figure."""
    raw = dict((c, []) for c in clients)
    started = time.monotonic()
    for i in range(runs):
        for c in clients:
            client, streams = c.split('/') if '/' in c else (c, '1')
            print('  %s run %d' % (c, i + 1), file=sys.stderr, flush=True)
            before = server_cpu_s(uploads.target)
            r = uploads.run(client, port, int(streams))
            r['server_cpu_s'] = server_cpu_s(uploads.target) - before
            raw[c].append(r)
        if time.monotonic() - started > budget_s:
            break
    mib = size / float(1 << 20)
    out = {}
    for c, rs in raw.items():
        client, streams = c.split('/') if '/' in c else (c, '1')
        out[c] = {'label': uploads.label(client, int(streams)),
                  'mb_per_s': summary([size / r['wall_s'] / 1e6 for r in rs]),
                  'cpu_s_per_mib': summary([r['cpu_s'] / mib for r in rs]),
                  'cpu_s': summary([r['cpu_s'] for r in rs]),
                  'server_cpu_s_per_mib': summary([r['server_cpu_s'] / mib for r in rs]),
                  'maxrss_kib': summary([r['maxrss_kib'] for r in rs]),
                  'wall_s': summary([r['wall_s'] for r in rs])}
    return out


def wire_bytes(uploads, clients, size):
    """Bytes through a relay with no delay and no cap, per payload byte, one upload each."""
    out = {}
    for c in clients:
        client, streams = c.split('/') if '/' in c else (c, '1')
        with Relay(uploads.target.sim.port, tmp=uploads.target.tmp) as relay:
            uploads.run(client, relay.port, int(streams))
        s = relay.stats
        if not s:
            raise ProcessFailed('the relay wrote no byte counts')
        out[c] = {'label': uploads.label(client, int(streams)), 'up': s['up'], 'down': s['down'],
                  'connections': s['connections'], 'per_payload_byte': (s['up'] + s['down']) / float(size),
                  'up_per_payload_byte': s['up'] / float(size)}
    return out


def slow_link(uploads, clients, runs, budget_s, size, rtt_ms, mbit):
    with Relay(uploads.target.sim.port, rtt_ms, mbit, tmp=uploads.target.tmp) as relay:
        return repeat(uploads, clients, relay.port, runs, budget_s, size)
