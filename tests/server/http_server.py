"""HTTP/1.1 front end of the simulator: keep-alive connections, authentication
(connection-bound for NTLM and Kerberos), message encryption (MS-WSMV 2.2.9.1),
request size limits, and the Windows HTTP.sys look (Server header, empty 401s).
"""
import http.server
import socket
import socketserver
import struct
import sys

import encryption
import fault_injection
from auth import COMPLETE, CONTINUE
from channel_binding import Channel
from stdin_drop import DropConnection
from wsman_service import Context

SOAP_TYPE = 'application/soap+xml;charset=UTF-8'
IDLE_CONNECTION_TIMEOUT = 120      # seconds a kept-alive connection may sit unused
MAX_DISCARD = 64 * 1024 * 1024     # bigger bodies close the connection instead of being read


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Microsoft-HTTPAPI/2.0'
    sys_version = ''
    timeout = IDLE_CONNECTION_TIMEOUT
    # Headers and body leave in one write, with Nagle off: a reply split over two
    # segments would wait on the client's delayed ACK.
    wbufsize = 256 * 1024
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.auth_ctx = None          # connection-bound mechanisms keep their context here
        self.auth_mech = None         # ... and the mechanism that made it
        self.connection = self.server.sim.open_connection(self.client_address[0], self.server.tls)
        self.requests_here = 0

    def log_message(self, fmt, *args):
        self.server.sim.log('%s %s' % (self.client_address[0], fmt % args))

    def version_string(self):
        return self.server_version

    # --- replies --------------------------------------------------------------------------
    def reply(self, status, body=b'', ctype=None, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if ctype:
            self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()

    def challenge(self, extra=()):
        offers = self.server.sim.authenticator.offers(self.server.tls, self.server.sim.config.require_encryption)
        self.reply(401, headers=[('WWW-Authenticate', o) for o in offers] + list(extra))

    def do_GET(self):
        self.server.sim.count_request(None, self.connection)
        self.reply(405, headers=[('Allow', 'POST')])

    # --- POST /wsman --------------------------------------------------------------------------
    def do_POST(self):
        sim = self.server.sim
        body = self.read_body(sim.config.max_envelope_size)
        scheme = (self.headers.get('Authorization') or '').partition(' ')[0] or None
        sim.count_request(scheme, self.connection)
        self.requests_here += 1
        try:
            self.handle_post(body)
        except DropConnection:
            # Test hooks (--fault-drop-after-stdin-bytes, --inject STEP:close-before): no reply;
            # the close resets the connection (SO_LINGER 0), as a network drop looks to the client.
            sim.log('%s dropping the connection without a reply' % self.client_address[0])
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.close_connection = True
        finally:
            limit = sim.config.drop_connection_after
            if limit and self.requests_here >= limit:
                # Test hook: the connection goes away as a network drop would, without a
                # Connection: close header; the client has to connect and authenticate again.
                sim.log('%s dropping the connection after %d requests' % (self.client_address[0], limit))
                self.close_connection = True

    def handle_post(self, body):
        sim = self.server.sim
        if body is None:
            # MS-WSMV 3.1.4.1.20: a request over MaxEnvelopeSizekb is refused with 413, unprocessed.
            return self.reply(413)
        if self.path.split('?')[0].lower() != '/wsman':
            return self.reply(404)
        if sim.config.ignore_unauthenticated and not self.headers.get('Authorization') \
                and not (self.auth_ctx is not None and self.auth_ctx.user is not None):
            # OMI's hardening: no reply at all; the client gives up on its own timeout.
            sim.log('%s ignoring a request without Authorization' % self.client_address[0])
            return None
        auth = self.authenticate()
        if auth is None:
            return
        user, extra = auth
        ctx = Context(user, self.client_address[0], self.machine(), self.endpoint(), user is not None,
                      sim.authenticator.security_profiles(self.server.tls))
        if user is None and (self.headers.get('WSMANIDENTIFY') or '').lower() != 'unauthenticated':
            return self.challenge()
        if user is not None and not body:
            # The empty POST clients send to set up a security context (pywinrm, pypsrp).
            return self.reply(200, headers=extra)
        sealer = self.auth_ctx if user is not None and self.auth_ctx is not None and self.auth_ctx.can_encrypt else None
        ctype = self.headers.get('Content-Type') or ''
        if encryption.is_encrypted(ctype):
            return self.handle_encrypted(body, ctype, sealer, ctx, extra)
        if user is not None and sim.config.require_encryption and not self.server.tls:
            # AllowUnencrypted=false (MS-WSMV 3.1.4.1.29.1).  A connection that could seal
            # but sent plaintext gets HTTP 500, as users of Windows report (pywinrm #129,
            # #208); Basic, which cannot seal, is refused with 401.
            sim.log('%s refusing unencrypted SOAP over HTTP (AllowUnencrypted=false)' % self.client_address[0])
            if sealer is not None:
                return self.reply(500, headers=extra)
            return self.challenge()
        status, reply = sim.service.handle(body, ctx)
        if status is None:
            return self.challenge()
        fault_injection.send_reply(self, ctx.fault, status, reply, SOAP_TYPE, extra)

    def handle_encrypted(self, body, ctype, sealer, ctx, extra):
        sim = self.server.sim
        if sealer is None:
            sim.log('%s encrypted request without a security context on this connection' % self.client_address[0])
            return self.challenge()
        if encryption.protocol_of(ctype) not in encryption.PROTOCOLS:
            sim.log('%s unknown encryption protocol in %r' % (self.client_address[0], ctype))
            return self.reply(400, headers=extra)
        try:
            soap = encryption.decrypt_request(body, ctype, sealer)
        except encryption.EncryptionError as e:
            # The sealing state (RC4 stream, sequence numbers) can no longer be trusted:
            # refuse the request and end the connection, so the client must start over.
            sim.log('%s rejecting encrypted request: %s' % (self.client_address[0], e))
            self.auth_ctx = self.auth_mech = None
            self.close_connection = True
            return self.reply(400, headers=list(extra) + [('Connection', 'close')])
        status, reply = sim.service.handle(soap, ctx)
        if status is None:
            return self.challenge()
        sealed = encryption.encrypt_reply(reply, sealer, sealer.protocol,
                                          tamper_signature=sim.config.tamper_reply_signature)
        fault_injection.send_reply(self, ctx.fault, status, sealed, encryption.content_type(sealer.protocol),
                                   extra, sealed=True)

    def authenticate(self):
        """(account name or None when no credentials came, extra reply headers),
        or None when a 401 was sent."""
        sim = self.server.sim
        header = self.headers.get('Authorization')
        if not header:
            if self.auth_ctx is not None and self.auth_ctx.user is not None:
                return self.auth_ctx.user, []     # the connection authenticated earlier
            return None, []
        scheme, _, token = header.partition(' ')
        token = token.strip()
        mech = sim.authenticator.for_scheme(scheme)
        if mech is None:
            self.challenge()
            return None
        ctx = None
        if mech.connection_bound and self.auth_mech is mech and self.auth_ctx is not None \
                and self.auth_ctx.user is None:
            ctx = self.auth_ctx                   # the next leg of a handshake on this connection
        if ctx is None:
            ctx = mech.new_context(self.server.channel, token)
        state, out = ctx.step(token)
        if state == CONTINUE:
            self.auth_ctx, self.auth_mech = ctx, mech
            self.reply(401, headers=[('WWW-Authenticate', '%s %s' % (mech.scheme, out))])
            return None
        if state != COMPLETE:
            sim.log('%s %s authentication failed: %s' % (self.client_address[0], mech.scheme, ctx.error or 'refused'))
            self.auth_ctx = self.auth_mech = None
            self.challenge()
            return None
        refused = sim.service.host.logon_refused(ctx.user)
        if refused:
            # Authenticated, but not allowed in (host profile, host_model.logon_refused): Windows
            # answers as it does to a wrong password.
            sim.log('%s %s logon of %s refused: %s' % (self.client_address[0], mech.scheme, ctx.user, refused))
            self.auth_ctx = self.auth_mech = None
            self.challenge()
            return None
        extra = []
        if mech.connection_bound:
            self.auth_ctx, self.auth_mech = ctx, mech
            sim.count_handshake(self.connection, mech.scheme)
            sim.log('%s connection authenticated: %s via %s' % (self.client_address[0], ctx.user, mech.scheme))
        if out:
            # Mutual authentication: the final token goes on the 200 (MS-WSMV 2.2.9.1.1.1).
            extra.append(('WWW-Authenticate', '%s %s' % (mech.scheme, out)))
        return ctx.user, extra

    def read_body(self, limit):
        """The request body, or None when it exceeds limit (then it is drained or the connection closed)."""
        if (self.headers.get('Transfer-Encoding') or '').lower() == 'chunked':
            return self.read_chunked(limit)
        length = int(self.headers.get('Content-Length') or 0)
        if length > limit:
            self.discard(length)
            return None
        return self.rfile.read(length) if length else b''

    def read_chunked(self, limit):
        data, too_big = bytearray(), False
        while True:
            size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
            if size == 0:
                while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                    pass
                return None if too_big else bytes(data)
            chunk = self.rfile.read(size)
            self.rfile.readline()
            if len(data) + len(chunk) > limit:
                too_big = True
                data = bytearray()
            elif not too_big:
                data += chunk

    def discard(self, length):
        if length > MAX_DISCARD:
            self.close_connection = True
            return
        while length > 0:
            n = len(self.rfile.read(min(length, 65536)))
            if not n:
                break
            length -= n

    def machine(self):
        """The Machine attribute of faults: the host name the client addressed, as recorded."""
        host = (self.headers.get('Host') or self.server.server_address[0]).strip()
        if host.startswith('['):
            return host[1:host.find(']')]
        return host.rsplit(':', 1)[0] if host.count(':') == 1 else host

    def endpoint(self):
        host = self.headers.get('Host') or '%s:%d' % self.server.server_address[:2]
        return '%s://%s/wsman' % ('https' if self.server.tls else 'http', host)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sim, ssl_context=None, cert_der=None):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        self.sim, self.tls = sim, ssl_context is not None
        self.ssl_context = ssl_context
        # What connections on this listener bind their security contexts to (EPA, PROTOCOL.md 6).
        self.channel = Channel(self.tls, cert_der, sim.config.cbt)
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # The TLS handshake runs in the connection's own thread (first read),
            # so one slow client cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        self.sim.log('connection error from %s: %r' % (client_address[0], sys.exc_info()[1]))
