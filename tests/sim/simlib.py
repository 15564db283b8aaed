"""Helpers for the simulator's own tests: TAP output, starting and stopping
tests/server/winrm_sim.py on loopback, and a raw keep-alive SOAP client."""
import atexit
import base64
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid

TOP = os.environ.get('TOP_SRCDIR') or os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
SERVER = os.path.join(TOP, 'tests', 'server', 'winrm_sim.py')
PYTHON = os.environ.get('PYTHON3') or '/usr/bin/python3'
USER, PASSWORD = 'admin', 'Secr3t-pass'
USER2, PASSWORD2 = 'DOM\\alice', 'Alice-pw1'
CMD_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd'


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def ok(self, cond, name, *diag):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, name))
        if not cond:
            self.failed += 1
            for d in diag:
                for line in str(d).splitlines() or ['']:
                    print('# ' + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, 'got:  %r' % (got,), 'want: %r' % (want,))

    def done(self):
        print('1..%d' % self.n)
        sys.exit(1 if self.failed else 0)


def skip_all(reason):
    print('1..0 # SKIP %s' % reason)
    sys.exit(0)


LEGACY_OPENSSL_CNF = """openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
"""


def reexec_with_legacy_openssl():
    """pywinrm's NTLM (python3-ntlm-auth) takes MD4 from OpenSSL's legacy provider,
    which OpenSSL 3 does not load by default.  Run this test again with an
    OPENSSL_CONF that activates it; servers started by Sim do not inherit it."""
    if os.environ.get('SIMLIB_LEGACY_CNF'):
        path = os.environ['SIMLIB_LEGACY_CNF']
        atexit.register(shutil.rmtree, os.path.dirname(path), True)
        return
    d = tempfile.mkdtemp(prefix='nanosh-openssl.')
    path = os.path.join(d, 'legacy.cnf')
    with open(path, 'w') as f:
        f.write(LEGACY_OPENSSL_CNF)
    os.environ['SIMLIB_LEGACY_CNF'] = path
    os.environ['SIMLIB_OPENSSL_CONF_BEFORE'] = os.environ.get('OPENSSL_CONF', '')
    os.environ['OPENSSL_CONF'] = path
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable] + sys.argv)


def server_environment():
    """The environment for a server process: without the legacy OPENSSL_CONF of this test."""
    env = dict(os.environ)
    if 'SIMLIB_LEGACY_CNF' in env:
        before = env.pop('SIMLIB_OPENSSL_CONF_BEFORE', '')
        env.pop('SIMLIB_LEGACY_CNF')
        if before:
            env['OPENSSL_CONF'] = before
        else:
            env.pop('OPENSSL_CONF', None)
    return env


def make_certs(d):
    """A throw-away CA and a server certificate for localhost, 127.0.0.1 and ::1."""
    def run(*args):
        subprocess.run(('openssl',) + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nanosh test CA',
        '-keyout', d + '/ca.key', '-out', d + '/ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', d + '/server.key',
        '-out', d + '/server.csr')
    with open(d + '/server.ext', 'w') as f:
        f.write('subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n'
                'extendedKeyUsage=serverAuth\n')
    run('x509', '-req', '-in', d + '/server.csr', '-CA', d + '/ca.pem', '-CAkey', d + '/ca.key',
        '-CAcreateserial', '-days', '2', '-sha256', '-extfile', d + '/server.ext', '-out', d + '/server.pem')


class Sim:
    """One simulator process in its own temp dir; stopped by PID at exit."""

    def __init__(self, *extra, https=False, bind='127.0.0.1'):
        self.dir = tempfile.mkdtemp(prefix='nanosh-sim.')
        self.sandbox = os.path.join(self.dir, 'c')
        self.state_file = os.path.join(self.dir, 'state.json')
        with open(os.path.join(self.dir, 'accounts'), 'w') as f:
            f.write('# test accounts\n%s:%s\n%s:%s\n' % (USER, PASSWORD, USER2, PASSWORD2))
        args = [PYTHON, SERVER, '--bind', bind, '--port', '0', '--port-file', self.dir + '/port',
                '--accounts', self.dir + '/accounts', '--sandbox', self.sandbox, '--state-file', self.state_file,
                '--log', self.dir + '/server.log']
        self.ca = None
        if https:
            make_certs(self.dir)
            self.ca = self.dir + '/ca.pem'
            args += ['--https', self.dir + '/server.pem', self.dir + '/server.key', '--https-port', '0',
                     '--https-port-file', self.dir + '/https-port']
        self.log = open(os.path.join(self.dir, 'server.out'), 'wb')
        self.proc = subprocess.Popen(args + list(extra), stdout=self.log, stderr=subprocess.STDOUT,
                                     env=server_environment())
        atexit.register(self.stop)
        self.bind = bind
        self.port = self._wait_port('port')
        self.https_port = self._wait_port('https-port') if https else None

    def _wait_port(self, name):
        path = os.path.join(self.dir, name)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(path) and open(path).read().strip():
                return int(open(path).read())
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('simulator did not start')

    def state(self):
        with open(self.state_file) as f:
            return json.load(f)

    def server_log(self):
        """What the server wrote to its --log file (Sim passes --log <dir>/server.log)."""
        try:
            with open(os.path.join(self.dir, 'server.log')) as f:
                return f.read()
        except OSError:
            return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, user=USER, password=PASSWORD, tls=False):
        return Client(self, user, password, tls)


class Client:
    """A raw WS-Management client on one kept-alive connection."""

    def __init__(self, sim, user, password, tls):
        host = '::1' if ':' in sim.bind else '127.0.0.1'
        if tls:
            ctx = ssl.create_default_context(cafile=sim.ca)
            self.conn = http.client.HTTPSConnection('localhost', sim.https_port, context=ctx, timeout=90)
            self.url = 'https://localhost:%d/wsman' % sim.https_port
        else:
            self.conn = http.client.HTTPConnection(host, sim.port, timeout=90)
            self.url = 'http://%s:%d/wsman' % (host if ':' not in host else '[%s]' % host, sim.port)
        self.auth = 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode() if user else None

    def post(self, body, headers=None, auth=True):
        h = {'Content-Type': 'application/soap+xml;charset=UTF-8'}
        if auth and self.auth:
            h['Authorization'] = self.auth
        h.update(headers or {})
        self.conn.request('POST', '/wsman', body=body, headers=h)
        r = self.conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()

    def close(self):
        self.conn.close()


# --- requests in the shape pypsrp sends them (and Windows accepted, as recorded) ----------

def request(action, body, selectors=None, options=None, timeout='PT20S', max_env='153600', message_id=None,
            resource_uri=CMD_URI):
    sel = ''.join('<wsman:Selector Name="%s">%s</wsman:Selector>' % kv for kv in (selectors or {}).items())
    opt = ''.join('<wsman:Option Name="%s">%s</wsman:Option>' % kv for kv in (options or {}).items())
    max_env_el = ('<wsman:MaxEnvelopeSize s:mustUnderstand="true">%s</wsman:MaxEnvelopeSize>' % max_env
                  if max_env else '')
    timeout_el = '<wsman:OperationTimeout>%s</wsman:OperationTimeout>' % timeout if timeout else ''
    return ('<s:Envelope xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
            'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
            'xmlns:wsmv="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header>'
            '<wsa:Action s:mustUnderstand="true">%s</wsa:Action>'
            '<wsmv:DataLocale s:mustUnderstand="false" xml:lang="en-US" />'
            '<wsman:Locale s:mustUnderstand="false" xml:lang="en-US" />%s'
            '<wsa:MessageID>%s</wsa:MessageID>%s'
            '<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo>'
            '<wsman:ResourceURI s:mustUnderstand="true">%s</wsman:ResourceURI>'
            '<wsa:To>http://127.0.0.1/wsman</wsa:To>%s%s</s:Header><s:Body>%s</s:Body></s:Envelope>'
            % (action, max_env_el, message_id or 'uuid:' + str(uuid.uuid4()).upper(), timeout_el, resource_uri,
               '<wsman:OptionSet s:mustUnderstand="true">%s</wsman:OptionSet>' % opt if opt else '',
               '<wsman:SelectorSet>%s</wsman:SelectorSet>' % sel if sel else '', body)).encode()


T = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
S = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/'


def create_req(extra='', **kw):
    return request(T + 'Create', '<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams>'
                   '<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>%s</rsp:Shell>' % extra, **kw)


def command_req(shell_id, command, *args, **kw):
    from xml.sax.saxutils import escape
    a = ''.join('<rsp:Arguments>%s</rsp:Arguments>' % escape(x) for x in args)
    return request(S + 'Command', '<rsp:CommandLine><rsp:Command>%s</rsp:Command>%s</rsp:CommandLine>'
                   % (escape(command), a), selectors={'ShellId': shell_id}, **kw)


def receive_req(shell_id, command_id, **kw):
    attr = ' CommandId="%s"' % command_id if command_id else ''
    return request(S + 'Receive', '<rsp:Receive><rsp:DesiredStream%s>stdout stderr</rsp:DesiredStream></rsp:Receive>'
                   % attr, selectors={'ShellId': shell_id}, **kw)


def send_req(shell_id, command_id, data, end=False, **kw):
    return request(S + 'Send', '<rsp:Send><rsp:Stream CommandId="%s" End="%s" Name="stdin">%s</rsp:Stream></rsp:Send>'
                   % (command_id, 'True' if end else 'False', base64.b64encode(data).decode()),
                   selectors={'ShellId': shell_id}, **kw)


def signal_req(shell_id, command_id, code='terminate', **kw):
    return request(S + 'Signal', '<rsp:Signal CommandId="%s"><rsp:Code>%ssignal/%s</rsp:Code></rsp:Signal>'
                   % (command_id, S, code), selectors={'ShellId': shell_id}, **kw)


def delete_req(shell_id, **kw):
    return request(T + 'Delete', '', selectors={'ShellId': shell_id}, **kw)


def find(xml, tag):
    m = re.search(r'<(?:\w+:)?%s[^>]*>([^<]*)<' % tag, xml.decode() if isinstance(xml, bytes) else xml)
    return m.group(1) if m else None


def parse_receive(xml):
    """(stdout, stderr, state suffix, exit code or None) of one ReceiveResponse."""
    import xml.etree.ElementTree as ET
    ns = '{http://schemas.microsoft.com/wbem/wsman/1/windows/shell}'
    root = ET.fromstring(xml)
    out = {'stdout': b'', 'stderr': b''}
    for s in root.iter(ns + 'Stream'):
        out[s.get('Name')] = out.get(s.get('Name'), b'') + base64.b64decode(s.text or '')
    st = next(root.iter(ns + 'CommandState'))
    code = st.find(ns + 'ExitCode')
    return out['stdout'], out['stderr'], st.get('State').rsplit('/', 1)[1], \
        int(code.text) if code is not None else None


class Shell:
    """Drives one cmd shell through a Client."""

    def __init__(self, client, extra='', **kw):
        self.c = client
        status, _, body = client.post(create_req(extra, **kw))
        if status != 200:
            raise RuntimeError('Create failed: %d %s' % (status, body[:300]))
        self.create_reply = body
        self.id = find(body, 'ShellId')

    def start(self, command, *args):
        status, _, body = self.c.post(command_req(self.id, command, *args))
        if status != 200:
            raise RuntimeError('Command failed: %d %s' % (status, body[:400]))
        return find(body, 'CommandId')

    def run(self, command, *args, stdin=None, limit=30):
        """(stdout, stderr, exit code, number of Receives) of a whole command."""
        cid = self.start(command, *args)
        if stdin is not None:
            self.c.post(send_req(self.id, cid, stdin, end=True))
        out = err = b''
        receives = 0
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            status, _, body = self.c.post(receive_req(self.id, cid, timeout='PT5S'))
            receives += 1
            if status == 500 and b'w:TimedOut' in body:
                continue
            if status != 200:
                raise RuntimeError('Receive failed: %d %s' % (status, body[:400]))
            o, e, state, code = parse_receive(body)
            out, err = out + o, err + e
            if state == 'Done':
                self.c.post(signal_req(self.id, cid))
                return out, err, code, receives
        raise RuntimeError('command did not finish in %ds' % limit)

    def delete(self):
        return self.c.post(delete_req(self.id))


def pywinrm_run(p, command, *args):
    """One command in a fresh shell through a pywinrm Protocol: (stdout, stderr, rc)."""
    shell = p.open_shell()
    cid = p.run_command(shell, command, list(args))
    out, err, rc = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    return out, err, rc
