#!/bin/bash
# nanosh's own failures: exit 255 and one line that names the cause and the fix.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https
tmp=$SIM_DIR/errors; mkdir -p "$tmp"

# a loopback port with nothing listening
free_port=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_fail "refused port" 'refused' \
  env NANOSH_PASSWORD=x "$NANOSH" -a basic -u admin -s --cacert "$SIM_CA" "127.0.0.1:$free_port" -c 'echo x'

# DNS failure, inside a network namespace so that no query leaves the machine
if unshare -n true 2>/dev/null; then
  expect_fail "unknown host" 'resolve' \
    unshare -n env NANOSH_PASSWORD=x "$NANOSH" -a basic -u admin -s nosuch-host.invalid -c 'echo x'
else
  skip "unknown host: unshare -n unavailable"; skip "unknown host"; skip "unknown host"
fi

# a server that accepts connections and never answers: bounded by --timeout
"$PYTHON3" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(end - time.time())
    try: conns.append(s.accept()[0])
    except socket.timeout: break
' "$tmp/silent.port" & silent_pid=$!
for _ in $(seq 50); do [ -s "$tmp/silent.port" ] && break; sleep 0.1; done
t0=$(date +%s)
expect_fail "silent server" 'timed out|no answer' \
  env NANOSH_PASSWORD=x "$NANOSH" -a basic -u admin --allow-unencrypted --timeout 2 \
  "127.0.0.1:$(cat "$tmp/silent.port")" -c 'echo x'
check "silent server: gave up within the bound" [ $(( $(date +%s) - t0 )) -le 6 ]
kill "$silent_pid" 2>/dev/null; wait "$silent_pid" 2>/dev/null

# TLS verification on by default: the test CA is not in the system store
expect_fail "untrusted certificate" 'certificate' \
  env NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo x'
out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" -a basic -u "$SIM_USER" -s -k "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo insecure' 2>/dev/null)
like "-k skips verification when asked" "$out" 'insecure'

expect_fail "wrong password" '401|rejected' \
  env NANOSH_PASSWORD=wrong-password "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo x'

expect_fail "Basic over plain HTTP is refused" 'allow-unencrypted' \
  env NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" "127.0.0.1:$SIM_PORT" -c 'echo x'

# a command that runs across several w:TimedOut polls (server clamps OperationTimeout to 1 s)
sim_stop
sim_start --https --max-timeout-ms 1000
tmp=$SIM_DIR/errors; mkdir -p "$tmp"
out=$(nanosh_https -v -c 'sleep 3 & echo late' 2>"$tmp/trace"); rc=$?
is "long command across TimedOut polls: status" "$rc" 0
like "long command across TimedOut polls: output" "$out" '^late'
n=$(grep -c '2150858793' "$tmp/trace")
check "server answered w:TimedOut at least twice ($n)" [ "$n" -ge 2 ]

# the debug trace never shows the password or the Basic credentials
b64=$(printf '%s:%s' "$SIM_USER" "$SIM_PASSWORD" | base64 -w0)
check "debug trace was written" [ -s "$tmp/trace" ]
check "debug trace has no password" sh -c "[ -s '$tmp/trace' ] && ! grep -qF -- '$SIM_PASSWORD' '$tmp/trace'"
check "debug trace has no Basic credentials" sh -c "[ -s '$tmp/trace' ] && ! grep -qF -- '$b64' '$tmp/trace'"
like "debug trace shows the redacted Authorization header" "$(cat "$tmp/trace")" 'Authorization: Basic <redacted>'

is "no shell left open on the server" "$(sim_open_shells)" 0
sim_stop
tap_done
