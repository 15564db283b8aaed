#!/usr/bin/python3
"""The test server as a Nano Server 2016 host, over WinRS: the stand-in dockerd.exe and
docker.exe from tests/bootstrap/make_docker_zip.py (--version, --register-service,
docker version --format, a too-new engine), netsh's firewall group, snippet 13 (making the
share's directory, with --deny-path), and the host state file (--host-state-file):
unchanged byte for byte by reads, changed by a change."""
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import PYTHON, TOP, Shell, Sim, Tap, request, T  # noqa: E402
from snippet_texts import C, HEAD, TAIL, dec, encoded_command  # noqa: E402

PROFILES = os.path.join(TOP, 'tests', 'bootstrap', 'profiles')
MAKE_ZIP = os.path.join(TOP, 'tests', 'bootstrap', 'make_docker_zip.py')
CV = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/'
SYSTEM32 = 'C:\\Windows\\System32'
NETSH = 'netsh advfirewall firewall set rule group="@FirewallAPI.dll,-28502" new enable=yes'
DOCKER_VERSION = 'docker version --format "{{.Server.Version}}"'
t = Tap()
WORK = tempfile.mkdtemp(prefix='nanosh-nano.')


def make_zip(*args):
    out = subprocess.run([PYTHON, MAKE_ZIP, WORK] + list(args), check=True, stdout=subprocess.PIPE)
    return out.stdout.decode().strip()


def install(sim, zip_path):
    """docker.exe and dockerd.exe of the zip into the sandbox's C:\\Windows\\System32."""
    d = os.path.join(sim.sandbox, 'Windows', 'System32')
    os.makedirs(d, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for n in ('docker.exe', 'dockerd.exe'):
            with open(os.path.join(d, n), 'wb') as f:
                f.write(z.read('docker/' + n))


class Host:
    def __init__(self, profile, *extra):
        self.dir = tempfile.mkdtemp(prefix='hs.', dir=WORK)
        self.host_state = os.path.join(self.dir, 'host.json')
        self.sim = Sim('--host-profile', os.path.join(PROFILES, profile + '.json'), '--computer-name', 'NANO01',
                       '--host-state-file', self.host_state, *extra)
        self.c = self.sim.client()
        self.sh = Shell(self.c)

    def run(self, line):
        """(stdout, stderr, exit code) of one cmd line."""
        words = line.split(' ', 1)
        out, err, code, _ = self.sh.run(*words)
        return out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace'), code

    def service(self, name):
        status, _, body = self.c.post(request(T + 'Get', '', selectors={'Name': name},
                                              resource_uri=CV + 'Win32_Service'))
        if status != 200:
            return None
        return body.decode().split('<p:State>')[1].split('<')[0]

    def start_service(self, name):
        body = '<p:StartService_INPUT xmlns:p="%sWin32_Service"/>' % CV
        status, _, reply = self.c.post(request(CV + 'Win32_Service/StartService', body, selectors={'Name': name},
                                               resource_uri=CV + 'Win32_Service'))
        return reply.decode().split('<p:ReturnValue>')[1].split('<')[0] if status == 200 else None

    def host_bytes(self):
        with open(self.host_state, 'rb') as f:
            return f.read()

    def stop(self):
        self.c.close()
        self.sim.stop()


def test_fresh_docker():
    zip_path = make_zip()
    t.ok(os.path.basename(zip_path) == 'docker-17.06.2-ee-16.zip', 'make_docker_zip: docker-17.06.2-ee-16.zip')
    with zipfile.ZipFile(zip_path) as z:
        t.eq(sorted(z.namelist()), ['docker/docker.exe', 'docker/dockerd.exe'], 'the zip holds docker/ and two files')
        t.ok(z.read('docker/dockerd.exe').startswith(b'nanosh-standin-docker 17.06.2-ee-16\n'),
             'dockerd.exe marks itself as the stand-in with its version')
    h = Host('fresh')
    try:
        before = h.host_bytes()
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --version')
        t.ok(code == 9009 and 'is not recognized' in err, 'no dockerd.exe yet: not recognized, 9009', out, err)
        out, err, code = h.run(DOCKER_VERSION)
        t.ok(code == 9009 and "'docker' is not recognized" in err, 'no docker.exe: not recognized', err)
        t.eq(h.host_bytes(), before, 'host state unchanged by commands that change nothing')
        install(h.sim, zip_path)
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --version')
        t.eq((out, code), ('Docker version 17.06.2-ee-16, build 9ef4f0a\r\n', 0), 'dockerd.exe --version')
        out, err, code = h.run(DOCKER_VERSION)
        t.ok(code == 1 and err.startswith('error during connect') and 'docker_engine' in err and out == '',
             'docker version before the service: error during connect, exit 1', out, err)
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --register-service')
        t.eq((out, err, code), ('', '', 0), 'dockerd.exe --register-service: exit 0, silent')
        t.eq(h.service('docker'), 'Stopped', 'the docker service exists, Stopped')
        t.ok(b'"PathName": "C:\\\\Windows\\\\System32\\\\dockerd.exe --run-service"' in h.host_bytes(),
             'its PathName is dockerd.exe --run-service (host state)')
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --register-service')
        t.ok(code == 1 and 'already exists' in err, 'a second --register-service: exit 1, the SCM error', err)
        t.eq(h.start_service('docker'), '0', 'StartService docker: 0')
        t.eq(h.service('docker'), 'Running', 'docker Running')
        t.eq(h.start_service('docker'), '10', 'StartService again: 10 (already running)')
        out, err, code = h.run(DOCKER_VERSION)
        t.eq((out, code), ('17.06.2-ee-16\r\n', 0), 'docker version --format: the server version, found via PATH')
        out, err, code = h.run('cmd /c ' + DOCKER_VERSION)
        t.eq((out, code), ('17.06.2-ee-16\r\n', 0), 'the same under cmd /c')
        out, err, code = h.run('docker.exe version')
        t.ok(code == 0 and 'Server:' in out and 'Version:      17.06.2-ee-16' in out, 'docker version: both blocks')
        # netsh
        out, err, code = h.run(NETSH)
        t.ok(code == 0 and 'Updated 7 rule(s).' in out and 'Ok.' in out, 'netsh set rule group: Updated 7, Ok', out)
        t.ok(b'"FPS-SMB-In-TCP": 1' in h.host_bytes(), 'netsh enabled the rules (host state)')
        out, err, code = h.run('netsh advfirewall firewall set rule group="Nothing" new enable=yes')
        t.ok(code == 1 and 'No rules match' in err, 'netsh with an unknown group: exit 1', out, err)
        out, err, code = h.run('netsh.exe advfirewall firewall set rule group="File and Printer Sharing" '
                               'new enable=no')
        t.ok(code == 0 and b'"FPS-SMB-In-TCP": 2' in h.host_bytes(), 'netsh.exe by the display group, disable')
        # a file that is not a stand-in
        with open(os.path.join(h.sim.sandbox, 'Windows', 'System32', 'docker.exe'), 'wb') as f:
            f.write(b'MZ\x90\x00 a real program')
        out, err, code = h.run(DOCKER_VERSION)
        t.ok(code == 1 and 'cannot execute' in err, 'a docker.exe that is not the stand-in does not run', err)
    finally:
        h.stop()


def test_too_new_and_no_containers():
    zip_path = make_zip('--too-new')
    t.ok(zip_path.endswith('docker-23.0.1.zip'), 'make_docker_zip --too-new: engine 23.0.1')
    h = Host('fresh')
    try:
        install(h.sim, zip_path)
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --version')
        t.eq((out, code), ('Docker version 23.0.1, build 9ef4f0a\r\n', 0), 'too new: dockerd --version')
        t.eq(h.run(SYSTEM32 + '\\dockerd.exe --register-service')[2], 0, 'too new: registers')
        t.eq(h.start_service('docker'), '0', 'too new: StartService 0')
        t.eq(h.service('docker'), 'Stopped', 'too new: the service stays Stopped (dockerd exits at once)')
        t.ok(b'Windows build 17763 or higher is required' in h.host_bytes(), 'the host state says why')
        t.eq(h.run(DOCKER_VERSION)[2], 1, 'too new: docker version fails')
    finally:
        h.stop()
    h = Host('no-containers')
    try:
        install(h.sim, make_zip())
        t.eq(h.run(SYSTEM32 + '\\dockerd.exe --register-service')[2], 0, 'no-containers: registers')
        t.eq(h.start_service('docker'), '0', 'no-containers: StartService 0')
        t.eq(h.service('docker'), 'Stopped', 'no-containers: Stopped (vmcompute.dll missing)')
        t.ok(b'vmcompute.dll' in h.host_bytes(), 'no-containers: the host state says why')
    finally:
        h.stop()


def test_configured():
    h = Host('configured')
    try:
        t.eq(h.run(DOCKER_VERSION)[2], 9009, 'configured without the files: docker not recognized')
        install(h.sim, make_zip())
        out, err, code = h.run(DOCKER_VERSION)
        t.eq((out, code), ('17.06.2-ee-16\r\n', 0), 'configured: docker version answers')
        out, err, code = h.run(SYSTEM32 + '\\dockerd.exe --register-service')
        t.eq(code, 1, 'configured: --register-service refuses, the service exists')
    finally:
        h.stop()


def test_firewall_broken():
    h = Host('firewall-broken')
    try:
        before = h.host_bytes()
        out, err, code = h.run(NETSH)
        t.ok(code == 1 and 'Windows Firewall service' in err, 'firewall-broken: netsh exits 1', out, err)
        t.eq(h.host_bytes(), before, 'firewall-broken: nothing changed')
    finally:
        h.stop()


def test_snippet_13():
    fmt = C['make_dir_fmt']
    t.eq(fmt, "%s[void][IO.Directory]::CreateDirectory(%s);'D'%s", 'snippet 13 in ps_snippets.c as the stand-in has it')
    h = Host('fresh', '--deny-path', 'C:\\Denied')
    try:
        sh = h.sh
        for path, why in (('C:\\Share', 'a new directory'), ('C:\\Share', 'one that exists'),
                          ('C:\\Deep\\er\\dir', 'parents too')):
            out, err, code, _ = sh.run(*encoded_command(fmt % (HEAD, dec(path), TAIL)))
            t.eq((out, err, code), (b'D\r\n', b'', 0), 'snippet 13, %s: D' % why)
        t.ok(os.path.isdir(os.path.join(h.sim.sandbox, 'Deep', 'er', 'dir')), 'snippet 13 made C:\\Deep\\er\\dir')
        out, err, code, _ = sh.run(*encoded_command(fmt % (HEAD, dec('C:\\Denied\\x'), TAIL)))
        t.ok(code == 1 and err.startswith(b'NANOSH-E denied '), 'snippet 13 under --deny-path: NANOSH-E denied', err)
        open(os.path.join(h.sim.sandbox, 'afile'), 'w').close()
        out, err, code, _ = sh.run(*encoded_command(fmt % (HEAD, dec('C:\\afile'), TAIL)))
        t.ok(code == 1 and err.startswith(b'NANOSH-E exists '), 'snippet 13 over a file: NANOSH-E exists', err)
        body = ('<p:Create_INPUT xmlns:p="%sWin32_Share"><p:Path>C:\\Share</p:Path><p:Name>Share</p:Name>'
                '<p:Type>0</p:Type><p:Description>nanosh</p:Description></p:Create_INPUT>' % CV)
        status, _, reply = h.c.post(request(CV + 'Win32_Share/Create', body, resource_uri=CV + 'Win32_Share'))
        t.ok(status == 200 and b'<p:ReturnValue>0</p:ReturnValue>' in reply, 'then Win32_Share.Create: 0')
        t.ok(b'"Name": "Share"' in h.host_bytes(), 'the share is in the host state')
    finally:
        h.stop()


def test_state_file():
    h = Host('fresh')
    try:
        first = h.host_bytes()
        t.ok(first.endswith(b'\n') and b'"firewall_rules"' in first and b'"trusted_hosts": ""' in first
             and b'"os"' in first and b'"accounts"' in first, 'the host state file holds the host model')
        keys = list(__import__('json').loads(first))
        t.eq(keys, sorted(keys), 'its keys are sorted')
        for _ in range(3):
            h.service('vmcompute')
            h.run('echo hi')
            h.c.post(request(T + 'Get', '', resource_uri='http://schemas.microsoft.com/wbem/wsman/1/config/client'))
        t.eq(hashlib.sha256(h.host_bytes()).hexdigest(), hashlib.sha256(first).hexdigest(),
             'reads leave the host state file byte-identical')
        t.eq(h.sim.state()['host'], __import__('json').loads(first), 'the state file has the same model under "host"')
        body = ('<cfg:Client xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/client">'
                '<cfg:TrustedHosts>*</cfg:TrustedHosts></cfg:Client>')
        h.c.post(request(T + 'Put', body, resource_uri='http://schemas.microsoft.com/wbem/wsman/1/config/client'))
        t.ok(b'"trusted_hosts": "*"' in h.host_bytes(), 'a Put of TrustedHosts changes the host state file')
    finally:
        h.stop()


def test_pywinrm():
    try:
        import winrm
    except ImportError:
        t.ok(True, 'pywinrm not installed: skipped # SKIP')
        return
    h = Host('fresh')
    try:
        install(h.sim, make_zip())
        s = winrm.Session('http://127.0.0.1:%d/wsman' % h.sim.port, auth=('admin', 'Secr3t-pass'), transport='basic',
                          message_encryption='never')
        r = s.run_cmd(SYSTEM32 + '\\dockerd.exe', ['--version'])
        t.eq((r.std_out, r.status_code), (b'Docker version 17.06.2-ee-16, build 9ef4f0a\r\n', 0),
             'pywinrm: dockerd.exe --version on a profiled host')
        r = s.run_cmd('netsh', ['advfirewall', 'firewall', 'set', 'rule', 'group="@FirewallAPI.dll,-28502"',
                                'new', 'enable=yes'])
        t.eq(r.status_code, 0, 'pywinrm: netsh enables the group')
    finally:
        h.stop()


def main():
    import shutil
    try:
        test_fresh_docker()
        test_too_new_and_no_containers()
        test_configured()
        test_firewall_broken()
        test_snippet_13()
        test_state_file()
        test_pywinrm()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    t.done()


if __name__ == '__main__':
    main()
