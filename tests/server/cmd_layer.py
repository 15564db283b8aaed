"""A small cmd.exe: runs one WinRS command line over the sandbox.

Internal commands are in cmd_builtins; anything else runs as a Linux command
through /bin/sh in the mapped working directory, in its own process group so
that a WinRS ctrl_c reaches all of it, as a console CTRL_C_EVENT reaches every
process on the console (MS-WSMV 3.1.4.12).
"""
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading

import cmd_builtins
import host_programs
from cmd_parser import expand_vars, split_chain, split_command
from sandbox import SandboxError

STATUS_CONTROL_C_EXIT = 3221225786
# powershell.exe is played by a stand-in that runs the script text with /bin/sh.
POWERSHELL_STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'powershell_standin.py')
POWERSHELL_NAMES = ('powershell', 'powershell.exe')
# Words /bin/sh runs itself; they need no executable on PATH.
SH_BUILTINS = {'.', ':', '[', 'alias', 'break', 'cd', 'command', 'continue', 'echo', 'eval', 'exec', 'exit',
               'export', 'false', 'getopts', 'hash', 'kill', 'printf', 'pwd', 'read', 'readonly', 'return',
               'set', 'shift', 'test', 'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unset', 'wait',
               'for', 'if', 'while', 'until', 'case', '{', '(', '!'}


class ExitRequest(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Environment:
    """Environment variables with Windows' case-insensitive names."""

    def __init__(self, items=()):
        self.vars = {}
        for k, v in items:
            self.set(k, v)

    def get(self, name):
        entry = self.vars.get(name.upper())
        return entry[1] if entry else None

    def set(self, name, value):
        if value == '':
            self.vars.pop(name.upper(), None)
        else:
            self.vars[name.upper()] = (name, value)

    def items(self):
        return sorted(self.vars.values(), key=lambda kv: kv[0].upper())

    def copy(self):
        e = Environment()
        e.vars = dict(self.vars)
        return e


class StreamSink:
    """Output that goes back to the client as a WinRS stream."""

    def __init__(self, io, name):
        self.io, self.name = io, name

    def write(self, data):
        if data:
            self.io.write(self.name, data)


class FileSink:
    def __init__(self, f):
        self.file = f

    def write(self, data):
        self.file.write(data)
        self.file.flush()


class NullSink:
    def write(self, data):
        pass


class BytesSink:
    """Captures a pipeline stage's output for the next stage."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data):
        self.data += data


class Interpreter:
    """One cmd.exe process: an environment, a current directory and an errorlevel."""

    def __init__(self, sandbox, env, cwd, io):
        self.sandbox, self.env, self.cwd, self.io = sandbox, env, cwd, io
        self.errorlevel = 0

    def run(self, line):
        """Runs the line; returns cmd's exit code (32-bit unsigned, like Windows)."""
        try:
            self.run_line(line)
        except ExitRequest as e:
            self.errorlevel = e.code
        if self.io.interrupted:
            return STATUS_CONTROL_C_EXIT
        return self.errorlevel & 0xFFFFFFFF

    def lookup(self, name):
        if name.upper() == 'ERRORLEVEL' and self.env.get(name) is None:
            return str(self.errorlevel)
        if name.upper() == 'CD' and self.env.get(name) is None:
            return self.cwd
        return self.env.get(name)

    def run_line(self, line):
        for link in split_chain(expand_vars(line, self.lookup)):
            if self.io.interrupted:
                return
            if link.op == '&&' and self.errorlevel != 0:
                continue
            if link.op == '||' and self.errorlevel == 0:
                continue
            code = self.run_pipeline(link.pipeline)
            if code is not None:
                self.errorlevel = code

    def run_pipeline(self, pipeline):
        stages = pipeline.stages
        if len(stages) > 1 and not any(self.builtin_for(s.text) for s in stages):
            return self.run_external(' | '.join(s.text for s in stages),
                                     [r for s in stages for r in s.redirects])
        data, code = None, None
        for i, stage in enumerate(stages):
            last = i == len(stages) - 1
            capture = None if last else BytesSink()
            code = self.run_stage(stage, data, capture)
            data = None if last else bytes(capture.data)
        return code

    def builtin_for(self, text):
        """An internal command, or a program the host model plays (host_programs.py)."""
        name, _ = split_command(text)
        return cmd_builtins.BUILTINS.get(name.lower()) or host_programs.find(self, text)

    def run_stage(self, stage, stdin_data, capture):
        try:
            sinks = self.open_redirects(stage.redirects, capture)
        except (OSError, SandboxError) as e:
            self.io.write('stderr', _crlf(_os_error_text(e)))
            return 1
        stdin_file, out, err, opened = sinks
        try:
            builtin = self.builtin_for(stage.text)
            if builtin:
                name, rest = split_command(stage.text)
                return builtin(self, rest, out, err)
            if not stage.text.strip():
                return None
            return self.run_external(stage.text, [], sinks=(stdin_file, out, err), stdin_data=stdin_data)
        finally:
            for f in opened:
                f.close()

    def open_redirects(self, redirects, capture=None):
        """Applies redirections left to right, as cmd does: '>f 2>&1' sends both to f."""
        out = capture or StreamSink(self.io, 'stdout')
        handles = {1: out, 2: StreamSink(self.io, 'stderr')}
        stdin_file, opened = None, []
        for r in redirects:
            if r.target.startswith('&'):
                handles[r.fd] = handles.get(int(r.target[1:]), NullSink())
                continue
            if r.target.lower() in ('nul', 'nul:'):
                if r.fd == 0:
                    stdin_file = open(os.devnull, 'rb')
                    opened.append(stdin_file)
                else:
                    handles[r.fd] = NullSink()
                continue
            path = self.sandbox.to_host(r.target, self.cwd)
            if r.fd == 0:
                stdin_file = open(path, 'rb')
                opened.append(stdin_file)
            else:
                f = open(path, 'ab' if r.mode == 'a' else 'wb')
                opened.append(f)
                handles[r.fd] = FileSink(f)
        return stdin_file, handles[1], handles[2], opened

    # --- Linux commands --------------------------------------------------------------------
    def run_external(self, text, redirects, sinks=None, stdin_data=None):
        text = self.powershell_standin(text)
        opened = []
        if sinks is None:
            try:
                stdin_file, out, err, opened = self.open_redirects(redirects)
            except (OSError, SandboxError) as e:
                self.io.write('stderr', _crlf(_os_error_text(e)))
                return 1
        else:
            stdin_file, out, err = sinks
        try:
            missing = self.missing_program(text)
            if missing:
                err.write(_crlf("'%s' is not recognized as an internal or external command,\n"
                                "operable program or batch file." % missing))
                return 1
            try:
                cwd = self.sandbox.to_host(self.cwd)
            except SandboxError as e:
                err.write(_crlf(str(e)))
                return 1
            return self.spawn(text, cwd, stdin_file, out, err, stdin_data)
        finally:
            for f in opened:
                f.close()

    def powershell_standin(self, text):
        """A command line that starts powershell runs the stand-in with the same arguments."""
        words = text.split(None, 1)
        if not words or words[0].strip('"').lower() not in POWERSHELL_NAMES or '|' in text:
            return text
        deny = ''.join(' --deny-path %s' % shlex.quote(d) for d in getattr(self.sandbox, 'deny', ()))
        return '%s %s --sandbox %s%s %s' % (shlex.quote(sys.executable), shlex.quote(POWERSHELL_STANDIN),
                                            shlex.quote(self.sandbox.root), deny,
                                            words[1] if len(words) > 1 else '')

    def missing_program(self, text):
        """The first word of a pipeline stage that names no program, as cmd would say."""
        for stage in text.split('|'):
            words = stage.split()
            if not words:
                continue
            word = words[0].strip('"')
            if '=' in word and not word.startswith('='):
                continue   # a sh variable assignment
            if word in SH_BUILTINS or '/' in word:
                continue
            if shutil.which(word, path=self.linux_env().get('PATH')) is None:
                return word
        return None

    def linux_env(self):
        env = {name: value for name, value in self.env.items()}
        env['PATH'] = os.environ.get('PATH', '/usr/local/bin:/usr/bin:/bin')
        for key in ('LANG', 'LC_ALL', 'TMPDIR', 'NANOSH_STANDIN_HOOK'):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def spawn(self, text, cwd, stdin_file, out, err, stdin_data):
        def target(sink):
            if isinstance(sink, FileSink):
                return sink.file
            if isinstance(sink, NullSink):
                return subprocess.DEVNULL
            return subprocess.PIPE
        stdout = target(out)
        stderr = subprocess.STDOUT if err is out and stdout == subprocess.PIPE else target(err)
        if stdin_file is not None:
            stdin = stdin_file
        else:
            stdin = subprocess.PIPE
        proc = subprocess.Popen(['/bin/sh', '-c', text], cwd=cwd, env=self.linux_env(), stdin=stdin,
                                stdout=stdout, stderr=stderr, start_new_session=True)
        self.io.attach(proc)
        pumps = []
        for pipe, sink in ((proc.stdout, out), (proc.stderr, err)):
            if pipe is not None:
                t = threading.Thread(target=_pump, args=(pipe, sink), daemon=True)
                t.start()
                pumps.append(t)
        if proc.stdin is not None:
            if stdin_data is not None:
                threading.Thread(target=_feed_bytes, args=(proc, stdin_data), daemon=True).start()
            else:
                threading.Thread(target=self.io.feed_stdin, args=(proc,), daemon=True).start()
        rc = proc.wait()
        for t in pumps:
            t.join()
        self.io.detach(proc)
        if rc == -signal.SIGINT:
            self.io.interrupted = True
            return STATUS_CONTROL_C_EXIT
        return rc if rc >= 0 else 1


def _pump(pipe, sink):
    fd = pipe.fileno()
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                return
            sink.write(data)
    finally:
        pipe.close()


def _feed_bytes(proc, data):
    try:
        proc.stdin.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _crlf(text):
    return (text.replace('\r\n', '\n').replace('\n', '\r\n') + '\r\n').encode('utf-8')


def _os_error_text(e):
    if isinstance(e, SandboxError):
        return str(e)
    if isinstance(e, FileNotFoundError):
        return 'The system cannot find the path specified.'
    if isinstance(e, IsADirectoryError) or isinstance(e, PermissionError):
        return 'Access is denied.'
    return 'The system cannot find the file specified.'
