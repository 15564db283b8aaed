"""Interop of our NTLM mechanism with independent acceptors: gss-ntlmssp (through
python3-gssapi) and an acceptor assembled from impacket's NTLM primitives. The C side is
tests/ntlm/ntlm_client; every message goes both ways: our wrap -> their unwrap and their
wrap -> our unwrap. Prints TAP.  Usage: test_ntlm_interop.py PATH/TO/ntlm_client"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile

CLIENT = sys.argv[1]
USER, DOMAIN, PASSWORD = 'testuser', 'TESTDOM', 'Passw0rd!'
NTLM_OID = '1.3.6.1.4.1.311.2.2.10'
n = 0
failed = 0
exit_codes = []   # of every client process: sanitizer findings make them non-zero


def ok(cond, name):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, name), flush=True)


class Client:
    """The C mechanism, one handshake per process."""

    def __init__(self, user, host='localhost', cert=None, password=PASSWORD, nt_hash=None):
        env = dict(os.environ)
        env.pop('NTLM_TEST_PASSWORD', None)
        env.pop('NTLM_TEST_NT_HASH', None)
        if nt_hash:
            env['NTLM_TEST_NT_HASH'] = nt_hash
        else:
            env['NTLM_TEST_PASSWORD'] = password
        args = [CLIENT, user, host] + ([cert] if cert else [])
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def read(self, want):
        line = self.p.stdout.readline().decode().strip()
        tag, _, val = line.partition(' ')
        if tag != want:
            raise RuntimeError('expected %s, got %r' % (want, line))
        return bytes.fromhex(val)

    def send(self, tag, data):
        self.p.stdin.write(('%s %s\n' % (tag, data.hex())).encode())
        self.p.stdin.flush()

    def wrap(self, data):
        self.send('WRAP', data)
        return self.read('WRAPPED')

    def unwrap(self, blob):
        self.send('UNWRAP', blob)
        line = self.p.stdout.readline().decode().strip()
        tag, _, val = line.partition(' ')
        return (bytes.fromhex(val), None) if tag == 'PLAIN' else (None, val)

    def close(self):
        self.p.stdin.close()
        code = self.p.wait(timeout=30)
        exit_codes.append(code)
        return code


# ---------------------------------------------------------------- acceptors
class GssAcceptor:
    name = 'gss-ntlmssp'

    def __init__(self, cb_app_data=None):
        import gssapi
        cb = gssapi.raw.ChannelBindings(application_data=cb_app_data) if cb_app_data else None
        creds = gssapi.Credentials(usage='accept', mechs=[gssapi.OID.from_int_seq(NTLM_OID)])
        self.ctx = gssapi.SecurityContext(creds=creds, usage='accept', channel_bindings=cb)

    def step(self, token):
        return self.ctx.step(token)

    @property
    def complete(self):
        return self.ctx.complete

    def wrap(self, data):       # gss-ntlmssp: signature(16) || sealed, the WinRM layout
        return self.ctx.wrap(data, True).message

    def unwrap(self, blob):
        return self.ctx.unwrap(blob).message


class ImpacketAcceptor:
    """Server side of MS-NLMP from impacket.ntlm primitives (impacket has no acceptor)."""
    name = 'impacket'

    def __init__(self, cb_app_data=None):
        from impacket import ntlm
        from Cryptodome.Cipher import ARC4
        self.ntlm, self.ARC4 = ntlm, ARC4
        self.cbt = None
        if cb_app_data:
            self.cbt = hashlib.md5(b'\0' * 16 + struct.pack('<I', len(cb_app_data)) + cb_app_data).digest()
        self.complete = False

    def step(self, token):
        ntlm = self.ntlm
        if token[8:12] == b'\x01\0\0\0':
            self.neg = token
            flags = struct.unpack('<I', token[12:16])[0]
            self.flags = (flags & (ntlm.NTLMSSP_NEGOTIATE_56 | ntlm.NTLMSSP_NEGOTIATE_128 |
                                   ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH | ntlm.NTLMSSP_NEGOTIATE_SIGN |
                                   ntlm.NTLMSSP_NEGOTIATE_SEAL | ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                                   ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
                                   ntlm.NTLMSSP_NEGOTIATE_UNICODE)) | \
                ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO | ntlm.NTLMSSP_NEGOTIATE_NTLM | \
                ntlm.NTLMSSP_NEGOTIATE_VERSION | ntlm.NTLMSSP_TARGET_TYPE_SERVER
            av = ntlm.AV_PAIRS()
            av[ntlm.NTLMSSP_AV_HOSTNAME] = 'PEER'.encode('utf-16le')
            av[ntlm.NTLMSSP_AV_DOMAINNAME] = DOMAIN.encode('utf-16le')
            av[ntlm.NTLMSSP_AV_TIME] = struct.pack('<Q', 132000000000000000)
            ti = av.getData()
            self.server_challenge = os.urandom(8)
            name = DOMAIN.encode('utf-16le')
            hdr = b'NTLMSSP\0' + struct.pack('<IHHII', 2, len(name), len(name), 56, self.flags)
            hdr += self.server_challenge + b'\0' * 8
            hdr += struct.pack('<HHI', len(ti), len(ti), 56 + len(name)) + b'\x0a\x00\x63\x45\0\0\0\x0f'
            self.chal = hdr + name + ti
            return self.chal
        return self.authenticate(token)

    def authenticate(self, token):
        ntlm = self.ntlm

        def field(i):
            ln, _, off = struct.unpack('<HHI', token[12 + 8 * i:20 + 8 * i])
            return token[off:off + ln]
        nt, dom, user, enc_key = field(1), field(2), field(3), field(5)
        key = ntlm.NTOWFv2(user.decode('utf-16le'), PASSWORD, dom.decode('utf-16le'))
        proof, blob = nt[:16], nt[16:]
        if not hmac.compare_digest(proof, ntlm.hmac_md5(key, self.server_challenge + blob)):
            raise ValueError('bad NTProofStr (wrong password)')
        base = ntlm.hmac_md5(key, proof)
        exported = self.ARC4.new(base).decrypt(enc_key) if self.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH else base
        avs = ntlm.AV_PAIRS(blob[28:])
        if struct.unpack('<I', avs[ntlm.NTLMSSP_AV_FLAGS][1])[0] & 2:
            zeroed = token[:72] + b'\0' * 16 + token[88:]
            if not hmac.compare_digest(token[72:88], ntlm.hmac_md5(exported, self.neg + self.chal + zeroed)):
                raise ValueError('bad MIC')
        if self.cbt is not None and (avs[ntlm.NTLMSSP_AV_CHANNEL_BINDINGS] or (0, b''))[1] != self.cbt:
            raise ValueError('channel binding mismatch')
        f = self.flags
        self.sign_in, self.sign_out = ntlm.SIGNKEY(f, exported, 'Client'), ntlm.SIGNKEY(f, exported, 'Server')
        self.rc4_in = self.ARC4.new(ntlm.SEALKEY(f, exported, 'Client')).encrypt
        self.rc4_out = self.ARC4.new(ntlm.SEALKEY(f, exported, 'Server')).encrypt
        self.seq_in = self.seq_out = 0
        self.complete = True
        return None

    def wrap(self, data):
        sealed, sig = self.ntlm.SEAL(self.flags, self.sign_out, None, data, data, self.seq_out, self.rc4_out)
        self.seq_out += 1
        return sig.getData() + sealed

    def unwrap(self, blob):
        plain = self.rc4_in(blob[16:])
        want = self.ntlm.SIGN(self.flags, self.sign_in, plain, self.seq_in, self.rc4_in).getData()
        if not hmac.compare_digest(want, blob[:16]):
            raise ValueError('bad signature')
        self.seq_in += 1
        return plain


# ---------------------------------------------------------------- scenarios
def handshake(acc, client):
    """Returns None on success, else the acceptor's error text."""
    chal = acc.step(client.read('NEGOTIATE'))
    client.send('CHALLENGE', chal)
    auth = client.read('AUTHENTICATE')
    try:
        acc.step(auth)
    except Exception as e:          # the acceptor's refusal is the result under test
        return str(e) or type(e).__name__
    return None if acc.complete else 'incomplete'


def messages(acc, client, label):
    msgs = [b'<s:Envelope>first</s:Envelope>', b'', os.urandom(65536), b'x' * 1000]
    good = True
    for m in msgs:
        good &= acc.unwrap(client.wrap(m)) == m
    ok(good, '%s: %d messages, our wrap -> their unwrap' % (label, len(msgs)))
    good = True
    msgs = [m for m in msgs if m]     # gss-ntlmssp refuses to wrap an empty message
    for m in msgs:
        plain, e = client.unwrap(acc.wrap(m))
        good &= plain == m
    ok(good, '%s: %d messages, their wrap -> our unwrap' % (label, len(msgs)))
    bad = bytearray(acc.wrap(b'<s:Envelope>tampered</s:Envelope>'))
    bad[20] ^= 1
    plain, e = client.unwrap(bytes(bad))
    ok(plain is None and e and 'signature' in e, '%s: tampered reply rejected: %s' % (label, e))


def run(backend, user, certs):
    label = backend.name
    c = Client(user)
    acc = backend()
    e = handshake(acc, c)
    ok(e is None, '%s: handshake with the password as %s (%s)' % (label, user, e))
    if e is None:
        messages(acc, c, label)
    ok(c.close() == 0, '%s: client exits cleanly' % label)

    nt_hash = hashlib.new('md4', PASSWORD.encode('utf-16le')).hexdigest() if 'md4' in hashlib.algorithms_available \
        else __import__('Cryptodome.Hash.MD4', fromlist=['MD4']).new(PASSWORD.encode('utf-16le')).hexdigest()
    c = Client(user, nt_hash=nt_hash)
    acc = backend()
    e = handshake(acc, c)
    ok(e is None, '%s: pass-the-hash handshake (%s)' % (label, e))
    if e is None:
        plain, err = c.unwrap(acc.wrap(b'hash ok'))
        ok(acc.unwrap(c.wrap(b'ping')) == b'ping' and plain == b'hash ok', '%s: pass-the-hash session both ways' % label)
    c.close()

    c = Client(user, password='wrong')
    e = handshake(backend(), c)
    ok(e is not None, '%s: wrong password refused by the acceptor (%s)' % (label, e))
    c.close()

    c = Client(user, nt_hash='00' * 16)
    e = handshake(backend(), c)
    ok(e is not None, '%s: wrong NT hash refused by the acceptor' % label)
    c.close()

    for name, der, digest in certs:
        app = b'tls-server-end-point:' + hashlib.new(digest, der).digest()
        c = Client(user, host='peer.test', cert=certs_path[name])
        acc = backend(cb_app_data=app)
        e = handshake(acc, c)
        ok(e is None, '%s: channel binding, %s certificate (%s)' % (label, name, e))
        c.close()
        c = Client(user, host='peer.test', cert=certs_path[name])
        e = handshake(backend(cb_app_data=b'tls-server-end-point:' + b'\0' * 32), c)
        ok(e is not None, '%s: mismatched channel binding refused (%s certificate)' % (label, name))
        c.close()


def make_certs(tmp):
    """Self-signed certificates signed with SHA-256, SHA-384 and SHA-1 (RFC 5929 4.1:
    SHA-1 is raised to SHA-256)."""
    out = []
    for name, md, want in (('sha256', 'sha256', 'sha256'), ('sha384', 'sha384', 'sha384'),
                           ('sha1', 'sha1', 'sha256')):
        key, der = os.path.join(tmp, name + '.key'), os.path.join(tmp, name + '.der')
        r = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                            '-outform', 'DER', '-out', der, '-subj', '/CN=peer.test', '-days', '2',
                            '-' + md], capture_output=True)
        if r.returncode != 0:
            continue
        certs_path[name] = der
        out.append((name, open(der, 'rb').read(), want))
    return out


certs_path = {}


def main():
    try:
        import gssapi  # noqa: F401
        have_gss = os.path.exists('/etc/gss/mech.d') and any(
            'ntlmssp' in open(os.path.join('/etc/gss/mech.d', f)).read()
            for f in os.listdir('/etc/gss/mech.d'))
    except ImportError:
        have_gss = False
    try:
        from impacket import ntlm  # noqa: F401
        from Cryptodome.Cipher import ARC4  # noqa: F401
        have_impacket = True
    except ImportError:
        have_impacket = False
    if not have_gss and not have_impacket:
        print('1..0 # SKIP neither gss-ntlmssp (python3-gssapi) nor impacket is installed')
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        users = os.path.join(tmp, 'users')
        with open(users, 'w') as f:
            f.write('%s:%s:%s\n' % (DOMAIN, USER, PASSWORD))
        os.environ['NTLM_USER_FILE'] = users
        certs = make_certs(tmp)
        if have_gss:
            run(GssAcceptor, '%s\\%s' % (DOMAIN, USER), certs)
        else:
            print('# gss-ntlmssp not installed: skipped')
        if have_impacket:
            run(ImpacketAcceptor, '%s\\%s' % (DOMAIN, USER), certs)
        else:
            print('# impacket not installed: skipped')
    ok(exit_codes and not any(exit_codes), 'all %d client runs exited cleanly (exit codes %s)'
       % (len(exit_codes), sorted(set(exit_codes))))
    print('1..%d' % n)
    return 1 if failed else 0


sys.exit(main())
