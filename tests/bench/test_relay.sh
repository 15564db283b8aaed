#!/bin/bash
# tests/lib/relay.py, the slow-link relay of bench/transfer: bytes arrive whole and in
# order both ways, connections share one relay, the byte counts are exact, a refused
# target closes the client's connection, and SIGTERM stops it with the counts written.
# No check here depends on timing: the delay and the rate cap are only switched on.
. "$TOP_SRCDIR/tests/lib/tap.sh"
PYTHON3=${PYTHON3:-/usr/bin/python3}

work=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-relay.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# The checks print "PASS name" or "FAIL name", one a line.
"$PYTHON3" - "$TOP_SRCDIR/tests/lib/relay.py" "$work" > "$work/checks.txt" 2> "$work/err.txt" <<'PY'
import hashlib, json, os, signal, socket, subprocess, sys, threading
relay_py, work = sys.argv[1], sys.argv[2]
def check(cond, name):
    print('%s %s' % ('PASS' if cond else 'FAIL', name), flush=True)

# A target that answers each connection's bytes with their SHA-256 at EOF, after echoing them.
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(8); srv.settimeout(30)
def serve_one(c):
    h = hashlib.sha256()
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d); c.sendall(d)
    c.sendall(h.digest()); c.close()
def serve():
    for _ in range(3):
        try:
            c, _ = srv.accept()
        except OSError:
            return
        threading.Thread(target=serve_one, args=(c,), daemon=True).start()
threading.Thread(target=serve, daemon=True).start()

def start(*args):
    stats = os.path.join(work, 'stats-%d.json' % len(os.listdir(work)))
    p = subprocess.Popen([sys.executable, relay_py, '--stats', stats] + list(args), stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    return p, (int(line) if line.isdigit() else None), stats

def transfer(port, data, out):
    c = socket.create_connection(('127.0.0.1', port), timeout=30)
    def send():
        for i in range(0, len(data), 50000):
            c.sendall(data[i:i + 50000])
        c.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send); t.start()
    got = bytearray()
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
    t.join(); c.close()
    out.append(bytes(got))

relay, port, stats = start('--rtt-ms', '4', '--mbit', '400', '--buffer-kib', '64', '127.0.0.1', str(srv.getsockname()[1]))
check(port is not None, 'the relay prints its port')
blobs = [os.urandom(1500000), os.urandom(700001)]
results = [[], []]
threads = [threading.Thread(target=transfer, args=(port, b, r)) for b, r in zip(blobs, results)]
[t.start() for t in threads]; [t.join(60) for t in threads]
for i, (b, r) in enumerate(zip(blobs, results)):
    check(r and r[0] == b + hashlib.sha256(b).digest(), 'connection %d: echo and digest came back whole and in order' % i)

# A target that refuses: the client's connection is closed, the relay lives on.
closed = socket.socket(); closed.bind(('127.0.0.1', 0)); dead = closed.getsockname()[1]; closed.close()
r2, port2, stats2 = start('127.0.0.1', str(dead))
c = socket.create_connection(('127.0.0.1', port2), timeout=30)
try:
    check(c.recv(10) == b'', 'a refused target closes the client connection')
except OSError as e:
    check(True, 'a refused target resets the client connection (%s)' % e.__class__.__name__)
c.close()
check(r2.poll() is None, 'the relay keeps running after a refused target')
r2.send_signal(signal.SIGTERM); r2.wait(10)

relay.send_signal(signal.SIGTERM)
try:
    rc = relay.wait(10)
except subprocess.TimeoutExpired:
    relay.kill(); rc = 'hung'
check(rc == 0, 'SIGTERM stops the relay with status 0 (got %s)' % rc)
try:
    s = json.load(open(stats))
except (OSError, ValueError) as e:
    s = {}
    check(False, 'stats written at exit: %s' % e)
sent = sum(len(b) for b in blobs)
check(s.get('up') == sent, 'bytes client->server counted: %s of %d' % (s.get('up'), sent))
check(s.get('down') == sent + 64, 'bytes server->client counted: %s of %d' % (s.get('down'), sent + 64))
check(s.get('connections') == 2 and s.get('rtt_ms') == 4 and s.get('mbit') == 400,
      'connections and settings recorded: %s' % s)
bad = subprocess.run([sys.executable, relay_py, '--rtt-ms', '-1', '127.0.0.1', '1'], capture_output=True)
check(bad.returncode == 2 and b'negative' in bad.stderr, 'a negative delay is refused')
PY
rc=$?
[ "$rc" = 0 ] || { fail "the relay checks ran (exit $rc)"; diag "$(tail -n 20 "$work/err.txt")"; }
n=0
while read -r verdict name; do
  n=$((n + 1))
  if [ "$verdict" = PASS ]; then ok "$name"; else fail "$name"; fi
done < "$work/checks.txt"
[ "$n" -ge 10 ] || fail "all relay checks reported (got $n)"
tap_done
