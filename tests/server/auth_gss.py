"""A GSSAPI acceptor context (python3-gssapi) for one HTTP connection: the
token exchange, the authenticated name, and message sealing in the WinRM layout.
The mechanisms themselves are third-party: gss-ntlmssp for NTLM and MIT krb5
(also behind SPNEGO) for Kerberos; none of nanosh's own code is involved."""
import base64
import binascii

import gssapi.raw as gss
from gssapi.raw import IOV, IOVBufferType

from auth import COMPLETE, CONTINUE, FAILED, AuthContext
from encryption import SPNEGO_PROTOCOL

NTLM_OID = gss.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10')
KRB5_OID = gss.OID.from_int_seq('1.2.840.113554.1.2.2')
GSS_C_CHANNEL_BOUND_FLAG = 0x800     # MIT krb5 >= 1.19: the initiator's bindings matched ours


def acceptor_credentials(mech_oid=None):
    """Acceptor credentials for one mechanism, or the default set (every
    mechanism, as SPNEGO needs) when mech_oid is None.  Kerberos reads its
    keytab from KRB5_KTNAME; NTLM its users from NTLM_USER_FILE."""
    if mech_oid is None:
        return None
    return gss.acquire_cred(None, mechs=[mech_oid], usage='accept').creds


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class GssContext(AuthContext):
    can_encrypt = False

    def __init__(self, mechanism, channel, mech_oid=None, protocol=SPNEGO_PROTOCOL):
        self.mechanism, self.channel, self.protocol = mechanism, channel, protocol
        self.creds = acceptor_credentials(mech_oid)
        self.raw = None
        self.mech = None
        self.flags = 0

    def channel_bindings(self, token):
        """The bindings to check this token against, or None not to check."""
        if self.channel is None or not self.channel.checked:
            return None
        return gss.ChannelBindings(application_data=self.channel.application_data)

    def binding_refused(self):
        """A reason to refuse a context that completed, or None (see subclasses)."""
        return None

    def step(self, token_b64):
        try:
            token = base64.b64decode(token_b64, validate=True)
        except (binascii.Error, ValueError):
            self.error = 'the token is not base64'
            return FAILED, None
        try:
            res = gss.accept_sec_context(token, acceptor_creds=self.creds, context=self.raw,
                                         channel_bindings=self.channel_bindings(token))
        except gss.GSSError as e:
            self.error = first_line(e)
            return FAILED, None
        self.raw = res.context
        out = base64.b64encode(res.token).decode() if res.token else None
        if res.more_steps:
            return CONTINUE, out
        self.mech, self.flags = res.mech, int(res.flags)
        refused = self.binding_refused()
        if refused:
            self.error = refused
            return FAILED, None
        name = gss.display_name(res.initiator_name).name.decode('utf-8', 'replace').rstrip('\x00')
        self.user = self.mechanism.account_for(name)
        self.can_encrypt = True
        return COMPLETE, out

    @property
    def is_ntlm(self):
        return self.mech == NTLM_OID

    def wrap_winrm(self, data):
        if self.is_ntlm:
            # gss-ntlmssp's GSS_Wrap output is the 16-byte NTLMSSP_MESSAGE_SIGNATURE
            # followed by the sealed data (MS-NLMP 3.4.3), exactly the WinRM split.
            sealed = gss.wrap(self.raw, data, confidential=True).message
            return sealed[:16], sealed[16:]
        # Kerberos: GSS_WrapEx with HEADER|DATA|PADDING and no TRAILER buffer, so the
        # trailer is folded into the header, as SSPI EncryptMessage lays it out (PROTOCOL.md 4.5).
        iov = IOV(IOVBufferType.header, data, IOVBufferType.padding, std_layout=False)
        gss.wrap_iov(self.raw, iov, confidential=True)
        return iov[0].value, iov[1].value + (iov[2].value or b'')

    def unwrap_winrm(self, header, ciphertext):
        # NTLM: signature || sealed.  Kerberos: header || data, whose RRC rotation
        # MIT's gss_unwrap undoes.  Either raises on a bad signature or sequence number.
        return gss.unwrap(self.raw, header + ciphertext).message


class GssMechanism:
    """Shared by the GSSAPI schemes: connection-bound, able to seal, mapping the
    authenticated name onto the accounts file the way Windows resolves a logon."""
    connection_bound = True
    can_encrypt = True
    scheme = None
    security_profile = 'spnego-kerberos'

    def __init__(self, accounts, config):
        self.accounts, self.config = accounts, config

    def offer(self):
        return self.scheme

    def account_for(self, name):
        """'DOM\\alice', 'alice@DOM' or 'alice@REALM' -> the account it names."""
        if '@' in name and '\\' not in name:
            user, _, realm = name.partition('@')
            domain = realm.split('.')[0]
        else:
            domain, _, user = name.rpartition('\\')
        account, _ = self.accounts.find('%s\\%s' % (domain, user) if domain else user)
        if account is None:
            account, _ = self.accounts.find(user)
        if account is not None:
            return account
        return '%s\\%s' % (domain.upper(), user) if domain else user
