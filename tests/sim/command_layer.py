#!/usr/bin/python3
"""The simulator's cmd.exe layer, end to end over WinRS: builtins, separators,
redirection, exit codes, the sandbox standing for C:\\, streaming and signals."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import Shell, Sim, Tap, parse_receive, receive_req, signal_req  # noqa: E402

t = Tap()
sim = Sim()
c = sim.client()
sh = Shell(c, '<rsp:Environment><rsp:Variable Name="Greeting">hello world</rsp:Variable></rsp:Environment>')


def run(line, stdin=None):
    return sh.run(line, stdin=stdin)[:3]


def check(line, out, code=0, err=b'', name=None):
    got = run(line)
    t.eq(got, (out, err, code), name or line)


check('echo hi', b'hi\r\n')
check('echo hi & exit 3', b'hi \r\n', 3, name='text before & keeps its blank, exit 3')
check('cmd.exe /c echo hi', b'hi\r\n', name='cmd.exe /c runs a nested command line')
check('echo.', b'\r\n', name='echo. prints an empty line')
check('echo', b'ECHO is on.\r\n', name='bare echo')
check('exit /b 2147942402', b'', 2147942402, name='exit /b takes a 32-bit unsigned code')
check('exit -1', b'', 4294967295, name='exit -1 is 4294967295 as Windows reports it')
check('exit 255', b'', 255)
check('nosuch-program', b'', 1,
      b"'nosuch-program' is not recognized as an internal or external command,\r\n"
      b"operable program or batch file.\r\n", name='unknown command: Windows text, exit 1')
check('echo a&& echo b', b'a\r\nb\r\n', name='&& runs on success')
check('nosuch 2>nul && echo no', b'', 1, name='&& skips after failure')
check('nosuch 2>nul || echo fallback', b'fallback\r\n', 1, name='|| runs after failure; echo keeps ERRORLEVEL')
check('echo %Greeting%', b'hello world\r\n', name='%VAR% from the Create Environment')
check('echo %UNDEFINED_VAR%', b'%UNDEFINED_VAR%\r\n', name='undefined %VAR% stays as typed')
check('set Greet', b'Greeting=hello world\r\n', name='set NAME lists matching variables')
check('echo %USERPROFILE%', b'C:\\Users\\admin\r\n')
check('cd', b'C:\\Users\\admin\r\n', name='working directory defaults to C:\\Users\\<user>')
t.ok(os.path.isdir(os.path.join(sim.sandbox, 'Users', 'admin')), 'the profile directory exists in the sandbox')
check('mkdir d1\\d2 & cd d1\\D2 & cd', b'C:\\Users\\admin\\d1\\d2\r\n', name='mkdir, cd (case-insensitive)')
check('echo data>f.txt& echo more>>f.txt& type f.txt', b'data\r\nmore\r\n', name='> and >> then type')
check('echo spaced > g.txt & type g.txt', b'spaced  \r\n', name='the blanks around > stay in echo\'s text, as in cmd')
t.ok(open(os.path.join(sim.sandbox, 'Users', 'admin', 'f.txt'), 'rb').read() == b'data\r\nmore\r\n',
     'the file is in the sandbox under Users\\admin')
check('type missing.txt 2>&1', b'The system cannot find the file specified.\r\n', 1, name='2>&1')
check('type missing.txt 2> err.txt & type err.txt', b'The system cannot find the file specified.\r\n', 0,
      name='2> file')
check('echo x> a.txt & copy a.txt b.txt & move b.txt c.txt & del a.txt & dir /b *.txt',
      b'        1 file(s) copied.\r\n        1 file(s) moved.\r\nc.txt\r\nerr.txt\r\nf.txt\r\ng.txt\r\n',
      name='copy, move, del, dir /b')
out, err, code = run('dir')
t.ok(code == 0 and b' Directory of C:\\Users\\admin\r\n' in out and b'c.txt\r\n' in out and b'<DIR>' in out,
     'dir lists the directory like Windows', out)
check('del nothing.txt', b'', 0, b'Could Not Find C:\\Users\\admin\\nothing.txt\r\n',
      name='del of a missing file reports it but exits 0, as cmd does')
check('cd ..\\..\\..\\..\\.. & cd', b'C:\\\r\n', name='.. stops at C:\\')
check('type C:\\..\\..\\..\\etc\\passwd', b'', 1, b'The system cannot find the file specified.\r\n',
      name='no escape from the sandbox through ..')
check('echo x> ..\\..\\..\\..\\..\\top.txt', b'', 0, name='write through many ..')
t.ok(os.path.exists(os.path.join(sim.sandbox, 'top.txt')) and
     not os.path.exists(os.path.join(os.path.dirname(sim.sandbox), 'top.txt')), '... lands in C:\\, inside')
os.symlink('/etc', os.path.join(sim.sandbox, 'outside'))
check('type C:\\outside\\hostname', b'', 1, b'Access is denied.\r\n', name='a symlink out of the sandbox is refused')
check('type D:\\x.txt', b'', 1, b'The system cannot find the drive specified.\r\n', name='other drives')
check('printf "%s|" a b | tr "|" -', b'a-b-', name='a Linux pipeline through /bin/sh')
check('echo piped| cat', b'piped\r\n', name='a builtin piped into a Linux command')
t.eq(run('cat', stdin=b'stdin data\n'), (b'stdin data\n', b'', 0), 'stdin from Send reaches cat')
t.eq(run('cmd /c "exit 7"'), (b'', b'', 7), 'cmd /c "..." passes its exit code on')

# Output streams while the command runs: the first chunk comes back in an early Receive.
cid = sh.start('printf first; sleep 2; printf second')
t0 = time.monotonic()
status, _, body = c.post(receive_req(sh.id, cid, timeout='PT10S'))
out, _, state, _ = parse_receive(body)
t.ok(status == 200 and out == b'first' and state == 'Running' and time.monotonic() - t0 < 1.5,
     'first output arrives before the command ends', (status, out, state, time.monotonic() - t0))
while True:
    status, _, body = c.post(receive_req(sh.id, cid, timeout='PT10S'))
    o, _, state, code = parse_receive(body)
    if state == 'Done':
        break
t.ok(o.endswith(b'second') and code == 0, 'the rest follows with Done')
c.post(signal_req(sh.id, cid))

# ctrl_c interrupts the process group; the exit code is STATUS_CONTROL_C_EXIT.
cid = sh.start('sleep 30')
c.post(receive_req(sh.id, cid, timeout='PT1S'))
t0 = time.monotonic()
status, _, _ = c.post(signal_req(sh.id, cid, 'ctrl_c'))
t.eq(status, 200, 'Signal ctrl_c answered')
while time.monotonic() - t0 < 10:
    status, _, body = c.post(receive_req(sh.id, cid, timeout='PT5S'))
    if status == 200 and parse_receive(body)[2] == 'Done':
        break
t.eq(parse_receive(body)[3], 3221225786, 'ctrl_c ends sleep with STATUS_CONTROL_C_EXIT')
c.post(signal_req(sh.id, cid))

# terminate and Delete kill what runs.
cid = sh.start('sh -c "echo $$; exec sleep 30"')
status, _, body = c.post(receive_req(sh.id, cid, timeout='PT5S'))
pid = int(parse_receive(body)[0])
c.post(signal_req(sh.id, cid, 'Terminate'))


def gone(pid, within=5):
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


t.ok(gone(pid), 'Signal Terminate (any letter case) kills the process')
cid = sh.start('sh -c "echo $$; exec sleep 30"')
status, _, body = c.post(receive_req(sh.id, cid, timeout='PT5S'))
pid = int(parse_receive(body)[0])
sh.delete()
t.ok(gone(pid), 'Delete kills the shell\'s processes')
t.eq(sim.state()['shells'], [], 'the state file shows no shell left')

# 5 MiB of output, split over Receives that each fit MaxEnvelopeSize.
sh2 = Shell(c)
cid = sh2.start('yes | head -c 5242880')
t0 = time.monotonic()
total, biggest, receives = 0, 0, 0
while True:
    status, _, body = c.post(receive_req(sh2.id, cid, timeout='PT10S', max_env='153600'))
    receives += 1
    biggest = max(biggest, len(body))
    o, _, state, code = parse_receive(body)
    total += len(o)
    if state == 'Done':
        break
t.ok(total == 5242880 and code == 0, '5 MiB arrive intact', total)
t.ok(biggest <= 153600, 'every reply fits MaxEnvelopeSize 153600', biggest)
t.ok(time.monotonic() - t0 < 10, '5 MiB take under 10 s (%.2fs, %d Receives)' % (time.monotonic() - t0, receives))
sh2.delete()
sim.stop()
t.done()
