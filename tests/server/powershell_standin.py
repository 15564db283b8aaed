"""A stand-in powershell.exe for the test server.

The test server cannot run PowerShell, so this follows exactly the stdin framing
and the snippets nanosh sends (docs/powershell-snippets.md) but runs the user's
text with /bin/sh. Its error stream is CLIXML the way powershell.exe writes it
under WinRS with -EncodedCommand (PROTOCOL.md 9): a "#< CLIXML" header, a
progress record, then <S S="Error"> lines with _xHHHH_ escapes. A ctrl_c reaches
its whole process group, so it dies the way a script-run powershell.exe stops.

Snippets 9-12 (push and pull, streamed) are in standin_stream.py.

Usage (from the cmd layer): powershell_standin.py --sandbox ROOT [--deny-path WINPATH]...
        [-NoLogo ...] (-EncodedCommand B64 | -Command TEXT)
--deny-path (repeatable, from winrm_sim.py --deny-path) makes the file snippets (5-8
and 9-12) fail with access denied for that Windows path and everything under it.
"""
import base64
import errno
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import threading

import standin_stream
from standin_stream import DEC

PROLOGUE = "$ProgressPreference = 'SilentlyContinue'\n"
# Snippet 2, with @N@ for the nonce: must equal loop_script in shell/ps/ps_session.c.
LOOP = (
    "$ProgressPreference='SilentlyContinue'\n"
    "try{[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false}catch{}\n"
    "while(($__nanosh=[Console]::In.ReadLine()) -ne $null){$__nanosh_ok=$true\n"
    "try{. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String("
    "$__nanosh))+\"`n`$__nanosh_ok=`$?\"))|Out-Default}"
    "catch{$__nanosh_ok=$false;$host.UI.WriteErrorLine(($_|Out-String))}\n"
    "$host.UI.WriteErrorLine(\"`n@N@\")\n"
    "$host.UI.WriteLine(\"`n@N@ $__nanosh_ok $LASTEXITCODE $((Get-Location).Path)\")}\n")
LOOP_RE = re.compile('^' + re.escape(LOOP).replace('@N@', '([0-9a-f]{32})') + '$', re.S)

SET_LOCATION = re.compile(r"^Set-Location -LiteralPath " + DEC + "$")
LIST_COMMANDS = "(Get-Command -CommandType Alias,Function,Cmdlet).Name"
# What Get-Command lists on the stand-in: a few real cmdlet names.
COMMANDS = ['Get-ChildItem', 'Get-Command', 'Get-Content', 'Get-Date', 'Get-Item', 'Get-Location',
            'Get-Process', 'Get-Service', 'Set-Content', 'Set-Location', 'Write-Error', 'Write-Host',
            'Write-Output', 'dir', 'gci', 'ls']

FLOOD_MIB = 32          # size of the flood-output and flood-marker test hooks' line
CLIXML_OPEN = b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
PROGRESS = (b'<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
            b'<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record">'
            b'<AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC>'
            b'<T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>')


ENV_VAR = re.compile(r'\$env:([A-Za-z_][A-Za-z0-9_]*)')


def sh_text(text):
    """PowerShell's $env:NAME as sh's ${NAME}: the shell's environment (rsp:Environment,
    MS-WSMV 2.2.4.37) reaches the user's text as it would reach PowerShell's."""
    return ENV_VAR.sub(r'${\1}', text)


def clixml_escape(text):
    """PSRP 2.2.5.3.2: control characters, surrogates and look-alike escapes as _xHHHH_."""
    out = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if ch == '_' and re.match(r'_x[0-9A-Fa-f]{4}_', text[i:]):
            out.append('_x005F_')
        elif cp < 0x20 or 0x7f <= cp < 0xa0:
            out.append('_x%04X_' % cp)
        elif cp > 0xffff:
            u = cp - 0x10000
            out.append('_x%04X__x%04X_' % (0xd800 + (u >> 10), 0xdc00 + (u & 0x3ff)))
        else:
            out.append(ch.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;'))
    return ''.join(out)


class ErrorStream:
    """powershell.exe's stderr in XML form: the header once, then one record per line."""

    def __init__(self):
        self.lock = threading.Lock()
        self.opened = False

    def raw(self, data):
        with self.lock:
            if not self.opened:
                sys.stdout.flush()
                os.write(2, CLIXML_OPEN + PROGRESS)
                self.opened = True
            os.write(2, data)

    def line(self, text):
        self.raw(('<S S="Error">%s</S>' % clixml_escape(text)).encode('utf-8'))

    def close(self):
        with self.lock:
            if self.opened:
                os.write(2, b'</Objs>')


_out_ended_in_cr = [False]


def out(data):
    """Console output with CR LF line ends. A CR LF that sh's output splits between two
    reads stays one CR LF: the CR went out with the first piece."""
    if not data:
        return
    text = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    if _out_ended_in_cr[0] and data.startswith(b'\n'):
        text = text[1:]
    _out_ended_in_cr[0] = data.endswith(b'\r')
    os.write(1, text)


def decoded(b64):
    """[Text.Encoding]::UTF8.GetString: invalid UTF-8 becomes U+FFFD, as in .NET."""
    return base64.b64decode(b64, validate=True).decode('utf-8', 'replace')


class Sandbox:
    def __init__(self, root, deny=()):
        self.root = os.path.realpath(root)
        self.deny = list(deny)

    def checked(self, win, cwd):
        """to_host for a file snippet: PermissionError under a --deny-path, as the ACL would."""
        host = standin_stream.Host(self.root, self.deny, cwd)
        if host.denied(win):
            raise PermissionError(errno.EACCES, "Access to the path '%s' is denied." % host.full(win))
        return self.to_host(win, cwd)

    def to_host(self, win, cwd):
        win = win.replace('/', '\\')
        if len(win) >= 2 and win[1] == ':':
            rel = win[2:].lstrip('\\')
            base = self.root
        elif win.startswith('\\'):
            rel, base = win.lstrip('\\'), self.root
        else:
            rel, base = win, cwd
        path = os.path.normpath(os.path.join(base, *[p for p in rel.split('\\') if p]))
        if path != self.root and not path.startswith(self.root + os.sep):
            path = self.root      # '..' stops at the drive root, as on Windows
        return path

    def to_windows(self, host):
        rel = os.path.relpath(os.path.realpath(host), self.root)
        if rel == '.' or rel.startswith('..'):
            return 'C:\\'
        return 'C:\\' + rel.replace(os.sep, '\\')


class Loop:
    """The read-run-mark loop of snippet 2 over one persistent /bin/sh."""

    def __init__(self, nonce, sandbox):
        self.nonce, self.sandbox = nonce, sandbox
        self.err = ErrorStream()
        self.last_exit = ''
        self.sh = subprocess.Popen(['/bin/sh'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        self.cwd = os.getcwd()

    def run(self):
        self.err.raw(b'')       # PowerShell's first-use progress record comes at start-up
        while True:
            line = sys.stdin.buffer.readline()
            if not line:
                break
            try:
                text = base64.b64decode(line.strip(), validate=True).decode('utf-8')
            except (ValueError, UnicodeDecodeError) as e:
                self.err.line('nanosh stand-in: a frame that is not base64 of UTF-8: %s\r\n' % e)
                ok = False
            else:
                ok = self.frame(text)
            self.broken_host_output()
            self.err.line('\n' + self.nonce + '\r\n')
            # WriteLine("`n@N@ ..."): the `n is a bare LF; only WriteLine's own end is CR LF.
            _out_ended_in_cr[0] = False
            os.write(1, ('\n%s %s %s %s\r\n' % (self.nonce, 'True' if ok else 'False', self.last_exit,
                                                self.sandbox.to_windows(self.cwd))).encode('utf-8'))
        self.err.close()
        self.sh.stdin.close()
        return self.sh.wait()

    def broken_host_output(self):
        """Test hooks for a broken or hostile host: after each frame's output, FLOOD_MIB
        without a newline (flood-output), or a marker line this long (flood-marker)."""
        hook = os.environ.get('NANOSH_STANDIN_HOOK')
        if hook not in ('flood-output', 'flood-marker'):
            return
        if hook == 'flood-marker':
            out(('\n%s ' % self.nonce).encode())
        for _ in range(FLOOD_MIB):
            out(b'x' * (1 << 20))

    def frame(self, text):
        m = SET_LOCATION.match(text)
        if m:
            return self.shell('cd -- %s' % shlex.quote(self.sandbox.to_host(decoded(m.group(1)), self.cwd)))
        if text == LIST_COMMANDS:
            out(('\n'.join(COMMANDS) + '\n').encode())
            return True
        if not text.strip():
            return self.shell(':')
        check = subprocess.run(['/bin/sh', '-n', '-c', text], capture_output=True)
        if check.returncode != 0:
            for l in check.stderr.decode('utf-8', 'replace').splitlines():
                self.err.line(l + '\r\n')
            return False
        return self.shell('{ %s\n} </dev/null' % sh_text(text), user=True)

    def shell(self, text, user=False):
        """Runs text in the persistent sh; streams its output; True when $? is 0."""
        tok = secrets.token_hex(16)
        self.sh.stdin.write(('%s\n__nanosh_rc=$?; printf "\\n%s %%d %%s\\n" "$__nanosh_rc" "$PWD"; '
                             'printf "\\n%s\\n" >&2\n' % (text, tok, tok)).encode('utf-8'))
        self.sh.stdin.flush()
        status = {}
        t = threading.Thread(target=self.pump_err, args=(tok,))
        t.start()
        self.pump_out(tok, status)
        t.join()
        if 'rc' not in status:            # the shell exited: "exit N" ends powershell.exe
            self.err.close()
            sys.exit(self.sh.wait() & 0xff)
        if user:
            self.last_exit = str(status['rc'])
        self.cwd = status['pwd']
        return status['rc'] == 0

    def pump_out(self, tok, status):
        needle, held = ('\n' + tok + ' ').encode(), b''
        fd = self.sh.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            if not data:
                if held:
                    out(held)
                return
            held += data
            i = held.find(needle)
            if i >= 0:
                out(held[:i])
                rest = held[i + len(needle):]
                while b'\n' not in rest:
                    more = os.read(fd, 65536)
                    if not more:
                        return
                    rest += more
                rc, pwd = rest.split(b'\n', 1)[0].decode('utf-8').split(' ', 1)
                status['rc'], status['pwd'] = int(rc), pwd
                return
            keep = 0
            for k in range(min(len(held), len(needle) - 1), 0, -1):
                if held.endswith(needle[:k]):
                    keep = k
                    break
            out(held[:len(held) - keep])
            held = held[len(held) - keep:]

    def pump_err(self, tok):
        buf = b''
        fd = self.sh.stderr.fileno()
        while True:
            data = os.read(fd, 65536)
            if not data:
                return
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                text = line.decode('utf-8', 'replace')
                if text == tok:
                    return
                if text:
                    self.err.line(text + '\r\n')


def run_once(text):
    """powershell -EncodedCommand for a one-shot script: sh runs it, errors as CLIXML."""
    err = ErrorStream()
    proc = subprocess.Popen(['/bin/sh', '-c', sh_text(text)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def pump():
        for line in proc.stderr:
            err.line(line.decode('utf-8', 'replace').rstrip('\n') + '\r\n')
    t = threading.Thread(target=pump)
    t.start()
    for chunk in iter(lambda: proc.stdout.read1(65536), b''):
        out(chunk)
    t.join()
    rc = proc.wait()
    err.close()
    return rc & 0xff


def main(argv):
    # Ctrl-C (a WinRS ctrl_c reaches the process group) stops a script-run powershell.exe.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    root, deny, text, i = None, [], None, 0
    while i < len(argv):
        a = argv[i]
        low = a.lower()
        if a == '--sandbox':
            root, i = argv[i + 1], i + 2
            continue
        if a == '--deny-path':
            deny.append(argv[i + 1])
            i += 2
            continue
        if low in ('-encodedcommand', '-enc', '-e', '-ec'):
            text = base64.b64decode(argv[i + 1]).decode('utf-16-le')
            break
        if low in ('-command', '-c'):
            text = ' '.join(argv[i + 1:])
            break
        if low in ('-executionpolicy', '-ep', '-outputformat', '-inputformat'):
            i += 2
            continue
        i += 1
    if text is None:
        sys.stderr.write('nanosh stand-in: only -EncodedCommand and -Command are supported\r\n')
        return 1
    m = LOOP_RE.match(text)
    if m and os.environ.get('NANOSH_STANDIN_HOOK') == 'no-powershell':
        # Test hook: a host without powershell.exe, as cmd.exe reports it.
        sys.stderr.write("'powershell.exe' is not recognized as an internal or external command,\r\n"
                         "operable program or batch file.\r\n")
        return 1
    sandbox = Sandbox(root or os.getcwd(), deny)
    if m:
        return Loop(m.group(1), sandbox).run() & 0xff
    rc = standin_stream.run(text, sandbox.root, deny)
    if rc is not None:
        return rc
    if standin_stream.looks_like_stream_snippet(text):
        sys.stderr.write('nanosh stand-in: refusing a text that is not exactly one of snippets 9-15 '
                         '(docs/powershell-snippets.md, shell/ps/ps_snippets.c)\r\n')
        return 1
    if text.startswith(PROLOGUE):
        text = text[len(PROLOGUE):]
    return run_once(text)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
