"""A directory that stands for drive C:.

Windows paths (either slash, any letter case, relative to a current directory)
map to real paths under the sandbox.  '..' stops at the drive root as it does
on Windows, and symlinks that lead outside the sandbox are refused, so no
command path can reach outside it.
"""
import ntpath
import os


class SandboxError(Exception):
    """The path names another drive or leaves the sandbox."""


class Sandbox:
    def __init__(self, root, deny=()):
        self.root = os.path.realpath(root)
        # Windows path prefixes the account may not touch (winrm_sim.py --deny-path); the
        # stand-in powershell.exe enforces them in its file snippets.
        self.deny = list(deny)
        # The host model (host_model.py) when a service runs over this sandbox: the cmd
        # layer's docker, dockerd and netsh act on it (host_programs.py).
        self.host = None

    def normalize(self, path, cwd='C:\\'):
        """The absolute Windows form of path (C:\\...), resolved against cwd."""
        path = path.replace('/', '\\')
        drive, rest = ntpath.splitdrive(path)
        if drive and drive.upper() != 'C:':
            raise SandboxError('The system cannot find the drive specified.')
        if not rest.startswith('\\'):
            base = cwd if not drive or drive.upper() == cwd[:2].upper() else 'C:\\'
            rest = ntpath.splitdrive(base)[1].rstrip('\\') + '\\' + rest
        parts = []
        for part in rest.split('\\'):
            if part in ('', '.'):
                continue
            if part == '..':
                if parts:
                    parts.pop()
                continue
            parts.append(part.rstrip(' .') or part)
        return 'C:\\' + '\\'.join(parts)

    def to_host(self, path, cwd='C:\\'):
        """The real path for a Windows path.  Existing components are matched
        without regard to case, as NTFS does."""
        win = self.normalize(path, cwd)
        host = self.root
        for part in win[3:].split('\\') if len(win) > 3 else []:
            host = os.path.join(host, _match_case(host, part))
        real = os.path.realpath(host)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise SandboxError('Access is denied.')
        return host

    def to_windows(self, host_path):
        """The Windows form of a real path inside the sandbox."""
        rel = os.path.relpath(os.path.realpath(host_path), self.root)
        return 'C:\\' if rel == '.' else 'C:\\' + rel.replace(os.sep, '\\')


def _match_case(directory, name):
    if os.path.lexists(os.path.join(directory, name)):
        return name
    try:
        for entry in os.listdir(directory):
            if entry.lower() == name.lower():
                return entry
    except OSError:
        pass
    return name
