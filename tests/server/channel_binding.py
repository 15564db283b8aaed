"""TLS channel bindings (EPA) as a Windows listener checks them: the
tls-server-end-point binding of RFC 5929 section 4.1, and the three
CbtHardeningLevel settings of MS-WSMV 2.2.4.34 (Strict, Relaxed, None)."""
import hashlib
import struct

from cryptography import x509

STRICT, RELAXED, NONE = 'strict', 'relaxed', 'none'
LEVELS = (STRICT, RELAXED, NONE)


def tls_server_end_point(cert_der):
    """'tls-server-end-point:' + H(certificate), where H is the certificate's
    signature hash, except that MD5 and SHA-1 (or none) become SHA-256 (RFC 5929 4.1)."""
    algorithm = x509.load_der_x509_certificate(cert_der).signature_hash_algorithm
    name = algorithm.name if algorithm is not None else ''
    if name in ('md5', 'sha1', '') or name not in hashlib.algorithms_available:
        name = 'sha256'
    return b'tls-server-end-point:' + hashlib.new(name, cert_der).digest()


def ntlm_channel_bindings_hash(application_data):
    """MsvAvChannelBindings: MD5 of the gss_channel_bindings_struct with empty
    addresses (MS-NLMP 2.2.2.1, RFC 2744 3.11)."""
    return hashlib.md5(b'\x00' * 16 + struct.pack('<I', len(application_data)) + application_data).digest()


class Channel:
    """What a connection's security context may be bound to."""

    def __init__(self, tls, cert_der=None, level=RELAXED):
        self.tls = tls
        self.level = level if tls else NONE
        self.application_data = tls_server_end_point(cert_der) if tls and cert_der and level != NONE else None

    @property
    def checked(self):
        return self.application_data is not None

    @property
    def required(self):
        return self.checked and self.level == STRICT
