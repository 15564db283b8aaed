#!/usr/bin/python3
"""The simulator as a stock Windows host (offers Negotiate and Kerberos, refuses
unencrypted messages on HTTP): NTLM through gss-ntlmssp, MS-WSMV 2.2.9.1 message
encryption, channel binding over HTTPS, and the test hooks for clients'
negative tests.  Clients: pywinrm (python3-winrm, NTLM with encryption) and a
python3-gssapi/gss-ntlmssp initiator (tests/sim/gsslib.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import pywinrm_run as run, PASSWORD, PASSWORD2, USER, USER2, Sim, Tap, skip_all  # noqa: E402

try:
    import gssapi  # noqa: F401
    import winrm
    from Cryptodome.Hash import MD4  # noqa: F401
except ImportError as e:
    skip_all('needs python3-gssapi, python3-winrm and python3-pycryptodome: %s' % e)
if '1.3.6.1.4.1.311.2.2.10' not in [m.dotted_form for m in gssapi.raw.indicate_mechs()]:
    skip_all('gss-ntlmssp is not installed (no NTLM mechanism in GSSAPI)')
simlib.reexec_with_legacy_openssl()

import gsslib  # noqa: E402

for var in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(var, None)

t = Tap()
sim = Sim('--auth', 'negotiate,kerberos', '--require-encryption', https=True)
URL = 'http://127.0.0.1:%d/wsman' % sim.port
HTTPS_URL = 'https://localhost:%d/wsman' % sim.https_port


def protocol(url=URL, user=USER, password=PASSWORD, encryption='always', **kw):
    args = dict(endpoint=url, transport='ntlm', username=user, password=password,
                message_encryption=encryption, operation_timeout_sec=3, read_timeout_sec=8)
    if url.startswith('https'):
        args.update(server_cert_validation='validate', ca_trust_path=sim.ca)
    args.update(kw)
    return winrm.protocol.Protocol(**args)


def client(s=sim, user=USER, password=PASSWORD, scheme='Negotiate', **kw):
    creds = gsslib.ntlm_credentials(user, password, kw.pop('nthash', None))
    return gsslib.GssClient('localhost', kw.pop('port', s.port), 'ntlm', scheme, creds=creds, **kw)


# --- what a stock Windows host offers -------------------------------------------------------
c = simlib.Client(sim, None, None, False)
status, _, _ = c.post(simlib.create_req())
c.conn.request('POST', '/wsman', body=simlib.create_req(),
               headers={'Content-Type': 'application/soap+xml;charset=UTF-8'})
r = c.conn.getresponse()
r.read()
t.eq((status, r.status, r.headers.get_all('WWW-Authenticate')), (401, 401, ['Negotiate', 'Kerberos']),
     '401 offers Negotiate and Kerberos, one header each, no Basic')
c.close()

# --- pywinrm, NTLM, message_encryption=always -----------------------------------------------
before = sim.state()
out, err, rc = run(protocol(), 'echo', 'sealed %USERNAME%')
t.eq((out, err, rc), (b'sealed admin\r\n', b'', 0), 'pywinrm NTLM with encryption over HTTP (admin, no domain)')
state = sim.state()
t.ok(state['handshakes_by_scheme'].get('Negotiate', 0) == before['handshakes_by_scheme'].get('Negotiate', 0) + 1,
     '... one Negotiate handshake, counted in the state file', state['handshakes_by_scheme'])
last = state['connections'][-1]
t.ok(last['handshakes'] == 1 and last['requests'] >= 8 and last['schemes'] == ['Negotiate'],
     '... the whole session ran on one connection (%d requests)' % last['requests'], last)
out, _, rc = run(protocol(user=USER2, password=PASSWORD2), 'echo', '%USERNAME%')
t.eq((out, rc), (b'alice\r\n', 0), 'pywinrm NTLM as DOM\\alice')
out, _, rc = run(protocol(user='SIMHOST\\admin'), 'echo', 'x')
t.eq((out, rc), (b'x\r\n', 0), 'the computer name works as the domain of a local account')

try:
    run(protocol(password='wrong'), 'echo', 'x')
    t.ok(False, 'a wrong password is refused')
except winrm.exceptions.InvalidCredentialsError:
    t.ok(True, 'a wrong password is refused with 401 (InvalidCredentialsError)')
t.ok('Negotiate authentication failed' in sim.server_log(), '... and logged')

try:
    run(protocol(encryption='never'), 'echo', 'x')
    t.ok(False, 'plaintext SOAP over HTTP is refused (AllowUnencrypted=false)')
except winrm.exceptions.WinRMTransportError as e:
    t.ok('500' in str(e), 'plaintext SOAP over HTTP after NTLM is refused with HTTP 500', e)
t.ok('refusing unencrypted SOAP' in sim.server_log(), '... and logged')

# --- pywinrm over HTTPS with channel binding (requests-ntlm sends MsvAvChannelBindings) -------
out, _, rc = run(protocol(HTTPS_URL, encryption='auto'), 'echo', 'over tls')
t.eq((out, rc), (b'over tls\r\n', 0), 'pywinrm NTLM over HTTPS with channel binding (CbtHardeningLevel=Relaxed)')

# --- a gss-ntlmssp initiator: the wire format itself ----------------------------------------
g = client()
t.eq(g.authenticate(), 200, 'gss-ntlmssp initiator: raw NTLMSSP under Negotiate, handshake on an empty POST')
t.eq(g.final_header, None, '... NTLM has no final token on the 200')
status, h, xml, hlen = g.post_encrypted(simlib.create_req())
t.ok(status == 200 and b'ShellId' in xml, 'an encrypted Create gets an encrypted CreateResponse', status, xml[:300])
t.eq(h.get('content-type'), 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";'
     'boundary="Encrypted Boundary"', '... Content-Type names the SPNEGO protocol')
t.eq(hlen, 16, '... the encryption header is the 16-byte NTLM signature')
shell_id = simlib.find(xml, 'ShellId')
status, h, xml, hlen = g.post_encrypted(simlib.command_req('no-such-shell', 'echo x'))
t.ok(status == 500 and hlen == 16 and b'w:InvalidSelectors' in xml,
     'a fault (500) is encrypted too, and decrypts to w:InvalidSelectors', status, xml[:300])
status, h, xml, _ = g.post_encrypted(simlib.command_req(shell_id, 'echo', 'no tabs'), tabs=False)
t.ok(status == 200 and b'CommandId' in xml, 'part headers without the leading tab are accepted', status, xml[:200])
cid = simlib.find(xml, 'CommandId')
status, _, xml, _ = g.post_encrypted(simlib.receive_req(shell_id, cid))
t.eq(simlib.parse_receive(xml)[:2], (b'no tabs\r\n', b''), '... and the command runs')
status, _, body, hlen = g.post_encrypted(simlib.delete_req(shell_id), length=5)
t.eq((status, hlen), (400, None), 'a Length that differs from the plaintext is rejected with 400')
t.ok('rejecting encrypted request' in sim.server_log(), '... and logged')
g.close()

g = client(user=USER2, password=PASSWORD2)
g.authenticate()
status, h, body, hlen = g.post_encrypted(simlib.create_req(), tamper=True)
t.eq((status, hlen), (400, None), 'a request with a bad signature is rejected with 400')
t.eq(h.get('connection'), 'close', '... and the connection is closed: its sealing state cannot be trusted')
status, _, _ = g.raw_post(b'', {})
t.eq(status, 401, '... so the next request (on a new connection) must authenticate again')
g.close()

g = client(nthash=gsslib.nt_hash(PASSWORD2), user=USER2)
t.eq(g.authenticate(), 200, 'pass-the-hash: the NT hash instead of the password authenticates')
status, _, xml, _ = g.post_encrypted(simlib.create_req())
t.ok(status == 200 and b'ShellId' in xml, '... and seals like any other session', status)
g.close()
g = client(nthash=gsslib.nt_hash('wrong'))
t.eq(g.authenticate(), 401, 'a wrong NT hash gets 401')
g.close()

g = client()
g.authenticate()
status, h, body = g.raw_post(simlib.create_req(), {'Content-Type': 'application/soap+xml;charset=UTF-8'})
t.eq((status, body), (500, b''), 'plaintext SOAP on an NTLM connection over HTTP: 500, empty body')
g.close()

g = client(port=sim.https_port, tls_ca=sim.ca, bindings=gsslib.cert_bindings(sim.dir + '/server.pem'))
t.eq(g.authenticate(), 200, 'HTTPS: NTLM with the right channel bindings')
g.close()
g = client(port=sim.https_port, tls_ca=sim.ca, bindings=b'tls-server-end-point:' + b'\x00' * 32)
t.eq(g.authenticate(), 401, 'HTTPS: NTLM with wrong channel bindings gets 401')
g.close()
t.ok('channel binding mismatch' in sim.server_log() or 'Negotiate authentication failed' in sim.server_log(),
     '... and the failure is logged')
g = client(port=sim.https_port, tls_ca=sim.ca)
t.eq(g.authenticate(), 200, 'HTTPS, CbtHardeningLevel=Relaxed: NTLM without channel bindings is accepted')
g.close()
t.eq(sorted(s['owner'] for s in sim.state()['shells']), ['DOM\\alice', 'admin'],
     'shells of the raw sessions belong to the accounts their NTLM names map to')
sim.stop()

# --- Strict channel binding, the NTLM scheme, and the test hooks ----------------------------
strict = Sim('--auth', 'negotiate,ntlm', '--require-encryption', '--cbt', 'strict', '--tamper-reply-signature',
             '--drop-connection-after', '4', https=True)
g = client(strict, port=strict.https_port, tls_ca=strict.ca)
t.eq(g.authenticate(), 401, 'CbtHardeningLevel=Strict: NTLM without channel bindings gets 401')
g.close()
t.ok('channel binding required' in strict.server_log(), '... logged as a missing binding')
g = client(strict, port=strict.https_port, tls_ca=strict.ca, bindings=gsslib.cert_bindings(strict.dir + '/server.pem'))
t.eq(g.authenticate(), 200, 'CbtHardeningLevel=Strict: NTLM with the right bindings is accepted')
g.close()

g = client(strict, scheme='NTLM')
t.eq(g.authenticate(), 200, 'the NTLM scheme, when configured')
status, h, body = g.raw_post(g.encrypted_body(simlib.create_req()), {
    'Content-Type': 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % gsslib.SPNEGO_PROTOCOL})
try:
    g.decrypt(body)
    t.ok(False, '--tamper-reply-signature: the reply fails verification')
except gssapi.exceptions.GSSError as e:
    t.ok(status == 200, '--tamper-reply-signature: the reply (200) fails signature verification',
         '%s' % str(e).splitlines()[0])
g.close()
try:
    run(protocol('http://127.0.0.1:%d/wsman' % strict.port), 'echo', 'x')
    t.ok(False, 'pywinrm refuses a tampered reply')
except Exception as e:
    t.ok('signature' in str(e).lower() or 'checksum' in str(e).lower(), 'pywinrm refuses a tampered reply', e)

before = strict.state()['connections']
g = client(strict, scheme='NTLM')
g.authenticate()                                   # 2 requests on this connection
g.raw_post(b'', {})                                # 3
g.raw_post(b'', {})                                # 4: the server closes after this one
try:
    g.raw_post(b'', {})
    dropped = False
except (ConnectionError, OSError, gsslib.http.client.HTTPException):
    dropped = True
t.ok(dropped, '--drop-connection-after 4: the fifth request finds the connection closed')
g.close()
conns = [c for c in strict.state()['connections'] if c not in before]
t.eq([(c['requests'], c['handshakes']) for c in conns][-1:], [(4, 1)], '... after 4 requests and 1 handshake')
g.conn = g.connect()
status, _, _ = g.raw_post(b'', {})
t.eq(status, 401, '... a new connection is not authenticated: the client must authenticate again')
g.close()
strict.stop()
t.done()
