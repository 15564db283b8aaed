#!/bin/bash
# tests/lib/sim.sh and the simulator's process behaviour: start with a free port
# and a test CA, answer over HTTP and HTTPS, loopback only, clean exit on SIGTERM,
# idle shells reaped, state file kept current.
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"

command -v curl >/dev/null || skip_all 'curl not installed'
command -v openssl >/dev/null || skip_all 'openssl not installed'

IDENTIFY='<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
CREATE='<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Create</a:Action><a:MessageID>uuid:11111111-2222-3333-4444-555555555555</a:MessageID><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI></s:Header><s:Body><rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:IdleTimeOut>PT2S</rsp:IdleTimeOut></rsp:Shell></s:Body></s:Envelope>'

post() {   # post URL BODY [curl args...] -> prints the HTTP status
  local url=$1 body=$2; shift 2
  curl -s -o "$SIM_DIR/reply" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/soap+xml;charset=UTF-8' \
    --data-binary "$body" "$@" "$url"
}

sim_start --https || { echo 'Bail out! sim_start failed'; exit 1; }
like 'SIM_PORT is a port number' "$SIM_PORT" '^[0-9]+$'
like 'SIM_HTTPS_PORT is another' "$SIM_HTTPS_PORT" '^[0-9]+$'
check 'SIM_PID runs' kill -0 "$SIM_PID"
check 'SIM_CA exists' test -s "$SIM_CA"
is 'SIM_USER and SIM_PASSWORD' "$SIM_USER:$SIM_PASSWORD" 'admin:Secr3t-pass'

is 'HTTP without credentials: 401' "$(post "$SIM_URL" "$IDENTIFY")" 401
is 'unauthenticated Identify with WSMANIDENTIFY: 200' \
  "$(post "$SIM_URL" "$IDENTIFY" -H 'WSMANIDENTIFY: unauthenticated')" 200
like '... it names Microsoft Corporation' "$(cat "$SIM_DIR/reply")" 'ProductVendor>Microsoft Corporation<'
is 'HTTPS, verified against SIM_CA, Basic: 200' \
  "$(post "$SIM_HTTPS_URL" "$IDENTIFY" --cacert "$SIM_CA" -u "$SIM_USER:$SIM_PASSWORD")" 200
like '... authenticated Identify carries ProductVersion' "$(cat "$SIM_DIR/reply")" 'OS: 10.0.14393 SP: 0.0 Stack: 3.0'
is 'HTTPS to 127.0.0.1 also verifies (IP SAN)' \
  "$(post "https://127.0.0.1:$SIM_HTTPS_PORT/wsman" "$IDENTIFY" --cacert "$SIM_CA" -u "$SIM_USER:$SIM_PASSWORD")" 200
is 'HTTPS without the CA fails verification' "$(post "$SIM_HTTPS_URL" "$IDENTIFY" -u "$SIM_USER:$SIM_PASSWORD")" 000
headers=$(curl -s -D - -o /dev/null --max-time 10 --data-binary "$IDENTIFY" "$SIM_URL")
like '401 carries Server: Microsoft-HTTPAPI/2.0' "$headers" 'Server: Microsoft-HTTPAPI/2.0'
like '401 offers Basic realm="WSMAN"' "$headers" 'WWW-Authenticate: Basic realm="WSMAN"'

# keep-alive: curl reuses one connection for two requests
out=$(curl -s -v --max-time 10 -u "$SIM_USER:$SIM_PASSWORD" -H 'Content-Type: application/soap+xml;charset=UTF-8' \
  --data-binary "$IDENTIFY" "$SIM_URL" --next -u "$SIM_USER:$SIM_PASSWORD" \
  -H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary "$IDENTIFY" "$SIM_URL" 2>&1 >/dev/null)
like 'HTTP/1.1 keep-alive: the second request reuses the connection' "$out" 'Re-using existing connection'

is 'Create with IdleTimeOut PT2S' "$(post "$SIM_URL" "$CREATE" -u "$SIM_USER:$SIM_PASSWORD")" 200
is 'the state file lists the shell' "$(sim_state_field 'len(s["shells"])')" 1
is '... owned by admin' "$(sim_state_field 's["shells"][0]["owner"]')" admin
sleep 3.5
is 'an idle shell is reaped after its IdleTimeOut' "$(sim_state_field 'len(s["shells"])')" 0
like 'the state file counts requests per scheme' "$(sim_state_field 's["http_requests_by_scheme"]["Basic"]')" '^[0-9]+$'

pid=$SIM_PID dir=$SIM_DIR
sim_stop
check 'sim_stop stops the server' bash -c "! kill -0 $pid 2>/dev/null"
check 'sim_stop removes the temp dir' test ! -e "$dir"

# Refuses non-loopback addresses.
tmp=$(mktemp -d); printf 'admin:x\n' > "$tmp/acc"
"$SIM_PYTHON" "$SIM_SERVER" --bind 0.0.0.0 --port 0 --accounts "$tmp/acc" --sandbox "$tmp/c" 2>"$tmp/err"
rc=$?
is 'binding 0.0.0.0 is refused' "$rc" 2
like '... with a reason' "$(cat "$tmp/err")" 'non-loopback'
rm -rf "$tmp"

# IPv6 loopback, and SIGTERM ends running commands.
sim_start --bind ::1 || { echo 'Bail out! sim_start on ::1 failed'; exit 1; }
diag "sim on [::1]:$SIM_PORT"
is 'SIM_URL follows --bind' "$SIM_URL" "http://[::1]:$SIM_PORT/wsman"
is 'listens on ::1' "$(post "$SIM_URL" "$IDENTIFY" -u "$SIM_USER:$SIM_PASSWORD")" 200
"$SIM_PYTHON" - "$SIM_PORT" "$SIM_DIR/child.pid" <<'PY'
import base64, sys, time, urllib.request
port, pidfile = sys.argv[1], sys.argv[2]
sys.path.insert(0, __import__('os').environ['TOP_SRCDIR'] + '/tests/sim')
import simlib
class S: bind = '::1'; https_port = None; ca = None
S.port = int(port)
c = simlib.Client(S, 'admin', 'Secr3t-pass', False)
sh = simlib.Shell(c)
cid = sh.start('sh -c "echo $$; exec sleep 60"')
st, _, body = c.post(simlib.receive_req(sh.id, cid, timeout='PT5S'))
open(pidfile, 'w').write(simlib.parse_receive(body)[0].decode().strip())
PY
child=$(cat "$SIM_DIR/child.pid")
check 'a command runs under the server' kill -0 "$child"
kill -TERM "$SIM_PID"
for i in $(seq 1 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
check 'SIGTERM: the server exits' bash -c "! kill -0 $SIM_PID 2>/dev/null"
check '... and its commands are killed' bash -c "! kill -0 $child 2>/dev/null"
sim_stop

# --ntlm: gss-ntlmssp under Negotiate/NTLM, as a stock Windows host with --require-encryption.
if "$SIM_PYTHON" -c 'import gssapi, Cryptodome' 2>/dev/null; then
  sim_start --https --ntlm --require-encryption --offer negotiate ||
    { echo 'Bail out! sim_start --ntlm failed'; exit 1; }
  is 'sim_start --ntlm: SIM_AUTH' "$SIM_AUTH" negotiate,ntlm
  is 'SIM_NT_HASH is MD4(UTF-16LE(SIM_PASSWORD))' "$SIM_NT_HASH" b5d18cb308cfaf582472199ebeec0d34
  like 'SIM_NT_HASH2 is 32 hex digits' "$SIM_NT_HASH2" '^[0-9a-f]{32}$'
  headers=$(curl -s -D - -o /dev/null --max-time 10 --data-binary "$IDENTIFY" "$SIM_URL")
  is '--offer negotiate: the 401 offers exactly one scheme' \
    "$(printf '%s\n' "$headers" | grep -ci '^WWW-Authenticate:')" 1
  like '... Negotiate' "$headers" 'WWW-Authenticate: Negotiate'
  is 'Basic is not accepted: 401' "$(post "$SIM_URL" "$IDENTIFY" -u "$SIM_USER:$SIM_PASSWORD")" 401
  like 'the state file counts Basic attempts' "$(sim_state_field 's["http_requests_by_scheme"]["Basic"]')" '^1$'
  is '... and no completed handshake' "$(sim_state_field 'sum(c["handshakes"] for c in s["connections"])')" 0
  check 'SIM_LOG is the server log' test -s "$SIM_LOG"
  sim_stop
else
  skip 'sim_start --ntlm: python3-gssapi or python3-pycryptodome missing'
fi
tap_done
