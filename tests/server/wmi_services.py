"""The Win32_Service instances of the simulated host: a few services a Nano
Server 2016 host runs, with every Win32_Service property in class (alphabetical)
order, as the CIMWin32 provider returns them (corpus txwinrm Win32_Service_*)."""

PROPERTIES = ('AcceptPause', 'AcceptStop', 'Caption', 'CheckPoint', 'CreationClassName', 'DelayedAutoStart',
              'Description', 'DesktopInteract', 'DisplayName', 'ErrorControl', 'ExitCode', 'InstallDate', 'Name',
              'PathName', 'ProcessId', 'ServiceSpecificExitCode', 'ServiceType', 'Started', 'StartMode',
              'StartName', 'State', 'Status', 'SystemCreationClassName', 'SystemName', 'TagId', 'WaitHint')

# name, display name, description, path, process id (0 = stopped), start mode, account
_SERVICES = [
    ('EventLog', 'Windows Event Log', 'This service manages events and event logs.',
     r'C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted', 964, 'Auto', r'NT AUTHORITY\LocalService'),
    ('LanmanServer', 'Server', 'Supports file, print, and named-pipe sharing over the network for this computer.',
     r'C:\Windows\system32\svchost.exe -k netsvcs', 1012, 'Auto', 'LocalSystem'),
    ('MpsSvc', 'Windows Firewall', 'Windows Firewall helps protect your computer by preventing unauthorized '
     'users from gaining access to your computer through the Internet or a network.',
     r'C:\Windows\system32\svchost.exe -k LocalServiceNoNetwork', 1240, 'Auto', r'NT Authority\LocalService'),
    ('W32Time', 'Windows Time', 'Maintains date and time synchronization on all clients and servers in the '
     'network.', r'C:\Windows\system32\svchost.exe -k LocalService', 0, 'Manual', r'NT AUTHORITY\LocalService'),
    ('WinRM', 'Windows Remote Management (WS-Management)', 'Windows Remote Management (WinRM) service '
     'implements the WS-Management protocol for remote management.',
     r'C:\Windows\System32\svchost.exe -k NetworkService', 876, 'Auto', r'NT AUTHORITY\NetworkService'),
    ('Winmgmt', 'Windows Management Instrumentation', 'Provides a common interface and object model to '
     'access management information about operating system, devices, applications and services.',
     r'C:\Windows\system32\svchost.exe -k netsvcs', 1012, 'Auto', 'localSystem'),
]


TEMPLATES = {
    # The Containers package's Host Compute Service (NANO.md 1.6).
    'vmcompute': {'Name': 'vmcompute', 'DisplayName': 'Hyper-V Host Compute Service',
                  'Description': 'Provides support for running Windows Containers and Virtual Machines.',
                  'PathName': r'C:\Windows\system32\vmcompute.exe', 'ProcessId': 1688, 'StartMode': 'Manual',
                  'StartName': 'LocalSystem', 'ServiceType': 'Own Process'},
    # As dockerd --register-service creates it (NANO.md 1.4): own process, Automatic,
    # the absolute path of dockerd.exe and --run-service.
    'docker': {'Name': 'docker', 'DisplayName': 'Docker Engine', 'Description': None,
               'PathName': r'C:\Windows\System32\dockerd.exe --run-service', 'ProcessId': 0, 'StartMode': 'Auto',
               'StartName': 'LocalSystem', 'ServiceType': 'Own Process'},
}


def builtin_records():
    """The built-in services as records (dicts) the host model keeps and changes."""
    return [{'Name': name, 'DisplayName': display, 'Description': desc, 'PathName': path, 'ProcessId': pid,
             'StartMode': mode, 'StartName': account, 'ServiceType': 'Share Process',
             'ExitCode': 0 if pid else 1077}
            for name, display, desc, path, pid, mode, account in _SERVICES]


def record_from_template(name, overrides):
    rec = dict(TEMPLATES[name])
    state = overrides.get('State', 'Running' if rec['ProcessId'] else 'Stopped')
    if state == 'Running' and not rec['ProcessId']:
        rec['ProcessId'] = 2316
    if state == 'Stopped':
        rec['ProcessId'] = 0
    rec['StartMode'] = overrides.get('StartMode', rec['StartMode'])
    rec['ExitCode'] = 0 if rec['ProcessId'] else 1077
    return rec


def pairs(rec, computer_name):
    """[(property, value)...] of one service record, in class order."""
    running = rec['ProcessId'] != 0
    display = rec['DisplayName']
    values = {
        'AcceptPause': False, 'AcceptStop': running, 'Caption': display, 'CheckPoint': 0,
        'CreationClassName': 'Win32_Service', 'DelayedAutoStart': False, 'Description': rec['Description'],
        'DesktopInteract': False, 'DisplayName': display, 'ErrorControl': 'Normal',
        'ExitCode': rec.get('ExitCode', 0 if running else 1077), 'InstallDate': None, 'Name': rec['Name'],
        'PathName': rec['PathName'], 'ProcessId': rec['ProcessId'], 'ServiceSpecificExitCode': 0,
        'ServiceType': rec['ServiceType'], 'Started': running, 'StartMode': rec['StartMode'],
        'StartName': rec['StartName'], 'State': 'Running' if running else 'Stopped', 'Status': 'OK',
        'SystemCreationClassName': 'Win32_ComputerSystem', 'SystemName': computer_name, 'TagId': 0,
        'WaitHint': 0,
    }
    return [(p, values[p]) for p in PROPERTIES]


def services(computer_name):
    """[(property, value)...] per built-in service."""
    return [pairs(r, computer_name) for r in builtin_records()]
