#!/usr/bin/python3
"""Snippets 9-12 over WinRS against the simulator: the file's bytes in many Sends to one
powershell.exe and back in Receives, --deny-path passed down to the stand-in, and
--fault-drop-after-stdin-bytes: a connection lost mid-upload keeps the partial file, and
a resume on a new connection completes it."""
import hashlib
import http.client
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import Client, Shell, Sim, Tap, parse_receive, receive_req, send_req, signal_req  # noqa: E402
from snippet_texts import encoded_command, finish_text, read_text, sha, stat_text, write_text  # noqa: E402

KIB = 1024
CHUNK = 96 * KIB          # one Send's payload, as a 150 KiB envelope would carry
t = Tap()


def start(sh, text):
    return sh.start(*encoded_command(text))


def send_all(c, sh, cid, data, end=True):
    """Sends data in CHUNK pieces (the last with End); returns how many Sends went."""
    n = 0
    for off in range(0, len(data), CHUNK):
        last = off + CHUNK >= len(data)
        status, _, body = c.post(send_req(sh.id, cid, data[off:off + CHUNK], end=end and last))
        if status != 200:
            raise RuntimeError('Send failed: %d %s' % (status, body[:300]))
        n += 1
    if not data and end:
        c.post(send_req(sh.id, cid, b'', end=True))
    return n


def collect(c, sh, cid, limit=60, terminate=True):
    """(stdout, stderr, exit code) once the command is Done; then Signal terminate."""
    out = err = b''
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        status, _, body = c.post(receive_req(sh.id, cid, timeout='PT5S'))
        if status == 500 and b'w:TimedOut' in body:
            continue
        if status != 200:
            raise RuntimeError('Receive failed: %d %s' % (status, body[:300]))
        o, e, state, code = parse_receive(body)
        out, err = out + o, err + e
        if state == 'Done':
            if terminate:
                c.post(signal_req(sh.id, cid))
            return out, err, code
    raise RuntimeError('command did not finish in %ds' % limit)


def run(c, sh, text, stdin=None):
    cid = start(sh, text)
    if stdin is not None:
        send_all(c, sh, cid, stdin)
    return collect(c, sh, cid)


# --- streaming through WinRS, and --deny-path -------------------------------------------------------
sim = Sim('--deny-path', 'C:\\Denied', '--deny-path', 'c:/locked/inner')
c = sim.client()
sh = Shell(c)
data = os.urandom(1024 * KIB + 1)
cid = start(sh, write_text('C:\\Up\\a.bin.nanosh-9.part', 0, True))
sends = send_all(c, sh, cid, data)
t.eq(collect(c, sh, cid, terminate=False), (b'W %d\r\n' % len(data), b'', 0),
     '10 over WinRS: 1 MiB + 1 in %d Sends to one process' % sends)
t.ok(sends > 10, 'the file went in many Sends, not one', sends)
cmds = [cmd for s in sim.state()['shells'] for cmd in s['commands'] if cmd['id'] == cid]
t.ok(cmds and cmds[0]['stdin_bytes'] == len(data), 'the state file counts the stdin bytes of the command', cmds)
c.post(signal_req(sh.id, cid))
t.eq(run(c, sh, finish_text('C:\\Up\\a.bin.nanosh-9.part', 'C:\\Up\\a.bin', len(data), sha(data), False)),
     (('K %s\r\n' % sha(data)).encode(), b'', 0), '11 over WinRS: K')
t.eq(run(c, sh, stat_text('C:\\Up\\a.bin', 'C:\\Up\\a.bin.nanosh-9.part', -1)),
     (('F %d\r\nN\r\n%s\r\n' % (len(data), sha(data))).encode(), b'', 0), '9 over WinRS')
t.eq(run(c, sh, read_text('C:\\Up\\a.bin', 0, len(data))), (data, b'', 0),
     '12 over WinRS: the bytes come back raw in the Receives')
got = run(c, sh, write_text('C:\\DENIED\\x.part', 0, True), b'abc')
t.eq(got, (b'', b"NANOSH-E denied Access to the path 'C:\\DENIED' is denied.\r\n", 1),
     'winrm_sim.py --deny-path reaches the stand-in: CreateDirectory of C:\\DENIED is denied, exit 1')
got = run(c, sh, write_text('C:\\Locked\\Inner\\y.part', 0, True), b'abc')
t.ok(got[2] == 1 and got[1].startswith(b'NANOSH-E denied '), 'a second --deny-path, written with /', got)
got = run(c, sh, write_text('C:\\Locked\\y.part', 0, True), b'abc')
t.eq(got[::2], (b'W 3\r\n', 0), '... its parent is not denied')
t.ok(not os.path.exists(os.path.join(sim.sandbox, 'Denied')), 'nothing was made under C:\\Denied')

# Backpressure: past 8 MiB queued for a process that does not read yet, a Send waits.
cid = sh.start('sh -c "sleep 2; wc -c"')
statuses, piece = set(), 256 * KIB
for i in range(48):
    statuses.add(c.post(send_req(sh.id, cid, b'x' * piece, end=i == 47))[0])
waits = [cmd['stdin_waits'] for s in sim.state()['shells'] for cmd in s['commands'] if cmd['id'] == cid]
out, err, code = collect(c, sh, cid)
t.eq((statuses, out.strip(), code), ({200}, b'%d' % (48 * piece), 0), '12 MiB of Sends reach a process that reads late')
t.ok(waits and waits[0] >= 1, 'a Send waited while 8 MiB were queued (the server counted %s)' % waits)
sh.delete()
sim.stop()

# --- a connection killed mid-upload, then --resume ---------------------------------------------------
LIMIT = 1000 * KIB
sim = Sim('--fault-drop-after-stdin-bytes', str(LIMIT))
t.eq(sim.state()['fault_stdin_drop'], {'limit': LIMIT, 'fired': False, 'command_id': None,
                                      'stdin_bytes_delivered': 0}, 'the state file shows the armed fault')
c = sim.client()
sh = Shell(c)
data = os.urandom(3 * 1024 * KIB)
part, target = 'C:\\Up\\big.bin.nanosh-7.part', 'C:\\Up\\big.bin'
part_host = os.path.join(sim.sandbox, 'Up', 'big.bin.nanosh-7.part')
cid = start(sh, write_text(part, 0, True))
sent, dropped = 0, None
for off in range(0, len(data), CHUNK):
    try:
        status, _, _ = c.post(send_req(sh.id, cid, data[off:off + CHUNK], end=off + CHUNK >= len(data)))
    except (http.client.HTTPException, ConnectionError) as e:
        dropped = e
        break
    if status != 200:
        break
    sent = off + CHUNK
t.ok(dropped is not None, 'the connection went without a reply once stdin reached the limit', repr(dropped))
t.ok(sent < LIMIT <= sent + CHUNK, 'it went at the Send that crossed %d bytes (%d sent before)' % (LIMIT, sent))
st = sim.state()['fault_stdin_drop']
t.eq(st, {'limit': LIMIT, 'fired': True, 'command_id': cid, 'stdin_bytes_delivered': sent},
     'the state file records where the fault fired')


def standins_alive():
    alive = []
    for p in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % p, 'rb') as f:
                line = f.read()
        except OSError:
            continue
        if b'powershell_standin.py' in line and sim.sandbox.encode() in line:
            alive.append(p)
    return alive


deadline = time.monotonic() + 10
while standins_alive() and time.monotonic() < deadline:
    time.sleep(0.1)
t.eq(standins_alive(), [], 'the stand-in of that command was killed')
with open(part_host, 'rb') as f:
    kept = f.read()
t.ok(0 < len(kept) <= sent and kept == data[:len(kept)], 'the partial file keeps what was written (%d bytes)' % len(kept))
t.ok(not os.path.exists(os.path.join(sim.sandbox, 'Up', 'big.bin')), 'no file under the target name')

# A new connection, as nanosh --resume makes: stat, write the rest, finish.
c2 = Client(sim, 'admin', 'Secr3t-pass', False)
sh2 = Shell(c2)
out, err, code = run(c2, sh2, stat_text(target, part, -1))
t.eq((out, code), (b'N\r\nF %d\r\n-\r\n' % len(kept), 0), '9 on a new connection: the partial size')
off = len(kept)
cid2 = start(sh2, write_text(part, off, False))
send_all(c2, sh2, cid2, data[off:])
t.eq(collect(c2, sh2, cid2), (b'W %d\r\n' % len(data), b'', 0), '10 from the offset: the fault fires only once')
t.eq(run(c2, sh2, finish_text(part, target, len(data), sha(data), False)),
     (('K %s\r\n' % sha(data)).encode(), b'', 0), '11: the resumed file checks out')
with open(os.path.join(sim.sandbox, 'Up', 'big.bin'), 'rb') as f:
    t.ok(hashlib.sha256(f.read()).hexdigest().upper() == sha(data), 'the target holds the whole file')
t.eq(sim.state()['fault_stdin_drop']['command_id'], cid, 'the state still names the first command only')
sh2.delete()
sim.stop()
t.done()
