"""WinRS shells and commands: state, processes, and stream buffering
(MS-WSMV 3.1.4.5.2 Create, 3.1.4.11 Command, 3.1.4.12 Signal, 3.1.4.13 Send,
3.1.4.14 Receive).
"""
import collections
import os
import signal
import threading
import time
import uuid

from cmd_layer import Interpreter

# Output waiting for Receive is capped; a command that writes faster than the
# client reads blocks on its pipe, as it would on a Windows console.
MAX_BUFFERED = 4 * 1024 * 1024
CHUNK_MERGE = 64 * 1024
# Stdin from Send waiting for the process is capped too: past it a Send waits (at most
# STDIN_WAIT seconds) for the process to read, so a fast client cannot make the server
# hold a whole uploaded file in memory.
MAX_STDIN_QUEUED = 8 * 1024 * 1024
STDIN_WAIT = 30.0
SIGNAL_TERMINATE = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate'
SIGNAL_CTRL_C = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c'
SIGNAL_CTRL_BREAK = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_break'


# With no WINRS_CODEPAGE the console has the server's OEM code page (US English: 437).
DEFAULT_CODEPAGE = 437


def new_id():
    return str(uuid.uuid4()).upper()


class Command:
    """One command line run by a cmd.exe-like interpreter on its own thread.

    It is also the interpreter's I/O: output chunks queue up in arrival order
    across stdout and stderr, and stdin from Send is fed to whichever Linux
    process is running."""

    def __init__(self, shell, line, on_change):
        self.id = new_id()
        self.shell, self.line, self.on_change = shell, line, on_change
        self.cond = threading.Condition()
        self.chunks = collections.deque()      # [stream name, bytearray]
        self.buffered = 0
        self.stdin = collections.deque()
        self.stdin_eof = False
        self.stdin_bytes = 0                   # bytes that came by Send, in total
        self.stdin_waits = 0                   # Sends that waited for the queue to drain
        self.stdin_queued = 0                  # ... of which not yet taken for the process
        self.procs = set()
        self.interrupted = False
        self.terminated = False
        self.exit_code = None
        self.done_delivered = False
        self.thread = threading.Thread(target=self._run, name='cmd-' + self.id[:8], daemon=True)

    def start(self):
        self.thread.start()

    @property
    def done(self):
        return self.exit_code is not None

    def _run(self):
        interp = Interpreter(self.shell.sandbox, self.shell.env.copy(), self.shell.working_dir, self)
        try:
            code = interp.run(self.line)
        except Exception as e:   # a bug in the command layer must not hang the client
            self.write('stderr', ('simulator error: %s\r\n' % e).encode())
            code = 1
        with self.cond:
            self.exit_code = code
            self.cond.notify_all()
        self.on_change()

    # --- interpreter I/O -------------------------------------------------------------------
    def write(self, stream, data):
        with self.cond:
            while self.buffered > MAX_BUFFERED and not self.terminated:
                self.cond.wait(1.0)
            if self.terminated:
                return
            if self.chunks and self.chunks[-1][0] == stream and len(self.chunks[-1][1]) < CHUNK_MERGE:
                self.chunks[-1][1].extend(data)
            else:
                self.chunks.append([stream, bytearray(data)])
            self.buffered += len(data)
            self.cond.notify_all()

    def attach(self, proc):
        with self.cond:
            self.procs.add(proc)
            if self.terminated:
                _killpg(proc, signal.SIGKILL)

    def detach(self, proc):
        with self.cond:
            self.procs.discard(proc)

    def feed_stdin(self, proc):
        """Copies Send data to proc's stdin until End, or until proc exits."""
        try:
            while True:
                with self.cond:
                    while not self.stdin and not self.stdin_eof and proc.poll() is None:
                        self.cond.wait(0.2)
                    if proc.poll() is not None:
                        return
                    data = self.stdin.popleft() if self.stdin else None
                    if data:
                        self.stdin_queued -= len(data)
                    eof = self.stdin_eof and not self.stdin
                    self.cond.notify_all()
                if data:
                    proc.stdin.write(data)
                    proc.stdin.flush()
                elif eof:
                    return
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            try:
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass

    # --- WinRS operations ------------------------------------------------------------------
    def send(self, data, end):
        with self.cond:
            deadline = time.monotonic() + STDIN_WAIT
            if self.stdin_queued > MAX_STDIN_QUEUED and not (self.done or self.terminated):
                self.stdin_waits += 1
            while self.stdin_queued > MAX_STDIN_QUEUED and not (self.done or self.terminated):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 1.0))
            if data and not self.stdin_eof:
                self.stdin.append(bytes(data))
                self.stdin_bytes += len(data)
                self.stdin_queued += len(data)
            if end:
                self.stdin_eof = True
            self.cond.notify_all()

    def signal(self, code):
        """ctrl_c interrupts the command's processes; terminate kills them (MS-WSMV 2.2.4.38)."""
        code = code.lower()
        with self.cond:
            if code in (SIGNAL_CTRL_C, SIGNAL_CTRL_BREAK):
                if not self.done:
                    self.interrupted = True
                    for p in list(self.procs):
                        _killpg(p, signal.SIGINT)
            elif code == SIGNAL_TERMINATE:
                self.kill()
            else:
                return False
            self.cond.notify_all()
        return True

    def kill(self):
        with self.cond:
            self.terminated = True
            self.stdin_eof = True
            for p in list(self.procs):
                _killpg(p, signal.SIGKILL)
            self.chunks.clear()
            self.buffered = 0
            self.cond.notify_all()

    def wait_output(self, timeout):
        """Waits until output or completion is available; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.chunks and not self.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            # A command that prints and exits at once answers in one Receive,
            # output and Done together, as the recorded replies show.
            if not self.done and self.buffered < CHUNK_MERGE:
                self.cond.wait(min(0.02, max(0.0, deadline - time.monotonic())))
            return True

    def wait_stdin_taken(self, timeout):
        """True once every Send's bytes were taken for the process (or it ended)."""
        with self.cond:
            return self.cond.wait_for(lambda: not self.stdin or self.done or self.terminated, timeout)

    def wait_exit(self, timeout):
        """True once the command has exited, waiting at most timeout seconds."""
        with self.cond:
            return self.cond.wait_for(lambda: self.done, timeout)

    def take(self, budget, per_chunk_overhead):
        """Removes output for one reply: (stream, bytes) pairs whose base64 fits budget."""
        taken = []
        with self.cond:
            while self.chunks and budget > per_chunk_overhead + 4:
                stream, data = self.chunks[0]
                room = (budget - per_chunk_overhead) // 4 * 3
                piece = bytes(data[:room])
                if len(piece) == len(data):
                    self.chunks.popleft()
                else:
                    del data[:room]
                taken.append((stream, piece))
                self.buffered -= len(piece)
                budget -= per_chunk_overhead + (len(piece) + 2) // 3 * 4
            drained = not self.chunks and self.done
            self.cond.notify_all()
        return taken, drained

    def summary(self):
        return {'id': self.id, 'state': 'Done' if self.done else 'Running', 'exit_code': self.exit_code,
                'done_delivered': self.done_delivered, 'stdin_bytes': self.stdin_bytes,
                'stdin_waits': self.stdin_waits}


def _killpg(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Shell:
    def __init__(self, owner, client_ip, sandbox, env, working_dir, idle_timeout, resource_uri,
                 input_streams, output_streams, env_pairs, requested_dir):
        self.id = new_id()
        self.owner, self.client_ip, self.sandbox = owner, client_ip, sandbox
        self.env, self.working_dir, self.idle_timeout = env, working_dir, idle_timeout
        self.resource_uri, self.input_streams, self.output_streams = resource_uri, input_streams, output_streams
        self.env_pairs, self.requested_dir = env_pairs, requested_dir
        self.codepage, self.profile_loaded = DEFAULT_CODEPAGE, True
        self.created = self.last_used = time.monotonic()
        self.commands = {}
        self.active = 0          # requests in progress; a long Receive is not idleness
        self.lock = threading.Lock()

    def begin(self):
        with self.lock:
            self.active += 1
            self.last_used = time.monotonic()

    def end(self):
        with self.lock:
            self.active -= 1
            self.last_used = time.monotonic()

    def busy_command(self):
        """A command whose final CommandState the client has not yet received."""
        with self.lock:
            for c in self.commands.values():
                if not c.done_delivered and not c.terminated:
                    return c
        return None

    def close(self):
        with self.lock:
            commands = list(self.commands.values())
            self.commands.clear()
        for c in commands:
            c.kill()

    def summary(self):
        with self.lock:
            cmds = [c.summary() for c in self.commands.values()]
        return {'id': self.id, 'owner': self.owner, 'client_ip': self.client_ip, 'commands': cmds,
                'idle_timeout': self.idle_timeout}


class ShellRegistry:
    def __init__(self):
        self.shells = {}
        self.lock = threading.Lock()

    def add(self, shell):
        with self.lock:
            self.shells[shell.id] = shell

    def get(self, shell_id):
        with self.lock:
            return self.shells.get((shell_id or '').upper())

    def remove(self, shell_id):
        with self.lock:
            shell = self.shells.pop((shell_id or '').upper(), None)
        if shell:
            shell.close()
        return shell

    def count_for(self, owner):
        with self.lock:
            return sum(1 for s in self.shells.values() if s.owner.lower() == owner.lower())

    def reap_idle(self):
        """Deletes shells idle longer than their IdleTimeOut (MS-WSMV 2.2.4.37)."""
        now = time.monotonic()
        with self.lock:
            idle = [s for s in self.shells.values() if not s.active and now - s.last_used > s.idle_timeout]
            for s in idle:
                del self.shells[s.id]
        for s in idle:
            s.close()
        return idle

    def close_all(self):
        with self.lock:
            shells = list(self.shells.values())
            self.shells.clear()
        for s in shells:
            s.close()

    def summary(self):
        with self.lock:
            shells = list(self.shells.values())
        return [s.summary() for s in shells]


def apply_create_options(shell, options):
    """The two Create options Windows uses (MS-WSMV 3.1.4.5.2, <110>): WINRS_CODEPAGE is the
    console's code page (what chcp reports); WINRS_NOPROFILE=TRUE leaves the user's profile
    unloaded, which a recorded Server 2016 (corpus pypsrp winrs_noprofile) shows as the
    Default profile's USERPROFILE, Windows' TEMP and no APPDATA or LOCALAPPDATA. Variables
    the client set in rsp:Environment stay as it set them."""
    cp = (options.get('WINRS_CODEPAGE') or '').strip()
    if cp.isdigit() and 1 <= int(cp) <= 65535:
        shell.codepage = int(cp)
    if (options.get('WINRS_NOPROFILE') or '').strip().upper() == 'TRUE':
        shell.profile_loaded = False
        own = {k.upper() for k, _ in shell.env_pairs}
        for name, value in (('USERPROFILE', 'C:\\Users\\Default'), ('TEMP', 'C:\\Windows\\TEMP'),
                            ('TMP', 'C:\\Windows\\TEMP'), ('APPDATA', ''), ('LOCALAPPDATA', '')):
            if name not in own:
                shell.env.set(name, value)
