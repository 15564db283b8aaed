"""The test server on loopback and how each client reaches it, for one auth setup.

ntlm:        the server accepts Negotiate/NTLM and refuses unencrypted SOAP over HTTP,
             as a stock Windows host does.  nanosh and pywinrm use NTLM with message
             encryption over HTTP.  Go masterzen/winrm has no message encryption, so
             it uses NTLM over the server's HTTPS listener.
basic-https: the server accepts Basic only; every client uses Basic over HTTPS."""
import os
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(TOP, 'tests', 'sim'))
import simlib  # noqa: E402

PYTHON = '/usr/bin/python3'
AUTHS = ('ntlm', 'basic-https')


class Target:
    def __init__(self, auth, nanosh, go_client=None):
        if auth not in AUTHS:
            raise ValueError('unknown auth %r' % auth)
        self.auth, self.nanosh, self.go_client = auth, nanosh, go_client
        if auth == 'ntlm':
            self.sim = simlib.Sim('--auth', 'negotiate,ntlm', '--require-encryption', https=True)
        else:
            self.sim = simlib.Sim('--auth', 'basic', https=True)
        self.tmp = tempfile.mkdtemp(prefix='nanosh-bench.')
        self.legacy_cnf = os.path.join(self.tmp, 'openssl-legacy.cnf')
        with open(self.legacy_cnf, 'w') as f:
            f.write(simlib.LEGACY_OPENSSL_CNF)

    def stop(self):
        self.sim.stop()
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def requests(self):
        """HTTP requests the server has counted so far."""
        return self.sim.state()['http_requests']

    def sandbox_path(self, name):
        return os.path.join(self.sim.sandbox, name)

    def label(self, client):
        if client == 'go' and self.auth == 'ntlm':
            return 'NTLM over HTTPS (no message encryption in masterzen/winrm)'
        return {'ntlm': 'NTLM + message encryption over HTTP', 'basic-https': 'Basic over HTTPS'}[self.auth]

    # --- environments ------------------------------------------------------------------
    def env(self, legacy_openssl=False):
        env = dict(os.environ, NANOSH_PASSWORD=simlib.PASSWORD, NANOSH_USER=simlib.USER)
        for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
            env.pop(var, None)
        if legacy_openssl:
            env['OPENSSL_CONF'] = self.legacy_cnf     # MD4 for python3-ntlm-auth, this process only
        return env

    # --- command lines -----------------------------------------------------------------
    def nanosh_argv(self, *command):
        """nanosh against the server; command is ('-c', 'echo hi') or () for the line-by-line shell."""
        if self.auth == 'ntlm':
            where = ['-a', 'ntlm', '127.0.0.1:%d' % self.sim.port]
        else:
            where = ['-a', 'basic', '-s', '--cacert', self.sim.ca, '127.0.0.1:%d' % self.sim.https_port]
        return [self.nanosh, '-u', simlib.USER] + where + list(command)

    def pywinrm_argv(self, mode, *mode_args):
        if self.auth == 'ntlm':
            conn = ['http://127.0.0.1:%d/wsman' % self.sim.port, 'ntlm', 'always', simlib.USER, '']
        else:
            conn = ['https://127.0.0.1:%d/wsman' % self.sim.https_port, 'basic', 'auto', simlib.USER, self.sim.ca]
        return [PYTHON, os.path.join(BENCH, 'peers', 'pywinrm_client.py'), mode] + list(mode_args) + conn

    def go_argv(self, mode, *mode_args):
        scheme = 'ntlm' if self.auth == 'ntlm' else 'basic'
        return [self.go_client, mode] + list(mode_args) + ['localhost', str(self.sim.https_port), scheme,
                                                             self.sim.ca]

    def floor_argv(self, runs):
        url_port = self.sim.port if self.auth == 'ntlm' else self.sim.https_port
        return [PYTHON, os.path.join(BENCH, 'floor_client.py'), self.auth, str(url_port), self.sim.ca or '',
                str(runs)]
