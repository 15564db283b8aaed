"""The WMI plug-in for root/cimv2 (MS-WSMV 3.1.4.1.1, 3.1.4.1.32; NANO.md 2.2):

  Get      .../wmi/root/cimv2/<Class> + key selector    -> the instance
  Delete   .../wmi/root/cimv2/Win32_Share + Name         -> the share is removed
  Enumerate .../wmi/root/cimv2/* + WQL filter            -> the query's instances
  Enumerate .../wmi/root/cimv2/<Class> (no filter)       -> every instance
  Enumerate .../wscim/1/cim-schema/2/<Class>             -> every instance, when the
            __cimnamespace selector names root/cimv2 (MS-WSMV 3.1.4.1.1: without it
            the namespace is root/hardware, which holds none of these classes)
  Invoke   action .../wmi/root/cimv2/<Class>/<Method>    -> <p:Method_OUTPUT>

Classes: Win32_Service (key Name), Win32_Share (key Name; Create, Delete),
Win32_Process (key Handle; Create).  Keys and class names are matched without
regard to case, as WMI does.  Other classes and namespaces are outside the
simulated catalog.
"""
import cim_xml
import faults
import wql
from enumeration import ENUMERATION
from soap import envelope
from wmi_methods import Processes, Shares
from wmi_services import services

TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
DECLS_GET = ('s', 'a', 'x', 'w', 'p')
DECLS_DELETE = ('s', 'a', 'w', 'p')
DECLS_INVOKE = ('s', 'a', 'x', 'w', 'p')      # as recorded for CIM_DataFile Delete
WQL_DIALECT = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'
DMTF = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/'
DMTF_DEFAULT_NAMESPACE = 'root/hardware'
KEYS = {'Win32_Service': 'Name', 'Win32_Share': 'Name', 'Win32_Process': 'Handle'}
METHODS = {('Win32_Share', 'Create'), ('Win32_Process', 'Create')}


class WmiProvider:
    def __init__(self, config, sandbox, enumerations, environment, on_change):
        self.config, self.enumerations, self.on_change = config, enumerations, on_change
        self.shares = Shares(sandbox)
        self.processes = Processes(sandbox, environment, config.computer_name, on_change)

    def handles(self, uri):
        return uri.lower().startswith((cim_xml.WMI_PREFIX.lower(), DMTF.lower()))

    def state(self):
        return {'shares': self.shares.state(), 'processes': self.processes.state()}

    # --- the class table ----------------------------------------------------------------------
    def class_name(self, name):
        """The canonical spelling of a known class, or None."""
        return next((c for c in KEYS if c.lower() == (name or '').lower()), None)

    def instances(self, cls):
        if cls == 'Win32_Service':
            return services(self.config.computer_name)
        if cls == 'Win32_Share':
            return self.shares.instances()
        return self.processes.instances()

    def parse_uri(self, uri):
        """(class or '*') for a root/cimv2 resource URI; the catalog fault otherwise."""
        if not uri.lower().startswith(cim_xml.CIMV2.lower()):
            raise faults.unknown_resource(uri)
        rest = uri[len(cim_xml.CIMV2):]
        if rest == '*':
            return rest
        cls = self.class_name(rest)
        if cls is None:
            raise faults.unknown_resource(uri)
        return cls

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
        cls = self.parse_uri(req.resource_uri)
        if cls == '*':
            raise faults.action_not_supported(action)
        if low == TRANSFER.lower() + 'get':
            pairs = self.lookup(cls, req.selectors)
            return envelope(TRANSFER + 'GetResponse', req.message_id, cim_xml.instance(cls, pairs), DECLS_GET)
        if low == TRANSFER.lower() + 'delete' and cls == 'Win32_Share':
            pairs = self.lookup(cls, req.selectors)
            self.shares.delete(dict(pairs)['Name'])
            self.on_change()
            return envelope(TRANSFER + 'DeleteResponse', req.message_id, '', DECLS_DELETE)
        prefix = (cim_xml.CIMV2 + cls + '/').lower()
        if low.startswith(prefix):
            method = next((m for c, m in METHODS if c == cls and m.lower() == low[len(prefix):]), None)
            if method is not None:
                return self.invoke(req, ctx, cls, method)
        raise faults.action_not_supported(action)

    def lookup(self, cls, selectors):
        key = KEYS[cls]
        if len(selectors) != 1 or next(iter(selectors)).lower() != key.lower():
            raise faults.invalid_selectors()
        value = next(iter(selectors.values()))
        for pairs in self.instances(cls):
            if str(dict(pairs)[key]).lower() == value.lower():
                return pairs
        raise faults.wmi_not_found('%s.%s="%s"' % (cls, key, value))

    def enumerate_dmtf(self, req):
        """A DMTF class URI names its CIM namespace with the __cimnamespace selector
        (DSP0227 6.3, MS-WSMV 3.1.4.1.1); either slash separates its parts."""
        ns = next((v for k, v in req.selectors.items() if k.lower() == '__cimnamespace'), DMTF_DEFAULT_NAMESPACE)
        rest = req.resource_uri[len(DMTF):]
        cls = self.class_name(rest)
        if cls is None or ns.replace('\\', '/').strip('/').lower() != 'root/cimv2':
            raise faults.wmi_not_found('%s:%s' % (ns, rest))
        _, _, filt = self.enumerations.request(req)
        if filt is not None:
            raise faults.cannot_process_filter(faults.INVALID_QUERY, (filt.text or '').strip())
        return self.enumerations.enumerate(req, [cim_xml.instance(cls, p, DMTF) for p in self.instances(cls)])

    def enumerate(self, req):
        if req.resource_uri.lower().startswith(DMTF.lower()):
            return self.enumerate_dmtf(req)
        cls = self.parse_uri(req.resource_uri)
        _, _, filt = self.enumerations.request(req)
        if filt is None:
            if cls == '*':
                raise faults.cannot_process_filter(faults.INVALID_QUERY, '')
            items = [cim_xml.instance(cls, p) for p in self.instances(cls)]
            return self.enumerations.enumerate(req, items)
        text = (filt.text or '').strip()
        if (filt.get('Dialect') or WQL_DIALECT).lower() != WQL_DIALECT.lower():
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        try:
            query = wql.parse(text)
        except wql.WqlError:
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        qcls = self.class_name(query.class_name)
        if qcls is None or (cls != '*' and cls != qcls):
            raise faults.cannot_process_filter(faults.CLASS_NOT_FOUND, text)
        return self.enumerations.enumerate(req, self.run_query(qcls, query, text))

    def run_query(self, cls, query, text):
        rows = self.instances(cls)
        names = {p.lower(): p for p, _ in rows[0]} if rows else {}
        wanted = None
        if query.props is not None:
            known = set(names) | {k.lower() for k in KEYS.values()}
            if any(p.lower() not in known for p in query.props):
                raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
            wanted = {p.lower() for p in query.props}
        if rows and any(prop.lower() not in names for prop, _ in query.conditions):
            raise faults.cannot_process_filter(faults.INVALID_QUERY, text)
        items = []
        for pairs in rows:
            if not query.matches(dict(pairs)):
                continue
            if wanted is None:
                items.append(cim_xml.instance(cls, pairs))
            else:
                items.append(cim_xml.fragment([(p, v) for p, v in pairs if p.lower() in wanted]))
        return items

    def invoke(self, req, ctx, cls, method):
        body = req.body_child()
        want = '{%s%s}%s_INPUT' % (cim_xml.CIMV2, cls, method)
        if body is None or body.tag.lower() != want.lower():
            raise faults.invalid_body()
        params = {}
        for child in body:
            params[child.tag.rsplit('}', 1)[-1]] = (child.text or '').strip()
        if cls == 'Win32_Share':
            out = self.shares.create(params)
        else:
            out = self.processes.create(params, ctx.user)
        self.on_change()
        action = '%s%s/%sResponse' % (cim_xml.CIMV2, cls, method)
        return envelope(action, req.message_id, cim_xml.method_output(cls, method, out), DECLS_INVOKE)
