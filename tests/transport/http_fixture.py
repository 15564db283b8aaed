#!/usr/bin/python3
"""Loopback HTTP(S) server for the transport tests.

Listens on 127.0.0.1 (HTTP, and HTTPS with --cert/--key) and on ::1 when available,
all on ports chosen by the kernel. Writes "HTTP HTTPS IPV6" ports (0 = none) to
DIR/ports and one line per request to DIR/log, before answering, so that a client
that got its reply can read what the server saw. The path selects the behaviour.

A path ending in -silent never answers a request without Authorization on a connection
not yet authenticated, as OMI does; /conn-400 answers every token with HTTP 400.

/custom/PATH behaves as PATH under the HTTP scheme "Custom" instead of "Negotiate".

/enc is the connection-based scheme of /conn with MS-WSMV 2.2.9.1 message encryption,
sealed with the test double of test_mech.c (an XOR transform with a checksum, not
cryptography). Requests must be framed byte-exact; words in the decrypted request
choose how the reply goes wrong (see Handler.encrypted).
"""
import argparse
import base64
import itertools
import os
import re
import socket
import ssl
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOAP = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
        '<ok n="%d"/></s:Body></s:Envelope>')
FAULT = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault>'
         '<s:Code><s:Value>s:Receiver</s:Value></s:Code></s:Fault></s:Body></s:Envelope>')
BIG = 65 << 20
ENC_SOAP = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            '<ok n="%d" seq="%d"/></s:Body></s:Envelope>')
SPNEGO = 'application/HTTP-SPNEGO-session-encrypted'
ENC_CTYPE = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % SPNEGO
ENC_REQUEST = re.compile(
    rb'--Encrypted Boundary\r\n'
    rb'\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n'
    rb'\tOriginalContent: type=application/soap\+xml;charset=UTF-8;Length=(\d+)\r\n'
    rb'--Encrypted Boundary\r\n'
    rb'\tContent-Type: application/octet-stream\r\n')
ENC_CLOSE = b'--Encrypted Boundary--\r\n'
TMECH_SIG_LEN = 20
dropped = set()

conn_ids = itertools.count(1)
log_lock = threading.Lock()


def b64(text):
    return base64.b64encode(text.encode()).decode()


# ---- the test double of test_mech.c ----

def tmech_key(direction, seq, i):
    return (ord(direction) * 13 + seq * 31 + i * 7 + 0x5A) & 0xff


def tmech_checksum(direction, seq, data):
    h = 2166136261
    for byte in bytes([ord(direction)]) + struct.pack('<I', seq) + data:
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return h


def tmech_seal(direction, seq, plain):
    sig = b'TSIG' + struct.pack('<IIII', ord(direction), seq, len(plain),
                                tmech_checksum(direction, seq, plain))
    return sig, bytes(b ^ tmech_key(direction, seq, i) for i, b in enumerate(plain))


def tmech_open(direction, seq, sig, sealed):
    if len(sig) != TMECH_SIG_LEN or sig[:4] != b'TSIG':
        raise ValueError('bad signature')
    d, s, n, check = struct.unpack('<IIII', sig[4:])
    if d != ord(direction) or s != seq or n != len(sealed):
        raise ValueError('bad signature header (direction %d seq %d, expected seq %d)' % (d, s, seq))
    plain = bytes(b ^ tmech_key(direction, seq, i) for i, b in enumerate(sealed))
    if tmech_checksum(direction, seq, plain) != check:
        raise ValueError('bad checksum')
    return plain


def enc_parse(body):
    """The request body exactly as MS-WSMV 2.2.9.1.1.2 lays it out."""
    m = ENC_REQUEST.match(body)
    if not m or not body.endswith(ENC_CLOSE):
        raise ValueError('framing differs from MS-WSMV 2.2.9.1.1.2')
    payload = body[m.end():-len(ENC_CLOSE)]
    if len(payload) < 4:
        raise ValueError('truncated')
    sig_len = struct.unpack('<I', payload[:4])[0]
    if sig_len > len(payload) - 4:
        raise ValueError('signature length past the end')
    return int(m.group(1)), payload[4:4 + sig_len], payload[4 + sig_len:]


def enc_frame(sig, sealed, length, tabs=True, eol=b'\r\n'):
    t = b'\t' if tabs else b''
    return (b'--Encrypted Boundary' + eol +
            t + b'Content-Type: ' + SPNEGO.encode() + eol +
            t + b'OriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d' % length + eol +
            b'--Encrypted Boundary' + eol +
            t + b'Content-Type: application/octet-stream' + eol +
            struct.pack('<I', len(sig)) + sig + sealed + b'--Encrypted Boundary--' + eol)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fixture'

    def setup(self):
        super().setup()
        self.conn_id = next(conn_ids)
        self.authed = False   # the fake connection-based scheme on /conn* and /enc
        self.seq_in = self.seq_out = 0

    def log_message(self, *args):
        pass

    def log_request_line(self, body, extra=()):
        h = self.headers
        fields = [('conn', self.conn_id), ('path', self.path),
                  ('authz', h.get('Authorization', '-')), ('expect', h.get('Expect', '-')),
                  ('identify', h.get('WSMANIDENTIFY', '-')), ('len', len(body)),
                  ('ua', h.get('User-Agent', '-')), ('ctype', h.get('Content-Type', '-')),
                  ('accept_encoding', h.get('Accept-Encoding', '-')),
                  ('connection', h.get('Connection', '-'))] + list(extra)
        line = '\t'.join('%s=%s' % kv for kv in fields) + '\n'
        with log_lock, open(self.server.log_path, 'a') as f:
            f.write(line)

    def reply(self, status, body=b'', headers=(), ctype='application/soap+xml;charset=UTF-8'):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body:
            self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n) if n else b''
        path = self.path
        if path.endswith('-silent') and not self.authed and 'Authorization' not in self.headers:
            self.log_request_line(body, [('plain', '-'), ('encerr', 'unanswered')])
            return None                           # no reply; the client gives up
        path = path[:-len('-silent')] if path.endswith('-silent') else path
        self.scheme = 'Negotiate'
        if path.startswith('/custom/'):
            self.scheme, path = 'Custom', path[len('/custom'):]
        if path in ('/enc', '/enc-500'):
            return self.encrypted(body, refuse=path == '/enc-500')
        self.log_request_line(body)
        if path.startswith('http://'):            # came through as a proxy request
            return self.reply(200, (SOAP % 0).encode())
        if path == '/wsman':
            return self.basic(body)
        if path == '/negotiate-only':
            return self.reply(401, headers=[('WWW-Authenticate', 'Negotiate'),
                                            ('WWW-Authenticate', 'Kerberos')])
        if path == '/conn-400' and 'Authorization' in self.headers:
            return self.reply(400)
        if path.startswith('/conn'):
            return self.connection_based(body, drop=path == '/conn-drop')
        if path == '/fault':
            return self.reply(500, FAULT.encode())
        if path == '/plain500':
            return self.reply(500)
        if path == '/big':
            self.send_response(200)
            self.send_header('Content-Type', 'application/soap+xml')
            self.send_header('Content-Length', str(BIG))
            self.end_headers()
            chunk = b'x' * (1 << 20)
            try:
                for _ in range(BIG >> 20):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return None
        return self.reply(404, b'not here', ctype='text/plain')

    def basic(self, body):
        want = 'Basic ' + b64('%s:%s' % (self.server.user, self.server.password))
        authz = self.headers.get('Authorization')
        if authz == want or (authz is None and
                             self.headers.get('WSMANIDENTIFY') == 'unauthenticated'):
            return self.reply(200, (SOAP % len(body)).encode())
        return self.reply(401, headers=[('WWW-Authenticate', 'Basic realm="WSMAN"'),
                                        ('WWW-Authenticate', 'Negotiate')])

    def connection_based(self, body, drop):
        """HELLO -> CHALLENGE -> RESPONSE:CHALLENGE -> 200 + DONE, then the connection
        is authenticated; /conn-drop closes it after every authenticated message."""
        authz = self.headers.get('Authorization', '')
        if self.authed and not authz:
            if drop and body:
                self.close_connection = True
                return self.reply(200, (SOAP % len(body)).encode(),
                                  headers=[('Connection', 'close')])
            return self.reply(200, (SOAP % len(body)).encode())
        prefix = self.scheme + ' '
        token = base64.b64decode(authz[len(prefix):]).decode() if authz.startswith(prefix) else ''
        if token == 'HELLO':
            return self.reply(401, headers=[('WWW-Authenticate', prefix + b64('CHALLENGE'))])
        if token == 'RESPONSE:CHALLENGE':
            self.authed = True
            self.seq_in = self.seq_out = 0
            return self.reply(200, headers=[('WWW-Authenticate', prefix + b64('DONE'))])
        return self.reply(401, headers=[('WWW-Authenticate', self.scheme)])

    def encrypted(self, body, refuse=False):
        """/conn's handshake, then only encrypted messages (as Windows with
        AllowUnencrypted=false); refuse: each of them gets HTTP 500 without a body, as OMI
        answers a shell Create for cmd. Words in the decrypted request: fault (encrypted 500),
        tamper (a flipped ciphertext byte), badseq, badlen (OriginalContent Length + 1),
        plainreply (an unencrypted SOAP reply), tabless (part headers without HT, LF line
        ends), drop (the first time: close the connection without a reply)."""
        authz = self.headers.get('Authorization', '')
        if not self.authed or authz:
            self.log_request_line(body, [('plain', '-'), ('encerr', '-')])
            if body and not authz:   # a message on a connection not yet authenticated
                return self.reply(401, headers=[('WWW-Authenticate', self.scheme)])
            return self.connection_based(body, drop=False)
        try:
            if self.headers.get('Content-Type') != ENC_CTYPE:
                raise ValueError('Content-Type ' + self.headers.get('Content-Type', '-'))
            length, sig, sealed = enc_parse(body)
            plain = tmech_open('C', self.seq_in, sig, sealed)
            if length != len(plain):
                raise ValueError('Length %d for %d bytes' % (length, len(plain)))
            self.seq_in += 1
        except ValueError as e:
            self.log_request_line(body, [('plain', '-'), ('encerr', str(e))])
            return self.reply(400, b'bad encrypted request', ctype='text/plain')
        text = plain.decode()
        self.log_request_line(body, [('plain', re.sub(r'\s', ' ', text)), ('encerr', '-')])
        if refuse:
            return self.reply(500)
        if 'drop' in text and text not in dropped:
            dropped.add(text)
            self.close_connection = True
            return None
        if 'plainreply' in text:
            return self.reply(200, (ENC_SOAP % (len(plain), 0)).encode())
        status, answer = 200, (ENC_SOAP % (len(plain), self.seq_out)).encode()
        if 'fault' in text:
            status, answer = 500, FAULT.encode()
        seq = self.seq_out + (1 if 'badseq' in text else 0)
        sig, sealed = tmech_seal('S', seq, answer)
        self.seq_out += 1
        if 'tamper' in text:
            sealed = sealed[:5] + bytes([sealed[5] ^ 1]) + sealed[6:]
        length = len(answer) + (1 if 'badlen' in text else 0)
        tabless = 'tabless' in text
        framed = enc_frame(sig, sealed, length, tabs=not tabless,
                           eol=b'\n' if tabless else b'\r\n')
        return self.reply(status, framed, ctype=ENC_CTYPE)


def serve(family, host, args, tls=None):
    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

        def handle_error(self, request, client_address):
            # Clients that hang up mid-reply (the size-cap test) are expected.
            if not isinstance(sys.exc_info()[1], OSError):
                super().handle_error(request, client_address)
    try:
        srv = Server((host, 0), Handler)
    except OSError:
        return None, 0
    srv.user, srv.password = args.user, args.password
    srv.log_path = os.path.join(args.dir, 'log')
    if tls:
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--user', default='admin')
    ap.add_argument('--password', default='secret')
    ap.add_argument('--cert')
    ap.add_argument('--key')
    ap.add_argument('--lifetime', type=float, default=300.0)
    args = ap.parse_args()
    open(os.path.join(args.dir, 'log'), 'w').close()
    _, http_port = serve(socket.AF_INET, '127.0.0.1', args)
    https_port = 0
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        _, https_port = serve(socket.AF_INET, '127.0.0.1', args, ctx)
    v6_port = serve(socket.AF_INET6, '::1', args)[1] if socket.has_ipv6 else 0
    tmp = os.path.join(args.dir, 'ports.tmp')
    with open(tmp, 'w') as f:
        f.write('%d %d %d\n' % (http_port, https_port, v6_port))
    os.rename(tmp, os.path.join(args.dir, 'ports'))
    # Bounded life: the test stops us by PID, this is the backstop.
    threading.Event().wait(args.lifetime)
    return 0


if __name__ == '__main__':
    sys.exit(main())
