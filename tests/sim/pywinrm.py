#!/usr/bin/python3
"""A stock third-party client, pywinrm (Debian python3-winrm), against the
simulator over HTTP and HTTPS with Basic auth."""
import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import PASSWORD, PASSWORD2, USER, USER2, Sim, Tap, skip_all  # noqa: E402

try:
    import winrm
    import xmltodict
except ImportError:
    skip_all('pywinrm (python3-winrm) is not installed')

# pywinrm 0.3.0 lets these override the CA it is given.
for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(var, None)

t = Tap()
sim = Sim(https=True)
http_url = 'http://127.0.0.1:%d/wsman' % sim.port
https_url = 'https://localhost:%d/wsman' % sim.https_port


def session(url, user=USER, password=PASSWORD):
    kw = dict(transport='basic', message_encryption='never', operation_timeout_sec=3, read_timeout_sec=10)
    if url.startswith('https'):
        kw.update(server_cert_validation='validate', ca_trust_path=sim.ca)
    return winrm.Session(url, auth=(user, password), **kw)


def protocol(url, **kw):
    args = dict(endpoint=url, transport='basic', username=USER, password=PASSWORD, message_encryption='never',
                operation_timeout_sec=2, read_timeout_sec=6)
    if url.startswith('https'):
        args.update(server_cert_validation='validate', ca_trust_path=sim.ca)
    args.update(kw)
    return winrm.protocol.Protocol(**args)


for label, url in (('HTTP', http_url), ('HTTPS', https_url)):
    s = session(url)
    r = s.run_cmd('echo', ['hello'])
    t.eq((r.std_out, r.std_err, r.status_code), (b'hello\r\n', b'', 0), '%s run_cmd echo hello' % label)
    r = s.run_cmd('echo hi & exit 3')
    t.eq((r.std_out, r.status_code), (b'hi \r\n', 3), '%s run_cmd "echo hi & exit 3"' % label)
    r = s.run_cmd('exit /b 2147942402')
    t.eq(r.status_code, 2147942402, '%s exit code 2147942402' % label)

s = session(http_url)
r = s.run_cmd('echo', ['oops', '1>&2'])
t.eq((r.std_out, r.std_err, r.status_code), (b'', b'oops \r\n', 0), 'stderr')
r = s.run_cmd('ipconfig')
t.eq((r.std_err, r.status_code), (b"'ipconfig' is not recognized as an internal or external command,\r\n"
                                  b"operable program or batch file.\r\n", 1), 'unknown command')
r = s.run_cmd('exit', ['255'])
t.eq(r.status_code, 255, 'exit 255')
r = session(http_url, USER2, PASSWORD2).run_cmd('echo', ['%USERNAME%'])
t.eq(r.std_out, b'alice\r\n', 'a DOMAIN\\user account')
try:
    session(http_url, USER, 'wrong').run_cmd('echo', ['x'])
    t.ok(False, 'wrong password is refused')
except winrm.exceptions.InvalidCredentialsError:
    t.ok(True, 'wrong password is refused (InvalidCredentialsError)')

# Protocol level: a command running across several w:TimedOut polls (OperationTimeout 2 s).
p = protocol(http_url)
shell = p.open_shell()
t0 = time.monotonic()
before = sim.state()['http_requests']
cid = p.run_command(shell, 'printf start; sleep 5; printf end')
out, err, rc = p.get_command_output(shell, cid)
receives = sim.state()['http_requests'] - before - 1
p.cleanup_command(shell, cid)
t.eq((out, rc), (b'startend', 0), 'a 5 s command across TimedOut polls (%.1fs)' % (time.monotonic() - t0))
t.ok(receives >= 3, '... took %d Receives, the middle ones answered w:TimedOut' % receives)

# stdin through a Send built with pywinrm's own header code (0.3.0 has no helper).
cid = p.run_command(shell, 'cat')
req = {'env:Envelope': p._get_soap_header(
    resource_uri='http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd',
    action='http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send', shell_id=shell)}
req['env:Envelope'].setdefault('env:Body', {})['rsp:Send'] = {'rsp:Stream': {
    '@Name': 'stdin', '@CommandId': cid, '@End': 'true', '#text': base64.b64encode(b'from stdin\n').decode()}}
p.send_message(xmltodict.unparse(req))
out, err, rc = p.get_command_output(shell, cid)
p.cleanup_command(shell, cid)
t.eq((out, rc), (b'from stdin\n', 0), 'stdin via Send to cat')

cid = p.run_command(shell, 'yes | head -c 1048576')
out, err, rc = p.get_command_output(shell, cid)
p.cleanup_command(shell, cid)
t.eq((len(out), rc), (1048576, 0), '1 MiB of output')
p.close_shell(shell)

ps = protocol(https_url)
shell = ps.open_shell(working_directory='C:\\Users\\admin')
cid = ps.run_command(shell, 'cd')
out, _, rc = ps.get_command_output(shell, cid)
ps.cleanup_command(shell, cid)
ps.close_shell(shell)
t.eq(out, b'C:\\Users\\admin\r\n', 'HTTPS shell with WorkingDirectory')
try:
    bad = winrm.protocol.Protocol(endpoint=https_url, transport='basic', username=USER, password=PASSWORD,
                                  message_encryption='never', server_cert_validation='validate',
                                  ca_trust_path='/etc/ssl/certs/ca-certificates.crt')
    bad.open_shell()
    t.ok(False, 'HTTPS with a CA that did not sign the server certificate fails')
except Exception as e:
    t.ok('certificate' in str(e).lower() or 'ssl' in str(e).lower(),
         'HTTPS with a CA that did not sign the server certificate fails', str(e)[:200])

t.eq(sim.state()['shells'], [], 'pywinrm left no shell behind')
sim.stop()
t.done()
