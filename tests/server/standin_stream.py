"""Snippets 9-12 for the stand-in powershell.exe: push and pull over WinRM, streamed
(docs/powershell-snippets.md, "9-12"), 13, making a directory (bootstrap's share),
14, removing a partial copy that will not be resumed (bootstrap's), and 15, listing a
directory every level down (pull -r).

Each runs as its own `powershell.exe -EncodedCommand` process. The texts below are
copies of stream_head, stream_tail and stream_*_fmt in shell/ps/ps_snippets.c, which
are the contract: only a text that is exactly one of them, filled the way nanosh
fills it, is run; anything else is refused, so the two cannot drift apart
(tests/sim/stream_snippets.py builds its texts from the C file).

What each does follows the .NET calls of the text on the sandbox (tests/server/sandbox.py
maps C:\\ to a directory, matching existing names without regard to case, as NTFS does):
stdout lines end in CRLF as the console writes them; the file bytes of 10 and 12 travel
raw on stdin/stdout, 1 MiB at a time, never the whole file in memory. A failure is
the TAIL's: one line "NANOSH-E KIND MESSAGE" on stderr (no CLIXML: [Console]::Error
writes straight to the handle) and exit status 1, KIND as the TAIL derives it from
the .NET exception the Windows call would throw.

--deny-path PREFIX (a Windows path, any letter case) stands for an ACL that refuses
the account: opening, creating, deleting, renaming or hashing a path at or under
PREFIX throws UnauthorizedAccessException. [IO.File]::Exists and
[IO.Directory]::Exists still answer (they need only the attributes, which a
listing grants), so snippet 9 reports such a target and fails when it hashes it.
Snippet 15 lists files under a denied directory's parent as usual, but enumerating a
directory at or under PREFIX fails: a line "U B64DIR Access to the path '...' is
denied." and the listing goes on (B64DIR empty when it is the listed directory).
"""
import collections
import errno
import hashlib
import os
import re

from sandbox import Sandbox, SandboxError

# User text arrives as base64 of UTF-8 decoded on the host (docs/powershell-snippets.md,
# "Quoting"); FromBase64String throws on anything but base64, so the pattern takes only that.
DEC = (r"\(\[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String\("
       r"'((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)'\)\)\)")

# --- copies of shell/ps/ps_snippets.c -------------------------------------------------------
HEAD = "$ProgressPreference='SilentlyContinue';$ErrorActionPreference='Stop';try{"
TAIL = ("}catch{$e=$_.Exception;while($e.InnerException){$e=$e.InnerException};$k='io';"
        "$c=$e.HResult -band 65535;if($e -is [UnauthorizedAccessException]){$k='denied'}"
        "elseif($e -is [IO.FileNotFoundException] -or $e -is [IO.DirectoryNotFoundException])"
        "{$k='notfound'}elseif($c -eq 39 -or $c -eq 112){$k='diskfull'}"
        "elseif($c -eq 80 -or $c -eq 183){$k='exists'};"
        "[Console]::Error.WriteLine('NANOSH-E '+$k+' '+$e.Message);exit 1}")
STAT_FMT = ("%s$p=%s;$t=%s;$l=%lld;foreach($x in $p,$t){if([IO.File]::Exists($x))"
            "{'F '+(New-Object IO.FileInfo $x).Length}elseif([IO.Directory]::Exists($x)){'D'}"
            "else{'N'}};if([IO.File]::Exists($p) -and ($l -lt 0 -or "
            "(New-Object IO.FileInfo $p).Length -eq $l))"
            "{(Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash}else{'-'}%s")
WRITE_FMT = ("%s$t=%s;[void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($t));"
             "$f=[IO.File]::Open($t,'%s','Write','ReadWrite');try{$f.Position=%llu;"
             "[Console]::OpenStandardInput().CopyTo($f,1048576);'W '+$f.Position}"
             "finally{$f.Close()}%s")
FINISH_FMT = ("%s$t=%s;$p=%s;$f=[IO.File]::Open($t,'Open','Write','None');"
              "try{$f.SetLength(%llu)}finally{$f.Close()};"
              "$h=(Get-FileHash -Algorithm SHA256 -LiteralPath $t).Hash;"
              "if($h -ne '%s'){[IO.File]::Delete($t);'M '+$h}else{if(%s){if([IO.File]::Exists($p))"
              "{[IO.File]::Delete($p)};[IO.File]::Move($t,$p)}else{try{[IO.File]::Move($t,$p)}"
              "catch{[IO.File]::Delete($t);throw}};'K '+$h}%s")
READ_FMT = ("%s$s=%s;$f=[IO.File]::Open($s,'Open','Read','ReadWrite');try{$f.Position=%llu;"
            "$o=[Console]::OpenStandardOutput();$b=New-Object byte[] 1048576;$r=[long]%llu;"
            "while($r -gt 0){$n=$f.Read($b,0,[int][Math]::Min($r,$b.Length));if($n -le 0){break};"
            "$o.Write($b,0,$n);$r-=$n};$o.Flush()}finally{$f.Close()}%s")
MAKE_DIR_FMT = "%s[void][IO.Directory]::CreateDirectory(%s);'D'%s"
REMOVE_PART_FMT = ("%s$t=%s;if($t -cnotmatch '^(?:[A-Za-z]:)?[^:]*\\.nanosh-[0-9a-f]{16}\\.part\\z')"
                   "{throw 'refused: not a partial copy of nanosh (NAME.nanosh-ID.part)'}"
                   "elseif([IO.File]::Exists($t)){[IO.File]::Delete($t);'R'}else{'N'}%s")
LIST_DIR_FMT = ("%s$r=%s;if([IO.Directory]::Exists($r)){'D';$q=New-Object Collections.Generic.Queue[string];"
                "$q.Enqueue('');$c=0;$g=0;while($q.Count -gt 0){$d=$q.Dequeue();$a=$null;"
                "try{$a=@((New-Object IO.DirectoryInfo ([IO.Path]::Combine($r,$d))).EnumerateFileSystemInfos())}"
                "catch{$x=$_.Exception;while($x.InnerException){$x=$x.InnerException};"
                "'U '+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($d))+' '+"
                "($x.Message -replace '\\s+',' ')};foreach($i in $a){$n=$i.Name;if($d){$n=$d+'\\'+$n};"
                "if($i -is [IO.DirectoryInfo]){if($n.Split('\\').Count -ge 64)"
                "{throw 'the directory is more than 64 levels deep'};$g++;if($g -gt 100000)"
                "{throw 'the directory holds more than 100000 directories'};$q.Enqueue($n)}"
                "else{$c++;if($c -gt 100000){throw 'the directory holds more than 100000 files'};"
                "'F '+$i.Length+' '+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($n))}}}}"
                "elseif([IO.File]::Exists($r)){'F'}else{'N'}%s")
# Snippet 14's -cnotmatch pattern (case-sensitive) as Python reads it; .NET's \z is Python's \Z.
PART_NAME = re.compile(r'(?:[A-Za-z]:)?[^:]*\.nanosh-[0-9a-f]{16}\.part\Z')

# What each %s of a format stands for; %lld and %llu are decimal numbers as printf writes them.
FIELD = {'head': re.escape(HEAD), 'tail': re.escape(TAIL), 'path': DEC,
         'mode': '(Create|OpenOrCreate)', 'hash': '([0-9A-F]{64})', 'force': r'(\$true|\$false)',
         '%lld': '(0|-?[1-9][0-9]*)', '%llu': '(0|[1-9][0-9]*)'}
CHUNK = 1 << 20      # CopyTo's and snippet 12's buffer: 1048576


def pattern(fmt, roles):
    """The regex that matches exactly the texts printf makes of fmt; roles name its %s."""
    literals = re.split(r'%(?:lld|llu|s)', fmt)
    specs = re.findall(r'%(?:lld|llu|s)', fmt)
    roles = iter(roles)
    fields = [FIELD[next(roles)] if s == '%s' else FIELD[s] for s in specs]
    body = ''.join(re.escape(lit) + f for lit, f in zip(literals, fields)) + re.escape(literals[-1])
    return re.compile('^' + body + '$', re.S)


STAT = pattern(STAT_FMT, ('head', 'path', 'path', 'tail'))
WRITE = pattern(WRITE_FMT, ('head', 'path', 'mode', 'tail'))
FINISH = pattern(FINISH_FMT, ('head', 'path', 'path', 'hash', 'force', 'tail'))
READ = pattern(READ_FMT, ('head', 'path', 'tail'))
MAKE_DIR = pattern(MAKE_DIR_FMT, ('head', 'path', 'tail'))
REMOVE_PART = pattern(REMOVE_PART_FMT, ('head', 'path', 'tail'))
LIST_DIR = pattern(LIST_DIR_FMT, ('head', 'path', 'tail'))


class PsError(Exception):
    """A .NET exception as the TAIL sees it: its kind and its Message."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message


def dotnet_error(e, win):
    """The kind and Windows message of the exception .NET throws where Python raised e."""
    if isinstance(e, PsError):
        return e
    if isinstance(e, SandboxError):
        if 'drive' in str(e):
            return PsError('notfound', "Could not find a part of the path '%s'." % win)
        return PsError('denied', "Access to the path '%s' is denied." % win)
    if isinstance(e, (PermissionError, IsADirectoryError)):
        # Opening a directory as a file is UnauthorizedAccessException on Windows too.
        return PsError('denied', "Access to the path '%s' is denied." % win)
    if isinstance(e, FileExistsError):
        return PsError('exists', 'Cannot create a file when that file already exists.')
    if isinstance(e, (FileNotFoundError, NotADirectoryError)):
        return PsError('notfound', "Could not find file '%s'." % win)
    if getattr(e, 'errno', None) in (errno.ENOSPC, errno.EDQUOT):
        return PsError('diskfull', 'There is not enough space on the disk.')
    return PsError('io', getattr(e, 'strerror', None) or str(e))


class Host:
    """The sandbox as [IO.File] and [IO.Directory] see it, with --deny-path."""

    def __init__(self, root, deny=(), cwd=None):
        self.sandbox = Sandbox(root)
        here = os.path.realpath(cwd or os.getcwd())
        inside = here == self.sandbox.root or here.startswith(self.sandbox.root + os.sep)
        # [IO.File] resolves a relative path against the process's directory.
        self.cwd = self.sandbox.to_windows(here) if inside else 'C:\\'
        self.deny = [self.sandbox.normalize(d).rstrip('\\').lower() for d in deny]

    def full(self, win):
        """Path.GetFullPath: the absolute Windows form, as .NET puts it in messages."""
        try:
            return self.sandbox.normalize(win, self.cwd)
        except SandboxError:
            return win

    def denied(self, win):
        full = self.full(win).lower()
        return any(full == d or full.startswith(d + '\\') for d in self.deny)

    def path(self, win):
        """The real path for an operation on win: PsError when the account may not."""
        full = self.full(win)
        if self.denied(full):
            raise PsError('denied', "Access to the path '%s' is denied." % full)
        try:
            return self.sandbox.to_host(full)
        except SandboxError as e:
            raise dotnet_error(e, full)

    def exists(self, win, test):
        """[IO.File]::Exists / [IO.Directory]::Exists: never throws, false when unmappable."""
        try:
            return test(self.sandbox.to_host(self.full(win)))
        except SandboxError:
            return False

    def call(self, win, fn, *args):
        """fn(*args), a Python error turned into the .NET one for win."""
        try:
            return fn(*args)
        except OSError as e:
            full = self.full(win)
            err = dotnet_error(e, full)
            if err.kind == 'notfound' and not self.exists(parent_of(full), os.path.isdir):
                err = PsError('notfound', "Could not find a part of the path '%s'." % full)
            raise err


def parent_of(win):
    """[IO.Path]::GetDirectoryName of a full path (C:\\ for a file in the root)."""
    head = win.rstrip('\\').rsplit('\\', 1)[0]
    return head + '\\' if head.endswith(':') else head


def say(line):
    """One line of PowerShell output on the console: CRLF."""
    os.write(1, (line + '\r\n').encode('utf-8'))


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def sha256_hex(host):
    h = hashlib.sha256()
    with open(host, 'rb') as f:
        for block in iter(lambda: f.read(CHUNK), b''):
            h.update(block)
    return h.hexdigest().upper()


def stat(host, p, t, hash_if):
    """9: 'F SIZE', 'D' or 'N' for p then t, then p's SHA-256 or '-'."""
    for x in (p, t):
        if host.exists(x, os.path.isfile):
            size = os.path.getsize(host.sandbox.to_host(host.full(x)))
            # Test hooks: a host that understates a file's size, or claims more than any
            # disk holds (pull must not trust either).
            if HOOK == 'understate-get-size' and x is p:
                size //= 2
            elif HOOK == 'huge-get-size' and x is p:
                size = 1 << 60
            say('F %d' % size)
        elif host.exists(x, os.path.isdir):
            say('D')
        else:
            say('N')
    if host.exists(p, os.path.isfile):
        real = host.sandbox.to_host(host.full(p))
        if hash_if < 0 or os.path.getsize(real) == hash_if:
            say(host.call(p, sha256_hex, host.path(p)))
            return
    say('-')


def write(host, t, mode, offset):
    """10: stdin from offset to t (parents made; Create truncates), then 'W END'."""
    parent = parent_of(host.full(t))
    if not host.exists(parent, os.path.isdir):     # CreateDirectory of one that exists does nothing
        host.call(parent, os.makedirs, host.path(parent), 0o777, True)
    real = host.path(t)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if mode == 'Create' else 0)
    fd = host.call(t, os.open, real, flags, 0o666)
    try:
        pos = os.lseek(fd, offset, os.SEEK_SET)
        while True:
            data = os.read(0, CHUNK)
            if not data:
                break
            host.call(t, write_all, fd, data)
            pos += len(data)
    finally:
        os.close(fd)
    say('W %d' % pos)


def move(host, t, p):
    """[IO.File]::Move: refuses an existing destination, file or directory."""
    src, dst = host.path(t), host.path(p)
    if os.path.lexists(dst):
        raise PsError('exists', 'Cannot create a file when that file already exists.')
    host.call(t, os.rename, src, dst)


def finish(host, t, p, size, want, force):
    """11: t cut to size and hashed; renamed to p when the hash is want ('K'), else removed ('M')."""
    real = host.path(t)
    if os.path.isdir(real):
        raise PsError('denied', "Access to the path '%s' is denied." % host.full(t))
    fd = host.call(t, os.open, real, os.O_WRONLY)
    try:
        host.call(t, os.ftruncate, fd, size)
    finally:
        os.close(fd)
    got = host.call(t, sha256_hex, real)
    if got != want:
        host.call(t, os.unlink, real)
        say('M ' + got)
        return
    if force:
        if host.exists(p, os.path.isfile):
            host.call(p, os.unlink, host.path(p))
        move(host, t, p)
    else:
        try:
            move(host, t, p)
        except PsError:
            host.call(t, os.unlink, host.path(t))
            raise
    say('K ' + got)


def read(host, s, offset, length):
    """12: length bytes of s from offset to stdout, raw; fewer at the end of the file."""
    real = host.path(s)
    if os.path.isdir(real):
        raise PsError('denied', "Access to the path '%s' is denied." % host.full(s))
    fd = host.call(s, os.open, real, os.O_RDONLY)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        left = length
        while left > 0:
            data = host.call(s, os.read, fd, min(left, CHUNK))
            if not data:
                break
            write_all(1, data)
            left -= len(data)
        if HOOK == 'oversize-get-chunk':     # test hook: a host that sends more than asked
            write_all(1, os.urandom(1000))
    finally:
        os.close(fd)


def make_dir(host, d):
    """13: [IO.Directory]::CreateDirectory (parents too; nothing when it exists), then 'D'.
    A file in the way is IOException (ERROR_ALREADY_EXISTS, kind 'exists')."""
    full = host.full(d)
    real = host.path(full)
    if os.path.isdir(real):
        say('D')
        return
    if os.path.lexists(real):
        raise PsError('exists', "Cannot create '%s' because a file or directory with the same name already "
                      "exists." % full)
    host.call(full, os.makedirs, real, 0o777, True)
    say('D')


def remove_part(host, t):
    """14: t removed ('R') when its name is a partial copy's and it is a file, 'N' when there
    is no such file. Any other name: `throw 'refused: ...'`, a RuntimeException whose HResult
    is none the TAIL knows, so kind 'io'; nothing is touched."""
    if not PART_NAME.match(t):
        raise PsError('io', 'refused: not a partial copy of nanosh (NAME.nanosh-ID.part)')
    if host.exists(t, os.path.isfile):
        host.call(t, os.unlink, host.path(t))
        say('R')
    else:
        say('N')


# Snippet 15's bounds (shell/push/remote_list.h): levels, files, directories.
LIST_DEPTH_MAX, LIST_FILES_MAX, LIST_DIRS_MAX = 64, 100000, 100000


def b64_utf8(name):
    """[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(NAME)); a Linux name that
    is not UTF-8 stands for one that is (its bad bytes as U+FFFD, as .NET would encode them)."""
    import base64
    return base64.b64encode(name.encode('utf-8', 'replace')).decode()


def list_dir(host, r):
    """15: 'D', then breadth first 'F SIZE B64NAME' for each file and 'U B64DIR MESSAGE'
    for each directory EnumerateFileSystemInfos cannot read (at or under --deny-path, or a
    link that leaves the sandbox), the listing going on; 'F' for a file, 'N' for nothing.
    Symbolic links to directories are followed, as junctions are on Windows; a link to a
    file (or a broken one) is a file of size 0, as the enumeration reports a reparse point."""
    full = host.full(r)
    if HOOK == 'hostile-list':
        return hostile_list(full.rsplit('\\', 1)[-1])
    if not host.exists(r, os.path.isdir):
        say('F' if host.exists(r, os.path.isfile) else 'N')
        return
    say('D')
    queue, files, dirs = collections.deque(['']), 0, 0
    while queue:
        d = queue.popleft()
        win = full if not d else full.rstrip('\\') + '\\' + d      # [IO.Path]::Combine
        try:
            real = host.path(win)
            entries = sorted(os.listdir(real), key=str.upper)       # NTFS: by upper-cased name
        except (PsError, OSError) as e:
            err = dotnet_error(e, host.full(win))
            say('U ' + b64_utf8(d) + ' ' + re.sub(r'\s+', ' ', err.message))
            continue
        for name in entries:
            n = d + '\\' + name if d else name
            path = os.path.join(real, name)
            if os.path.isdir(path):
                if len(n.split('\\')) >= LIST_DEPTH_MAX:
                    raise PsError('io', 'the directory is more than 64 levels deep')
                dirs += 1
                if dirs > LIST_DIRS_MAX:
                    raise PsError('io', 'the directory holds more than 100000 directories')
                queue.append(n)
            else:
                files += 1
                if files > LIST_FILES_MAX:
                    raise PsError('io', 'the directory holds more than 100000 files')
                size = 0 if os.path.islink(path) else os.lstat(path).st_size
                say('F %d %s' % (size, b64_utf8(n)))



def hostile_list(case):
    """Test hook 'hostile-list': a host whose listing is not snippet 15's, chosen by the
    last name of the listed path (nanosh must refuse each, tests/push/test_winrm_copy.c)."""
    lines = {
        'badfirst': ['Directory'],
        'afterfile': ['F', 'F 1 ' + b64_utf8('x')],
        'badb64': ['D', 'F 1 not*base64'],
        'nulname': ['D', 'F 1 ' + b64_utf8('a\0b')],
        'nosize': ['D', 'F  ' + b64_utf8('x')],
        'hugesize': ['D', 'F 99999999999999999999999 ' + b64_utf8('x')],
        'wrapped': ['D', 'F 1 ' + b64_utf8('x' * 300)[:80], b64_utf8('x' * 300)[80:]],
        'unknown': ['D', 'X 1 ' + b64_utf8('x')],
        'longline': ['D', 'F 1 ' + 'QUFB' * 70000],
    }.get(case, [])
    for line in lines:
        say(line)
    if case == 'toomany':                 # one file more than remote_list.h's bound
        say('D')
        for i in range(0, LIST_FILES_MAX + 1, 1000):
            write_all(1, ''.join('F 1 %s\r\n' % b64_utf8('f%d' % k)
                                 for k in range(i, min(i + 1000, LIST_FILES_MAX + 1))).encode())
    if case == 'toobig':                  # 65 MiB of blank lines: more than nanosh reads
        say('D')
        for _ in range(65):
            write_all(1, b'\r\n' * (CHUNK // 2))
    if case == 'nocrlf':                  # a listing whose last line has no CRLF is whole
        say('D')
        os.write(1, ('F 4 ' + b64_utf8('last')).encode())


HOOK = os.environ.get('NANOSH_STANDIN_HOOK', '')


def decoded(b64):
    """[Text.Encoding]::UTF8.GetString: invalid UTF-8 becomes U+FFFD, as in .NET."""
    import base64
    return base64.b64decode(b64, validate=True).decode('utf-8', 'replace')


SNIPPETS = (
    (STAT, lambda host, g: stat(host, decoded(g[0]), decoded(g[1]), int(g[2]))),
    (WRITE, lambda host, g: write(host, decoded(g[0]), g[1], int(g[2]))),
    (FINISH, lambda host, g: finish(host, decoded(g[0]), decoded(g[1]), int(g[2]), g[3], g[4] == '$true')),
    (READ, lambda host, g: read(host, decoded(g[0]), int(g[1]), int(g[2]))),
    (MAKE_DIR, lambda host, g: make_dir(host, decoded(g[0]))),
    (REMOVE_PART, lambda host, g: remove_part(host, decoded(g[0]))),
    (LIST_DIR, lambda host, g: list_dir(host, decoded(g[0]))),
)


def run(text, root, deny=()):
    """The exit status of text when it is one of snippets 9-15, else None."""
    for regex, job in SNIPPETS:
        m = regex.match(text)
        if m:
            break
    else:
        return None
    try:
        job(Host(root, deny), m.groups())
    except (PsError, OSError) as e:
        err = dotnet_error(e, '')
        os.write(2, ('NANOSH-E %s %s\r\n' % (err.kind, err.message)).encode('utf-8'))
        return 1
    return 0


def looks_like_stream_snippet(text):
    """A text that starts or ends as 9-15 do: one that does not match exactly is refused,
    never run, so a changed text in ps_snippets.c fails the tests. Two markers, so that
    one changed character anywhere still leaves one of them."""
    return text.startswith("$ProgressPreference='SilentlyContinue';$ErrorActionPreference") \
        or 'NANOSH-E' in text
