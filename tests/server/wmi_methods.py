"""Win32_Share and Win32_Process of the simulated host: instances and their
static Create methods, with the return codes of the Win32 documentation
(NANO.md 2.3, PROTOCOL.md section 10).

Win32_Share.Create checks Path against the sandbox (C:\\ is the sandbox) and
keeps the share in the simulator's state; Win32_Process.Create runs the
CommandLine through the simulator's command layer on its own thread, output
discarded (a WMI-created process has no console to read), and records it.
"""
import itertools
import ntpath
import os
import threading

from cmd_layer import Interpreter

SHARE_PROPERTIES = ('AccessMask', 'AllowMaximum', 'Caption', 'Description', 'InstallDate', 'MaximumAllowed',
                    'Name', 'Path', 'Status', 'Type')
PROCESS_PROPERTIES = ('Caption', 'CommandLine', 'CreationClassName', 'CSCreationClassName', 'CSName',
                      'Description', 'Handle', 'Name', 'ProcessId')
DISK, DISK_ADMIN, IPC_ADMIN = 0, 2147483648, 2147483651
SHARE_OK, SHARE_UNKNOWN_FAILURE, SHARE_INVALID_NAME = 0, 8, 9
SHARE_INVALID_PARAMETER, SHARE_DUPLICATE, SHARE_UNKNOWN_DIRECTORY = 21, 22, 24
PROCESS_OK, PROCESS_PATH_NOT_FOUND, PROCESS_INVALID_PARAMETER = 0, 9, 21
BAD_SHARE_CHARS = set('\\/[]:|<>+=;,?*"')


class Shares:
    def __init__(self, sandbox, extra=()):
        """extra: a host profile's shares ({'Name', 'Path', 'Description'}), disk shares."""
        self.sandbox = sandbox
        self.lock = threading.Lock()
        self.items = [
            {'Name': 'ADMIN$', 'Path': 'C:\\Windows', 'Type': DISK_ADMIN, 'Description': 'Remote Admin'},
            {'Name': 'C$', 'Path': 'C:\\', 'Type': DISK_ADMIN, 'Description': 'Default share'},
            {'Name': 'IPC$', 'Path': '', 'Type': IPC_ADMIN, 'Description': 'Remote IPC'},
        ]
        for s in extra:
            self.items.append({'Name': s['Name'], 'Path': sandbox.normalize(s['Path']), 'Type': DISK,
                               'Description': s.get('Description', '')})

    def state(self):
        with self.lock:
            return [dict(s) for s in self.items]

    def instances(self):
        with self.lock:
            return [_share_pairs(s) for s in self.items]

    def find(self, name):
        with self.lock:
            return next((s for s in self.items if s['Name'].lower() == (name or '').lower()), None)

    def delete(self, name):
        with self.lock:
            for i, s in enumerate(self.items):
                if s['Name'].lower() == (name or '').lower():
                    del self.items[i]
                    return True
        return False

    def create(self, params):
        """Win32_Share.Create: [('ReturnValue', code)]."""
        name, path, kind = params.get('Name'), params.get('Path'), params.get('Type')
        if name is None or path is None or kind is None:
            return [('ReturnValue', SHARE_INVALID_PARAMETER)]
        if not name or BAD_SHARE_CHARS & set(name):
            return [('ReturnValue', SHARE_INVALID_NAME)]
        try:
            kind = int(kind)
            maximum = int(params['MaximumAllowed']) if params.get('MaximumAllowed') else None
        except ValueError:
            return [('ReturnValue', SHARE_INVALID_PARAMETER)]
        if kind not in (DISK, DISK_ADMIN):
            return [('ReturnValue', SHARE_INVALID_PARAMETER)]
        try:
            host = self.sandbox.to_host(path)
            win_path = self.sandbox.normalize(path)
        except Exception:
            return [('ReturnValue', SHARE_UNKNOWN_DIRECTORY)]
        if not os.path.isdir(host):
            return [('ReturnValue', SHARE_UNKNOWN_DIRECTORY)]
        with self.lock:
            if any(s['Name'].lower() == name.lower() for s in self.items):
                return [('ReturnValue', SHARE_DUPLICATE)]
            share = {'Name': name, 'Path': win_path, 'Type': kind, 'Description': params.get('Description', '')}
            if maximum is not None:
                share['MaximumAllowed'] = maximum
            self.items.append(share)
        return [('ReturnValue', SHARE_OK)]


def _share_pairs(s):
    values = {'AccessMask': None, 'AllowMaximum': 'MaximumAllowed' not in s, 'Caption': s['Description'],
              'Description': s['Description'], 'InstallDate': None, 'MaximumAllowed': s.get('MaximumAllowed'),
              'Name': s['Name'], 'Path': s['Path'], 'Status': 'OK', 'Type': s['Type']}
    return [(p, values[p]) for p in SHARE_PROPERTIES]


class _DetachedIO:
    """The interpreter's I/O for a process with no console: output is dropped, stdin is empty."""
    interrupted = False

    def write(self, stream, data):
        pass

    def attach(self, proc):
        pass

    def detach(self, proc):
        pass

    def feed_stdin(self, proc):
        try:
            proc.stdin.close()
        except OSError:
            pass


class Processes:
    def __init__(self, sandbox, environment, computer_name, on_change):
        self.sandbox, self.environment, self.computer_name = sandbox, environment, computer_name
        self.on_change = on_change
        self.lock = threading.Lock()
        self.items = []
        self.pids = itertools.count(4200, 4)

    def state(self):
        with self.lock:
            return [dict(p) for p in self.items]

    def instances(self):
        with self.lock:
            return [self._pairs(p) for p in self.items if p['ExitCode'] is None]

    def find(self, handle):
        with self.lock:
            return next((p for p in self.items if str(p['ProcessId']) == handle and p['ExitCode'] is None), None)

    def create(self, params, user):
        """Win32_Process.Create: [('ProcessId', pid), ('ReturnValue', code)]."""
        line = (params.get('CommandLine') or '').strip()
        if not line:
            return [('ReturnValue', PROCESS_INVALID_PARAMETER)]
        cwd = params.get('CurrentDirectory') or 'C:\\Windows\\system32'
        try:
            cwd_host = self.sandbox.to_host(cwd)
            cwd = self.sandbox.normalize(cwd)
        except Exception:
            return [('ReturnValue', PROCESS_PATH_NOT_FOUND)]
        if not os.path.isdir(cwd_host):
            if params.get('CurrentDirectory'):
                return [('ReturnValue', PROCESS_PATH_NOT_FOUND)]
            cwd = 'C:\\'
        record = {'ProcessId': next(self.pids), 'CommandLine': line, 'User': user, 'ExitCode': None}
        with self.lock:
            self.items.append(record)
        threading.Thread(target=self._run, args=(record, cwd), daemon=True).start()
        return [('ProcessId', record['ProcessId']), ('ReturnValue', PROCESS_OK)]

    def _run(self, record, cwd):
        interp = Interpreter(self.sandbox, self.environment(record['User']), cwd, _DetachedIO())
        try:
            code = interp.run(record['CommandLine'])
        except Exception:
            code = 1
        with self.lock:
            record['ExitCode'] = code
        self.on_change()

    def _pairs(self, p):
        first = p['CommandLine'].split()[0].strip('"')
        name = ntpath.basename(first)
        values = {'Caption': name, 'CommandLine': p['CommandLine'], 'CreationClassName': 'Win32_Process',
                  'CSCreationClassName': 'Win32_ComputerSystem', 'CSName': self.computer_name,
                  'Description': name, 'Handle': str(p['ProcessId']), 'Name': name, 'ProcessId': p['ProcessId']}
        return [(k, values[k]) for k in PROCESS_PROPERTIES]
