"""NTLM acceptor: gss-ntlmssp through python3-gssapi.  Raw NTLMSSP tokens
arrive under the `NTLM` scheme, or under `Negotiate` (requests-ntlm and pypsrp
send them that way, PROTOCOL.md 5.1).

gss-ntlmssp verifies the NTLMv2 response against the NT hash of the password it
finds in NTLM_USER_FILE (DOMAIN:USER:PASSWORD lines, written here from the
accounts file), so pass-the-hash clients authenticate like password clients.
An account without a domain gets the computer name as its domain, as on a
standalone Windows host; gss-ntlmssp also accepts such users when the client
sends an empty domain (it retries NTOWFv2 without one).
"""
import atexit
import os
import struct
import tempfile

from auth_gss import NTLM_OID, GssContext, GssMechanism
from channel_binding import ntlm_channel_bindings_hash

MSV_AV_EOL, MSV_AV_CHANNEL_BINDINGS = 0, 0x0A

_user_file = None


def prepare_environment(accounts, computer_name):
    """Write the NTLM user file once per process and point gss-ntlmssp at it."""
    global _user_file
    if _user_file is None:
        fd, _user_file = tempfile.mkstemp(prefix='winrm-sim-ntlm-users.')
        atexit.register(os.unlink, _user_file)
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            for user, password in accounts.entries:
                domain, _, name = user.rpartition('\\')
                f.write('%s:%s:%s\n' % (domain or computer_name, name, password))
        os.environ['NTLM_USER_FILE'] = _user_file
        # The names gss-ntlmssp puts in the CHALLENGE (TargetName, MsvAvNbComputerName...).
        os.environ['NETBIOS_COMPUTER_NAME'] = computer_name.upper()
        os.environ['NETBIOS_DOMAIN_NAME'] = computer_name.upper()


def is_ntlmssp(token):
    return token[:8] == b'NTLMSSP\x00'


def message_type(token):
    return struct.unpack('<I', token[8:12])[0] if len(token) >= 12 else None


def client_channel_bindings(authenticate):
    """The MsvAvChannelBindings value of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3:
    NtChallengeResponseFields at offset 20; the NTLMv2 client blob's AV pairs start
    28 bytes after the 16-byte NTProofStr), or None when absent or all zero."""
    if len(authenticate) < 28:
        return None
    length, _, offset = struct.unpack('<HHI', authenticate[20:28])
    response = authenticate[offset:offset + length]
    if len(response) <= 24:
        return None                          # NTLMv1: no AV pairs at all
    pairs, pos = response[16 + 28:], 0
    while pos + 4 <= len(pairs):
        av_id, av_len = struct.unpack('<HH', pairs[pos:pos + 4])
        value = pairs[pos + 4:pos + 4 + av_len]
        if av_id == MSV_AV_EOL:
            break
        if av_id == MSV_AV_CHANNEL_BINDINGS:
            return value if value.strip(b'\x00') else None
        pos += 4 + av_len
    return None


class NtlmContext(GssContext):
    def __init__(self, mechanism, channel, protocol=None):
        kwargs = {'protocol': protocol} if protocol else {}
        super().__init__(mechanism, channel, NTLM_OID, **kwargs)
        self.client_bindings = None

    def channel_bindings(self, token):
        # Only the AUTHENTICATE message carries bindings.  gss-ntlmssp fails a missing
        # MsvAvChannelBindings whenever it is given bindings, which is Strict; Relaxed
        # (the Windows default, MS-WSMV 2.2.4.34) checks them only when the client sent some.
        if message_type(token) != 3 or self.channel is None or not self.channel.checked:
            return None
        self.client_bindings = client_channel_bindings(token)
        if self.client_bindings is None and not self.channel.required:
            return None
        return super().channel_bindings(token)

    def binding_refused(self):
        if self.channel is not None and self.channel.required and self.client_bindings is None:
            return 'channel binding required (CbtHardeningLevel=Strict) but the client sent none'
        if (self.client_bindings is not None and self.channel is not None and self.channel.checked and
                self.client_bindings != ntlm_channel_bindings_hash(self.channel.application_data)):
            return 'channel binding mismatch'
        return None


class NtlmMechanism(GssMechanism):
    scheme = 'NTLM'

    def __init__(self, accounts, config):
        super().__init__(accounts, config)
        prepare_environment(accounts, getattr(config, 'computer_name', None) or 'SIMHOST')

    def new_context(self, channel, first_token=None):
        return NtlmContext(self, channel)
