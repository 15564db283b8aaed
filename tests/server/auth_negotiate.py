"""The `Negotiate` scheme (MS-WSMV 2.2.9.1.1.1): SPNEGO tokens go to the
default GSSAPI acceptor (MIT SPNEGO; Kerberos inside, or NTLM when gss-ntlmssp is
the mechanism the client picks), raw NTLMSSP tokens go straight to gss-ntlmssp,
as Windows accepts both (PROTOCOL.md 5.1)."""
import base64
import binascii

from auth_gss import GssContext, GssMechanism
from auth_kerberos import KerberosBindingRule, use_keytab
from auth_ntlm import NtlmContext, is_ntlmssp, prepare_environment


class SpnegoContext(KerberosBindingRule, GssContext):
    pass


class NegotiateMechanism(GssMechanism):
    scheme = 'Negotiate'

    def __init__(self, accounts, config):
        super().__init__(accounts, config)
        prepare_environment(accounts, getattr(config, 'computer_name', None) or 'SIMHOST')
        use_keytab(config)

    def new_context(self, channel, first_token=None):
        try:
            token = base64.b64decode(first_token or '', validate=True)
        except (binascii.Error, ValueError):
            token = b''
        if is_ntlmssp(token):
            return NtlmContext(self, channel)
        return SpnegoContext(self, channel)
