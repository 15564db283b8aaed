#!/usr/bin/python3
"""Kerberos in the simulator: MIT krb5 through python3-gssapi with a keytab,
against a throw-away MIT KDC on loopback (tests/krb/kdc.sh).  Clients: pywinrm
with transport='kerberos' (unencrypted: Debian's pykerberos cannot seal) and a
python3-gssapi initiator for the `Kerberos` and `Negotiate` schemes with
MS-WSMV 2.2.9.1 encryption and channel binding."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import pywinrm_run as run, Sim, Tap, skip_all  # noqa: E402

try:
    import gssapi
    import winrm
except ImportError as e:
    skip_all('needs python3-gssapi and python3-winrm: %s' % e)
if not all(shutil.which(p, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')
           for p in ('krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit')):
    skip_all('MIT krb5 KDC tools are not installed (krb5-kdc, krb5-admin-server, krb5-user)')

import gsslib  # noqa: E402

for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(var, None)

KDC_SH = os.path.join(simlib.TOP, 'tests', 'krb', 'kdc.sh')
KDC_STOP = os.path.join(simlib.TOP, 'tests', 'krb', 'kdc_stop')
kdc_dir = tempfile.mkdtemp(prefix='nanosh-kdc.')


def stop_kdc():
    subprocess.run(['sh', KDC_STOP, kdc_dir], timeout=10)
    shutil.rmtree(kdc_dir, ignore_errors=True)


r = subprocess.run(['sh', KDC_SH, kdc_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
if r.returncode != 0:
    stop_kdc()
    if r.returncode == 77:
        skip_all(r.stdout.decode().strip())
    print('Bail out! kdc.sh failed: %s' % r.stdout.decode()[-400:])
    sys.exit(1)
import atexit  # noqa: E402
atexit.register(stop_kdc)
with open(os.path.join(kdc_dir, 'env.sh')) as f:
    for line in f:
        key, _, rest = line.partition('=')
        os.environ[key] = rest.split(';')[0].strip().strip("'")
realm, alice_pw = os.environ['KDC_REALM'], os.environ['KDC_ALICE_PW']
keytab = os.environ.pop('KRB5_KTNAME').replace('FILE:', '')    # the server gets it through --keytab
subprocess.run(['kinit', 'alice@' + realm], input=(alice_pw + '\n').encode(), check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)

t = Tap()
sim = Sim('--auth', 'negotiate,kerberos', '--keytab', keytab, https=True)
URL = 'http://localhost:%d/wsman' % sim.port     # HTTP@localhost: kdc.sh has no HTTP/<ip> principal


def client(s, mech='krb5', scheme='Kerberos', **kw):
    return gsslib.GssClient('localhost', kw.pop('port', s.port), mech, scheme, **kw)


p = winrm.protocol.Protocol(endpoint=URL, transport='kerberos', username='alice@' + realm, password='x',
                            message_encryption='never', operation_timeout_sec=3, read_timeout_sec=8)
out, err, rc = run(p, 'echo', '%USERNAME%')
t.eq((out, rc), (b'alice\r\n', 0), 'pywinrm Kerberos (mutual authentication required) runs as alice')
state = sim.state()
t.ok(state['handshakes_by_scheme'].get('Kerberos', 0) + state['handshakes_by_scheme'].get('Negotiate', 0) >= 1,
     '... the handshake is counted', state['handshakes_by_scheme'])

g = client(sim)
t.eq(g.authenticate(), 200, 'raw krb5 token under the Kerberos scheme: 200 on the empty POST')
t.ok(g.final_header is not None and g.ctx.complete, '... the 200 carries the mutual-authentication token',
     g.final_header)
status, h, xml, hlen = g.post_encrypted(simlib.create_req())
t.ok(status == 200 and b'ShellId' in xml, 'an encrypted Create gets an encrypted reply', status, xml[:200])
t.eq(h.get('content-type'), 'multipart/encrypted;protocol="application/HTTP-Kerberos-session-encrypted";'
     'boundary="Encrypted Boundary"', '... with the Kerberos protocol string after the Kerberos scheme')
t.eq(hlen, 60, '... and a 60-byte wrap_iov header (AES, HEADER|DATA|PADDING)')
shell_id = simlib.find(xml, 'ShellId')
status, _, xml, _ = g.post_encrypted(simlib.command_req(shell_id, 'echo', 'sealed krb'))
cid = simlib.find(xml, 'CommandId')
status, _, xml, _ = g.post_encrypted(simlib.receive_req(shell_id, cid))
t.eq(simlib.parse_receive(xml)[:2], (b'sealed krb\r\n', b''), 'a multi-message sealed session runs a command')
status, _, xml, hlen = g.post_encrypted(simlib.delete_req('no-such-shell'))
t.ok(status == 500 and hlen == 60 and b'w:InvalidSelectors' in xml, 'a fault is sealed too', status, xml[:200])
status, _, _, hlen = g.post_encrypted(simlib.delete_req(shell_id), tamper=True)
t.eq((status, hlen), (400, None), 'a tampered Kerberos message is rejected with 400')
g.close()

g = client(sim, 'spnego', 'Negotiate')
t.eq(g.authenticate(), 200, 'SPNEGO under Negotiate')
t.ok(g.final_header is not None, '... with the final SPNEGO token on the 200')
status, h, xml, _ = g.post_encrypted(simlib.create_req())
t.ok(status == 200 and 'HTTP-SPNEGO-session-encrypted' in h.get('content-type', ''),
     '... and sealed replies name the SPNEGO protocol', status, h.get('content-type'))
g.close()

cert = gsslib.cert_bindings(sim.dir + '/server.pem')
g = client(sim, port=sim.https_port, tls_ca=sim.ca, bindings=cert)
t.eq(g.authenticate(), 200, 'HTTPS: Kerberos with the right channel bindings')
g.close()
g = client(sim, port=sim.https_port, tls_ca=sim.ca, bindings=b'tls-server-end-point:' + b'\x01' * 32)
t.eq(g.authenticate(), 401, 'HTTPS: Kerberos with wrong channel bindings gets 401')
g.close()
g = client(sim, port=sim.https_port, tls_ca=sim.ca)
t.eq(g.authenticate(), 200, 'HTTPS, Relaxed: Kerberos without channel bindings is accepted')
g.close()
sim.stop()

strict = Sim('--auth', 'negotiate,kerberos', '--keytab', keytab, '--cbt', 'strict', '--require-encryption',
             https=True)
g = client(strict, port=strict.https_port, tls_ca=strict.ca)
t.eq(g.authenticate(), 401, 'HTTPS, Strict: Kerberos without channel bindings gets 401')
g.close()
g = client(strict, port=strict.https_port, tls_ca=strict.ca, bindings=gsslib.cert_bindings(strict.dir + '/server.pem'))
t.eq(g.authenticate(), 200, 'HTTPS, Strict: Kerberos with the right bindings is accepted')
g.close()
g = client(strict)
g.authenticate()
status, _, body = g.raw_post(simlib.create_req(), {'Content-Type': 'application/soap+xml;charset=UTF-8'})
t.eq(status, 500, 'plaintext SOAP over HTTP after Kerberos is refused with --require-encryption')
g.close()
strict.stop()
t.done()
