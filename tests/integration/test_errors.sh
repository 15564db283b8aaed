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

# a certificate for another name: the message names it (not the CA) and the fix is to
# connect by that name. Signed by the test CA, served by the transport fixture.
openssl req -newkey rsa:2048 -nodes -subj '/CN=other.example' -keyout "$tmp/other.key" \
  -out "$tmp/other.csr" >/dev/null 2>&1 &&
printf '%s\n' 'subjectAltName=DNS:other.example' 'extendedKeyUsage=serverAuth' >"$tmp/other.ext" &&
openssl x509 -req -in "$tmp/other.csr" -CA "$SIM_DIR/ca.pem" -CAkey "$SIM_DIR/ca.key" \
  -CAcreateserial -days 2 -sha256 -extfile "$tmp/other.ext" -out "$tmp/other.pem" >/dev/null 2>&1
mkdir -p "$tmp/fixture"
"$PYTHON3" "$TOP_SRCDIR/tests/transport/http_fixture.py" --dir "$tmp/fixture" --cert "$tmp/other.pem" \
  --key "$tmp/other.key" --lifetime 60 >/dev/null 2>&1 & fixture_pid=$!
for _ in $(seq 100); do [ -s "$tmp/fixture/ports" ] && break; sleep 0.1; done
other_port=$(cut -d' ' -f2 "$tmp/fixture/ports" 2>/dev/null)
expect_fail "certificate for another name" \
  "certificate of 127\.0\.0\.1:${other_port:-none} is for other\.example, not for 127\.0\.0\.1.*connect by that name" \
  env NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
  "127.0.0.1:${other_port:-1}" -c 'echo x'
kill "$fixture_pid" 2>/dev/null; wait "$fixture_pid" 2>/dev/null

expect_fail "wrong password: the message names the user tried" \
  "rejected the credentials of '$SIM_USER' \\(Basic authentication, HTTP 401\\)" \
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

# a server that never answers a request without Authorization (OMI's hardening): over
# HTTPS the first request already carries a token, so nothing waits for a 401
sim_stop
sim_start --https --ntlm --ignore-unauthenticated
for auth in ntlm negotiate; do   # negotiate: the default
  t0=$(date +%s)
  out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" -a $auth -u "$SIM_USER" -s --cacert "$SIM_CA" \
        --timeout 120 "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo silent-ok' 2>&1 </dev/null); rc=$?
  took=$(( $(date +%s) - t0 ))
  is "server silent without Authorization, $auth auth: status ($out)" "$rc" 0
  like "server silent without Authorization, $auth auth: output" "$out" 'silent-ok'
  check "server silent without Authorization, $auth auth: no wait for a probe (${took} s)" [ "$took" -lt 20 ]
done
sim_stop
tap_done
