"""WinRM configuration resources: WS-Transfer Get of .../wsman/1/config and
Get/Put of .../config/client (MS-WSMV 3.1.4.1.29, 3.1.4.3; PROTOCOL.md section 8).

The Get reply of the root is the recorded Windows one (corpus pypsrp
wsman_update_envelope_size_500), with the service values the simulator runs
with.  Client settings (TrustedHosts, AllowUnencrypted, Auth...) live in the
simulator's state: a Put changes them and later Gets show the change.  A Put
body is a cfg:Client element (namespace .../config/client, as Windows writes
it, or the schema namespace .../config) with any subset of the children; the
reply is the whole resource after the change.  Only the client part can be
Put; the service settings come from the simulator's command line.
"""
import threading
from xml.sax.saxutils import escape

import faults
from soap import envelope

CONFIG_URI = 'http://schemas.microsoft.com/wbem/wsman/1/config'
CLIENT_URI = CONFIG_URI + '/client'
TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
DECLS_GET = ('s', 'a', 'x', 'w', 'p')          # as in the recorded GetResponse

# Windows' client defaults, in the recorded element order; nested groups are lists.
CLIENT_DEFAULTS = [
    ('NetworkDelayms', '5000'), ('URLPrefix', 'wsman'), ('AllowUnencrypted', 'false'),
    ('Auth', [('Basic', 'true'), ('Digest', 'true'), ('Kerberos', 'true'), ('Negotiate', 'true'),
              ('Certificate', 'true'), ('CredSSP', 'false')]),
    ('DefaultPorts', [('HTTP', '5985'), ('HTTPS', '5986')]),
    ('TrustedHosts', ''),
]
BOOLEAN = {'AllowUnencrypted', 'Basic', 'Digest', 'Kerberos', 'Negotiate', 'Certificate', 'CredSSP'}
NUMBER = {'NetworkDelayms', 'HTTP', 'HTTPS'}


def _copy(settings):
    return [(k, _copy(v) if isinstance(v, list) else v) for k, v in settings]


def _render(settings):
    return ''.join('<cfg:%s>%s</cfg:%s>' % (k, _render(v) if isinstance(v, list) else escape(v), k)
                   for k, v in settings)


def _as_dict(settings):
    return {k: _as_dict(v) if isinstance(v, list) else v for k, v in settings}


class ConfigProvider:
    def __init__(self, config, on_change, trusted_hosts=''):
        """trusted_hosts: the host profile's TrustedHosts (host_profile.py)."""
        self.config, self.on_change = config, on_change
        self.client = [(k, trusted_hosts if k == 'TrustedHosts' else v) for k, v in _copy(CLIENT_DEFAULTS)]
        self.lock = threading.Lock()

    def handles(self, uri):
        return uri.lower() in (CONFIG_URI.lower(), CLIENT_URI.lower())

    def state(self):
        with self.lock:
            return _as_dict(self.client)

    def handle(self, req, ctx):
        action = req.action.lower()
        is_client = req.resource_uri.lower() == CLIENT_URI.lower()
        if req.selectors:
            raise faults.invalid_selectors()
        if action == TRANSFER.lower() + 'get':
            body = self.client_xml() if is_client else self.root_xml()
            return envelope(TRANSFER + 'GetResponse', req.message_id, body, DECLS_GET)
        if action == TRANSFER.lower() + 'put' and is_client:
            self.put_client(req.body_child())
            self.on_change()
            return envelope(TRANSFER + 'PutResponse', req.message_id, self.client_xml(), DECLS_GET)
        raise faults.action_not_supported(req.action)

    def client_xml(self):
        with self.lock:
            inner = _render(self.client)
        return '<cfg:Client xmlns:cfg="%s">%s</cfg:Client>' % (CLIENT_URI, inner)

    def root_xml(self):
        c = self.config
        auth = set(c.auth)
        service = [
            ('RootSDDL', 'O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)'),
            ('MaxConcurrentOperations', '4294967295'), ('MaxConcurrentOperationsPerUser', '1500'),
            ('EnumerationTimeoutms', '240000'), ('MaxConnections', '300'),
            ('MaxPacketRetrievalTimeSeconds', '120'),
            ('AllowUnencrypted', 'false' if c.require_encryption else 'true'),
            ('Auth', [('Basic', _bool('basic' in auth)), ('Kerberos', _bool('kerberos' in auth)),
                      ('Negotiate', _bool(bool(auth & {'negotiate', 'ntlm'}))), ('Certificate', 'false'),
                      ('CredSSP', 'false'), ('CbtHardeningLevel', c.cbt.capitalize())]),
            ('DefaultPorts', [('HTTP', '5985'), ('HTTPS', '5986')]),
            ('IPv4Filter', '*'), ('IPv6Filter', '*'), ('EnableCompatibilityHttpListener', 'false'),
            ('EnableCompatibilityHttpsListener', 'false'), ('CertificateThumbprint', ''),
            ('AllowRemoteAccess', 'true'),
        ]
        winrs = [('AllowRemoteShellAccess', 'true'), ('IdleTimeout', '7200000'),
                 ('MaxConcurrentUsers', '2147483647'), ('MaxShellRunTime', '2147483647'),
                 ('MaxProcessesPerShell', '2147483647'), ('MaxMemoryPerShellMB', '2147483647'),
                 ('MaxShellsPerUser', str(c.max_shells_per_user))]
        with self.lock:
            client = _copy(self.client)
        top = [('MaxEnvelopeSizekb', str(c.max_envelope_size // 1024)), ('MaxTimeoutms', str(c.max_timeout_ms)),
               ('MaxBatchItems', str(c.max_batch_items)), ('MaxProviderRequests', '4294967295'),
               ('Client', client), ('Service', service), ('Winrs', winrs)]
        return '<cfg:Config xmlns:cfg="%s">%s</cfg:Config>' % (CONFIG_URI, _render(top))

    def put_client(self, el):
        """Merges the children of a cfg:Client element into the client settings."""
        if el is None or el.tag not in ('{%s}Client' % CLIENT_URI, '{%s}Client' % CONFIG_URI):
            raise faults.invalid_representation()
        ns = el.tag[1:el.tag.index('}')]
        with self.lock:
            updated = _copy(self.client)
            _merge(updated, el, ns)
            self.client = updated


def _merge(settings, el, ns):
    index = {k: i for i, (k, _) in enumerate(settings)}
    for child in el:
        if not child.tag.startswith('{%s}' % ns):
            raise faults.invalid_representation()
        name = child.tag[len(ns) + 2:]
        if name not in index:
            raise faults.invalid_representation()
        i = index[name]
        current = settings[i][1]
        if isinstance(current, list):
            _merge(current, child, ns)
            continue
        if len(child):
            raise faults.invalid_representation()
        value = (child.text or '').strip()
        if name in BOOLEAN:
            if value.lower() not in ('true', 'false'):
                raise faults.invalid_representation()
            value = value.lower()
        elif name in NUMBER and not value.isdigit():
            raise faults.invalid_representation()
        settings[i] = (name, value)


def _bool(b):
    return 'true' if b else 'false'

