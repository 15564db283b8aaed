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


def services(computer_name):
    """[(property, value)...] per service."""
    out = []
    for name, display, desc, path, pid, mode, account in _SERVICES:
        running = pid != 0
        values = {
            'AcceptPause': False, 'AcceptStop': running, 'Caption': display, 'CheckPoint': 0,
            'CreationClassName': 'Win32_Service', 'DelayedAutoStart': False, 'Description': desc,
            'DesktopInteract': False, 'DisplayName': display, 'ErrorControl': 'Normal',
            'ExitCode': 0 if running else 1077, 'InstallDate': None, 'Name': name, 'PathName': path,
            'ProcessId': pid, 'ServiceSpecificExitCode': 0,
            'ServiceType': 'Share Process', 'Started': running, 'StartMode': mode, 'StartName': account,
            'State': 'Running' if running else 'Stopped', 'Status': 'OK',
            'SystemCreationClassName': 'Win32_ComputerSystem', 'SystemName': computer_name, 'TagId': 0,
            'WaitHint': 0,
        }
        out.append([(p, values[p]) for p in PROPERTIES])
    return out
