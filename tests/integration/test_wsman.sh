#!/bin/bash
# nanosh wsman: raw WS-Management operations with JSON output: Identify, config
# Get/Put, WQL Enumerate over several Pulls, WMI Get and Invoke, faults, --xml, and a
# server whose enumeration never ends.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https --max-batch-items 2

json_field() { "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }

out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" wsman -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" identify 2>&1); rc=$?
is "identify: exit status" "$rc" 0
is "identify: vendor" "$(printf '%s' "$out" | json_field product_vendor)" "Microsoft Corporation"
like "identify: product version" "$(printf '%s' "$out" | json_field product_version)" 'OS: '
is "identify: protocol" "$(printf '%s' "$out" | json_field protocol_version)" \
   "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"

out=$("$NANOSH" wsman -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" identify --unauthenticated </dev/null 2>&1); rc=$?
is "unauthenticated identify needs no credentials" "$rc" 0
is "unauthenticated identify: vendor" "$(printf '%s' "$out" | json_field product_vendor)" "Microsoft Corporation"

CFG=http://schemas.microsoft.com/wbem/wsman/1/config/client
CV=http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2
# Runs nanosh wsman over HTTPS with Basic: wsman_https OP ARGS...
wsman_https() {
  NANOSH_PASSWORD=$SIM_PASSWORD timeout -k 10 60 "$NANOSH" wsman -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
    "127.0.0.1:$SIM_HTTPS_PORT" "$@" </dev/null
}
# A Python expression over the JSON on stdin (bound to d).
json_eval() { "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" 2>&1; }
pulls() { sim_state_field 's["wsman_actions"].get("Pull", 0)'; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-wsman.XXXXXX") || exit 1
trap 'sim_stop; rm -rf "$tmp"' EXIT

# --- config: get, put, get ---------------------------------------------------------------
out=$(wsman_https get "$CFG" 2>&1); rc=$?
is "get config/client: exit status" "$rc" 0
is "get config/client: JSON has TrustedHosts (empty)" "$(printf '%s' "$out" | json_eval 'repr(d["Client"]["TrustedHosts"])')" "''"
printf '<cfg:Client xmlns:cfg="%s"><cfg:TrustedHosts>10.0.0.7,nano*</cfg:TrustedHosts></cfg:Client>\n' "$CFG" \
  > "$tmp/client.xml"
out=$(wsman_https put "$CFG" "$tmp/client.xml" 2>&1); rc=$?
is "put config/client: exit status" "$rc" 0
is "put config/client: reply shows the new TrustedHosts" \
   "$(printf '%s' "$out" | json_eval 'd["Client"]["TrustedHosts"]')" "10.0.0.7,nano*"
out=$(wsman_https get "$CFG" 2>&1)
is "get after put: TrustedHosts changed" "$(printf '%s' "$out" | json_eval 'd["Client"]["TrustedHosts"]')" "10.0.0.7,nano*"
is "put is kept in the server state" "$(sim_state_field 's["config_client"]["TrustedHosts"]')" "10.0.0.7,nano*"
out=$(NANOSH_PASSWORD=$SIM_PASSWORD timeout 60 "$NANOSH" wsman -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" put "$CFG" - < "$tmp/client.xml" 2>&1); rc=$?
is "put with the body on stdin: exit status" "$rc" 0

# --- WQL enumeration over several Pulls -----------------------------------------------------
before=$(pulls)
out=$(wsman_https enumerate "$CV/*" --filter "SELECT * FROM Win32_Service WHERE Name = 'WinRM'" 2>&1); rc=$?
is "enumerate WHERE Name: exit status" "$rc" 0
is "enumerate WHERE Name: one WinRM instance" \
   "$(printf '%s' "$out" | json_eval '[(i["Win32_Service"]["Name"], i["Win32_Service"]["State"]) for i in d]')" \
   "[('WinRM', 'Running')]"
before=$(pulls)
out=$(wsman_https enumerate 'wmicimv2/*' --filter 'SELECT Name,State FROM Win32_Service' 2>&1); rc=$?
is "enumerate SELECT Name,State: exit status" "$rc" 0
is "enumerate SELECT Name,State: every service, in order" \
   "$(printf '%s' "$out" | json_eval '" ".join(i["XmlFragment"]["Name"] for i in d)')" \
   "EventLog LanmanServer MpsSvc W32Time WinRM Winmgmt"
is "enumerate SELECT Name,State: only those properties" \
   "$(printf '%s' "$out" | json_eval 'sorted(d[0]["XmlFragment"])')" "['Name', 'State']"
is "enumerate: MaxBatchItems 2 took two Pulls after the Enumerate" "$(( $(pulls) - before ))" 2
out=$(wsman_https enumerate "$CV/*" --filter "SELECT Name FROM Win32_Service WHERE State = 'Stopped'" --xml 2>&1); rc=$?
is "enumerate --xml: exit status" "$rc" 0
like "enumerate --xml: one raw XmlFragment per line" "$out" '^<w:XmlFragment [^>]*><Name>W32Time</Name></w:XmlFragment>$'
out=$(wsman_https enumerate "$CV/*" --filter 'SELECT * FROM Win32_Service WHERE Name LIKE "W%"' 2>&1); rc=$?
is "enumerate with unsupported WQL: exit status 255" "$rc" 255
like "enumerate with unsupported WQL: CannotProcessFilter with its code" "$out" 'CannotProcessFilter.*2150858778'

# --- selectors on enumerate: a ?k=v suffix of the URI or -k (DSP0227 6.3 __cimnamespace) -------------
SERVICES="EventLog LanmanServer MpsSvc W32Time WinRM Winmgmt"
out=$(wsman_https enumerate 'cimv2/Win32_Service?__cimnamespace=root%2Fcimv2' 2>&1); rc=$?
is "enumerate cimv2/Win32_Service?__cimnamespace=root%2Fcimv2: exit status" "$rc" 0
is "enumerate with ?__cimnamespace=: every service" \
   "$(printf '%s' "$out" | json_eval '" ".join(i["Win32_Service"]["Name"] for i in d)')" "$SERVICES"
before=$(pulls)
out=$(wsman_https enumerate cimv2/Win32_Service -k __cimnamespace=root/cimv2 2>&1); rc=$?
is "enumerate -k __cimnamespace=root/cimv2: every service over several Pulls" \
   "$rc $(printf '%s' "$out" | json_eval 'len(d)') $(( $(pulls) - before ))" "0 6 2"
out=$(wsman_https enumerate cimv2/Win32_Service 2>&1); rc=$?
is "enumerate a DMTF class without __cimnamespace: exit status 255" "$rc" 255
like "without __cimnamespace the default namespace (root/hardware) lacks the class" "$out" \
     'DestinationUnreachable.*2150858752'
out=$(wsman_https enumerate 'cimv2/Win32_Service?__cimnamespace' 2>&1); rc=$?
is "a URI selector without a value: exit status 255" "$rc" 255
like "a URI selector without a value: says so" "$out" "selector '__cimnamespace' is not name=value"
out=$(wsman_https get 'wmicimv2/Win32_Service?Name=WinRM' 2>&1); rc=$?
is "get wmicimv2/Win32_Service?Name=WinRM: the selector from the URI" \
   "$rc $(printf '%s' "$out" | json_eval 'd["Win32_Service"]["Name"]')" "0 WinRM"

# --- WMI Get, -k selectors, faults, --xml ---------------------------------------------------------
out=$(wsman_https get wmicimv2/Win32_Service -k Name=winrm 2>&1); rc=$?
is "get Win32_Service -k Name=winrm: exit status" "$rc" 0
is "get Win32_Service: Name, State, StartMode" \
   "$(printf '%s' "$out" | json_eval '[d["Win32_Service"][k] for k in ("Name", "State", "StartMode")]')" \
   "['WinRM', 'Running', 'Auto']"
is "get Win32_Service: xsi:nil is null" "$(printf '%s' "$out" | json_eval 'd["Win32_Service"]["InstallDate"]')" "None"
out=$(wsman_https get "$CV/Win32_Service" -k Name=NoSuchService 2>&1); rc=$?
is "get of an unknown service: exit status 255" "$rc" 255
is "get of an unknown service: one line" "$(printf '%s\n' "$out" | wc -l)" 1
like "get of an unknown service: names the fault and code" "$out" 'DestinationUnreachable.*2150858752'
out=$(wsman_https get "$CV/Win32_Service" -k Name=WinRM --xml 2>&1); rc=$?
is "get --xml: exit status" "$rc" 0
like "get --xml: the raw p:Win32_Service element" "$out" '^<p:Win32_Service .*<p:Name>WinRM</p:Name>'

# --- Invoke: Win32_Share Create, duplicate, Win32_Process Create ------------------------------------
mkdir -p "$SIM_SANDBOX/Shared"
printf '<p:Create_INPUT xmlns:p="%s/Win32_Share"><p:Path>C:\\Shared</p:Path><p:Name>Shared</p:Name><p:Type>0</p:Type></p:Create_INPUT>\n' \
  "$CV" > "$tmp/share.xml"
out=$(wsman_https invoke "$CV/Win32_Share" Create "$tmp/share.xml" 2>&1); rc=$?
is "invoke Win32_Share Create: exit status" "$rc" 0
is "invoke Win32_Share Create: ReturnValue 0" "$(printf '%s' "$out" | json_eval 'd["Create_OUTPUT"]["ReturnValue"]')" 0
is "the share is in the server state" \
   "$(sim_state_field '[x["Path"] for x in s["shares"] if x["Name"] == "Shared"]')" "['C:\\\\Shared']"
out=$(wsman_https invoke "$CV/Win32_Share" Create "$tmp/share.xml" 2>&1); rc=$?
is "invoke Win32_Share Create again: ReturnValue 22 (duplicate)" \
   "$(printf '%s' "$out" | json_eval 'd["Create_OUTPUT"]["ReturnValue"]')" 22
out=$(wsman_https get wmicimv2/Win32_Share -k name=shared 2>&1); rc=$?
is "get the new share by -k name=shared" "$(printf '%s' "$out" | json_eval 'd["Win32_Share"]["Path"]')" 'C:\Shared'
printf '<p:Create_INPUT xmlns:p="%s/Win32_Process"><p:CommandLine>cmd /c echo from-wmi&gt; C:\\wmi.txt</p:CommandLine></p:Create_INPUT>\n' \
  "$CV" > "$tmp/proc.xml"
out=$(wsman_https invoke wmicimv2/Win32_Process Create "$tmp/proc.xml" 2>&1); rc=$?
is "invoke Win32_Process Create: ReturnValue 0" "$(printf '%s' "$out" | json_eval 'd["Create_OUTPUT"]["ReturnValue"]')" 0
like "invoke Win32_Process Create: a ProcessId" "$(printf '%s' "$out" | json_eval 'd["Create_OUTPUT"]["ProcessId"]')" '^[0-9]+$'
for i in $(seq 1 50); do
  [ "$(sim_state_field 's["processes"][-1]["ExitCode"]')" = 0 ] && break
  sleep 0.1
done
like "Win32_Process Create ran the command" "$(cat "$SIM_SANDBOX/wmi.txt" 2>&1)" 'from-wmi'
out=$(wsman_https invoke "$CV/Win32_Share" Create --xml 2>&1); rc=$?
is "invoke without a body file sends Create_INPUT: ReturnValue 21 (no parameters)" "$rc" 0
like "invoke --xml: the raw Create_OUTPUT" "$out" '^<p:Create_OUTPUT .*<p:ReturnValue>21</p:ReturnValue>'
sim_stop

# --- the same over HTTP with NTLM and message encryption ------------------------------------------------
if ! sim_start --https --ntlm --require-encryption --max-batch-items 2; then
  skip "NTLM test server did not start"
else
  trap 'sim_stop; rm -rf "$tmp"' EXIT      # sim_start set its own
  wsman_ntlm() {
    NANOSH_PASSWORD=$SIM_PASSWORD timeout 60 "$NANOSH" wsman -a ntlm -u "$SIM_USER" "127.0.0.1:$SIM_PORT" "$@" </dev/null
  }
  out=$(wsman_ntlm put "$CFG" "$tmp/client.xml" 2>&1); rc=$?
  is "ntlm: put config/client: exit status" "$rc" 0
  out=$(wsman_ntlm get "$CFG" 2>&1)
  is "ntlm: get config/client: TrustedHosts" "$(printf '%s' "$out" | json_eval 'd["Client"]["TrustedHosts"]')" "10.0.0.7,nano*"
  before=$(pulls)
  out=$(wsman_ntlm enumerate "$CV/*" --filter 'SELECT Name FROM Win32_Service' 2>&1); rc=$?
  is "ntlm: enumerate: six services" "$(printf '%s' "$out" | json_eval 'len(d)')" 6
  is "ntlm: enumerate: two Pulls" "$(( $(pulls) - before ))" 2
  mkdir -p "$SIM_SANDBOX/Shared"
  out=$(wsman_ntlm invoke "$CV/Win32_Share" Create "$tmp/share.xml" 2>&1)
  is "ntlm: invoke Win32_Share Create: ReturnValue 0" "$(printf '%s' "$out" | json_eval 'd["Create_OUTPUT"]["ReturnValue"]')" 0
  out=$(wsman_ntlm get "$CV/Win32_Service" -k Name=nope 2>&1); rc=$?
  is "ntlm: encrypted fault: exit status 255" "$rc" 255
  like "ntlm: encrypted fault: code" "$out" '2150858752'
  # --require-encryption refuses plaintext SOAP, so the replies above came sealed.
  is "ntlm: the requests went under Negotiate" \
     "$(sim_state_field '"Negotiate" in s["http_requests_by_scheme"]')" "True"
fi
sim_stop

# --- a broken server whose Pulls never end: capped, and the context released ------------------
if ! sim_start --https --stuck-enumeration --max-batch-items 2; then
  skip "the test server did not start with --stuck-enumeration"
else
  trap 'sim_stop; rm -rf "$tmp"' EXIT
  before=$(pulls)
  wsman_https enumerate 'wmicimv2/*' --filter 'SELECT Name FROM Win32_Service' >"$tmp/out" 2>"$tmp/err"; rc=$?
  is "stuck enumeration: exit status 255" "$rc" 255
  like "stuck enumeration: says what was capped" "$(cat "$tmp/err")" 'no items and no EndOfSequence.*capped at 32 empty Pulls'
  is "stuck enumeration: one line" "$(wc -l < "$tmp/err")" 1
  is "stuck enumeration: 32 Pulls, then stopped" "$(( $(pulls) - before ))" 32
  is "stuck enumeration: the context was released" "$(sim_state_field 's["enumerations_open"]')" 0
fi
sim_stop

# SIGTERM ends a wsman request at once: a server that accepts and never answers would
# otherwise hold nanosh until --timeout (60 s here). The listener stops after 30 s.
"$PYTHON3" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(30)
try:
    c, _ = s.accept(); time.sleep(30)
except OSError:
    pass
' >"$tmp/silent-port" &
silent_pid=$!
for _ in $(seq 1 50); do [ -s "$tmp/silent-port" ] && break; sleep 0.1; done
timeout -k 5 90 "$NANOSH" wsman --timeout 60 "127.0.0.1:$(cat "$tmp/silent-port")" identify \
  --unauthenticated </dev/null >/dev/null 2>"$tmp/err" &
nanosh_pid=$!
sleep 1
kill -TERM "$nanosh_pid"   # timeout(1) passes it on to nanosh
started=$SECONDS
wait "$nanosh_pid"; rc=$?
is "SIGTERM during a request: nanosh ends by the signal (143)" "$rc" 143
check "SIGTERM during a request: within 3 s, not at --timeout" [ $((SECONDS - started)) -le 3 ]
kill "$silent_pid" 2>/dev/null; wait "$silent_pid" 2>/dev/null

rm -rf "$tmp"
tap_done
