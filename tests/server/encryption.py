"""HTTP message encryption of MS-WSMV 2.2.9.1: the multipart/encrypted body
that carries a SOAP message sealed by the connection's security context.

Layout (MS-WSMV 2.2.9.1.1.2; every line ends CRLF, part headers start with HT):
  --Encrypted Boundary
  \tContent-Type: application/HTTP-SPNEGO-session-encrypted
  \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext bytes>
  --Encrypted Boundary
  \tContent-Type: application/octet-stream
  <u32le header length><header (NTLM signature / Kerberos token header)><ciphertext>--Encrypted Boundary--
Requests are parsed tolerantly (missing tabs, header case, extra spaces before the
boundary, several part pairs as in multipart/x-multi-encrypted); replies are exact.
"""
import re
import struct

SPNEGO_PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted'
KERBEROS_PROTOCOL = 'application/HTTP-Kerberos-session-encrypted'
PROTOCOLS = (SPNEGO_PROTOCOL, KERBEROS_PROTOCOL)
BOUNDARY = b'Encrypted Boundary'


class EncryptionError(Exception):
    pass


def is_encrypted(content_type):
    ct = (content_type or '').lower()
    return ct.startswith('multipart/encrypted') or ct.startswith('multipart/x-multi-encrypted')


def content_type(protocol):
    return 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % protocol


def protocol_of(content_type_header):
    m = re.search(r'protocol\s*=\s*"?([^";]+)"?', content_type_header or '', re.I)
    return m.group(1).strip() if m else None


def _boundary_of(content_type_header):
    m = re.search(r'boundary\s*=\s*"([^"]+)"|boundary\s*=\s*([^;\s]+)', content_type_header or '', re.I)
    return (m.group(1) or m.group(2)).encode() if m else BOUNDARY


def split_parts(body, content_type_header):
    """[(original length, header bytes, ciphertext)] of an encrypted request body."""
    boundary = _boundary_of(content_type_header)
    # '--Encrypted Boundary' and pypsrp's tolerated '-- Encrypted Boundary'
    delimiter = re.compile(rb'--[ \t]*' + re.escape(boundary) + rb'(--)?[ \t]*(?:\r?\n|\Z)')
    pieces, pos, closed = [], 0, False
    for m in delimiter.finditer(body):
        pieces.append(body[pos:m.start()])
        pos = m.end()
        if m.group(1):
            closed = True
            break
    if not closed:
        raise EncryptionError('no closing --%s-- delimiter' % boundary.decode())
    pieces = pieces[1:]           # the preamble before the first delimiter
    if not pieces or len(pieces) % 2:
        raise EncryptionError('expected pairs of MIME parts, got %d part(s)' % len(pieces))
    out = []
    for meta, payload in zip(pieces[0::2], pieces[1::2]):
        m = re.search(rb'Length\s*=\s*(\d+)', meta, re.I)
        if not m:
            raise EncryptionError('no Length= in OriginalContent')
        h = re.match(rb'[ \t]*Content-Type:[ \t]*application/octet-stream[ \t]*\r?\n', payload, re.I)
        if not h:
            raise EncryptionError('second part does not start with Content-Type: application/octet-stream')
        payload = payload[h.end():]
        if len(payload) < 4:
            raise EncryptionError('payload shorter than its length prefix')
        header_len = struct.unpack('<I', payload[:4])[0]
        if header_len > len(payload) - 4:
            raise EncryptionError('header length %d exceeds the payload' % header_len)
        out.append((int(m.group(1)), payload[4:4 + header_len], payload[4 + header_len:]))
    return out


def decrypt_request(body, content_type_header, ctx):
    """The plaintext SOAP of an encrypted request; EncryptionError on any defect,
    including a bad signature and a length that differs from OriginalContent."""
    plain = b''
    for length, header, ciphertext in split_parts(body, content_type_header):
        try:
            message = ctx.unwrap_winrm(header, ciphertext)
        except Exception as e:   # gss: BadSignature/BadMIC, sequence errors, defective token
            raise EncryptionError('unwrap failed: %s' % (str(e).splitlines()[0] if str(e) else type(e).__name__))
        if len(message) != length:
            raise EncryptionError('decrypted %d bytes, OriginalContent says %d' % (len(message), length))
        plain += message
    return plain


def encrypt_reply(plain, ctx, protocol, tamper_signature=False):
    """The multipart/encrypted body of a reply, byte-exact as MS-WSMV 2.2.9.1.1.2 shows."""
    header, ciphertext = ctx.wrap_winrm(plain)
    if tamper_signature:
        # Flip one bit inside the checksum (NTLM: bytes 4..11; Kerberos: the rotated trailer).
        i = 4 if len(header) == 16 else len(header) - 1
        header = header[:i] + bytes([header[i] ^ 0x01]) + header[i + 1:]
    return (b'--Encrypted Boundary\r\n'
            b'\tContent-Type: ' + protocol.encode() + b'\r\n'
            b'\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=' + str(len(plain)).encode() + b'\r\n'
            b'--Encrypted Boundary\r\n'
            b'\tContent-Type: application/octet-stream\r\n' +
            struct.pack('<I', len(header)) + header + ciphertext +
            b'--Encrypted Boundary--\r\n')
