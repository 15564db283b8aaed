#!/bin/bash
# NTLM end to end: nanosh against the test server's gss-ntlmssp acceptor, with message
# encryption over HTTP, pass-the-hash, channel binding over HTTPS, and the failure cases.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"

# Like a stock Windows host (AllowUnencrypted=false), CbtHardeningLevel=Strict; Basic
# is on too, as a control for the man-in-the-middle check below.
sim_start --https --ntlm --require-encryption --cbt strict --auth negotiate,ntlm,basic ||
  skip_all "the test server did not start with NTLM (gss-ntlmssp, python3-gssapi)"
tmp=$SIM_DIR/ntlm; mkdir -p "$tmp"

# ntlm USER [nanosh options...] HOST:PORT -c CMD, with the password of that test account
ntlm() {
  local user=$1 pw=$SIM_PASSWORD; shift
  [ "$user" = "$SIM_USER2" ] && pw=$SIM_PASSWORD2
  NANOSH_PASSWORD=$pw "$NANOSH" -u "$user" --timeout 30 "$@"
}
# A loopback relay that records both directions (CAPTURE.in, CAPTURE.out). With CERT KEY
# it terminates TLS with its own certificate, as a man in the middle would.
cat >"$tmp/relay.py" <<'EOF'
import os, select, socket, ssl, sys, threading
port_file, backend, capture = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tls = up = None
if len(sys.argv) > 5:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); tls.load_cert_chain(sys.argv[4], sys.argv[5])
    up = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); up.check_hostname = False; up.verify_mode = ssl.CERT_NONE
    # no TLS 1.3 session tickets after the handshake: a blocking recv would wait on them
    tls.num_tickets = 0; up.maximum_version = ssl.TLSVersion.TLSv1_2
def serve(c):
    try:
        if tls: c = tls.wrap_socket(c, server_side=True)
        b = socket.create_connection(('127.0.0.1', backend))
        if up: b = up.wrap_socket(b, server_hostname='localhost')
    except OSError:
        c.close(); return
    # one thread per connection: an SSL socket must not be read and written at once
    peer, log = {c: b, b: c}, {c: fin, b: fout}
    try:
        while True:
            ready = [s for s in (c, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
            ready = ready or select.select([c, b], [], [], 60)[0]
            if not ready:
                break
            for s in ready:
                data = s.recv(65536)
                if not data:
                    raise EOFError
                log[s].write(data); log[s].flush(); peer[s].sendall(data)
    except (OSError, EOFError):
        pass
    c.close(); b.close()
fin, fout = open(capture + '.in', 'ab'), open(capture + '.out', 'ab')
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(16); srv.settimeout(60)
open(port_file + '.tmp', 'w').write(str(srv.getsockname()[1])); os.replace(port_file + '.tmp', port_file)
while True:
    try: c, _ = srv.accept()
    except socket.timeout: break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
relay_pids=()
# start_relay NAME BACKEND_PORT [CERT KEY]: sets relay_port
start_relay() {
  local name=$1; shift
  "$PYTHON3" "$tmp/relay.py" "$tmp/$name.port" "$1" "$tmp/$name" "${@:2}" >/dev/null 2>"$tmp/$name.err" &
  relay_pids+=($!)
  for _ in $(seq 50); do [ -s "$tmp/$name.port" ] && break; sleep 0.1; done
  relay_port=$(cat "$tmp/$name.port" 2>/dev/null)
}
stop_relays() { local p; for p in "${relay_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; relay_pids=(); }
trap 'stop_relays; sim_stop' EXIT

# --- NTLM with encryption over HTTP; the wire carries no plaintext SOAP ---
start_relay wire "$SIM_PORT"; wire=$relay_port
out=$(ntlm 'SIMHOST\admin' -a ntlm "127.0.0.1:$wire" -c 'echo wire-marker-7f3a'); rc=$?
is "-a ntlm over HTTP (SIMHOST\\admin): exit status" "$rc" 0
like "-a ntlm over HTTP: output" "$out" '^wire-marker-7f3a'
# every request with a body is multipart/encrypted; nothing in either direction is SOAP
verdict=$("$PYTHON3" -c '
import re, sys
data = open(sys.argv[1] + ".in", "rb").read()
back = open(sys.argv[1] + ".out", "rb").read()
posts = data.count(b"POST /wsman ")
heads = re.findall(rb"POST /wsman [^\r]*\r\n(.*?)\r\n\r\n", data, re.S)
bodies = [h for h in heads if int((re.search(rb"(?i)content-length: *(\d+)", h) or [0, b"0"])[1]) > 0]
sealed = [h for h in bodies if re.search(rb"(?i)content-type: *multipart/encrypted", h)]
leaks = sum(x.count(b"Envelope") + x.count(b"wire-marker") for x in (data, back))
print("posts=%d bodies=%d sealed=%d leaks=%d" % (posts, len(bodies), len(sealed), leaks))' "$tmp/wire")
like "the wire shows requests with bodies ($verdict)" "$verdict" '^posts=([4-9]|[1-9][0-9]+) bodies=[1-9]'
like "every request body is multipart/encrypted" "$verdict" 'bodies=([0-9]+) sealed=\1 '
like "no plaintext SOAP or output on the wire, either way" "$verdict" 'leaks=0$'
is "one NTLM handshake for the whole command" "$(sim_state_field 's["connections"][-1]["handshakes"]')" 1

out=$(ntlm "$SIM_USER2" "127.0.0.1:$SIM_PORT" -c 'echo as alice'); rc=$?
is "default negotiate as DOM\\alice: exit status" "$rc" 0
like "default negotiate as DOM\\alice: output" "$out" '^as alice'
like "the server authenticated DOM\\alice" "$(cat "$SIM_LOG")" 'authenticated: DOM\\alice via'
out=$(ntlm "$SIM_USER" -a ntlm "127.0.0.1:$SIM_PORT" -c 'echo bare'); rc=$?
is "bare user name (admin): exit status $rc, output" "$rc:${out%%[[:space:]]*}" 0:bare

expect_fail "wrong password" "rejected the credentials of 'DOM.alice' .*user name and password" \
  env NANOSH_PASSWORD=not-the-password "$NANOSH" -u "$SIM_USER2" -a ntlm "127.0.0.1:$SIM_PORT" -c 'echo x'

# --- pass-the-hash ---
out=$(NANOSH_NT_HASH=$SIM_NT_HASH2 "$NANOSH" -u "$SIM_USER2" -a ntlm "127.0.0.1:$SIM_PORT" -c 'echo hash-env' </dev/null); rc=$?
is "NANOSH_NT_HASH: exit status $rc, output" "$rc:${out%%[[:space:]]*}" 0:hash-env
echo "$SIM_NT_HASH" >"$tmp/hash"
out=$(env -u NANOSH_PASSWORD "$NANOSH" -u 'SIMHOST\admin' --nt-hash-file "$tmp/hash" "127.0.0.1:$SIM_PORT" -c 'echo hash-file' </dev/null); rc=$?
is "--nt-hash-file with default negotiate: exit status $rc, output" "$rc:${out%%[[:space:]]*}" 0:hash-file
expect_fail "wrong NT hash" 'rejected the credentials' \
  env NANOSH_NT_HASH="$SIM_NT_HASH" "$NANOSH" -u "$SIM_USER2" -a ntlm "127.0.0.1:$SIM_PORT" -c 'echo x'
expect_fail "NT hash of 31 digits" 'NT hash.*32 hexadecimal' \
  env NANOSH_NT_HASH="${SIM_NT_HASH:1}" "$NANOSH" -u "$SIM_USER2" -a ntlm "127.0.0.1:$SIM_PORT" -c 'echo x'
echo "zz${SIM_NT_HASH:2}" >"$tmp/badhash"
expect_fail "NT hash file with non-hex digits" 'not a hexadecimal digit' \
  "$NANOSH" -u "$SIM_USER2" -a ntlm --nt-hash-file "$tmp/badhash" "127.0.0.1:$SIM_PORT" -c 'echo x'

# --- --allow-unencrypted cannot override AllowUnencrypted=false ---
expect_fail "--allow-unencrypted against a server that requires encryption" 'AllowUnencrypted=false' \
  ntlm "$SIM_USER" --allow-unencrypted "127.0.0.1:$SIM_PORT" -c 'echo x'

# --- large streams through encryption ---
want=$(yes 0123456789abcdef | head -c 5242880 | sha256sum)
got=$(ntlm "$SIM_USER" "127.0.0.1:$SIM_PORT" -c 'yes 0123456789abcdef | head -c 5242880' </dev/null | sha256sum)
is "5 MiB of output through NTLM encryption arrives intact" "$got" "$want"
head -c 1048576 /dev/urandom >"$tmp/in"
got=$(ntlm "$SIM_USER" "127.0.0.1:$SIM_PORT" -c cat <"$tmp/in" | sha256sum)
is "1 MiB of stdin round-trips through NTLM encryption" "$got" "$(sha256sum <"$tmp/in")"

# --- HTTPS with channel binding (CbtHardeningLevel=Strict) ---
out=$(ntlm "$SIM_USER" -a ntlm -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo cbt-ip' </dev/null); rc=$?
is "HTTPS with channel binding (-a ntlm, 127.0.0.1): status $rc, output" "$rc:${out%%[[:space:]]*}" 0:cbt-ip
out=$(ntlm "$SIM_USER2" -s --cacert "$SIM_CA" "localhost:$SIM_HTTPS_PORT" -c 'echo cbt-name' </dev/null); rc=$?
is "HTTPS with channel binding (negotiate, localhost): status $rc, output" "$rc:${out%%[[:space:]]*}" 0:cbt-name
# A TLS-terminating relay with its own certificate: nanosh binds to the relay's
# certificate, the server checks against its own, and must refuse.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=localhost' \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
  -keyout "$tmp/mitm.key" -out "$tmp/mitm.pem" >/dev/null 2>&1
start_relay mitm "$SIM_HTTPS_PORT" "$tmp/mitm.pem" "$tmp/mitm.key"; mitm=$relay_port
out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$tmp/mitm.pem" \
  "127.0.0.1:$mitm" -c 'echo through-relay' </dev/null); rc=$?
is "control: Basic through the TLS relay works: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:through-relay
expect_fail "NTLM through a TLS relay (mismatched channel binding)" 'rejected the credentials' \
  ntlm "$SIM_USER" -a ntlm -s --cacert "$tmp/mitm.pem" "127.0.0.1:$mitm" -c 'echo x'
like "the server refused the binding" "$(cat "$SIM_LOG")" 'authentication failed'

# --- pywinrm, NTLM with message_encryption='always', against this same server ---
if "$PYTHON3" -c 'import winrm' 2>/dev/null; then
  printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'providers = provider_sect' \
    '[provider_sect]' 'default = default_sect' 'legacy = legacy_sect' \
    '[default_sect]' 'activate = 1' '[legacy_sect]' 'activate = 1' >"$tmp/legacy.cnf"
  got=$(OPENSSL_CONF=$tmp/legacy.cnf timeout 30 "$PYTHON3" -c '
import sys, winrm
s = winrm.Session(sys.argv[1], auth=(sys.argv[2], sys.argv[3]), transport="ntlm", message_encryption="always")
r = s.run_cmd("echo", ["from-pywinrm"])
print(r.status_code, r.std_out.decode().strip())' "$SIM_URL" "$SIM_USER" "$SIM_PASSWORD" 2>"$tmp/pywinrm.err")
  is "pywinrm NTLM with message_encryption=always against the same server" "$got" "0 from-pywinrm"
else
  skip "pywinrm (python3-winrm) not installed"
fi
is "no shell left open on the server" "$(sim_open_shells)" 0
stop_relays
sim_stop

# --- a tampered reply signature: refused, nothing printed ---
sim_start --ntlm --require-encryption --tamper-reply-signature || skip_all "the test server did not restart"
tmp=$SIM_DIR/ntlm; mkdir -p "$tmp"
expect_fail "tampered reply signature" 'failed its integrity check.*signature' \
  ntlm "$SIM_USER" "127.0.0.1:$SIM_PORT" -c 'echo must-not-show'
sim_stop

# --- the round-trip budget of a cold one-shot: NEGOTIATE and AUTHENTICATE (no anonymous
# probe), Create, Command, Receive, Signal and Delete (no Send for empty input) ---
sim_start --ntlm --require-encryption || skip_all "the test server did not restart"
ntlm "$SIM_USER" -n "127.0.0.1:$SIM_PORT" -c 'echo budget' >/dev/null
is "a cold NTLM one-shot with encryption takes 7 HTTP requests" "$(sim_state_field 's["http_requests"]')" 7
sim_stop

# --- a connection dropped mid-session: authenticate again and carry on ---
# 6 requests per connection: the handshake (2), Create, Command, Receive and Signal;
# the Delete finds the connection gone and goes out again on a new one.
sim_start --ntlm --require-encryption --drop-connection-after 6 || skip_all "the test server did not restart"
out=$(ntlm "$SIM_USER" -n "127.0.0.1:$SIM_PORT" -c 'echo survived'); rc=$?
is "dropped connection: exit status" "$rc" 0
like "dropped connection: output" "$out" '^survived'
n=$(sim_state_field 'sum(c["handshakes"] for c in s["connections"])')
check "dropped connection: authenticated again on a new connection ($n handshakes)" [ "$n" -ge 2 ]
like "the server did drop the connection" "$(cat "$SIM_LOG")" 'dropping the connection after 6'
is "dropped connection: the shell was deleted" "$(sim_open_shells)" 0
sim_stop

# --- --allow-unencrypted turns encryption off, when the server allows it ---
sim_start --ntlm || skip_all "the test server did not restart"
tmp=$SIM_DIR/ntlm; mkdir -p "$tmp"
out=$(ntlm "$SIM_USER" --allow-unencrypted -v "127.0.0.1:$SIM_PORT" -c 'echo plain' 2>"$tmp/trace"); rc=$?
is "--allow-unencrypted: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:plain
n_plain=$(grep -c '^> Content-Type: application/soap+xml' "$tmp/trace")
n_sealed=$(grep -c '^> Content-Type: multipart/encrypted' "$tmp/trace")
is "--allow-unencrypted: plaintext SOAP, no sealed request ($n_plain plain)" "$n_sealed" 0
check "--allow-unencrypted: the requests went out as SOAP" [ "$n_plain" -ge 4 ]
out=$(ntlm "$SIM_USER" -v "127.0.0.1:$SIM_PORT" -c 'echo sealed' 2>"$tmp/trace"); rc=$?
is "same server without the flag: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:sealed
n_sealed=$(grep -c '^> Content-Type: multipart/encrypted' "$tmp/trace")
check "same server without the flag: encrypted anyway ($n_sealed sealed requests)" [ "$n_sealed" -ge 4 ]

# --- secrets stay out of children, the environment and core dumps (DESIGN.md) ---
# The shell's "!" commands look at nanosh itself: it is their parent ($PPID).
cat >"$tmp/probe" <<'EOF'
!echo env:; env
!echo fds:; ls -l /proc/$$/fd/
!echo environ:; tr '\0' '\n' </proc/$PPID/environ
!echo limits:; grep 'Max core file size' /proc/$PPID/limits
EOF
probe() { (ulimit -S -c 4096 2>/dev/null; env -u SIM_PASSWORD -u SIM_PASSWORD2 -u SIM_NT_HASH -u SIM_NT_HASH2 NANOSH_NT_HASH="$SIM_NT_HASH" MY_API_TOKEN=tok-42 "$@" <"$tmp/probe"); }
probe env NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -u "$SIM_USER" --timeout 30 "127.0.0.1:$SIM_PORT" \
  >"$tmp/probe.out" 2>"$tmp/probe.err"
sed -n '/^env:/,/^fds:/p' "$tmp/probe.out" >"$tmp/child.env"
check "!cmd ran (its environment was printed)" grep -q '^PATH=' "$tmp/child.env"
check "!cmd's environment has no NANOSH_* variable, no password" \
  sh -c "! grep -e '^NANOSH_' -e '$SIM_PASSWORD' -e '$SIM_NT_HASH' '$tmp/child.env'"
check "!cmd's environment has no variable outside the allow-list (MY_API_TOKEN)" \
  sh -c "! grep -q MY_API_TOKEN '$tmp/child.env'"
like "!cmd saw its descriptors" "$(sed -n '/^fds:/,/^environ:/p' "$tmp/probe.out")" ' 2 -> '
check "!cmd inherits no descriptor beyond 0-2 (no socket)" \
  sh -c "! sed -n '/^fds:/,/^environ:/p' '$tmp/probe.out' | grep -E -e 'socket:' -e ' ([3-9]|[1-9][0-9]+) -> '"
like "nanosh's /proc/PID/environ was read" "$(sed -n '/^environ:/,/^limits:/p' "$tmp/probe.out")" 'MY_API_TOKEN=tok-42'
check "nanosh's /proc/PID/environ no longer shows the password or the NT hash" \
  sh -c "! sed -n '/^environ:/,/^limits:/p' '$tmp/probe.out' | grep -e NANOSH_PASSWORD -e NANOSH_NT_HASH -e '$SIM_PASSWORD' -e '$SIM_NT_HASH'"
like "nanosh runs with no core dumps (RLIMIT_CORE 0)" "$(grep 'Max core file size' "$tmp/probe.out")" \
  'Max core file size +0 +0 '
# Not dumpable: /proc/PID of the process belongs to root, not to its user. Root reads
# it either way, so the check runs nanosh as nobody when the suite runs as root.
as_user=
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
  as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ -n "$as_user" ] || [ "$(id -u)" != 0 ]; then
  printf '%s\n' '!echo owner: $(stat -c %u /proc/$PPID/status) uid: $(id -u)' >"$tmp/probe"
  out=$(probe $as_user env HOME=/ NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -u "$SIM_USER" --timeout 30 \
        "127.0.0.1:$SIM_PORT" 2>&1)
  like "nanosh is not dumpable: its /proc/PID belongs to root, not to its user" "$out" 'owner: 0 uid: [1-9]'
else
  skip "not root and no setpriv: cannot see whether nanosh is dumpable"
fi
sim_stop

# --- a server that offers only Basic: the default negotiate never sends the password,
# it names -a basic (DESIGN.md: Basic only when the user names it) ---
sim_start --https || skip_all "the test server did not restart"
tmp=$SIM_DIR/ntlm; mkdir -p "$tmp"
basic_requests() { sim_state_field 's["http_requests_by_scheme"].get("Basic", 0)'; }
expect_fail "Basic-only server over HTTPS, default negotiate" 'offers only Basic.*never chooses on its own.*pass -a basic$' \
  ntlm "$SIM_USER" -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo x'
is "Basic-only server over HTTPS: no Authorization: Basic reached it" "$(basic_requests)" 0
expect_fail "Basic-only server over HTTPS, -a ntlm" 'offers only Basic.*-a basic' \
  ntlm "$SIM_USER" -a ntlm -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo x'
expect_fail "Basic-only server over HTTP, default negotiate" 'offers only Basic.*-a basic --allow-unencrypted' \
  ntlm "$SIM_USER" "127.0.0.1:$SIM_PORT" -c 'echo x'
is "Basic-only server over HTTP: no Authorization: Basic reached it" "$(basic_requests)" 0
out=$(ntlm "$SIM_USER" -a basic -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo named' </dev/null); rc=$?
is "control: -a basic, named by the user, works: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:named
check "control: the server counted Basic requests once named" [ "$(basic_requests)" -gt 0 ]
sim_stop
tap_done
