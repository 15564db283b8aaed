"""The simulated host's own state behind the WMI classes and the programs the
bootstrap steps use (docs/bootstrap.md): Win32_OperatingSystem, the registry
values StdRegProv reads, local accounts and groups, the "File and Printer
Sharing" firewall rules, and the services (built-in, vmcompute, docker).
It starts from a host profile (host_profile.py) and changes only through the
operations below; state() is its JSON form for the state files, deterministic
(sorted, no clocks), so a test can compare it before and after `--plan`.

Shares stay in wmi_methods.Shares and TrustedHosts in config_provider; the
service puts all of them together (wsman_service.Service.host_state).
"""
import hashlib
import os
import threading
import time

import docker_standin
import wmi_services

FPS_GROUP = '@FirewallAPI.dll,-28502'
FPS_DISPLAY_GROUP = 'File and Printer Sharing'
# InstanceID, DisplayName suffix, Direction (1 In, 2 Out), protocol word (NANO.md 2.4)
FPS_RULES = [
    ('FPS-SMB-In-TCP', 'SMB-In', 1), ('FPS-SMB-Out-TCP', 'SMB-Out', 2),
    ('FPS-NB_Session-In-TCP', 'NB-Session-In', 1), ('FPS-NB_Name-In-UDP', 'NB-Name-In', 1),
    ('FPS-NB_Datagram-In-UDP', 'NB-Datagram-In', 1), ('FPS-ICMP4-ERQ-In', 'Echo Request - ICMPv4-In', 1),
    ('FPS-ICMP6-ERQ-In', 'Echo Request - ICMPv6-In', 1),
]
ENABLED, DISABLED = 1, 2              # MSFT_NetFirewallRule.Enabled (NANO.md 2.4)
GROUPS = [('Administrators', 'S-1-5-32-544', 'Administrators have complete and unrestricted access to the '
           'computer/domain'),
          ('Guests', 'S-1-5-32-546', 'Guests have the same access as members of the Users group by default, '
           'except for the Guest account which is further restricted'),
          ('Users', 'S-1-5-32-545', 'Users are prevented from making accidental or intentional system-wide '
           'changes and can run most applications')]
HKLM = 2147483650
POLICIES_SYSTEM = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System'
# Win32_Service.StartService return codes (NANO.md 2.3)
START_OK, START_NOT_FOUND_PATH, START_RUNNING, START_DISABLED = 0, 9, 10, 14
ERROR_PROCESS_ABORTED = 1067
# Files and directories bootstrap makes, watched in the host state (besides the shares' paths).
WATCHED = ('C:\\Windows\\System32\\docker.exe', 'C:\\Windows\\System32\\dockerd.exe', 'C:\\Share')
WIN2016_REFUSED = ('this version of Windows does not support the docker daemon '
                   '(Windows build 17763 or higher is required)')


class HostModel:
    def __init__(self, profile, computer_name, sandbox):
        self.profile, self.computer_name, self.sandbox = profile, computer_name, sandbox
        self.lock = threading.RLock()
        self.os = dict(profile['os'])
        self.registry = {k: dict(v) for k, v in profile['registry'].items()}
        self.accounts = [dict(a, Groups=list(a['Groups'])) for a in profile['accounts']]
        fw = profile['firewall']
        on = fw['enabled']
        self.firewall = {rid: (ENABLED if on is True or (isinstance(on, list) and rid in on) else DISABLED)
                         for rid, _, _ in FPS_RULES}
        self.firewall_faults = {k: fw[k] for k in ('class', 'enable', 'netsh')}
        self.services = wmi_services.builtin_records()
        for name in wmi_services.TEMPLATES:       # a fixed order, whatever the profile's
            if name in profile['services']:
                self.services.append(wmi_services.record_from_template(name, profile['services'][name]))
        self.service_faults = profile['service_faults']
        self.next_pid = 5120
        self.last_errors = {}                  # service name -> why its process ended (state only)
        self.hash_cache = {}                   # host path -> ((size, mtime_ns), sha256)
        self.pending = {}                      # service name -> monotonic time its start ends

    # --- state --------------------------------------------------------------------------------
    def state(self):
        with self.lock:
            return {'os': dict(self.os), 'registry': {k: dict(v) for k, v in self.registry.items()},
                    'accounts': [dict(a) for a in self.accounts],
                    'firewall_rules': dict(self.firewall),
                    'services': [{k: r[k] for k in ('Name', 'PathName', 'ProcessId', 'StartMode', 'ExitCode')}
                                 for r in self.services],
                    'service_errors': dict(self.last_errors)}

    def files(self, extra=()):
        """What is at each watched Windows path: None, {'type': 'dir'} or {'type': 'file',
        'size', 'sha256'} (hashed again only when size or mtime change)."""
        out = {}
        for win in sorted(set(WATCHED) | set(extra), key=str.lower):
            try:
                host = self.sandbox.to_host(win)
                st = os.stat(host)
            except Exception:
                out[win] = None
                continue
            if os.path.isdir(host):
                out[win] = {'type': 'dir'}
                continue
            key = (st.st_size, st.st_mtime_ns)
            cached = self.hash_cache.get(host)
            if cached is None or cached[0] != key:
                h = hashlib.sha256()
                try:
                    with open(host, 'rb') as f:
                        for block in iter(lambda: f.read(1 << 20), b''):
                            h.update(block)
                except OSError:
                    out[win] = None
                    continue
                cached = self.hash_cache[host] = (key, h.hexdigest().upper())
            out[win] = {'type': 'file', 'size': st.st_size, 'sha256': cached[1]}
        return out

    # --- Win32_OperatingSystem ---------------------------------------------------------------
    OS_PROPERTIES = ('BootDevice', 'BuildNumber', 'BuildType', 'Caption', 'CodeSet', 'CountryCode',
                     'CreationClassName', 'CSCreationClassName', 'CSName', 'CurrentTimeZone', 'Locale',
                     'Manufacturer', 'Name', 'OperatingSystemSKU', 'Organization', 'OSArchitecture',
                     'OSLanguage', 'OSProductSuite', 'OSType', 'ProductType', 'RegisteredUser',
                     'SerialNumber', 'ServicePackMajorVersion', 'ServicePackMinorVersion', 'Status',
                     'SystemDirectory', 'SystemDrive', 'Version', 'WindowsDirectory')

    def os_instances(self):
        o = self.os
        values = {'BootDevice': '\\Device\\HarddiskVolume1', 'BuildNumber': str(o['BuildNumber']),
                  'BuildType': 'Multiprocessor Free', 'Caption': o['Caption'], 'CodeSet': '1252',
                  'CountryCode': '1', 'CreationClassName': 'Win32_OperatingSystem',
                  'CSCreationClassName': 'Win32_ComputerSystem', 'CSName': self.computer_name.upper(),
                  'CurrentTimeZone': 0, 'Locale': '0409', 'Manufacturer': 'Microsoft Corporation',
                  'Name': '%s|C:\\Windows|\\Device\\Harddisk0\\Partition2' % o['Caption'],
                  'OperatingSystemSKU': int(o['OperatingSystemSKU']), 'Organization': '',
                  'OSArchitecture': '64-bit', 'OSLanguage': 1033, 'OSProductSuite': 400, 'OSType': 18,
                  'ProductType': 3, 'RegisteredUser': '', 'SerialNumber': '00376-40000-00000-AA947',
                  'ServicePackMajorVersion': 0, 'ServicePackMinorVersion': 0, 'Status': 'OK',
                  'SystemDirectory': 'C:\\Windows\\system32', 'SystemDrive': 'C:', 'Version': o['Version'],
                  'WindowsDirectory': 'C:\\Windows'}
        return [[(p, values[p]) for p in self.OS_PROPERTIES]]

    def build(self):
        try:
            return int(self.os['BuildNumber'])
        except ValueError:
            return 0

    # --- StdRegProv -----------------------------------------------------------------------------
    def get_dword(self, hive, key, name):
        """(ReturnValue, value or None): 0 and the value, 2 (ERROR_FILE_NOT_FOUND) for a key or
        value that is not there, as StdRegProv returns the Win32 error."""
        if hive != HKLM:
            return 2, None
        with self.lock:
            for k, values in self.registry.items():
                if k.lower() == key.strip('\\').lower():
                    for n, v in values.items():
                        if n.lower() == name.lower():
                            return 0, int(v)
        return 2, None

    # --- accounts and groups -------------------------------------------------------------------
    ACCOUNT_PROPERTIES = ('AccountType', 'Caption', 'Description', 'Disabled', 'Domain', 'FullName',
                          'InstallDate', 'LocalAccount', 'Lockout', 'Name', 'PasswordChangeable',
                          'PasswordExpires', 'PasswordRequired', 'SID', 'SIDType', 'Status')
    GROUP_PROPERTIES = ('Caption', 'Description', 'Domain', 'InstallDate', 'LocalAccount', 'Name', 'SID',
                        'SIDType', 'Status')

    def domain(self):
        return self.computer_name.upper()

    def account_pairs(self, a):
        values = {'AccountType': 512, 'Caption': '%s\\%s' % (self.domain(), a['Name']),
                  'Description': a['Description'], 'Disabled': a['Disabled'], 'Domain': self.domain(),
                  'FullName': a['FullName'], 'InstallDate': None, 'LocalAccount': True, 'Lockout': a['Lockout'],
                  'Name': a['Name'], 'PasswordChangeable': True, 'PasswordExpires': False,
                  'PasswordRequired': a['PasswordRequired'], 'SID': '%s-%d' % (self.profile['machine_sid'], a['RID']),
                  'SIDType': 1, 'Status': 'Degraded' if a['Disabled'] else 'OK'}
        return [(p, values[p]) for p in self.ACCOUNT_PROPERTIES]

    def account_instances(self):
        with self.lock:
            return [self.account_pairs(a) for a in self.accounts]

    def group_instances(self):
        out = []
        for name, sid, desc in GROUPS:
            values = {'Caption': '%s\\%s' % (self.domain(), name), 'Description': desc, 'Domain': self.domain(),
                      'InstallDate': None, 'LocalAccount': True, 'Name': name, 'SID': sid, 'SIDType': 4,
                      'Status': 'OK'}
            out.append([(p, values[p]) for p in self.GROUP_PROPERTIES])
        return out

    def memberships(self):
        """[(group name, account name)] in group then account order."""
        with self.lock:
            return [(g, a['Name']) for g, _, _ in GROUPS for a in self.accounts if g in a['Groups']]

    def logon_refused(self, user):
        """Why a network logon of user that authenticated is still refused, or None: a
        disabled or locked-out account, or a local administrator other than the built-in
        one while LocalAccountTokenFilterPolicy is not 1 (remote UAC filters its token,
        so WinRM's RootSDDL refuses it; NANO.md 3).  Only accounts of the host profile
        are judged; the logon accounts of --accounts that the profile does not list pass."""
        domain, _, name = user.rpartition('\\')
        if domain and domain.lower() not in (self.domain().lower(), '.'):
            return None
        with self.lock:
            a = next((a for a in self.accounts if a['Name'].lower() == name.lower()), None)
            if a is None:
                return None
            if a['Disabled'] or a['Lockout']:
                return 'the account is disabled or locked out'
            if 'Administrators' in a['Groups'] and a['RID'] != 500:
                code, value = self.get_dword(HKLM, POLICIES_SYSTEM, 'LocalAccountTokenFilterPolicy')
                if code != 0 or value != 1:
                    return 'remote UAC: a local administrator other than the built-in one, ' \
                           'LocalAccountTokenFilterPolicy is not 1'
        return None

    def put_account(self, domain, name, changes):
        """Put of Win32_UserAccount: the writable properties changed; None when no such account."""
        with self.lock:
            if domain.lower() != self.domain().lower():
                return None
            a = next((a for a in self.accounts if a['Name'].lower() == name.lower()), None)
            if a is None:
                return None
            for prop, value in changes.items():
                a[prop] = value
            return self.account_pairs(a)

    # --- firewall ---------------------------------------------------------------------------------
    RULE_PROPERTIES = ('Action', 'Caption', 'CommonName', 'ConditionListType', 'CreationClassName',
                       'Description', 'Direction', 'DisplayGroup', 'DisplayName', 'EdgeTraversalPolicy',
                       'ElementName', 'Enabled', 'EnforcementStatus', 'InstanceID', 'LocalOnlyMapping',
                       'LooseSourceMapping', 'Mandatory', 'Owner', 'Platform', 'PolicyDecisionStrategy',
                       'PolicyKeywords', 'PolicyRuleName', 'PolicyStoreSource', 'PolicyStoreSourceType',
                       'PrimaryStatus', 'Profiles', 'RuleGroup', 'RuleUsage', 'SecondaryStatus', 'SequencedActions',
                       'Status', 'StatusCode', 'SystemCreationClassName', 'SystemName')

    def rule_instances(self):
        out = []
        with self.lock:
            for i, (rid, label, direction) in enumerate(FPS_RULES):
                display = 'File and Printer Sharing (%s)' % label
                values = {'Action': 2, 'Caption': None, 'CommonName': None, 'ConditionListType': 3,
                          'CreationClassName': 'MSFT|FW|FirewallRule|' + rid,
                          'Description': '@FirewallAPI.dll,-%d' % (28504 + 2 * i), 'Direction': direction,
                          'DisplayGroup': FPS_DISPLAY_GROUP, 'DisplayName': display, 'EdgeTraversalPolicy': 0,
                          'ElementName': '@FirewallAPI.dll,-%d' % (28502 + 2 * i + 1), 'Enabled': self.firewall[rid],
                          'EnforcementStatus': [0], 'InstanceID': rid, 'LocalOnlyMapping': False,
                          'LooseSourceMapping': False, 'Mandatory': None, 'Owner': None, 'Platform': [],
                          'PolicyDecisionStrategy': 2, 'PolicyKeywords': None, 'PolicyRuleName': '',
                          'PolicyStoreSource': 'PersistentStore', 'PolicyStoreSourceType': 1, 'PrimaryStatus': 1,
                          'Profiles': 0, 'RuleGroup': FPS_GROUP, 'RuleUsage': None, 'SecondaryStatus': None,
                          'SequencedActions': 3, 'Status': 'The rule was parsed successfully from the store. (65536)',
                          'StatusCode': 65536, 'SystemCreationClassName': '', 'SystemName': ''}
                out.append([(p, values[p]) for p in self.RULE_PROPERTIES])
        return out

    def set_rule(self, rid, enabled):
        """Enable/Disable of one rule; False for a rule that is not there."""
        with self.lock:
            key = next((k for k in self.firewall if k.lower() == rid.lower()), None)
            if key is None:
                return False
            self.firewall[key] = ENABLED if enabled else DISABLED
            return True

    def netsh_set_group(self, group, enabled):
        """netsh advfirewall firewall set rule group=G new enable=yes|no: (exit code, output)."""
        if self.firewall_faults['netsh'] == 'fail':
            return 1, ('An error occurred while attempting to contact the Windows Firewall service. Make sure '
                       'that the service is running and try your request again.\n')
        if group.lower() not in (FPS_GROUP.lower(), FPS_DISPLAY_GROUP.lower()):
            return 1, '\nNo rules match the specified criteria.\n\n'
        with self.lock:
            for rid in self.firewall:
                self.firewall[rid] = ENABLED if enabled else DISABLED
        return 0, '\nUpdated %d rule(s).\nOk.\n\n' % len(self.firewall)

    # --- services ---------------------------------------------------------------------------------
    def service(self, name):
        with self.lock:
            return next((r for r in self.services if r['Name'].lower() == (name or '').lower()), None)

    def service_instances(self):
        with self.lock:
            return [self.with_pending(wmi_services.pairs(r, self.computer_name)) for r in self.services]

    def with_pending(self, pairs):
        """A service still starting (service_faults start_seconds): State 'Start Pending',
        Started false, as the SCM reports until the service says it runs."""
        name = dict(pairs)['Name']
        until = self.pending.get(name)
        if until is None:
            return pairs
        if time.monotonic() >= until:
            del self.pending[name]
            return pairs
        return [(p, 'Start Pending' if p == 'State' else False if p == 'Started' else v) for p, v in pairs]

    def register_docker(self, dockerd_path):
        """dockerd --register-service: False when a docker service is there already."""
        with self.lock:
            if self.service('docker') is not None:
                return False
            rec = wmi_services.record_from_template('docker', {'State': 'Stopped'})
            rec['PathName'] = '%s --run-service' % (('"%s"' % dockerd_path) if ' ' in dockerd_path else dockerd_path)
            self.services.append(rec)
            return True

    def start_service(self, name):
        """Win32_Service.StartService: the ReturnValue, or None when there is no such service."""
        with self.lock:
            rec = self.service(name)
            if rec is None:
                return None
            fault = self.service_faults.get(rec['Name'].lower(), {})
            if rec['ProcessId']:
                return START_RUNNING
            if 'StartService' in fault:
                return int(fault['StartService'])
            if rec['StartMode'] == 'Disabled':
                return START_DISABLED
            if rec['Name'].lower() == 'docker':
                why = self.docker_start_problem(rec)
                if why == 'path':
                    return START_NOT_FOUND_PATH
                if why:
                    rec['ExitCode'] = ERROR_PROCESS_ABORTED
                    self.last_errors[rec['Name']] = why
                    return START_OK
            if fault.get('stays_stopped'):
                rec['ExitCode'] = ERROR_PROCESS_ABORTED
                self.last_errors[rec['Name']] = 'the service process exited at once'
                return START_OK
            rec['ProcessId'] = self.next_pid
            self.next_pid += 4
            rec['ExitCode'] = 0
            self.last_errors.pop(rec['Name'], None)
            if fault.get('start_seconds'):
                # 'Start Pending' until then (a Get shows it; the host state does not, having no clock)
                self.pending[rec['Name']] = time.monotonic() + float(fault['start_seconds'])
            return START_OK

    def stop_service(self, name):
        with self.lock:
            rec = self.service(name)
            if rec is None:
                return None
            if not rec['ProcessId']:
                return 5                       # the service cannot accept control messages
            rec['ProcessId'], rec['ExitCode'] = 0, 0
            return 0

    def docker_start_problem(self, rec):
        """Why dockerd, started as the service, exits at once ('' when it runs); 'path' when
        its executable is missing."""
        exe = service_executable(rec['PathName'])
        try:
            host = self.sandbox.to_host(exe)
        except Exception:
            return 'path'
        if not os.path.isfile(host):
            return 'path'
        info = docker_standin.read(host)
        if info is None:
            return 'not a stand-in dockerd.exe: the simulator cannot run it'
        if docker_standin.major(info['version']) >= 23 and self.build() < 17763:
            return WIN2016_REFUSED
        if self.service('vmcompute') is None:
            return ('Error initializing network controller: Failed to load vmcompute.dll: '
                    'The specified module could not be found.')
        return ''

    def docker_running_version(self):
        """The engine version the running docker service answers with, or None."""
        with self.lock:
            rec = self.service('docker')
            if rec is None or not rec['ProcessId']:
                return None
            try:
                info = docker_standin.read(self.sandbox.to_host(service_executable(rec['PathName'])))
            except Exception:
                info = None
            return info['version'] if info else None


def service_executable(path_name):
    """The executable of a service's PathName: quoted, or up to the first blank."""
    path_name = path_name.strip()
    if path_name.startswith('"'):
        return path_name[1:].split('"', 1)[0]
    return path_name.split(' ', 1)[0]
