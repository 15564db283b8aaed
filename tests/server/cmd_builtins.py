"""cmd.exe internal commands over the sandbox, with Windows' texts and CRLF line ends.

Each takes (interpreter, rest-of-line, stdout sink, stderr sink) and returns the
new errorlevel, or None when cmd leaves ERRORLEVEL alone (echo, set NAME=...).
"""
import fnmatch
import os
import shutil
import time

from sandbox import SandboxError

NOT_FOUND = 'The system cannot find the file specified.'
PATH_NOT_FOUND = 'The system cannot find the path specified.'


def crlf(text):
    return (text.replace('\r\n', '\n').replace('\n', '\r\n')).encode('utf-8')


def line(sink, text=''):
    sink.write(crlf(text + '\n'))


def words(rest):
    """Arguments split on blanks, double quotes grouping and removed."""
    out, buf, quoted, started = [], [], False, False
    for c in rest:
        if c == '"':
            quoted, started = not quoted, True
        elif c in ' \t,;' and not quoted:
            if started:
                out.append(''.join(buf))
            buf, started = [], False
        else:
            buf.append(c)
            started = True
    if started:
        out.append(''.join(buf))
    return out


def switches(args):
    return {a.lower() for a in args if a.startswith('/')}, [a for a in args if not a.startswith('/')]


# --- echo, exit, set, cd ----------------------------------------------------------------------

def do_echo(interp, rest, out, err):
    if rest[:1] in ('.', ':', '/', '(', '\\', '+', '=', ';', ',') and rest[:1] not in (' ', '\t'):
        line(out, rest[1:])                     # echo. echo: echo( print the rest, even nothing
        return None
    text = rest[1:] if rest[:1] in (' ', '\t') else rest
    if not text.strip():
        line(out, 'ECHO is on.')
    elif text.strip().lower() not in ('on', 'off'):
        line(out, text)
    return None


def do_exit(interp, rest, out, err):
    from cmd_layer import ExitRequest
    args = words(rest)
    if args and args[0].lower() == '/b':
        args = args[1:]
    code = interp.errorlevel
    if args:
        code = _to_int(args[0])
    raise ExitRequest(code & 0xFFFFFFFF)


def _to_int(text):
    """cmd's number parsing: decimal, 0x hex, leading 0 octal; garbage is 0."""
    t = text.strip()
    sign = -1 if t.startswith('-') else 1
    t = t.lstrip('+-')
    try:
        if t.lower().startswith('0x'):
            return sign * int(t[2:], 16)
        if t.startswith('0') and len(t) > 1:
            return sign * int(t, 8)
        return sign * int(t)
    except ValueError:
        return 0


def do_set(interp, rest, out, err):
    text = rest.strip()
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        text = text[1:-1]
    if '=' in text:
        name, value = text.split('=', 1)
        interp.env.set(name, value)
        return None
    matches = [(k, v) for k, v in interp.env.items() if k.upper().startswith(text.upper())]
    if not matches:
        line(err, 'Environment variable %s not defined' % text)
        return 1
    for k, v in matches:
        line(out, '%s=%s' % (k, v))
    return 0


def do_cd(interp, rest, out, err):
    sw, args = switches(words(rest))
    target = ' '.join(args) if args else (rest.strip() if not sw else '')
    if not target:
        line(out, interp.cwd)
        return 0
    try:
        win = interp.sandbox.normalize(target, interp.cwd)
        host = interp.sandbox.to_host(win)
    except SandboxError as e:
        line(err, str(e))
        return 1
    if not os.path.isdir(host):
        line(err, PATH_NOT_FOUND)
        return 1
    interp.cwd = interp.sandbox.to_windows(host)
    return 0


# --- files and directories -------------------------------------------------------------------

def resolve(interp, path):
    return interp.sandbox.to_host(path, interp.cwd)


def do_type(interp, rest, out, err):
    _, args = switches(words(rest))
    if not args:
        line(err, 'The syntax of the command is incorrect.')
        return 1
    code = 0
    for arg in args:
        try:
            host = resolve(interp, arg)
            with open(host, 'rb') as f:
                while True:
                    data = f.read(65536)
                    if not data:
                        break
                    out.write(data)
        except SandboxError as e:
            line(err, str(e))
            code = 1
        except IsADirectoryError:
            line(err, 'Access is denied.')
            code = 1
        except OSError:
            line(err, NOT_FOUND)
            code = 1
    return code


def do_mkdir(interp, rest, out, err):
    args = words(rest)
    if not args:
        line(err, 'The syntax of the command is incorrect.')
        return 1
    code = 0
    for arg in args:
        try:
            host = resolve(interp, arg)
            if os.path.exists(host):
                line(err, 'A subdirectory or file %s already exists.' % arg)
                code = 1
                continue
            os.makedirs(host)
        except (OSError, SandboxError) as e:
            line(err, str(e) if isinstance(e, SandboxError) else PATH_NOT_FOUND)
            code = 1
    return code


def do_del(interp, rest, out, err):
    _, args = switches(words(rest))
    if not args:
        line(err, 'The syntax of the command is incorrect.')
        return 1
    for arg in args:
        try:
            targets = _glob(interp, arg)
        except SandboxError as e:
            line(err, str(e))
            continue
        # cmd's del reports a missing file but leaves ERRORLEVEL at 0.
        if not targets:
            line(err, 'Could Not Find %s' % interp.sandbox.normalize(arg, interp.cwd))
        for host in targets:
            if os.path.isdir(host):
                for name in os.listdir(host):
                    p = os.path.join(host, name)
                    if os.path.isfile(p):
                        os.remove(p)
            else:
                os.remove(host)
    return 0


def _glob(interp, arg):
    host = resolve(interp, arg)
    base = os.path.basename(host)
    if '*' not in base and '?' not in base:
        return [host] if os.path.lexists(host) else []
    directory = os.path.dirname(host)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, n) for n in sorted(names)
            if fnmatch.fnmatch(n.lower(), base.lower()) and os.path.isfile(os.path.join(directory, n))]


def do_copy(interp, rest, out, err):
    return _copy_or_move(interp, rest, out, err, shutil.copyfile, 'copied')


def do_move(interp, rest, out, err):
    return _copy_or_move(interp, rest, out, err, shutil.move, 'moved')


def _copy_or_move(interp, rest, out, err, action, verb):
    _, args = switches(words(rest))
    if len(args) not in (1, 2):
        line(err, 'The syntax of the command is incorrect.')
        return 1
    try:
        sources = _glob(interp, args[0])
        dest = resolve(interp, args[1] if len(args) == 2 else '.')
    except SandboxError as e:
        line(err, str(e))
        return 1
    if not sources:
        line(err, NOT_FOUND)
        if verb == 'copied':
            line(out, '        0 file(s) %s.' % verb)
        return 1
    count = 0
    for src in sources:
        target = os.path.join(dest, os.path.basename(src)) if os.path.isdir(dest) else dest
        try:
            action(src, target)
            count += 1
        except OSError:
            line(err, 'Access is denied.')
    line(out, '%9d file(s) %s.' % (count, verb))
    return 0 if count == len(sources) else 1


def do_dir(interp, rest, out, err):
    sw, args = switches(words(rest))
    target = args[0] if args else '.'
    try:
        host = resolve(interp, target)
        win = interp.sandbox.normalize(target, interp.cwd)
    except SandboxError as e:
        line(err, str(e))
        return 1
    pattern = None
    if not os.path.isdir(host):
        pattern, host = os.path.basename(host).lower(), os.path.dirname(host)
        win = win.rsplit('\\', 1)[0] or 'C:\\'
        if not os.path.isdir(host):
            line(err, 'File Not Found')
            return 1
    names = sorted(os.listdir(host), key=str.lower)
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n.lower(), pattern)]
    # /ad lists directories only, /a-d files only (also written /a:d, /a:-d)
    attr = next((s.replace(':', '') for s in sw if s.startswith('/a')), '/a')
    if attr == '/ad':
        names = [n for n in names if os.path.isdir(os.path.join(host, n))]
    elif attr == '/a-d':
        names = [n for n in names if not os.path.isdir(os.path.join(host, n))]
    if not names and pattern:
        if '/b' not in sw:
            _dir_header(out, win)
        line(err, 'File Not Found')
        return 1
    if '/b' in sw:
        for n in names:
            line(out, n)
        return 0
    _dir_header(out, win)
    entries = ([] if pattern or len(win) <= 3 else ['.', '..']) + names
    files = dirs = total = 0
    for n in entries:
        st = os.stat(os.path.join(host, n))
        stamp = time.strftime('%m/%d/%Y  %I:%M %p', time.localtime(st.st_mtime))
        if os.path.isdir(os.path.join(host, n)):
            dirs += 1
            line(out, '%s    <DIR>          %s' % (stamp, n))
        else:
            files += 1
            total += st.st_size
            line(out, '%s %17s %s' % (stamp, '{:,}'.format(st.st_size), n))
    free = shutil.disk_usage(host).free
    line(out, '%16d File(s) %14s bytes' % (files, '{:,}'.format(total)))
    line(out, '%16d Dir(s) %15s bytes free' % (dirs, '{:,}'.format(free)))
    return 0


def _dir_header(out, win):
    line(out, ' Volume in drive C has no label.')
    line(out, ' Volume Serial Number is 5A3C-91F2')
    line(out)
    line(out, ' Directory of %s' % win)
    line(out)


# --- nested cmd ------------------------------------------------------------------------------

def do_cmd(interp, rest, out, err):
    """cmd [/c|/k] line: a child cmd.exe with a copy of the environment."""
    from cmd_layer import Interpreter
    text = rest.lstrip()
    while text[:1] == '/' and text[1:2].lower() in ('c', 'k', 'q', 'd', 's', 'e', 'v', 'u', 'a'):
        flag = text[1:2].lower()
        text = text[2:].lstrip()
        if flag in ('c', 'k'):
            break
    else:
        if not text:
            return 0
    if text.startswith('"') and text.rstrip().endswith('"') and len(text.strip()) > 1:
        text = text.strip()[1:-1]
    child = Interpreter(interp.sandbox, interp.env.copy(), interp.cwd, _ChildIO(interp.io, out, err))
    return child.run(text)


class _ChildIO:
    """A child cmd's I/O: its output goes where the parent redirected the cmd
    command ('cmd /c echo x > f' writes x to f), the rest is the parent's."""

    def __init__(self, io, out, err):
        self._io, self._sinks = io, {'stdout': out, 'stderr': err}

    def write(self, stream, data):
        self._sinks.get(stream, self._sinks['stdout']).write(data)

    @property
    def interrupted(self):
        return self._io.interrupted

    @interrupted.setter
    def interrupted(self, value):
        self._io.interrupted = value

    def __getattr__(self, name):
        return getattr(self._io, name)


def _console(io):
    """The command's console, which a child cmd shares with its parent."""
    while isinstance(io, _ChildIO):
        io = io._io
    return io


def do_chcp(interp, rest, out, err):
    """chcp [N]: the console's code page, WINRS_CODEPAGE when the shell was made."""
    console = _console(interp.io)
    args = words(rest)
    if args:
        if not args[0].isdigit():
            line(err, 'Parameter format not correct - %s' % args[0])
            return 1
        if not 1 <= int(args[0]) <= 65535:
            line(err, 'Invalid code page')
            return 1
        console.codepage = int(args[0])
    shell = getattr(console, 'shell', None)
    line(out, 'Active code page: %d' % getattr(console, 'codepage', getattr(shell, 'codepage', 437)))
    return 0


def do_rem(interp, rest, out, err):
    return None


def do_whoami(interp, rest, out, err):
    line(out, (interp.env.get('COMPUTERNAME') or 'simhost').lower() + '\\' +
         (interp.env.get('USERNAME') or '').lower())
    return 0


BUILTINS = {
    'echo': do_echo, 'exit': do_exit, 'set': do_set, 'cd': do_cd, 'chdir': do_cd,
    'type': do_type, 'dir': do_dir, 'mkdir': do_mkdir, 'md': do_mkdir,
    'del': do_del, 'erase': do_del, 'copy': do_copy, 'move': do_move,
    'cmd': do_cmd, 'cmd.exe': do_cmd, 'rem': do_rem, 'whoami': do_whoami,
    'chcp': do_chcp, 'chcp.com': do_chcp,
}
