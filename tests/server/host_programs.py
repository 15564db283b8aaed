"""The programs of the simulated host that act on its model (host_model.py) rather
than on Linux: docker.exe and dockerd.exe (the stand-ins of docker_standin.py, run
only when the file cmd finds is one), and netsh.exe (always there, NANO.md 4.1).
The cmd layer asks find() for each command before it runs anything on Linux.

  dockerd.exe --version              Docker version V, build B             exit 0
  dockerd.exe --register-service     the 'docker' service, Stopped, Auto   exit 0
                                     (one exists: the SCM error, exit 1)
  docker.exe version --format "{{.Server.Version}}"
                                     V while the service runs, exit 0; else
                                     "error during connect: ...docker_engine...", exit 1
  docker.exe --version / version     the client's version / client and server blocks
  netsh advfirewall firewall set rule group="G" new enable=yes|no
                                     "Updated N rule(s)." "Ok." exit 0 (the profile may
                                     make it fail; an unknown group exits 1)

Program lookup follows cmd: a path names the file; a bare name is looked for in the
current directory, then in each PATH directory (the environment's PATH, else the
default PATH of Windows Server 2016), with .exe added.
"""
import ntpath
import os

import docker_standin
from sandbox import SandboxError

DEFAULT_PATH = ('C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;'
                'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\')
DOCKER_NAMES = ('docker', 'dockerd')
NOT_RECOGNIZED = ("'%s' is not recognized as an internal or external command,\n"
                  "operable program or batch file.")
CMD_NOT_FOUND = 9009
CONNECT_ERROR = ('error during connect: Get http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.30/version: open '
                 '//./pipe/docker_engine: The system cannot find the file specified. In the default daemon '
                 'configuration on Windows, the docker client must be run elevated to connect. This error '
                 'may also indicate that the docker daemon is not running.')
SERVICE_EXISTS = 'The specified service already exists.'
CLIENT_API = '1.30'


def first_word(text):
    """(program word without quotes, the rest of the line)."""
    text = text.lstrip()
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            return text[1:], ''
        return text[1:end], text[end + 1:]
    n = len(text.split(None, 1)[0]) if text.strip() else 0
    return text[:n], text[n:]


def argv(rest):
    """Arguments as a Windows program's C runtime splits them: blanks separate, double
    quotes group and are removed, \\" is a quote."""
    out, buf, quoted, started, i = [], [], False, False, 0
    while i < len(rest):
        c = rest[i]
        if c == '\\' and rest[i + 1:i + 2] == '"':
            buf.append('"')
            started = True
            i += 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c in ' \t' and not quoted:
            if started:
                out.append(''.join(buf))
            buf, started = [], False
        else:
            buf.append(c)
            started = True
        i += 1
    if started:
        out.append(''.join(buf))
    return out


def find(interp, text):
    """The handler for a command line's program when the host model plays it, else None."""
    host = getattr(interp.sandbox, 'host', None)
    if host is None:
        return None
    word, _ = first_word(text)
    base = ntpath.basename(word.replace('/', '\\')).lower()
    stem = base[:-4] if base.endswith('.exe') else base
    if stem == 'netsh':
        return lambda interp, rest, out, err: run_netsh(interp, first_word(text)[1], out, err)
    if stem not in DOCKER_NAMES or (base != stem and not base.endswith('.exe')):
        return None
    return lambda interp, rest, out, err: run_docker(interp, text, stem, out, err)


def locate(interp, word):
    """The Windows path of the file cmd runs for word, or None."""
    names = [word] if word.lower().endswith('.exe') else [word + '.exe', word]
    if '\\' in word or '/' in word or ':' in word:
        dirs = ['']
    else:
        path = interp.env.get('PATH') or DEFAULT_PATH
        dirs = [interp.cwd] + [d for d in path.split(';') if d]
    for d in dirs:
        for n in names:
            try:
                win = interp.sandbox.normalize(ntpath.join(d, n) if d else n, interp.cwd)
                if os.path.isfile(interp.sandbox.to_host(win)):
                    return win
            except SandboxError:
                continue
    return None


def say(sink, text):
    sink.write((text.replace('\r\n', '\n').replace('\n', '\r\n')).encode('utf-8'))


def run_docker(interp, text, stem, out, err):
    word, rest = first_word(text)
    win = locate(interp, word)
    if win is None:
        say(err, NOT_RECOGNIZED % word + '\n')
        return CMD_NOT_FOUND
    info = docker_standin.read(interp.sandbox.to_host(win))
    if info is None:
        say(err, 'The system cannot execute the specified program.\n')
        return 1
    args = argv(rest)
    if stem == 'dockerd':
        return dockerd(interp.sandbox.host, win, info, args, out, err)
    return docker(interp.sandbox.host, info, args, out, err)


def dockerd(host, win, info, args, out, err):
    if args == ['--version'] or args == ['-v']:
        say(out, 'Docker version %s, build %s\n' % (info['version'], info['build']))
        return 0
    if args and args[0] == '--register-service':
        if not host.register_docker(win):
            say(err, SERVICE_EXISTS + '\n')
            return 1
        return 0
    # Anything else would run the daemon in the console, which the simulator does not do.
    say(err, 'nanosh stand-in dockerd: only --version and --register-service are played\n')
    return 1


def docker(host, info, args, out, err):
    if args in (['--version'], ['-v']):
        say(out, 'Docker version %s, build %s\n' % (info['version'], info['build']))
        return 0
    if not args or args[0] != 'version':
        say(err, 'nanosh stand-in docker: only version and --version are played\n')
        return 1
    fmt = None
    if len(args) == 3 and args[1] in ('--format', '-f'):
        fmt = args[2]
    elif len(args) == 2 and args[1].startswith('--format='):
        fmt = args[1][len('--format='):]
    elif len(args) != 1:
        say(err, 'unknown flag: %s\n' % args[1])
        return 125
    server = host.docker_running_version()
    if fmt is not None:
        if fmt.strip() == '{{.Server.Version}}' and server is not None:
            say(out, server + '\n')
            return 0
        if fmt.strip() == '{{.Client.Version}}':
            say(out, info['version'] + '\n')
            return 0 if server is not None else 1
        if server is None:
            say(err, CONNECT_ERROR + '\n')
            return 1
        say(err, 'template: the stand-in docker knows {{.Server.Version}} and {{.Client.Version}}\n')
        return 1
    client = ('Client:\n Version:      %s\n API version:  %s\n Go version:   go1.8.3\n Git commit:   %s\n'
              ' OS/Arch:      windows/amd64\n' % (info['version'], CLIENT_API, info['build']))
    say(out, client)
    if server is None:
        say(err, CONNECT_ERROR + '\n')
        return 1
    say(out, '\nServer:\n Version:      %s\n API version:  %s (minimum version 1.24)\n OS/Arch:      '
             'windows/amd64\n Experimental: false\n' % (server, CLIENT_API))
    return 0


def run_netsh(interp, rest, out, err):
    """netsh advfirewall firewall set rule group=G new enable=yes|no; netsh's own
    parsing: name=value tokens, the value's quotes removed."""
    args = argv(rest)
    low = [a.lower() for a in args]
    if low[:4] == ['advfirewall', 'firewall', 'set', 'rule'] and 'new' in low:
        cut = low.index('new')
        where = dict(a.split('=', 1) for a in args[4:cut] if '=' in a)
        new = {k.lower(): v.lower() for k, v in (a.split('=', 1) for a in args[cut + 1:] if '=' in a)}
        group = next((v for k, v in where.items() if k.lower() == 'group'), None)
        if group is not None and new.get('enable') in ('yes', 'no') and len(where) == 1:
            code, text = interp.sandbox.host.netsh_set_group(group, new['enable'] == 'yes')
            say(out if code == 0 else err, text)
            return code
    say(out, '\nThe following command was not found: %s.\n\n' % ' '.join(args))
    return 1
