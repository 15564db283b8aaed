#!/usr/bin/python3
"""The stand-in powershell.exe runs snippets 9-12 (docs/powershell-snippets.md, "9-12")
the way the cmd layer starts it: -EncodedCommand, the file's bytes on stdin/stdout.

The texts are built here from the format strings in shell/ps/ps_snippets.c, filled as
printf and ps_append_text fill them, so a change there that the stand-in does not
follow fails this test."""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import PYTHON, TOP, Tap  # noqa: E402
from snippet_texts import HEAD, TAIL, C, dec, finish_text, list_text, printf, read_text, sha, stat_text, write_text  # noqa: E402

STANDIN = os.path.join(TOP, 'tests', 'server', 'powershell_standin.py')
MIB = 1 << 20
assert HEAD and TAIL


t = Tap()
top_dir = tempfile.mkdtemp(prefix='nanosh-standin.')
SANDBOX = os.path.join(top_dir, 'c')
os.makedirs(os.path.join(SANDBOX, 'Temp'))


def argv(text, deny=()):
    enc = base64.b64encode(text.encode('utf-16-le')).decode()
    extra = [a for d in deny for a in ('--deny-path', d)]
    return ([PYTHON, STANDIN, '--sandbox', SANDBOX] + extra +
            ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', enc])


def ps(text, stdin=b'', deny=()):
    """(exit status, stdout, stderr) of one stand-in process."""
    p = subprocess.run(argv(text, deny), input=stdin, capture_output=True, cwd=SANDBOX, timeout=120)
    return p.returncode, p.stdout, p.stderr


def host(*parts):
    return os.path.join(SANDBOX, *parts)


def content(*parts):
    with open(host(*parts), 'rb') as f:
        return f.read()


# The C file has the four formats (else everything below is void).
t.ok(all(k in C for k in ('stream_stat_fmt', 'stream_write_fmt', 'stream_finish_fmt', 'stream_read_fmt')),
     'shell/ps/ps_snippets.c has stream_head, stream_tail and the four formats', sorted(C))
sys.path.insert(0, os.path.join(TOP, 'tests', 'server'))
import standin_stream  # noqa: E402
for c_name, copy in (('stream_head', 'HEAD'), ('stream_tail', 'TAIL'), ('stream_stat_fmt', 'STAT_FMT'),
                     ('stream_write_fmt', 'WRITE_FMT'), ('stream_finish_fmt', 'FINISH_FMT'),
                     ('stream_read_fmt', 'READ_FMT'), ('make_dir_fmt', 'MAKE_DIR_FMT'),
                     ('remove_part_fmt', 'REMOVE_PART_FMT'), ('list_dir_fmt', 'LIST_DIR_FMT')):
    t.eq(getattr(standin_stream, copy), C.get(c_name), 'the stand-in\'s %s is ps_snippets.c\'s %s' % (copy, c_name))

# --- 9 stat on nothing ---------------------------------------------------------------------------
t.eq(ps(stat_text('C:\\Temp\\a.bin', 'C:\\Temp\\a.bin.nanosh-1.part', -1)), (0, b'N\r\nN\r\n-\r\n', b''),
     '9: neither target nor part: N, N, -')
t.eq(ps(stat_text('C:\\Temp', 'C:\\Temp\\x.part', -1)), (0, b'D\r\nN\r\n-\r\n', b''), '9: a directory is D')

# --- 10 write, 11 finish, for sizes 0, 1 and 1 MiB + 1 --------------------------------------------
for size in (0, 1, MIB + 1):
    data = os.urandom(size)
    target, part = 'C:\\Temp\\f%d.bin' % size, 'C:\\Temp\\f%d.bin.nanosh-ab12.part' % size
    got = ps(write_text(part, 0, True), data)
    t.eq(got, (0, b'W %d\r\n' % size, b''), '10: %d bytes from stdin: W %d' % (size, size))
    t.ok(content('Temp', 'f%d.bin.nanosh-ab12.part' % size) == data, '10: the part holds the %d bytes' % size)
    t.eq(ps(stat_text(target, part, size)), (0, b'N\r\nF %d\r\n-\r\n' % size, b''),
         '9: the part is F %d, the target N' % size)
    got = ps(finish_text(part, target, size, sha(data), False))
    t.eq(got, (0, ('K %s\r\n' % sha(data)).encode(), b''), '11: hash matches, no target: K HASH (%d bytes)' % size)
    t.ok(content('Temp', 'f%d.bin' % size) == data and not os.path.exists(host('Temp', 'f%d.bin.nanosh-ab12.part' % size)),
         '11: renamed to the target, no part left (%d bytes)' % size)
    t.eq(ps(stat_text(target, part, -1)), (0, ('F %d\r\nN\r\n%s\r\n' % (size, sha(data))).encode(), b''),
         '9: target F %d with its SHA-256 (HASHIF -1)' % size)
t.eq(ps(stat_text('C:\\Temp\\f1.bin', 'C:\\Temp\\p', 1))[1], ('F 1\r\nN\r\n%s\r\n' % sha(content('Temp', 'f1.bin'))).encode(),
     '9: HASHIF equal to the size: hashed')
t.eq(ps(stat_text('C:\\Temp\\f1.bin', 'C:\\Temp\\p', 2))[1], b'F 1\r\nN\r\n-\r\n', '9: HASHIF another size: -')

# Parent directories are made; letter case follows what exists (C:\TEMP is C:\Temp).
data = b'line1\r\nline2\n\x00\xff\x1a' * 1000
got = ps(write_text('C:\\TEMP\\new\\deep\\x.part', 0, True), data)
t.eq(got, (0, b'W %d\r\n' % len(data), b''), '10: into directories that do not exist yet')
t.ok(content('Temp', 'new', 'deep', 'x.part') == data, '10: bytes raw (CR, LF, NUL, ^Z untouched), case of C:\\Temp kept')

# --- a Unicode name ------------------------------------------------------------------------------
uname = 'C:\\Temp\\Dïr ü\\файл €𝄞 ’$(x).bin'
data = os.urandom(5000)
t.eq(ps(write_text(uname + '.nanosh-1.part', 0, True), data)[0:2], (0, b'W 5000\r\n'), '10: a Unicode name')
t.eq(ps(finish_text(uname + '.nanosh-1.part', uname, 5000, sha(data), False))[0], 0, '11: a Unicode name')
t.ok(content('Temp', 'Dïr ü', 'файл €𝄞 ’$(x).bin') == data, 'the Unicode name is the host file\'s name')
t.eq(ps(read_text(uname, 0, 5000)), (0, data, b''), '12: reads the Unicode name back')

# --- resume: OpenOrCreate at an offset -----------------------------------------------------------
data = os.urandom(3 * MIB + 7)
part, target = 'C:\\Temp\\r.bin.nanosh-2.part', 'C:\\Temp\\r.bin'
half = 1234567
t.eq(ps(write_text(part, 0, True), data[:half])[1], b'W %d\r\n' % half, '10: the first part of a file')
t.eq(ps(stat_text(target, part, -1))[1], b'N\r\nF %d\r\n-\r\n' % half, '9: --resume learns how much is there')
t.eq(ps(write_text(part, half, False), data[half:]), (0, b'W %d\r\n' % len(data), b''),
     '10: OpenOrCreate at the offset continues it: W END')
t.ok(content('Temp', 'r.bin.nanosh-2.part') == data, '10: the resumed part is the whole file')
# OpenOrCreate does not truncate: a byte range in the middle leaves the rest (--streams).
t.eq(ps(write_text(part, 10, False), data[10:20])[1], b'W 20\r\n', '10: a byte range in the middle: W 20')
t.ok(content('Temp', 'r.bin.nanosh-2.part') == data, '10: OpenOrCreate keeps the bytes around the range')
# Create truncates.
t.eq(ps(write_text('C:\\Temp\\trunc.part', 0, True), b'long content')[0], 0, '10: Create a file')
t.eq(ps(write_text('C:\\Temp\\trunc.part', 0, True), b'ab')[1], b'W 2\r\n', '10: Create it again')
t.eq(content('Temp', 'trunc.part'), b'ab', '10: Create truncates what was there')
# Writing past the end: the gap is zeros, as FileStream.Position past the end leaves it.
t.eq(ps(write_text('C:\\Temp\\gap.part', 4, True), b'zz')[1], b'W 6\r\n', '10: from an offset past the end')
t.eq(content('Temp', 'gap.part'), b'\0\0\0\0zz', '10: ... the gap reads as zeros')

# --- finish: cut to size, mismatch, exists, force --------------------------------------------------
with open(host('Temp', 'r.bin.nanosh-2.part'), 'ab') as f:
    f.write(b'stale tail from an earlier, longer attempt')
t.eq(ps(finish_text(part, target, len(data), sha(data), False))[1], ('K %s\r\n' % sha(data)).encode(),
     '11: the part is cut to SIZE before it is hashed')
t.ok(content('Temp', 'r.bin') == data, '11: the target is the file')

good = os.urandom(100)
ps(write_text('C:\\Temp\\m.part', 0, True), good[:99] + b'X')
got = ps(finish_text('C:\\Temp\\m.part', 'C:\\Temp\\m.bin', 100, sha(good), False))
t.eq(got, (0, ('M %s\r\n' % sha(good[:99] + b'X')).encode(), b''), '11: hash mismatch: M and the host\'s hash')
t.ok(not os.path.exists(host('Temp', 'm.part')) and not os.path.exists(host('Temp', 'm.bin')),
     '11: mismatch removes the part and makes no target')

old = b'the old target'
with open(host('Temp', 'e.bin'), 'wb') as f:
    f.write(old)
new = os.urandom(64)
ps(write_text('C:\\Temp\\e.part', 0, True), new)
code, out, err = ps(finish_text('C:\\Temp\\e.part', 'C:\\Temp\\E.BIN', 64, sha(new), False))
t.eq((code, out, err), (1, b'', b'NANOSH-E exists Cannot create a file when that file already exists.\r\n'),
     '11 without force, target exists (other letter case): NANOSH-E exists, exit 1')
t.ok(content('Temp', 'e.bin') == old and not os.path.exists(host('Temp', 'e.part')),
     '11 without force: the target stays, the part is removed')
ps(write_text('C:\\Temp\\e.part', 0, True), new)
t.eq(ps(finish_text('C:\\Temp\\e.part', 'C:\\Temp\\e.bin', 64, sha(new), True)),
     (0, ('K %s\r\n' % sha(new)).encode(), b''), '11 with force: K')
t.ok(content('Temp', 'e.bin') == new and not os.path.exists(host('Temp', 'e.part')), '11 with force: replaced')
os.makedirs(host('Temp', 'adir'))
ps(write_text('C:\\Temp\\d.part', 0, True), new)
t.eq(ps(finish_text('C:\\Temp\\d.part', 'C:\\Temp\\adir', 64, sha(new), True))[0:3:2],
     (1, b'NANOSH-E exists Cannot create a file when that file already exists.\r\n'),
     '11 with force onto a directory: exists (Move refuses, Delete is for files)')
t.eq(ps(finish_text('C:\\Temp\\none.part', 'C:\\Temp\\none.bin', 1, sha(b'x'), False)),
     (1, b'', b"NANOSH-E notfound Could not find file 'C:\\Temp\\none.part'.\r\n"), '11: no part: notfound')

# --- 12 read ranges ------------------------------------------------------------------------------
src = 'C:\\Temp\\r.bin'
for off, n, name in ((0, len(data), 'the whole file'), (0, 1, 'the first byte'), (MIB, MIB + 3, 'a range over 1 MiB'),
                     (len(data) - 5, 100, 'past the end: only what is there'), (len(data), 10, 'at the end: nothing'),
                     (len(data) + 10, 10, 'beyond the end: nothing'), (17, 0, 'LEN 0: nothing')):
    t.eq(ps(read_text(src, off, n)), (0, data[off:off + n], b''), '12: %s' % name)
t.eq(ps(read_text('C:\\Temp\\nothing.bin', 0, 1)), (1, b'', b"NANOSH-E notfound Could not find file 'C:\\Temp\\nothing.bin'.\r\n"),
     '12: a missing file: notfound')
t.eq(ps(read_text('C:\\Nodir\\x.bin', 0, 1)),
     (1, b'', b"NANOSH-E notfound Could not find a part of the path 'C:\\Nodir\\x.bin'.\r\n"),
     '12: a missing directory: notfound, DirectoryNotFoundException\'s text')
t.eq(ps(read_text('C:\\Temp', 0, 1))[0:3:2], (1, b"NANOSH-E denied Access to the path 'C:\\Temp' is denied.\r\n"),
     '12: a directory: denied, as Windows says')

# --- --deny-path ---------------------------------------------------------------------------------
os.makedirs(host('Denied', 'sub'))
with open(host('Denied', 'sub', 'secret.bin'), 'wb') as f:
    f.write(b'secret')
deny = ['c:\\DENIED']
got = ps(write_text('C:\\Denied\\x.bin.nanosh-1.part', 0, True), b'data', deny)
t.eq(got, (1, b'', b"NANOSH-E denied Access to the path 'C:\\Denied\\x.bin.nanosh-1.part' is denied.\r\n"),
     '10 under --deny-path (other letter case): denied, Windows\'s text')
t.ok(not os.path.exists(host('Denied', 'x.bin.nanosh-1.part')), '10 denied: nothing written')
got = ps(write_text('C:\\denied\\new\\x.part', 0, True), b'data', deny)
t.ok(got[0] == 1 and got[2].startswith(b'NANOSH-E denied ') and not os.path.exists(host('Denied', 'new')),
     '10 denied: no directory made under it', got)
t.eq(ps(read_text('C:\\Denied\\sub\\secret.bin', 0, 6), deny=deny),
     (1, b'', b"NANOSH-E denied Access to the path 'C:\\Denied\\sub\\secret.bin' is denied.\r\n"), '12 denied')
t.eq(ps(stat_text('C:\\Denied\\sub\\secret.bin', 'C:\\Denied\\sub\\p', -1), deny=deny),
     (1, b'F 6\r\nN\r\n', b"NANOSH-E denied Access to the path 'C:\\Denied\\sub\\secret.bin' is denied.\r\n"),
     '9 denied: Exists answers, hashing is refused')
t.eq(ps(stat_text('C:\\Denied\\sub\\secret.bin', 'C:\\Denied\\sub\\p', 99), deny=deny),
     (0, b'F 6\r\nN\r\n-\r\n', b''), '9 denied but no hash asked: no error')
ps(write_text('C:\\Temp\\dn.part', 0, True), b'abc')
got = ps(finish_text('C:\\Temp\\dn.part', 'C:\\Denied\\dn.bin', 3, sha(b'abc'), False), deny=deny)
t.eq(got, (1, b'', b"NANOSH-E denied Access to the path 'C:\\Denied\\dn.bin' is denied.\r\n"),
     '11 to a denied target: denied')
t.ok(not os.path.exists(host('Temp', 'dn.part')) and not os.path.exists(host('Denied', 'dn.bin')),
     '11 denied without force: the part is removed, no target')
t.eq(ps(read_text('C:\\DeniedNot.bin', 0, 1), deny=deny)[2][:17], b'NANOSH-E notfound', 'a prefix is a path, not a string')
t.eq(ps(read_text('C:\\Temp\\f1.bin', 0, 1), deny=deny)[0], 0, 'paths outside --deny-path are not affected')

# --- 15 list a directory ---------------------------------------------------------------------------
def b64(name):
    return base64.b64encode(name.encode('utf-8')).decode()


def listing(out):
    """The lines after the first, as a set (no order is promised), and the first."""
    lines = out.decode('utf-8').split('\r\n')
    return lines[0], set(lines[1:-1]), lines[-1]


os.makedirs(host('Lst', 'a', 'b c'))
os.makedirs(host('Lst', 'empty'))
os.makedirs(host('Lst', 'lock', 'in'))
for rel, data in ((('top.bin',), b'12345'), (('a', '.x'), b''), (('a', 'b c', 'Dïr’s 𝄞'), b'z' * 7),
                  (('lock', 'in', 'secret'), b's')):
    with open(host('Lst', *rel), 'wb') as f:
        f.write(data)
code, out, err = ps(list_text('C:\\LST'))
first, rest, tail = listing(out)
t.eq((code, first, tail, err), (0, 'D', '', b''), '15: a directory (other letter case): D, CRLF lines, exit 0')
t.eq(rest, {'F 5 ' + b64('top.bin'), 'F 0 ' + b64('a\\.x'), 'F 7 ' + b64('a\\b c\\Dïr’s 𝄞'), 'F 1 ' + b64('lock\\in\\secret')},
     '15: every file at every level, with its size, its path below the directory as base64')
code, out, err = ps(list_text('C:\\Lst'), deny=['C:\\Lst\\Lock'])
first, rest, tail = listing(out)
t.eq((code, first, err), (0, 'D', b''), '15 with a denied subdirectory: D, exit 0')
t.eq(rest, {'F 5 ' + b64('top.bin'), 'F 0 ' + b64('a\\.x'), 'F 7 ' + b64('a\\b c\\Dïr’s 𝄞'),
            "U %s Access to the path 'C:\\Lst\\lock' is denied." % b64('lock')},
     '15 with a denied subdirectory: a U line with .NET\'s text, the rest listed')
t.eq(ps(list_text('C:\\Lst'), deny=['C:\\Lst']), (0, b"D\r\nU  Access to the path 'C:\\Lst' is denied.\r\n", b''),
     '15 on a denied directory: D, then U with an empty name')
t.eq(ps(list_text('C:\\Lst\\top.bin')), (0, b'F\r\n', b''), '15 on a file: F')
t.eq(ps(list_text('C:\\Lst\\none')), (0, b'N\r\n', b''), '15 on nothing: N')
os.symlink('..', host('Lst', 'a', 'loop'))    # a junction to its parent: followed, bounded
code, out, err = ps(list_text('C:\\Lst'))
t.eq((code, err), (1, b'NANOSH-E io the directory is more than 64 levels deep\r\n'),
     '15 through a junction that loops: the depth bound, kind io')
t.ok(out.startswith(b'D\r\n') and out.count(b'\r\n') > 60, '15 through a loop: what was listed came first')
os.unlink(host('Lst', 'a', 'loop'))

# The TAIL's kinds for errors no sandbox here can produce on demand.
import errno  # noqa: E402
for e, kind in ((OSError(errno.ENOSPC, 'No space left on device'), 'diskfull'),
                (OSError(errno.EDQUOT, 'Disk quota exceeded'), 'diskfull'),
                (PermissionError(errno.EACCES, 'Permission denied'), 'denied'),
                (FileExistsError(errno.EEXIST, 'File exists'), 'exists'),
                (NotADirectoryError(errno.ENOTDIR, 'Not a directory'), 'notfound'),
                (OSError(errno.EIO, 'Input/output error'), 'io')):
    t.eq(standin_stream.dotnet_error(e, 'C:\\x').kind, kind, 'errno %s is kind %s' % (errno.errorcode[e.errno], kind))

# --- exactly the documented texts ----------------------------------------------------------------
REFUSED = b'nanosh stand-in: refusing a text that is not exactly one of snippets 9-15'
texts = {
    'one character in the body': stat_text('C:\\Temp\\f1.bin', 'C:\\Temp\\p', -1).replace('SHA256', 'SHA255'),
    'one character in the head': write_text('C:\\Temp\\z.part', 0, True).replace('Stop', 'Stoq'),
    'one character in the tail': read_text('C:\\Temp\\f1.bin', 0, 1).replace("'diskfull'", "'diskful'"),
    'a mode nanosh does not send': write_text('C:\\Temp\\z.part', 0, True).replace("'Create'", "'Append'"),
    'a number with a leading zero': read_text('C:\\Temp\\f1.bin', 0, 1).replace('Position=0;', 'Position=00;'),
    'a lower-case hash': finish_text('C:\\Temp\\z.part', 'C:\\Temp\\z', 1, sha(b'x'), False).replace(sha(b'x'), sha(b'x').lower()),
    'a path as a quoted literal': read_text('C:\\Temp\\f1.bin', 0, 1).replace(dec('C:\\Temp\\f1.bin'), "'C:\\Temp\\f1.bin'"),
    'a trailing blank': read_text('C:\\Temp\\f1.bin', 0, 1) + ' ',
    'one character in 15': list_text('C:\\Temp').replace("'U '", "'V '"),
    '15 with a deeper bound': list_text('C:\\Temp').replace('-ge 64', '-ge 65'),
}
for name, text in texts.items():
    code, out, err = ps(text, b'payload')
    t.ok(code == 1 and out == b'' and REFUSED in err, 'refused: %s' % name, (code, out, err))
t.ok(not os.path.exists(host('Temp', 'z.part')), 'a refused text wrote nothing')

# --- streaming: 64 MiB through 10 and 12 without the file in memory -------------------------------
BIG = 64 * MIB
block = os.urandom(MIB)
# Each big stand-in runs under a small wrapper that reports its peak RSS: measured from
# this test, a child would count this process's memory from before its exec.
WRAP = ('import resource, subprocess, sys\n'
        'rc = subprocess.call(sys.argv[2:])\n'
        'open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n'
        'sys.exit(rc)\n')
rss_file = os.path.join(top_dir, 'rss')


def peak_mib():
    with open(rss_file) as f:
        return int(f.read()) / 1024


p = subprocess.Popen([PYTHON, '-c', WRAP, rss_file] + argv(write_text('C:\\Temp\\big.part', 0, True)), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=SANDBOX)


def feed():
    for _ in range(BIG // MIB):
        p.stdin.write(block)
    p.stdin.close()


th = threading.Thread(target=feed)
th.start()
out, err = p.stdout.read(), p.stderr.read()    # stderr is a line at most
th.join()
p.wait(60)
t.eq((p.returncode, out, err), (0, b'W %d\r\n' % BIG, b''), '10: 64 MiB from stdin')
write_rss = peak_mib()
h = hashlib.sha256()
for _ in range(BIG // MIB):
    h.update(block)
big_hash = h.hexdigest().upper()
t.eq(ps(finish_text('C:\\Temp\\big.part', 'C:\\Temp\\big.bin', BIG, big_hash, False))[1],
     ('K %s\r\n' % big_hash).encode(), '11: 64 MiB hashed and renamed')
p = subprocess.Popen([PYTHON, '-c', WRAP, rss_file] + argv(read_text('C:\\Temp\\big.bin', 0, BIG)),
                     stdout=subprocess.PIPE, cwd=SANDBOX)
h, total = hashlib.sha256(), 0
for chunk in iter(lambda: p.stdout.read(MIB), b''):
    h.update(chunk)
    total += len(chunk)
p.wait(60)
t.ok(p.returncode == 0 and total == BIG and h.hexdigest().upper() == big_hash, '12: 64 MiB to stdout, same hash')
read_rss = peak_mib()
t.ok(write_rss < 40, '10 did not hold the 64 MiB in memory (peak RSS %.1f MiB)' % write_rss)
t.ok(read_rss < 40, '12 did not hold the 64 MiB in memory (peak RSS %.1f MiB)' % read_rss)

shutil.rmtree(top_dir, ignore_errors=True)
t.done()
