"""Host profiles: the starting state of the host the test server plays
(winrm_sim.py --host-profile FILE.json), so that one server can be many hosts:
a fresh Nano Server 2016, one partly configured, one broken in one way
(docs/bootstrap.md; tests/bootstrap/profiles/*.json).

A profile is one JSON object.  Every key is optional; a key left out keeps the
default host, which is the server as it was before profiles (no --host-profile):
the six built-in services of wmi_services.py, the admin shares, TrustedHosts '',
and the defaults below for what that server did not have.

  "description"    free text, ignored.
  "os"             Win32_OperatingSystem values: {"OperatingSystemSKU": 143,
                   "BuildNumber": "14393", "Version": "10.0.14393",
                   "Caption": "Microsoft Windows Server 2016 Datacenter"}
                   (defaults: these; CSName is --computer-name).
  "registry"       DWORD values StdRegProv.GetDWORDValue reads, under HKLM:
                   {"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion": {"UBR": 2430}}
                   (default: that key with UBR 2430).  Key paths and value names
                   are compared without regard to case.
  "machine_sid"    the S-1-5-21-... prefix of local account SIDs.
  "accounts"       local accounts (Win32_UserAccount, Domain = --computer-name):
                   [{"Name": "Administrator", "RID": 500, "Disabled": false,
                     "Lockout": false, "PasswordRequired": true,
                     "Groups": ["Administrators"]}, ...]
                   Groups are names of the local groups Administrators (S-1-5-32-544),
                   Users (-545) and Guests (-546).  Default: Administrator (500,
                   enabled, PasswordRequired, Administrators), Guest (501, disabled,
                   not required, Guests), DefaultAccount (503, disabled, not required).
                   A profile's list replaces the default one.  The accounts file of
                   --accounts (who may log on, with which password) is separate: a test
                   lists an account in both when it logs on with it.  A logon of a
                   profile account that authenticates is still refused (401, as a wrong
                   password) when the account is disabled or locked out, or when it is a
                   local administrator other than RID 500 and the registry has no DWORD
                   LocalAccountTokenFilterPolicy = 1 under
                   SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System (remote UAC,
                   NANO.md 3).  Accounts the profile does not list are not judged.
  "firewall"       the "File and Printer Sharing" group (@FirewallAPI.dll,-28502) of
                   MSFT_NetFirewallRule, its 7 rules (NANO.md 2.4):
                   {"enabled": false | true | ["FPS-SMB-In-TCP", ...],   (default false)
                    "class": "ok" | "missing",    missing: every use of MSFT_NetFirewallRule
                                                   faults as if its provider were absent
                    "enable": "ok" | "fault" | N, Enable faults (WMI generic failure),
                                                   or returns ReturnValue N and changes nothing
                    "netsh": "ok" | "fail"}       netsh ... set rule group=... exits 1
  "trusted_hosts"  winrm/config/client TrustedHosts (default '').
  "shares"         shares besides ADMIN$, C$ and IPC$:
                   [{"Name": "Share", "Path": "C:\\Share", "Description": ""}]
                   Their directories are made in the sandbox at start.
  "directories"    Windows paths made in the sandbox at start (e.g. "C:\\Windows\\System32").
  "services"       services besides the built-in ones, by name, from the templates
                   "vmcompute" (Hyper-V Host Compute Service, the Containers feature,
                   NANO.md 1.6) and "docker" (as dockerd --register-service makes it,
                   NANO.md 1.4): {"vmcompute": {"State": "Running"},
                   "docker": {"State": "Running", "StartMode": "Auto"}}.
                   A docker service that is Running says it runs; `docker version`
                   still needs the stand-in files in C:\\Windows\\System32.
  "service_faults" per service: {"docker": {"StartService": 8}} makes StartService
                   return 8 and change nothing; {"docker": {"stays_stopped": true}}
                   makes it return 0 while the service stays Stopped (its process
                   exits at once, ExitCode 1067); {"docker": {"start_seconds": 3}} makes
                   it report State 'Start Pending' for 3 seconds after StartService.
"""
import json

OS_DEFAULTS = {'OperatingSystemSKU': 143, 'BuildNumber': '14393', 'Version': '10.0.14393',
               'Caption': 'Microsoft Windows Server 2016 Datacenter'}
CURRENT_VERSION = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'
REGISTRY_DEFAULTS = {CURRENT_VERSION: {'UBR': 2430}}
MACHINE_SID = 'S-1-5-21-2817460912-3941230164-1102535317'
ACCOUNT_DEFAULTS = [
    {'Name': 'Administrator', 'RID': 500, 'Disabled': False, 'Lockout': False, 'PasswordRequired': True,
     'Groups': ['Administrators'], 'Description': 'Built-in account for administering the computer/domain'},
    {'Name': 'Guest', 'RID': 501, 'Disabled': True, 'Lockout': False, 'PasswordRequired': False,
     'Groups': ['Guests'], 'Description': 'Built-in account for guest access to the computer/domain'},
    {'Name': 'DefaultAccount', 'RID': 503, 'Disabled': True, 'Lockout': False, 'PasswordRequired': False,
     'Groups': [], 'Description': 'A user account managed by the system.'},
]
FIREWALL_DEFAULTS = {'enabled': False, 'class': 'ok', 'enable': 'ok', 'netsh': 'ok'}
KNOWN_KEYS = {'description', 'os', 'registry', 'machine_sid', 'accounts', 'firewall', 'trusted_hosts', 'shares',
              'directories', 'services', 'service_faults'}
SERVICE_TEMPLATES = ('vmcompute', 'docker')


class ProfileError(Exception):
    """The profile file is not a valid profile."""


def load(path):
    """The profile in path with defaults filled in; {} path None is the default host."""
    data = {}
    if path:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ProfileError('%s: %s' % (path, e))
    return normalize(data)


def normalize(data):
    if not isinstance(data, dict):
        raise ProfileError('a profile is a JSON object')
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ProfileError('unknown profile keys: %s' % ', '.join(sorted(unknown)))
    p = {}
    p['os'] = dict(OS_DEFAULTS, **data.get('os', {}))
    p['registry'] = {k: dict(v) for k, v in data.get('registry', REGISTRY_DEFAULTS).items()}
    p['machine_sid'] = data.get('machine_sid', MACHINE_SID)
    accounts = []
    for a in data.get('accounts', ACCOUNT_DEFAULTS):
        if 'Name' not in a or 'RID' not in a:
            raise ProfileError('an account needs Name and RID')
        accounts.append({'Name': a['Name'], 'RID': int(a['RID']), 'Disabled': bool(a.get('Disabled', False)),
                         'Lockout': bool(a.get('Lockout', False)),
                         'PasswordRequired': bool(a.get('PasswordRequired', True)),
                         'Groups': list(a.get('Groups', [])), 'Description': a.get('Description', ''),
                         'FullName': a.get('FullName', '')})
    p['accounts'] = accounts
    fw = dict(FIREWALL_DEFAULTS, **data.get('firewall', {}))
    if fw['class'] not in ('ok', 'missing') or fw['netsh'] not in ('ok', 'fail'):
        raise ProfileError('firewall: class is ok|missing, netsh is ok|fail')
    if fw['enable'] not in ('ok', 'fault') and not isinstance(fw['enable'], int):
        raise ProfileError('firewall: enable is ok, fault or a ReturnValue')
    p['firewall'] = fw
    p['trusted_hosts'] = data.get('trusted_hosts', '')
    p['shares'] = [{'Name': s['Name'], 'Path': s['Path'], 'Description': s.get('Description', '')}
                   for s in data.get('shares', [])]
    p['directories'] = list(data.get('directories', []))
    services = data.get('services', {})
    for name in services:
        if name not in SERVICE_TEMPLATES:
            raise ProfileError('services: no template for %r (known: %s)' % (name, ', '.join(SERVICE_TEMPLATES)))
    p['services'] = {k: dict(v) for k, v in services.items()}
    p['service_faults'] = {k.lower(): dict(v) for k, v in data.get('service_faults', {}).items()}
    return p
