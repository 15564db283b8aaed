"""A third-party GSSAPI initiator for the simulator's tests: python3-gssapi
with gss-ntlmssp (NTLM, password or NT hash) or MIT krb5 (Kerberos, raw or
SPNEGO), driving the HTTP handshake and MS-WSMV 2.2.9.1 message encryption on
one kept-alive connection, with knobs to send malformed or tampered messages."""
import base64
import hashlib
import http.client
import re
import ssl
import struct

import gssapi
import gssapi.raw as gss
from gssapi.raw import IOV, IOVBufferType

NTLM = gssapi.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10')
KRB5 = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2')
SPNEGO = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
SPNEGO_PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted'
KERBEROS_PROTOCOL = 'application/HTTP-Kerberos-session-encrypted'


def nt_hash(password):
    """MD4(UTF-16LE(password)) without OpenSSL's legacy provider (pycryptodomex, an impacket dependency)."""
    from Cryptodome.Hash import MD4
    return MD4.new(password.encode('utf-16-le')).hexdigest().upper()


def cert_bindings(cert_pem_path):
    """tls-server-end-point application data for a SHA-256-signed certificate (RFC 5929 4.1)."""
    with open(cert_pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return b'tls-server-end-point:' + hashlib.sha256(der).digest()


def ntlm_credentials(user, password=None, nthash=None):
    domain, _, name = user.rpartition('\\')
    gname = gssapi.Name(user, gssapi.NameType.user)
    if nthash is not None:
        store = {b'ntlmssp_nthash': nthash.encode()}
        if domain:
            store[b'ntlmssp_domain'] = domain.encode()
        return gss.acquire_cred_from(store, gname, mechs=[NTLM], usage='initiate').creds
    return gss.acquire_cred_with_password(gname, password.encode(), mechs=[NTLM], usage='initiate').creds


class GssClient:
    """mech: 'ntlm' (raw NTLMSSP tokens) or 'krb5' (raw krb5 tokens, the Kerberos
    scheme) or 'spnego'; scheme: the Authorization scheme to send them under."""

    def __init__(self, host, port, mech, scheme, creds=None, tls_ca=None, bindings=None,
                 target='HTTP@localhost', connect_host='127.0.0.1'):
        self.host, self.port, self.tls_ca, self.connect_host = host, port, tls_ca, connect_host
        self.scheme = scheme
        self.protocol = KERBEROS_PROTOCOL if scheme == 'Kerberos' else SPNEGO_PROTOCOL
        oid = {'ntlm': NTLM, 'krb5': KRB5, 'spnego': SPNEGO}[mech]
        cb = gss.ChannelBindings(application_data=bindings) if bindings is not None else None
        flags = (gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.integrity |
                 gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.replay_detection |
                 gssapi.RequirementFlag.out_of_sequence_detection)
        self.ctx = gssapi.SecurityContext(name=gssapi.Name(target, gssapi.NameType.hostbased_service),
                                          creds=creds, mech=oid, usage='initiate', flags=flags,
                                          channel_bindings=cb)
        self.conn = self.connect()
        self.final_header = None
        self.requests = 0

    def connect(self):
        if self.tls_ca:
            sc = ssl.create_default_context(cafile=self.tls_ca)
            return http.client.HTTPSConnection(self.host, self.port, context=sc, timeout=30)
        return http.client.HTTPConnection(self.connect_host, self.port, timeout=30)

    def raw_post(self, body, headers):
        self.conn.request('POST', '/wsman', body=body, headers=headers)
        r = self.conn.getresponse()
        self.requests += 1
        return r.status, r.getheaders(), r.read()

    def authenticate(self, body=b''):
        """Run the handshake on an empty POST (as pywinrm and pypsrp do); the final status."""
        token = self.ctx.step()
        while True:
            status, headers, reply = self.raw_post(body, {
                'Authorization': '%s %s' % (self.scheme, base64.b64encode(token).decode()),
                'Content-Type': 'application/soap+xml;charset=UTF-8'})
            offered = [v for k, v in headers if k.lower() == 'www-authenticate']
            mine = [v.split(None, 1)[1] for v in offered
                    if v.lower().startswith(self.scheme.lower() + ' ') and len(v.split()) == 2]
            if status == 200:
                self.final_header = mine[0] if mine else None
                if mine and not self.ctx.complete:
                    self.ctx.step(base64.b64decode(mine[0]))      # mutual authentication
                return status
            if status != 401 or not mine or self.ctx.complete:
                return status
            token = self.ctx.step(base64.b64decode(mine[0]))

    # --- MS-WSMV 2.2.9.1 framing --------------------------------------------------------
    def wrap(self, plain):
        if self.ctx.mech == NTLM:
            sealed = self.ctx.wrap(plain, True).message
            return sealed[:16], sealed[16:]
        iov = IOV(IOVBufferType.header, plain, IOVBufferType.padding, std_layout=False)
        gss.wrap_iov(self.ctx, iov, confidential=True)
        return iov[0].value, iov[1].value + (iov[2].value or b'')

    def encrypted_body(self, plain, tabs=True, tamper=False, length=None):
        header, data = self.wrap(plain)
        if tamper:
            header = header[:4] + bytes([header[4] ^ 0x01]) + header[5:]
        t = b'\t' if tabs else b''
        return (b'--Encrypted Boundary\r\n' + t + b'Content-Type: ' + self.protocol.encode() + b'\r\n' + t +
                b'OriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n'
                % (len(plain) if length is None else length) +
                b'--Encrypted Boundary\r\n' + t + b'Content-Type: application/octet-stream\r\n' +
                struct.pack('<I', len(header)) + header + data + b'--Encrypted Boundary--\r\n')

    def post_encrypted(self, plain, **kw):
        """(status, headers dict, decrypted reply or the raw body when not encrypted,
        header length of the reply or None)."""
        body = self.encrypted_body(plain, **kw)
        status, headers, reply = self.raw_post(body, {
            'Content-Type': 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % self.protocol})
        h = dict((k.lower(), v) for k, v in headers)
        if not h.get('content-type', '').startswith('multipart/encrypted'):
            return status, h, reply, None
        plain_reply, header_len = self.decrypt(reply)
        return status, h, plain_reply, header_len

    def decrypt(self, body):
        m = re.search(rb'Length=(\d+)\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n', body)
        if not m or not body.endswith(b'--Encrypted Boundary--\r\n'):
            raise ValueError('reply is not in the MS-WSMV 2.2.9.1.1.2 layout: %r' % body[:200])
        payload = body[m.end():-len(b'--Encrypted Boundary--\r\n')]
        n = struct.unpack('<I', payload[:4])[0]
        plain = self.ctx.unwrap(payload[4:4 + n] + payload[4 + n:]).message
        if len(plain) != int(m.group(1)):
            raise ValueError('decrypted length %d, Length=%s' % (len(plain), m.group(1).decode()))
        return plain, n

    def close(self):
        self.conn.close()
