#!/usr/bin/python3
"""The simulator's config and WMI resources, with a raw client: config Get/Put,
Win32_Service Get and its faults, WQL Enumerate/Pull in small batches,
Win32_Share Create/Delete and Win32_Process Create, and the replies' shapes."""
import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import T, Sim, Tap, find, request  # noqa: E402

CFG = 'http://schemas.microsoft.com/wbem/wsman/1/config'
CV = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/'
E = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/'
N = '{http://schemas.xmlsoap.org/ws/2004/09/enumeration}'
W = '{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}'
XSI = '{http://www.w3.org/2001/XMLSchema-instance}'
WQL = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'


def body_child(xml):
    return next(iter(ET.fromstring(xml).find('{http://www.w3.org/2003/05/soap-envelope}Body')), None)


def enumerate_req(wql, uri=CV + '*', optimize=True, max_elements=32000):
    filt = '<wsman:Filter Dialect="%s">%s</wsman:Filter>' % (WQL, wql) if wql is not None else ''
    opt = '<wsman:OptimizeEnumeration/>' if optimize else ''
    return request(E + 'Enumerate', '<wsen:Enumerate xmlns:wsen="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
                   '%s<wsman:MaxElements>%d</wsman:MaxElements>%s</wsen:Enumerate>' % (opt, max_elements, filt),
                   resource_uri=uri)


def pull_req(ctx, uri=CV + '*', max_elements=32000):
    return request(E + 'Pull', '<wsen:Pull xmlns:wsen="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
                   '<wsen:EnumerationContext>%s</wsen:EnumerationContext><wsen:MaxElements>%d</wsen:MaxElements>'
                   '</wsen:Pull>' % (ctx, max_elements), resource_uri=uri)


def run_query(c, wql, **kw):
    """(items as elements, replies with items) for a whole enumeration."""
    status, _, body = c.post(enumerate_req(wql, **kw))
    if status != 200:
        raise RuntimeError('Enumerate: %d %s' % (status, body[:500]))
    resp = body_child(body)
    items = list(resp.find(W + 'Items') if resp.find(W + 'Items') is not None else [])
    rounds = [len(items)]
    ctx = (resp.findtext(N + 'EnumerationContext') or '').strip()
    end = resp.find(W + 'EndOfSequence') is not None
    while ctx and not end:
        status, _, body = c.post(pull_req(ctx))
        if status != 200:
            raise RuntimeError('Pull: %d %s' % (status, body[:500]))
        resp = body_child(body)
        got = list(resp.find(N + 'Items'))
        items += got
        rounds.append(len(got))
        ctx = (resp.findtext(N + 'EnumerationContext') or '').strip()
        end = resp.find(N + 'EndOfSequence') is not None
    return items, rounds


def invoke_req(cls, method, params):
    inner = ''.join('<p:%s>%s</p:%s>' % (k, v, k) for k, v in params)
    return request('%s%s/%s' % (CV, cls, method), '<p:%s_INPUT xmlns:p="%s%s">%s</p:%s_INPUT>'
                   % (method, CV, cls, inner, method), resource_uri=CV + cls)


def return_value(body):
    return find(body, 'ReturnValue')


def main():
    t = Tap()
    sim = Sim('--max-batch-items', '2')
    c = sim.client()

    # --- config ---------------------------------------------------------------------------------
    status, _, body = c.post(request(T + 'Get', '', resource_uri=CFG + '/client'))
    t.eq(status, 200, 'config/client Get: 200')
    client = body_child(body)
    t.eq(client.tag, '{%s/client}Client' % CFG, 'config/client Get: cfg:Client in the client namespace')
    t.eq([ch.tag.split('}')[1] for ch in client],
         ['NetworkDelayms', 'URLPrefix', 'AllowUnencrypted', 'Auth', 'DefaultPorts', 'TrustedHosts'],
         'config/client Get: children in the recorded order')
    t.ok(b'<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</a:Action>' in body,
         'config/client Get: GetResponse action')
    put = ('<cfg:Client xmlns:cfg="%s/client"><cfg:TrustedHosts>10.0.0.5,nano1</cfg:TrustedHosts>'
           '<cfg:Auth><cfg:Basic>false</cfg:Basic></cfg:Auth></cfg:Client>' % CFG)
    status, _, body = c.post(request(T + 'Put', put, resource_uri=CFG + '/client'))
    t.eq(status, 200, 'config/client Put: 200')
    t.eq(find(body, 'TrustedHosts'), '10.0.0.5,nano1', 'config/client Put: the reply shows the new TrustedHosts')
    status, _, body = c.post(request(T + 'Get', '', resource_uri=CFG + '/client'))
    t.eq(find(body, 'TrustedHosts'), '10.0.0.5,nano1', 'config/client Get after Put: TrustedHosts kept')
    t.eq(find(body, 'Basic'), 'false', 'config/client Get after Put: nested Auth/Basic changed')
    t.eq(find(body, 'Kerberos'), 'true', 'config/client Get after Put: other settings untouched')
    st = sim.state()['config_client']
    t.eq((st['TrustedHosts'], st['Auth']['Basic']), ('10.0.0.5,nano1', 'false'), 'config/client: in the state file')
    status, _, body = c.post(request(T + 'Put', '<cfg:Client xmlns:cfg="%s/client"><cfg:Bogus>1</cfg:Bogus>'
                                     '</cfg:Client>' % CFG, resource_uri=CFG + '/client'))
    t.ok(status == 500 and b'x:InvalidRepresentation' in body, 'config/client Put of an unknown setting: fault',
         body[:300])
    status, _, body = c.post(request(T + 'Get', '', resource_uri=CFG))
    root = body_child(body)
    t.eq((status, root.tag), (200, '{%s}Config' % CFG), 'config Get: cfg:Config')
    t.eq(find(body, 'MaxBatchItems'), '2', 'config Get: MaxBatchItems is the one the server runs with')
    t.eq(find(body, 'TrustedHosts'), '10.0.0.5,nano1', 'config Get: Client part has the Put value')

    # --- Win32_Service Get ------------------------------------------------------------------------
    status, _, body = c.post(request(T + 'Get', '', selectors={'Name': 'winrm'}, resource_uri=CV + 'Win32_Service'))
    inst = body_child(body)
    t.eq(status, 200, 'Win32_Service Get WinRM: 200')
    t.eq(inst.tag, '{%sWin32_Service}Win32_Service' % CV, 'Win32_Service Get: p:Win32_Service in the class namespace')
    t.eq(inst.get(XSI + 'type'), 'p:Win32_Service_Type', 'Win32_Service Get: xsi:type')
    t.eq((find(body, 'Name'), find(body, 'State'), find(body, 'StartMode')), ('WinRM', 'Running', 'Auto'),
         'Win32_Service Get: Name, State, StartMode')
    t.ok(b'<p:InstallDate xsi:nil="true"/>' in body, 'Win32_Service Get: null as xsi:nil')
    status, _, body = c.post(request(T + 'Get', '', selectors={'Name': 'NoSuchSvc'},
                                     resource_uri=CV + 'Win32_Service'))
    t.ok(status == 500 and b'a:DestinationUnreachable' in body and b'Code="2150858752"' in body,
         'Win32_Service Get of an unknown name: the WMI not-found fault', body[:300])
    t.ok(b'provider="WMI Provider"' in body and b'Win32_Service.Name="NoSuchSvc"' in body
         and b'<p:Operation xsi:type="cim:cimString">GetObject</p:Operation>' in body,
         'not-found fault: WMI ProviderFault with the GetObject extended status')
    status, _, body = c.post(request(T + 'Get', '', selectors={'Bogus': 'x'}, resource_uri=CV + 'Win32_Service'))
    t.ok(status == 500 and b'w:InvalidSelectors' in body, 'Win32_Service Get with a wrong key: InvalidSelectors')
    status, _, body = c.post(request(T + 'Get', '', selectors={'Name': 'x'}, resource_uri=CV + 'Win32_Nothing'))
    t.ok(status == 500 and b'a:DestinationUnreachable' in body and b'2150858811' in body,
         'Get of an unknown class: the catalog fault')

    # --- WQL enumeration ---------------------------------------------------------------------------
    items, rounds = run_query(c, "SELECT * FROM Win32_Service WHERE Name = 'WinRM'")
    t.eq([i.findtext('{%sWin32_Service}Name' % CV) for i in items], ['WinRM'], 'WQL WHERE Name: one service')
    t.eq(rounds, [1], 'WQL WHERE Name: one optimized Enumerate, no Pull')
    items, rounds = run_query(c, 'SELECT Name,State FROM Win32_Service')
    t.eq(len(items), 6, 'WQL SELECT Name,State: every service')
    t.eq(rounds, [2, 2, 2], 'WQL: MaxBatchItems 2 gives an Enumerate and two Pulls')
    t.eq({i.tag for i in items}, {W + 'XmlFragment'}, 'WQL with properties: w:XmlFragment items')
    t.eq([ch.tag for ch in items[0]], ['Name', 'State'], 'XmlFragment: only the selected, unprefixed properties')
    items, _ = run_query(c, "select name from win32_service where state = 'stopped' and startmode = 'Manual'")
    t.eq([i.findtext('Name') for i in items], ['W32Time'], 'WQL: keywords, names and values without case, AND')
    items, rounds = run_query(c, 'SELECT * FROM Win32_Service', optimize=False)
    t.eq((len(items), rounds), (6, [0, 2, 2, 2]), 'Enumerate without OptimizeEnumeration: items only by Pull')
    items, _ = run_query(c, None, uri=CV + 'Win32_Service')
    t.eq(len(items), 6, 'Enumerate of a class URI without a filter: every instance')
    for wql, why in (('SELECT * FROM Win32_Service WHERE Name LIKE \'W%\'', 'LIKE'),
                     ('SELECT FROM Win32_Service', 'no properties'),
                     ('SELECT Bogus FROM Win32_Service', 'an unknown property'),
                     ("SELECT * FROM Win32_Service WHERE Name = 'a' OR Name = 'b'", 'OR')):
        status, _, body = c.post(enumerate_req(wql))
        t.ok(status == 500 and b'n:CannotProcessFilter' in body and b'Code="2150858778"' in body,
             'WQL with %s: CannotProcessFilter' % why, body[:300])
    status, _, body = c.post(enumerate_req('SELECT * FROM Win32_Nothing'))
    t.ok(status == 500 and b'The specified class does not exist in the given namespace.' in body
         and b'<a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault</a:Action>' in body,
         'WQL on an unknown class: the recorded CannotProcessFilter fault')
    status, _, body = c.post(pull_req('uuid:00000000-0000-0000-0000-000000000000'))
    t.ok(status == 500 and b'n:InvalidEnumerationContext' in body, 'Pull with an unknown context: fault')
    status, _, body = c.post(enumerate_req('SELECT * FROM Win32_Service'))
    ctx = find(body, 'EnumerationContext')
    c.post(pull_req(ctx))
    status, _, body = c.post(pull_req(ctx))
    t.ok(status == 500 and b'n:InvalidEnumerationContext' in body, 'a context is spent once pulled')
    t.ok(sim.state()['wsman_actions'].get('Pull', 0) >= 8, 'state file counts Pull requests',
         sim.state()['wsman_actions'])

    # --- Win32_Share ------------------------------------------------------------------------------
    os.makedirs(os.path.join(sim.sandbox, 'data'), exist_ok=True)
    status, _, body = c.post(invoke_req('Win32_Share', 'Create',
                                        [('Path', 'C:\\data'), ('Name', 'data'), ('Type', '0')]))
    out = body_child(body)
    t.eq((status, out.tag), (200, '{%sWin32_Share}Create_OUTPUT' % CV), 'Win32_Share Create: p:Create_OUTPUT')
    t.eq(return_value(body), '0', 'Win32_Share Create: ReturnValue 0')
    t.ok(b'<a:Action>%sWin32_Share/CreateResponse</a:Action>' % CV.encode() in body,
         'Win32_Share Create: action <class>/CreateResponse')
    t.ok(any(s['Name'] == 'data' and s['Path'] == 'C:\\data' for s in sim.state()['shares']),
         'Win32_Share Create: the share is in the state file')
    status, _, body = c.post(invoke_req('Win32_Share', 'Create',
                                        [('Path', 'C:\\data'), ('Name', 'DATA'), ('Type', '0')]))
    t.eq(return_value(body), '22', 'Win32_Share Create of a duplicate name: 22')
    status, _, body = c.post(invoke_req('Win32_Share', 'Create',
                                        [('Path', 'C:\\nowhere'), ('Name', 'x'), ('Type', '0')]))
    t.eq(return_value(body), '24', 'Win32_Share Create of a missing directory: 24')
    status, _, body = c.post(invoke_req('Win32_Share', 'Create', [('Path', 'C:\\data'), ('Type', '0')]))
    t.eq(return_value(body), '21', 'Win32_Share Create without Name: 21')
    items, _ = run_query(c, "SELECT * FROM Win32_Share WHERE Name = 'data'")
    t.eq([i.findtext('{%sWin32_Share}Path' % CV) for i in items], ['C:\\data'], 'the new share is enumerable')
    status, _, body = c.post(request(T + 'Delete', '', selectors={'Name': 'data'}, resource_uri=CV + 'Win32_Share'))
    t.ok(status == 200 and b'transfer/DeleteResponse' in body, 'Win32_Share Delete: DeleteResponse')
    t.ok(not any(s['Name'] == 'data' for s in sim.state()['shares']), 'Win32_Share Delete: gone from the state')
    status, _, body = c.post(request(T + 'Delete', '', selectors={'Name': 'data'}, resource_uri=CV + 'Win32_Share'))
    t.ok(status == 500 and b'2150858752' in body, 'Win32_Share Delete of a missing share: not-found fault')

    # --- Win32_Process ----------------------------------------------------------------------------
    status, _, body = c.post(invoke_req('Win32_Process', 'Create', [('CommandLine', 'cmd /c echo made&gt; C:\\made.txt')]))
    t.eq((status, return_value(body)), (200, '0'), 'Win32_Process Create: ReturnValue 0')
    out = body_child(body)
    t.eq([ch.tag.split('}')[1] for ch in out], ['ProcessId', 'ReturnValue'], 'Create_OUTPUT: ProcessId, ReturnValue')
    deadline = time.monotonic() + 10
    made = os.path.join(sim.sandbox, 'made.txt')
    while time.monotonic() < deadline and sim.state()['processes'][-1]['ExitCode'] is None:
        time.sleep(0.1)
    t.ok(os.path.exists(made) and b'made' in open(made, 'rb').read(), 'Win32_Process Create: the command ran',
         sim.state()['processes'], os.listdir(sim.sandbox), open(made, 'rb').read())
    procs = sim.state()['processes']
    t.ok(procs and str(procs[-1]['ProcessId']) == find(body, 'ProcessId'), 'Win32_Process: recorded in the state')
    status, _, body = c.post(invoke_req('Win32_Process', 'Create', []))
    t.eq(return_value(body), '21', 'Win32_Process Create without CommandLine: 21')
    status, _, body = c.post(invoke_req('Win32_Service', 'Create', []))
    t.ok(status == 500 and b'a:ActionNotSupported' in body, 'an unsupported method: ActionNotSupported')
    c.close()
    t.done()


if __name__ == '__main__':
    main()
