"""The WMI plug-in (MS-WSMV 3.1.4.1.1, 3.1.4.1.32; NANO.md 2.2) for the classes of the
simulated host, in three namespaces:

  root/cimv2          Win32_Service (key Name; StartService, StopService), Win32_Share (key
                      Name; Create, Delete), Win32_Process (key Handle; Create),
                      Win32_OperatingSystem (key Name), Win32_UserAccount (keys Domain, Name;
                      Put), Win32_Group (keys Domain, Name), Win32_GroupUser (references
                      GroupComponent, PartComponent)
  root/default        StdRegProv (static GetDWORDValue)
  root/standardcimv2  MSFT_NetFirewallRule (keys CreationClassName, PolicyRuleName,
                      SystemCreationClassName, SystemName; Enable, Disable)

  Get       .../wmi/<ns>/<Class> + key selectors          -> the instance
  Put       .../wmi/root/cimv2/Win32_UserAccount + keys     -> the instance after the change
  Delete    .../wmi/root/cimv2/Win32_Share + Name           -> the share is removed
  Enumerate .../wmi/<ns>/* + WQL filter                     -> the query's instances
  Enumerate .../wmi/<ns>/<Class> (no filter)                -> every instance
  Enumerate .../wscim/1/cim-schema/2/<Class>                -> every instance, when the
            __cimnamespace selector names root/cimv2 (MS-WSMV 3.1.4.1.1: without it
            the namespace is root/hardware, which holds none of these classes)
  Invoke    action .../wmi/<ns>/<Class>/<Method>            -> <p:Method_OUTPUT>

w:EnumerationMode EnumerateObjectAndEPR makes each item a w:Item holding the instance
and its a:EndpointReference; EnumerateEPR gives the references alone (DSP0226 8.7).
Class names, keys and namespaces are matched without regard to case, as WMI does.
The state behind the classes is the host model (host_model.py), set by the host
profile.  Other classes are outside the simulated catalog.
"""
import re

import cim_xml
import faults
import host_model
import wql
from enumeration import ENUMERATION
from soap import envelope, q
from wmi_methods import Processes, Shares

TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
DECLS_GET = ('s', 'a', 'x', 'w', 'p')
DECLS_DELETE = ('s', 'a', 'w', 'p')
DECLS_INVOKE = ('s', 'a', 'x', 'w', 'p')      # as recorded for CIM_DataFile Delete
WQL_DIALECT = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'
DMTF = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/'
DMTF_DEFAULT_NAMESPACE = 'root/hardware'
CIMV2, DEFAULT, STANDARD = 'root/cimv2', 'root/default', 'root/standardcimv2'
FW_KEYS = ('CreationClassName', 'PolicyRuleName', 'SystemCreationClassName', 'SystemName')
# class -> (namespace, key properties)
CLASSES = {
    'Win32_Service': (CIMV2, ('Name',)), 'Win32_Share': (CIMV2, ('Name',)),
    'Win32_Process': (CIMV2, ('Handle',)), 'Win32_OperatingSystem': (CIMV2, ('Name',)),
    'Win32_UserAccount': (CIMV2, ('Domain', 'Name')), 'Win32_Group': (CIMV2, ('Domain', 'Name')),
    'Win32_GroupUser': (CIMV2, ('GroupComponent', 'PartComponent')),
    'StdRegProv': (DEFAULT, ()), 'MSFT_NetFirewallRule': (STANDARD, FW_KEYS),
}
# (class, method) -> static (no instance) or not
METHODS = {('Win32_Share', 'Create'): True, ('Win32_Process', 'Create'): True,
           ('Win32_Service', 'StartService'): False, ('Win32_Service', 'StopService'): False,
           ('StdRegProv', 'GetDWORDValue'): True,
           ('MSFT_NetFirewallRule', 'Enable'): False, ('MSFT_NetFirewallRule', 'Disable'): False}
# Put of Win32_UserAccount: the properties the host model keeps that a Put may change.
ACCOUNT_WRITABLE = {'PasswordRequired': bool, 'Disabled': bool, 'Lockout': bool, 'FullName': str,
                    'Description': str}
WBEM_E_FAILED = 0x80041001


def ns_uri(ns):
    return cim_xml.WMI_PREFIX + ns + '/'


class WmiProvider:
    def __init__(self, config, sandbox, enumerations, environment, on_change, host=None, shares=()):
        self.config, self.enumerations, self.on_change = config, enumerations, on_change
        self.shares = Shares(sandbox, shares)
        self.processes = Processes(sandbox, environment, config.computer_name, on_change)
        self.host = host

    def handles(self, uri):
        return uri.lower().startswith((cim_xml.WMI_PREFIX.lower(), DMTF.lower()))

    def state(self):
        return {'shares': self.shares.state(), 'processes': self.processes.state()}

    # --- the class table ----------------------------------------------------------------------
    def class_name(self, name):
        """The canonical spelling of a known class, or None."""
        return next((c for c in CLASSES if c.lower() == (name or '').lower()), None)

    def instances(self, cls):
        h = self.host
        if cls == 'Win32_Service':
            return h.service_instances()
        if cls == 'Win32_Share':
            return self.shares.instances()
        if cls == 'Win32_Process':
            return self.processes.instances()
        if cls == 'Win32_OperatingSystem':
            return h.os_instances()
        if cls == 'Win32_UserAccount':
            return h.account_instances()
        if cls == 'Win32_Group':
            return h.group_instances()
        if cls == 'Win32_GroupUser':
            return self.group_users()
        if cls == 'MSFT_NetFirewallRule':
            return h.rule_instances()
        return []

    def group_users(self):
        d = self.host.domain()
        group_uri, account_uri = ns_uri(CIMV2) + 'Win32_Group', ns_uri(CIMV2) + 'Win32_UserAccount'
        return [[('GroupComponent', cim_xml.Reference(group_uri, 'Win32_Group', [('Domain', d), ('Name', g)])),
                 ('PartComponent', cim_xml.Reference(account_uri, 'Win32_UserAccount', [('Domain', d), ('Name', a)]))]
                for g, a in self.host.memberships()]

    def parse_uri(self, uri):
        """(class or '*', namespace) for a WMI resource URI; the catalog fault otherwise."""
        low = uri.lower()
        for ns in (CIMV2, DEFAULT, STANDARD):
            prefix = ns_uri(ns)
            if low.startswith(prefix.lower()):
                rest = uri[len(prefix):]
                if rest == '*':
                    return rest, ns
                cls = self.class_name(rest)
                if cls is None or CLASSES[cls][0] != ns:
                    raise faults.unknown_resource(uri)
                self.check_usable(cls, uri)
                return cls, ns
        raise faults.unknown_resource(uri)

    def check_usable(self, cls, uri):
        """A profile's firewall class 'missing': the class is not in the catalog."""
        if cls == 'MSFT_NetFirewallRule' and self.host.firewall_faults['class'] == 'missing':
            raise faults.unknown_resource(uri)

    # --- operations ----------------------------------------------------------------------------
    def handle(self, req, ctx):
        action = req.action
        low = action.lower()
        if low.startswith(ENUMERATION.lower()):
            op = low[len(ENUMERATION):]
            if op == 'enumerate':
                return self.enumerate(req)
            if op == 'pull':
                return self.enumerations.pull(req)
            if op == 'release':
                return self.enumerations.release(req)
            raise faults.action_not_supported(action)
        cls, ns = self.parse_uri(req.resource_uri)
        if cls == '*':
            raise faults.action_not_supported(action)
        uri = ns_uri(ns)
        if low == TRANSFER.lower() + 'get':
            pairs = self.lookup(cls, req.selectors)
            return envelope(TRANSFER + 'GetResponse', req.message_id, cim_xml.instance(cls, pairs, uri), DECLS_GET)
        if low == TRANSFER.lower() + 'put' and cls == 'Win32_UserAccount':
            return self.put_account(req)
        if low == TRANSFER.lower() + 'delete' and cls == 'Win32_Share':
            pairs = self.lookup(cls, req.selectors)
            self.shares.delete(dict(pairs)['Name'])
            self.on_change()
            return envelope(TRANSFER + 'DeleteResponse', req.message_id, '', DECLS_DELETE)
        prefix = (uri + cls + '/').lower()
        if low.startswith(prefix):
            method = next((m for c, m in METHODS if c == cls and m.lower() == low[len(prefix):]), None)
            if method is not None:
                return self.invoke(req, ctx, cls, ns, method)
        raise faults.action_not_supported(action)

    def lookup(self, cls, selectors):
        keys = CLASSES[cls][1]
        sel = {k.lower(): v for k, v in selectors.items()}
        if not keys or len(sel) != len(selectors) or set(sel) != {k.lower() for k in keys}:
            raise faults.invalid_selectors()
        for pairs in self.instances(cls):
            values = dict(pairs)
            if all(str(values[k]).lower() == sel[k.lower()].lower() for k in keys):
                return pairs
        path = ','.join('%s="%s"' % (k, sel[k.lower()]) for k in keys)
        raise faults.wmi_not_found('%s.%s' % (cls, path))

    def enumerate_dmtf(self, req):
        """A DMTF class URI names its CIM namespace with the __cimnamespace selector
        (DSP0227 6.3, MS-WSMV 3.1.4.1.1); either slash separates its parts."""
        ns = next((v for k, v in req.selectors.items() if k.lower() == '__cimnamespace'), DMTF_DEFAULT_NAMESPACE)
        rest = req.resource_uri[len(DMTF):]
        cls = self.class_name(rest)
        if cls is None or CLASSES[cls][0] != CIMV2 or ns.replace('\\', '/').strip('/').lower() != CIMV2:
            raise faults.wmi_not_found('%s:%s' % (ns, rest))
        _, _, filt = self.enumerations.request(req)
        if filt is not None:
            raise faults.cannot_process_filter(faults.INVALID_QUERY, (filt.text or '').strip())
        return self.enumerations.enumerate(req, [cim_xml.instance(cls, p, DMTF) for p in self.instances(cls)])

    def enumerate(self, req):
        if req.resource_uri.lower().startswith(DMTF.lower()):
            return self.enumerate_dmtf(req)
        cls, ns = self.parse_uri(req.resource_uri)
        _, _, filt = self.enumerations.request(req)
        mode = enumeration_mode(req)
        if filt is None:
            if cls == '*':
                raise faults.cannot_process_filter(faults.INVALID_QUERY, '')
            items = [self.item(cls, ns, p, None, mode) for p in self.instances(cls)]
            return self.enumerations.enumerate(req, items)
        text = (filt.text or '').strip()
        if (filt.get('Dialect') or WQL_DIALECT).lower() != WQL_DIALECT.lower():
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        try:
            query = wql.parse(text)
        except wql.WqlError:
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        qcls = self.class_name(query.class_name)
        if (qcls is None or CLASSES[qcls][0] != ns or (cls != '*' and cls != qcls)
                or (qcls == 'MSFT_NetFirewallRule' and self.host.firewall_faults['class'] == 'missing')):
            raise faults.cannot_process_filter(faults.CLASS_NOT_FOUND, text)
        return self.enumerations.enumerate(req, self.run_query(qcls, ns, query, text, mode))

    def item(self, cls, ns, pairs, wanted, mode):
        """One enumeration item in the request's EnumerationMode."""
        if wanted is None:
            obj = cim_xml.instance(cls, pairs, ns_uri(ns))
        else:
            obj = cim_xml.fragment([(p, v) for p, v in pairs if p.lower() in wanted])
        if mode == 'enumerateobject':
            return obj
        values = dict(pairs)
        ref = cim_xml.Reference(ns_uri(ns) + cls, cls, [(k, values[k]) for k in CLASSES[cls][1]])
        if mode == 'enumerateepr':
            return cim_xml.epr(ref)
        return '<w:Item>%s%s</w:Item>' % (obj, cim_xml.epr(ref))

    def run_query(self, cls, ns, query, text, mode):
        rows = self.instances(cls)
        names = {p.lower(): p for p, _ in rows[0]} if rows else {}
        wanted = None
        if query.props is not None:
            known = set(names) | {k.lower() for k in CLASSES[cls][1]}
            if any(p.lower() not in known for p in query.props):
                raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
            wanted = {p.lower() for p in query.props}
        if rows and any(prop.lower() not in names for prop, _ in query.conditions):
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        refs = {p.lower() for p, v in rows[0] if isinstance(v, cim_xml.Reference)} if rows else set()
        if refs:
            query.conditions = [(p, canonical_path(v) if p.lower() in refs else v) for p, v in query.conditions]
        items = []
        for pairs in rows:
            values = {p: canonical_path(str(v)) if isinstance(v, cim_xml.Reference) else v for p, v in pairs}
            if query.matches(values):
                items.append(self.item(cls, ns, pairs, wanted, mode))
        return items

    # --- Put ------------------------------------------------------------------------------------
    def put_account(self, req):
        pairs = self.lookup('Win32_UserAccount', req.selectors)
        values = dict(pairs)
        body = req.body_child()
        want = '{%sWin32_UserAccount}Win32_UserAccount' % ns_uri(CIMV2)
        if body is None or body.tag.lower() != want.lower():
            raise faults.invalid_representation()
        changes = {}
        for child in body:
            name = child.tag.rsplit('}', 1)[-1]
            kind = next((k for p, k in ACCOUNT_WRITABLE.items() if p.lower() == name.lower()), None)
            if kind is None:
                continue                      # read-only and unmodelled properties are left as they are
            prop = next(p for p in ACCOUNT_WRITABLE if p.lower() == name.lower())
            text = (child.text or '').strip()
            if kind is bool:
                if text.lower() not in ('true', 'false'):
                    raise faults.invalid_representation()
                value = text.lower() == 'true'
                if prop == 'Lockout' and value and not values['Lockout']:
                    raise faults.invalid_representation()     # only the system locks an account out
            else:
                value = text
            changes[prop] = value
        out = self.host.put_account(values['Domain'], values['Name'], changes)
        self.on_change()
        return envelope(TRANSFER + 'PutResponse', req.message_id,
                        cim_xml.instance('Win32_UserAccount', out, ns_uri(CIMV2)), DECLS_GET)

    # --- Invoke ----------------------------------------------------------------------------------
    def invoke(self, req, ctx, cls, ns, method):
        body = req.body_child()
        want = '{%s%s}%s_INPUT' % (ns_uri(ns), cls, method)
        if body is None or body.tag.lower() != want.lower():
            raise faults.invalid_body()
        params = {}
        for child in body:
            params[child.tag.rsplit('}', 1)[-1]] = (child.text or '').strip()
        target = None if METHODS[(cls, method)] else dict(self.lookup(cls, req.selectors))
        if cls == 'Win32_Share':
            out = self.shares.create(params)
        elif cls == 'Win32_Process':
            out = self.processes.create(params, ctx.user)
        elif cls == 'Win32_Service':
            fn = self.host.start_service if method == 'StartService' else self.host.stop_service
            out = [('ReturnValue', fn(target['Name']))]
        elif cls == 'StdRegProv':
            out = self.get_dword(params)
        else:
            out = self.firewall_method(target, method)
        self.on_change()
        action = '%s%s/%sResponse' % (ns_uri(ns), cls, method)
        return envelope(action, req.message_id, cim_xml.method_output(cls, method, out, ns_uri(ns)), DECLS_INVOKE)

    def get_dword(self, params):
        """GetDWORDValue: out parameters in MOF order, ReturnValue last (as the recorded
        StdRegProv EnumKey_OUTPUT); uValue is left out when nothing was read."""
        try:
            hive = int(params.get('hDefKey') or host_model.HKLM)
        except ValueError:
            return [('ReturnValue', 87)]
        code, value = self.host.get_dword(hive, params.get('sSubKeyName', ''), params.get('sValueName', ''))
        return ([('uValue', value)] if code == 0 else []) + [('ReturnValue', code)]

    def firewall_method(self, rule, method):
        behaviour = self.host.firewall_faults['enable']
        if method == 'Enable' and behaviour == 'fault':
            raise faults.wmi_failed('Generic failure ', 'ExecMethod', 'MSFT_NetFirewallRule.Enable')
        if method == 'Enable' and behaviour != 'ok':
            return [('ReturnValue', int(behaviour))]
        self.host.set_rule(rule['InstanceID'], method == 'Enable')
        return [('ReturnValue', 0)]


def enumeration_mode(req):
    """'enumerateobject' (default), 'enumerateepr' or 'enumerateobjectandepr'."""
    body = req.body_child()
    el = body.find(q('w', 'EnumerationMode')) if body is not None else None
    mode = (el.text or '').strip().lower() if el is not None else ''
    if mode in ('enumerateepr', 'enumerateobjectandepr'):
        return mode
    if mode:
        raise faults.invalid_body()
    return 'enumerateobject'


_PATH = re.compile(r'^(?:\\\\[^\\]*\\[^:]*:)?([A-Za-z0-9_]+)\.(.*)$')
_KEY = re.compile(r'\s*([A-Za-z0-9_]+)\s*=\s*("[^"]*"|\'[^\']*\'|[^,]*)\s*,?')


def canonical_path(text):
    """An object path as WQL compares it: no server and namespace, keys sorted, values in
    double quotes, without regard to case ('Win32_Group.Domain='H',Name='A'' ==
    'Win32_Group.Name="A",Domain="H"')."""
    m = _PATH.match(text.strip())
    if not m:
        return text.lower()
    keys = []
    for k, v in _KEY.findall(m.group(2)):
        if v[:1] in ('"', "'"):
            v = v[1:-1]
        keys.append((k.lower(), v.lower()))
    return '%s.%s' % (m.group(1).lower(), ','.join('%s="%s"' % kv for kv in sorted(keys)))
