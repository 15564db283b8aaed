"""Kerberos acceptor: MIT krb5 through python3-gssapi, with the service keys
from a keytab (--keytab, else KRB5_KTNAME).  The `Kerberos` scheme carries raw
krb5 GSS tokens (MS-WSMV 2.2.9.1.2.1); SPNEGO under `Negotiate` is in
auth_negotiate.py and shares the channel-binding rule below."""
import os

from auth_gss import GSS_C_CHANNEL_BOUND_FLAG, KRB5_OID, GssContext, GssMechanism
from encryption import KERBEROS_PROTOCOL


def use_keytab(config):
    keytab = getattr(config, 'keytab', None)
    if keytab:
        os.environ['KRB5_KTNAME'] = keytab if ':' in keytab else 'FILE:' + os.path.abspath(keytab)


class KerberosBindingRule:
    """MIT accepts an AP-REQ without bindings even when the acceptor passes some
    (that is CbtHardeningLevel=Relaxed); it reports GSS_C_CHANNEL_BOUND_FLAG when
    the client's bindings matched, so Strict refuses contexts without that flag."""

    def binding_refused(self):
        if self.channel is not None and self.channel.required and not self.flags & GSS_C_CHANNEL_BOUND_FLAG:
            return 'channel binding required (CbtHardeningLevel=Strict) but the client sent none'
        return None


class KerberosContext(KerberosBindingRule, GssContext):
    def __init__(self, mechanism, channel):
        super().__init__(mechanism, channel, KRB5_OID, protocol=KERBEROS_PROTOCOL)


class KerberosMechanism(GssMechanism):
    scheme = 'Kerberos'

    def __init__(self, accounts, config):
        super().__init__(accounts, config)
        use_keytab(config)

    def new_context(self, channel, first_token=None):
        return KerberosContext(self, channel)
