"""HTTP authentication for the simulator, one class per Authorization scheme.

A mechanism makes a per-connection context; a context takes the client's
token and answers with a state and an optional token for WWW-Authenticate.
Connection-oriented mechanisms (NTLM, Kerberos via Negotiate) keep their
context on the connection and may wrap/unwrap messages for HTTP message
encryption (MS-WSMV 2.2.9.1); Basic does neither.  The GSSAPI mechanisms
live in auth_ntlm.py, auth_kerberos.py and auth_negotiate.py and are loaded
only when configured, so a Basic-only server needs no python3-gssapi.
"""
import base64
import hmac
import importlib

CONTINUE, COMPLETE, FAILED = 'continue', 'complete', 'failed'


class Accounts:
    """user:password lines; '#' starts a comment.  Names may carry a DOMAIN\\ part."""

    def __init__(self, path):
        self.entries = []
        with open(path, encoding='utf-8') as f:
            for raw in f:
                line = raw.rstrip('\r\n')
                if not line.strip() or line.lstrip().startswith('#'):
                    continue
                user, sep, password = line.partition(':')
                if sep:
                    self.entries.append((user.strip(), password))

    def find(self, name):
        """The account a client name refers to, matched without regard to case,
        with or without the DOMAIN\\ part, as Windows resolves a logon name."""
        wanted = name.lower()
        short = wanted.split('\\')[-1]
        for user, password in self.entries:
            u = user.lower()
            if u == wanted or u.split('\\')[-1] == short and ('\\' not in wanted or '\\' not in u):
                return user, password
        return None, None


class AuthContext:
    """The security state of one connection."""
    user = None
    can_encrypt = False        # True once a mechanism can seal messages on this connection
    error = None               # why the last step failed, for the log
    protocol = None            # the multipart/encrypted protocol string of this context

    def step(self, token):
        """(state, reply token or None); with COMPLETE a token is the final
        (mutual authentication) token that goes on the 200."""
        raise NotImplementedError

    def wrap_winrm(self, data):
        """(encryption header, ciphertext) as MS-WSMV 2.2.9.1.1.2 lays them out."""
        raise NotImplementedError

    def unwrap_winrm(self, header, ciphertext):
        raise NotImplementedError


class BasicContext(AuthContext):
    def __init__(self, accounts):
        self.accounts = accounts

    def step(self, token):
        try:
            name, _, password = base64.b64decode(token, validate=True).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            return FAILED, None
        user, expected = self.accounts.find(name)
        if user is None or not hmac.compare_digest(password.encode('utf-8'), expected.encode('utf-8')):
            return FAILED, None
        self.user = user
        return COMPLETE, None


class BasicMechanism:
    scheme = 'Basic'
    connection_bound = False   # every request carries the credentials again
    security_profile = 'basic'

    can_encrypt = False

    def __init__(self, accounts, config=None):
        self.accounts = accounts

    def offer(self):
        return 'Basic realm="WSMAN"'

    def new_context(self, channel=None, first_token=None):
        return BasicContext(self.accounts)


# Authorization scheme (lower case) -> "module:class", imported on first use.
MECHANISMS = {
    'basic': 'auth:BasicMechanism',
    'negotiate': 'auth_negotiate:NegotiateMechanism',
    'kerberos': 'auth_kerberos:KerberosMechanism',
    'ntlm': 'auth_ntlm:NtlmMechanism',
}
# The order Windows lists its offers in a 401 (MS-WSMV 2.2.4.34 ServiceAuth);
# Windows has no separate NTLM scheme, so it comes last when configured.
OFFER_ORDER = ['negotiate', 'kerberos', 'credssp', 'basic', 'ntlm']


def load_mechanism(name):
    module, _, cls = MECHANISMS[name].partition(':')
    return getattr(importlib.import_module(module), cls)


class Authenticator:
    """The configured mechanisms, looked up by Authorization scheme.  offer_names,
    when given, is the list of schemes advertised in a 401 (default: all configured)."""

    def __init__(self, names, accounts, config=None, offer_names=None):
        self.mechanisms = {n: load_mechanism(n)(accounts, config) for n in names}
        self.offer_names = offer_names

    def for_scheme(self, scheme):
        return self.mechanisms.get(scheme.lower())

    def offers(self, tls, require_encryption):
        """WWW-Authenticate values, one per scheme; mechanisms that cannot seal are
        not offered on plain HTTP when the service requires encryption (AllowUnencrypted=false)."""
        out = []
        names = self.offer_names if self.offer_names is not None else OFFER_ORDER
        for name in names:
            mech = self.mechanisms.get(name)
            if mech is None:
                continue
            if require_encryption and not tls and not mech.can_encrypt:
                continue
            out.append(mech.offer())
        return out

    def security_profiles(self, tls):
        prefix = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/%s/' % ('https' if tls else 'http')
        return [prefix + m.security_profile for m in self.mechanisms.values()]
