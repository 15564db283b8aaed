#!/usr/bin/python3
"""The test server as a Nano Server 2016 host (--host-profile, tests/bootstrap/profiles):
every WS-Man request of docs/bootstrap.md, raw, against each profile: Win32_OperatingSystem,
StdRegProv.GetDWORDValue, Win32_Service (vmcompute, docker, StartService), accounts and
groups (WQL, references, Put), MSFT_NetFirewallRule (EPR mode, Enable), Win32_Share and
config/client, and the host state file."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import TOP, T, Shell, Sim, Tap, request  # noqa: E402
from wmi_resources import E, N, W, body_child, pull_req  # noqa: E402

WMI = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/'
CV = WMI + 'root/cimv2/'
SC = WMI + 'root/standardcimv2/'
RD = WMI + 'root/default/'
CFG = 'http://schemas.microsoft.com/wbem/wsman/1/config/client'
A = '{http://schemas.xmlsoap.org/ws/2004/08/addressing}'
PROFILES = os.path.join(TOP, 'tests', 'bootstrap', 'profiles')
FPS = '@FirewallAPI.dll,-28502'
FPS_RULES = ['FPS-SMB-In-TCP', 'FPS-SMB-Out-TCP', 'FPS-NB_Session-In-TCP', 'FPS-NB_Name-In-UDP',
             'FPS-NB_Datagram-In-UDP', 'FPS-ICMP4-ERQ-In', 'FPS-ICMP6-ERQ-In']
t = Tap()


class Host:
    """One simulator playing one profile, with a raw client."""

    def __init__(self, profile):
        self.profile = profile
        self.sim = Sim('--host-profile', os.path.join(PROFILES, profile + '.json'), '--computer-name', 'NANO01')
        self.c = self.sim.client()

    def stop(self):
        self.c.close()
        self.sim.stop()

    def query(self, wql, ns=CV, epr=False):
        """(items, status, body) of a whole WQL enumeration; items None on a fault."""
        mode = '<wsman:EnumerationMode>EnumerateObjectAndEPR</wsman:EnumerationMode>' if epr else ''
        filt = '<wsman:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">%s</wsman:Filter>' % wql
        body = ('<wsen:Enumerate xmlns:wsen="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
                '<wsman:OptimizeEnumeration/><wsman:MaxElements>2</wsman:MaxElements>%s%s</wsen:Enumerate>'
                % (mode, filt))
        status, _, reply = self.c.post(request(E + 'Enumerate', body, resource_uri=ns + '*'))
        if status != 200:
            return None, status, reply
        resp = body_child(reply)
        items = list(resp.find(W + 'Items'))
        ctx = (resp.findtext(N + 'EnumerationContext') or '').strip()
        end = resp.find(W + 'EndOfSequence') is not None
        for _ in range(50):
            if end or not ctx:
                break
            status, _, reply = self.c.post(pull_req(ctx, uri=ns + '*', max_elements=2))
            resp = body_child(reply)
            items += list(resp.find(N + 'Items'))
            ctx = (resp.findtext(N + 'EnumerationContext') or '').strip()
            end = resp.find(N + 'EndOfSequence') is not None
        return items, status, reply

    def get(self, cls, selectors, ns=CV):
        status, _, body = self.c.post(request(T + 'Get', '', selectors=selectors, resource_uri=ns + cls))
        return status, body

    def invoke(self, cls, method, params=(), selectors=None, ns=CV):
        inner = ''.join('<p:%s>%s</p:%s>' % (k, v, k) for k, v in params)
        body = '<p:%s_INPUT xmlns:p="%s%s">%s</p:%s_INPUT>' % (method, ns, cls, inner, method)
        status, _, reply = self.c.post(request(ns + cls + '/' + method, body, selectors=selectors,
                                               resource_uri=ns + cls))
        return status, reply

    def state(self):
        return self.sim.state()['host']


def prop(el, cls, name, ns=CV):
    return el.findtext('{%s%s}%s' % (ns, cls, name))


def out_values(body):
    el = body_child(body)
    return el.tag, [(c.tag.split('}')[1], c.text) for c in el]


def service_state(h, name):
    status, body = h.get('Win32_Service', {'Name': name})
    if status != 200:
        return None
    return prop(body_child(body), 'Win32_Service', 'State')


def epr_selectors(item):
    epr = item.find(A + 'EndpointReference')
    if epr is None:
        return None
    return {s.get('Name'): s.text or '' for s in epr.iter(W + 'Selector')}


def epr_selectors_of(epr):
    return {s.get('Name'): s.text or '' for s in epr.iter(W + 'Selector')}


def check_host_step(h, sku, ubr, vmcompute):
    items, _, _ = h.query('SELECT * FROM Win32_OperatingSystem')
    t.eq(len(items or []), 1, '%s: one Win32_OperatingSystem' % h.profile)
    if items:
        os_el = items[0]
        t.eq((prop(os_el, 'Win32_OperatingSystem', 'OperatingSystemSKU'),
              prop(os_el, 'Win32_OperatingSystem', 'BuildNumber'), prop(os_el, 'Win32_OperatingSystem', 'Version'),
              prop(os_el, 'Win32_OperatingSystem', 'CSName')),
             (str(sku), '14393', '10.0.14393', 'NANO01'), '%s: SKU, BuildNumber, Version, CSName' % h.profile)
        t.eq(prop(os_el, 'Win32_OperatingSystem', 'Caption'), 'Microsoft Windows Server 2016 Datacenter',
             '%s: Caption' % h.profile)
    status, body = h.invoke('StdRegProv', 'GetDWORDValue',
                            [('hDefKey', '2147483650'), ('sSubKeyName', 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'),
                             ('sValueName', 'UBR')], ns=RD)
    t.eq((status,) + out_values(body), (200, '{%sStdRegProv}GetDWORDValue_OUTPUT' % RD,
                                        [('uValue', str(ubr)), ('ReturnValue', '0')]),
         '%s: GetDWORDValue UBR: uValue %d, ReturnValue 0' % (h.profile, ubr))
    t.ok(b'<a:Action>%sStdRegProv/GetDWORDValueResponse</a:Action>' % RD.encode() in body,
         '%s: GetDWORDValue: action StdRegProv/GetDWORDValueResponse' % h.profile)
    t.eq(service_state(h, 'vmcompute'), 'Running' if vmcompute else None,
         '%s: vmcompute %s' % (h.profile, 'Running' if vmcompute else 'absent'))
    if not vmcompute:
        status, body = h.get('Win32_Service', {'Name': 'vmcompute'})
        t.ok(status == 500 and b'2150858752' in body and b'Win32_Service.Name="vmcompute"' in body,
             '%s: Get vmcompute: the WMI not-found fault' % h.profile, body[:400])


def check_firewall(h, enabled):
    items, status, body = h.query("SELECT * FROM MSFT_NetFirewallRule WHERE RuleGroup = '%s'" % FPS, ns=SC, epr=True)
    t.eq(status, 200, '%s: firewall WQL in EnumerateObjectAndEPR mode' % h.profile)
    items = items or []
    t.eq(sorted(prop(i.find('{%sMSFT_NetFirewallRule}MSFT_NetFirewallRule' % SC), 'MSFT_NetFirewallRule',
                     'InstanceID', SC) for i in items if i.tag == W + 'Item'), sorted(FPS_RULES),
         '%s: 7 w:Item, one per FPS rule' % h.profile)
    states = {}
    for i in items:
        inst = i.find('{%sMSFT_NetFirewallRule}MSFT_NetFirewallRule' % SC)
        if inst is not None:
            states[prop(inst, 'MSFT_NetFirewallRule', 'InstanceID', SC)] = prop(inst, 'MSFT_NetFirewallRule',
                                                                              'Enabled', SC)
    t.eq(set(states.values()), {'1' if enabled else '2'},
         '%s: every rule %s' % (h.profile, 'enabled (1)' if enabled else 'disabled (2)'))
    return items


def test_fresh():
    h = Host('fresh')
    try:
        check_host_step(h, 143, 2430, True)
        status, body = h.invoke('StdRegProv', 'GetDWORDValue',
                                [('hDefKey', '2147483650'), ('sSubKeyName', 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'),
                                 ('sValueName', 'NoSuchValue')], ns=RD)
        t.eq(out_values(body)[1], [('ReturnValue', '2')], 'GetDWORDValue of an unknown value: ReturnValue 2, no uValue')
        status, body = h.get('Win32_Service', {'Name': 'docker'})
        t.ok(status == 500 and b'a:DestinationUnreachable' in body, 'fresh: Get docker: not found')

        # admin-account
        items, _, _ = h.query('SELECT * FROM Win32_UserAccount WHERE LocalAccount=True')
        accounts = {prop(i, 'Win32_UserAccount', 'Name'): i for i in items or []}
        t.eq(sorted(accounts), ['Administrator', 'DefaultAccount', 'Guest'], 'fresh: three local accounts')
        adm = accounts.get('Administrator')
        t.ok(adm is not None and prop(adm, 'Win32_UserAccount', 'SID').endswith('-500')
             and prop(adm, 'Win32_UserAccount', 'SID').startswith('S-1-5-21-'), 'Administrator: SID ...-500')
        t.eq(tuple(prop(adm, 'Win32_UserAccount', p) for p in ('Domain', 'Disabled', 'Lockout', 'PasswordRequired',
                                                                 'LocalAccount')),
             ('NANO01', 'false', 'false', 'true', 'true'), 'Administrator: Domain, enabled, not locked, required')
        t.eq(prop(accounts['Guest'], 'Win32_UserAccount', 'Disabled'), 'true', 'Guest: disabled')
        items, _, _ = h.query("SELECT * FROM Win32_Group WHERE SID='S-1-5-32-544'")
        t.eq([(prop(i, 'Win32_Group', 'Name'), prop(i, 'Win32_Group', 'Domain')) for i in items or []],
             [('Administrators', 'NANO01')], 'Win32_Group by SID S-1-5-32-544: Administrators')
        items, status, body = h.query('SELECT * FROM Win32_GroupUser WHERE '
                                      'GroupComponent="Win32_Group.Domain=\'NANO01\',Name=\'Administrators\'"')
        t.ok(len(items or []) == 1, 'Win32_GroupUser of Administrators: one member', body[:500])
        if items:
            part = items[0].find('{%sWin32_GroupUser}PartComponent' % CV)
            t.eq(part.findtext(A + 'Address'), 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
                 'PartComponent: a:Address anonymous')
            t.eq(part.findtext('%sReferenceParameters/%sResourceURI' % (A, W)), CV + 'Win32_UserAccount',
                 'PartComponent: ResourceURI Win32_UserAccount')
            t.eq({s.get('Name'): s.text for s in part.iter(W + 'Selector')},
                 {'Domain': 'NANO01', 'Name': 'Administrator'}, 'PartComponent: selectors Domain, Name')
        items, _, _ = h.query('SELECT * FROM Win32_GroupUser WHERE '
                              'GroupComponent="Win32_Group.Domain=\'NANO01\',Name=\'Users\'"')
        t.eq(items, [], 'Win32_GroupUser of Users: nobody')

        # trusted-hosts
        status, _, body = h.c.post(request(T + 'Get', '', resource_uri=CFG))
        t.ok(status == 200 and b'<cfg:TrustedHosts></cfg:TrustedHosts>' in body, 'fresh: TrustedHosts empty')

        # firewall: EPRs, Enable on one, then the rest
        items = check_firewall(h, False)
        sels = [epr_selectors(i) for i in items]
        smb = next((s for s in sels if s and s.get('CreationClassName') == 'MSFT|FW|FirewallRule|FPS-SMB-In-TCP'), None)
        t.eq(smb, {'CreationClassName': 'MSFT|FW|FirewallRule|FPS-SMB-In-TCP', 'PolicyRuleName': '',
                   'SystemCreationClassName': '', 'SystemName': ''}, 'FPS-SMB-In-TCP EPR: the four selectors')
        epr = items[0].find(A + 'EndpointReference') if items else None
        t.eq(epr.findtext('%sReferenceParameters/%sResourceURI' % (A, W)) if epr is not None else None,
             SC + 'MSFT_NetFirewallRule', 'EPR ResourceURI: root/standardcimv2/MSFT_NetFirewallRule')
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable', selectors=smb, ns=SC)
        t.eq((status,) + out_values(body), (200, '{%sMSFT_NetFirewallRule}Enable_OUTPUT' % SC,
                                            [('ReturnValue', '0')]), 'Enable on the SMB-In EPR: ReturnValue 0')
        t.eq(h.state()['firewall_rules']['FPS-SMB-In-TCP'], 1, 'the rule is enabled in the host state')
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable', selectors={'CreationClassName': 'x'}, ns=SC)
        t.ok(status == 500 and b'w:InvalidSelectors' in body, 'Enable without the four selectors: InvalidSelectors')
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable', selectors=dict(smb, CreationClassName='MSFT|FW|FirewallRule|Nope'), ns=SC)
        t.ok(status == 500 and b'2150858752' in body, 'Enable on an unknown rule: not-found fault')
        for s in sels:
            if s:
                h.invoke('MSFT_NetFirewallRule', 'Enable', selectors=s, ns=SC)
        check_firewall(h, True)
        items, status, body = h.query("SELECT * FROM MSFT_NetFirewallRule WHERE RuleGroup = '%s'" % FPS)
        t.ok(status == 500 and b'CannotProcessFilter' in body, 'MSFT_NetFirewallRule in root/cimv2: not found')
        filt = ('<wsman:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">SELECT * FROM '
                "MSFT_NetFirewallRule WHERE InstanceID = 'FPS-SMB-In-TCP'</wsman:Filter>")
        status, _, body = h.c.post(request(E + 'Enumerate', '<wsen:Enumerate xmlns:wsen="http://schemas.xmlsoap.org/ws/'
                                           '2004/09/enumeration"><wsman:OptimizeEnumeration/><wsman:EnumerationMode>'
                                           'EnumerateEPR</wsman:EnumerationMode>%s</wsen:Enumerate>' % filt,
                                           resource_uri=SC + '*'))
        got = list(body_child(body).find(W + 'Items')) if status == 200 else []
        t.eq([(i.tag, epr_selectors_of(i).get('CreationClassName')) for i in got],
             [(A + 'EndpointReference', 'MSFT|FW|FirewallRule|FPS-SMB-In-TCP')], 'EnumerateEPR: the reference alone')

        # share
        status, body = h.get('Win32_Share', {'Name': 'Share'})
        t.ok(status == 500 and b'Win32_Share.Name="Share"' in body, 'fresh: no Share')
        status, body = h.invoke('Win32_Share', 'Create', [('Path', 'C:\\Share'), ('Name', 'Share'), ('Type', '0'),
                                                          ('Description', 'nanosh')])
        t.eq(out_values(body)[1], [('ReturnValue', '24')], 'Create with a missing directory: 24')

        # Put of Win32_UserAccount
        status, body = h.get('Win32_UserAccount', {'Domain': 'NANO01', 'Name': 'Administrator'})
        t.eq((status, prop(body_child(body), 'Win32_UserAccount', 'PasswordRequired')), (200, 'true'),
             'Get Win32_UserAccount by Domain and Name')
        status, body = h.get('Win32_UserAccount', {'Name': 'Administrator'})
        t.ok(status == 500 and b'w:InvalidSelectors' in body, 'Get Win32_UserAccount by Name alone: InvalidSelectors')
    finally:
        h.stop()


def put_account(h, name, required):
    body = ('<p:Win32_UserAccount xmlns:p="%sWin32_UserAccount"><p:Domain>NANO01</p:Domain><p:Name>%s</p:Name>'
            '<p:PasswordRequired>%s</p:PasswordRequired><p:SID>S-1-5-bogus</p:SID></p:Win32_UserAccount>'
            % (CV, name, 'true' if required else 'false'))
    status, _, reply = h.c.post(request(T + 'Put', body, selectors={'Domain': 'NANO01', 'Name': name},
                                        resource_uri=CV + 'Win32_UserAccount'))
    return status, reply


def test_password_not_required():
    h = Host('password-not-required')
    try:
        items, _, _ = h.query('SELECT * FROM Win32_UserAccount WHERE LocalAccount=True')
        adm = next(i for i in items if prop(i, 'Win32_UserAccount', 'Name') == 'Administrator')
        t.eq(prop(adm, 'Win32_UserAccount', 'PasswordRequired'), 'false', 'password-not-required: PasswordRequired false')
        status, body = put_account(h, 'Administrator', True)
        t.ok(status == 200 and b'transfer/PutResponse' in body, 'Put Win32_UserAccount: PutResponse', body[:400])
        inst = body_child(body)
        t.eq((prop(inst, 'Win32_UserAccount', 'PasswordRequired'), prop(inst, 'Win32_UserAccount', 'SID')[-4:]),
             ('true', '-500'), 'PutResponse: the instance after, SID unchanged (read-only)')
        adm = next(a for a in h.state()['accounts'] if a['Name'] == 'Administrator')
        t.eq(adm['PasswordRequired'], True, 'the host state has PasswordRequired true')
        status, body = put_account(h, 'Nobody', True)
        t.ok(status == 500 and b'2150858752' in body, 'Put of an unknown account: not-found fault')
    finally:
        h.stop()


def test_configured():
    h = Host('configured')
    try:
        check_host_step(h, 143, 2430, True)
        check_firewall(h, True)
        status, _, body = h.c.post(request(T + 'Get', '', resource_uri=CFG))
        t.ok(b'<cfg:TrustedHosts>*</cfg:TrustedHosts>' in body, 'configured: TrustedHosts *')
        status, body = h.get('Win32_Share', {'Name': 'share'})
        t.eq((status, prop(body_child(body), 'Win32_Share', 'Path')), (200, 'C:\\Share'),
             'configured: Share -> C:\\Share (Get without regard to case)')
        t.ok(os.path.isdir(os.path.join(h.sim.sandbox, 'Share')), 'configured: C:\\Share exists in the sandbox')
        t.eq(service_state(h, 'docker'), 'Running', 'configured: docker Running')
        status, body = h.get('Win32_Service', {'Name': 'docker'})
        inst = body_child(body)
        t.eq((prop(inst, 'Win32_Service', 'StartMode'), prop(inst, 'Win32_Service', 'PathName'),
              prop(inst, 'Win32_Service', 'DisplayName')),
             ('Auto', 'C:\\Windows\\System32\\dockerd.exe --run-service', 'Docker Engine'), 'docker: as registered')
        status, body = h.invoke('Win32_Service', 'StartService', selectors={'Name': 'docker'})
        t.eq(out_values(body), ('{%sWin32_Service}StartService_OUTPUT' % CV, [('ReturnValue', '10')]),
             'StartService of a running service: 10')
    finally:
        h.stop()


def test_partial():
    h = Host('partial')
    try:
        check_firewall(h, True)
        status, _, body = h.c.post(request(T + 'Get', '', resource_uri=CFG))
        t.ok(b'<cfg:TrustedHosts>*</cfg:TrustedHosts>' in body, 'partial: TrustedHosts *')
        status, body = h.get('Win32_Share', {'Name': 'Share'})
        t.eq(status, 500, 'partial: no Share')
        t.eq(service_state(h, 'docker'), None, 'partial: no docker service')
    finally:
        h.stop()


def test_small_profiles():
    for profile, sku, ubr, vmc in (('no-containers', 143, 2430, False), ('old-ubr', 143, 0, True),
                                   ('not-nano', 7, 2430, True)):
        h = Host(profile)
        try:
            check_host_step(h, sku, ubr, vmc)
        finally:
            h.stop()


def test_firewall_profiles():
    h = Host('firewall-broken')
    try:
        items = check_firewall(h, False)
        sel = epr_selectors(items[0]) if items else {}
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable', selectors=sel, ns=SC)
        t.ok(status == 500 and b'w:InternalError' in body and b'2147749889' in body,
             'firewall-broken: Enable faults (WMI generic failure)', body[:500])
        t.eq(set(h.state()['firewall_rules'].values()), {2}, 'firewall-broken: nothing enabled')
    finally:
        h.stop()
    h = Host('firewall-enable-returns')
    try:
        items = check_firewall(h, False)
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable', selectors=epr_selectors(items[0]), ns=SC)
        t.eq((status, out_values(body)[1]), (200, [('ReturnValue', '5')]), 'firewall-enable-returns: ReturnValue 5')
        t.eq(set(h.state()['firewall_rules'].values()), {2}, 'firewall-enable-returns: nothing enabled')
    finally:
        h.stop()
    h = Host('firewall-netsh-only')
    try:
        items, status, body = h.query("SELECT * FROM MSFT_NetFirewallRule WHERE RuleGroup = '%s'" % FPS,
                                      ns=SC, epr=True)
        t.ok(status == 500 and b'n:CannotProcessFilter' in body, 'firewall-netsh-only: the WQL faults')
        status, body = h.invoke('MSFT_NetFirewallRule', 'Enable',
                                selectors={'CreationClassName': 'MSFT|FW|FirewallRule|FPS-SMB-In-TCP',
                                           'PolicyRuleName': '', 'SystemCreationClassName': '', 'SystemName': ''},
                                ns=SC)
        t.ok(status == 500 and b'w:DestinationUnreachable' in body or b'InvalidResourceURI' in body,
             'firewall-netsh-only: Enable faults', body[:300])
    finally:
        h.stop()


def test_accounts_profiles():
    h = Host('nonbuiltin-admin')
    try:
        items, _, _ = h.query('SELECT * FROM Win32_GroupUser WHERE '
                              'GroupComponent="Win32_Group.Domain=\'NANO01\',Name=\'Administrators\'"')
        names = sorted(next(s.text for s in i.find('{%sWin32_GroupUser}PartComponent' % CV).iter(W + 'Selector')
                            if s.get('Name') == 'Name') for i in items or [])
        t.eq(names, ['Administrator', 'deploy'], 'nonbuiltin-admin: deploy is in Administrators')
        items, _, _ = h.query("SELECT * FROM Win32_UserAccount WHERE LocalAccount=True AND Name='deploy'")
        t.eq([prop(i, 'Win32_UserAccount', 'SID')[-5:] for i in items or []], ['-1001'], 'deploy: RID 1001')
    finally:
        h.stop()


def test_service_profiles():
    for profile, want_rv in (('service-wont-start', '8'), ('service-stays-stopped', '0')):
        h = Host(profile)
        try:
            # the docker service as dockerd --register-service leaves it, through the host model
            os.makedirs(os.path.join(h.sim.sandbox, 'Windows', 'System32'), exist_ok=True)
            with open(os.path.join(h.sim.sandbox, 'Windows', 'System32', 'dockerd.exe'), 'w') as f:
                f.write('nanosh-standin-docker 17.06.2-ee-16\nbuild 9ef4f0a\nprogram dockerd\n')
            sh = Shell(h.c)
            out, err, code, _ = sh.run('C:\\Windows\\System32\\dockerd.exe', '--register-service')
            t.eq(code, 0, '%s: dockerd --register-service' % profile)
            status, body = h.invoke('Win32_Service', 'StartService', selectors={'Name': 'docker'})
            t.eq(out_values(body)[1], [('ReturnValue', want_rv)], '%s: StartService returns %s' % (profile, want_rv))
            t.eq(service_state(h, 'docker'), 'Stopped', '%s: docker stays Stopped' % profile)
        finally:
            h.stop()


def test_slow_start():
    import time
    h = Host('service-slow-start')
    try:
        os.makedirs(os.path.join(h.sim.sandbox, 'Windows', 'System32'), exist_ok=True)
        with open(os.path.join(h.sim.sandbox, 'Windows', 'System32', 'dockerd.exe'), 'w') as f:
            f.write('nanosh-standin-docker 17.06.2-ee-16\nbuild 9ef4f0a\nprogram dockerd\n')
        t.eq(Shell(h.c).run('C:\\Windows\\System32\\dockerd.exe', '--register-service')[2], 0,
             'service-slow-start: registered')
        status, body = h.invoke('Win32_Service', 'StartService', selectors={'Name': 'docker'})
        t.eq(out_values(body)[1], [('ReturnValue', '0')], 'service-slow-start: StartService 0')
        t.eq(service_state(h, 'docker'), 'Start Pending', 'service-slow-start: Start Pending at first')
        states = []
        for _ in range(20):          # at most 10 s
            states.append(service_state(h, 'docker'))
            if states[-1] == 'Running':
                break
            time.sleep(0.5)
        t.ok(states[-1] == 'Running' and len(states) >= 4, 'service-slow-start: Running after about 3 s', states)
    finally:
        h.stop()


def main():
    test_fresh()
    test_password_not_required()
    test_configured()
    test_partial()
    test_small_profiles()
    test_firewall_profiles()
    test_accounts_profiles()
    test_service_profiles()
    test_slow_start()
    t.done()


if __name__ == '__main__':
    main()
