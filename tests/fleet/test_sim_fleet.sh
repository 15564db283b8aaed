#!/bin/bash
# The test server as a fleet (tests/server/fleet.py, tests/lib/sim.sh sim_fleet_start):
# 50 hosts in one process, each on its own loopback address with its own name, profile,
# sandbox and state; a host that is down, one that resets its first 2 connections, one
# whose profile has no Containers feature, one where the password is wrong, one that answers
# its first 2 requests with 503 (WinRM starting).
# Run it in `unshare --net` with lo up: all of 127.0.0.0/8 reaches lo there.
set -u
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sim.sh"
CLIENT=$SIM_TOP/tests/fleet/sim_fleet_client.py
client() { "$SIM_PYTHON" "$CLIENT" "$@"; }

"$SIM_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.1.200", 0))' 2>/dev/null ||
  skip_all 'cannot bind 127.0.1.200 (lo lacks 127.0.0.0/8 here)'
"$SIM_PYTHON" -c 'import winrm' 2>/dev/null || skip_all 'pywinrm (python3-winrm) is not installed'

N=50 DOWN=3 FLAKY=5 NOCONT=7 WRONGPW=9 STARTING=11
sim_fleet_start $N --profile fresh --host $DOWN down --host $FLAKY flaky_connects=2 \
  --host $NOCONT profile=no-containers --host $WRONGPW wrong_password --host $STARTING unavailable_requests=2 ||
  { fail 'sim_fleet_start 50'; tap_done; exit 1; }
ok 'sim_fleet_start 50: one server is up'
ADDR_DOWN=$(sim_fleet_address $DOWN) ADDR_FLAKY=$(sim_fleet_address $FLAKY)
ADDR_NOCONT=$(sim_fleet_address $NOCONT) ADDR_WRONGPW=$(sim_fleet_address $WRONGPW)
is 'host 7 is 127.0.1.7 nano007' "$ADDR_NOCONT $(sim_fleet_name $NOCONT)" '127.0.1.7 nano007'

# --- what sim.sh exports ---------------------------------------------------------------------
hosts=$(grep -v '^#' "$SIM_FLEET_INVENTORY")
is 'the inventory lists 50 hosts' "$(printf '%s\n' "$hosts" | wc -l)" 50
is 'inventory line 1' "$(printf '%s\n' "$hosts" | sed -n 1p)" "127.0.1.1 port=$SIM_PORT  # nano001"
is 'inventory line 50' "$(printf '%s\n' "$hosts" | sed -n 50p)" "127.0.1.50 port=$SIM_PORT  # nano050"
is 'the down host is in the inventory too' "$(printf '%s\n' "$hosts" | grep -c "^$ADDR_DOWN ")" 1
is 'one sandbox per host' "$(ls "$SIM_FLEET_SANDBOX" | wc -l)" 50
check 'nano001 has its profile'"'"'s C:\Windows\System32' test -d "$SIM_FLEET_SANDBOX/nano001/Windows/System32"
is 'one state file and one host state file per host' "$(ls "$SIM_FLEET_STATE_DIR" | wc -l)" 100
is 'the summary lists the hosts and their knobs' "$("$SIM_PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(len(s["hosts"]), [h["name"] for h in s["hosts"] if h["down"]], [h["flaky_connects"] for h in s["hosts"]][4],
      [h["profile_name"].split("/")[-1] for h in s["hosts"]][6], [h["name"] for h in s["hosts"] if h["wrong_password"]])' \
  "$SIM_FLEET_STATE")" "50 ['nano003'] 2 no-containers ['nano009']"
is 'one process' "$(pgrep -c -P "$$" -f winrm_sim.py || true)" 1

# --- pywinrm on a few hosts: each answers with its own computer name --------------------------
for i in 1 2 25 50; do
  out=$(client run "$(sim_fleet_address $i)" "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" 'echo %COMPUTERNAME%' 2>&1)
  is "pywinrm on host $i: echo %COMPUTERNAME%" "$out" "$(sim_fleet_name $i)
rc 0"
done
# The request reached that host alone: its own state counts it, a host not asked counts nothing.
is 'nano025 counted its shell' "$(sim_fleet_state_field nano025 's["wsman_actions"].get("Create", 0)')" 1
is 'nano024 saw no request' "$(sim_fleet_state_field nano024 's["http_requests"]')" 0
# Its own sandbox: a file made on nano002 is not on nano001.
client run 127.0.1.2 "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" 'echo two> C:\only-here.txt' >/dev/null 2>&1
check 'a file written on nano002 lands in its sandbox' test -f "$SIM_FLEET_SANDBOX/nano002/only-here.txt"
check '... and not in nano001'"'"'s' test ! -e "$SIM_FLEET_SANDBOX/nano001/only-here.txt"

# --- the down and the flaky host ----------------------------------------------------------------
is 'the down host refuses' "$(client connect "$ADDR_DOWN" "$SIM_PORT")" refused
is 'the flaky host resets its 1st connection' "$(client connect "$ADDR_FLAKY" "$SIM_PORT")" reset
is 'the flaky host resets its 2nd connection' "$(client connect "$ADDR_FLAKY" "$SIM_PORT")" reset
is 'the flaky host answers its 3rd' "$(client connect "$ADDR_FLAKY" "$SIM_PORT")" 'ok 200'
is 'the flaky host answers its 4th' "$(client connect "$ADDR_FLAKY" "$SIM_PORT")" 'ok 200'
is 'the summary counts 2 resets' "$("$SIM_PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["hosts"][4]["resets"])' "$SIM_FLEET_STATE")" 2

ADDR_STARTING=$(sim_fleet_address $STARTING)
is 'the starting host answers 503 to its 1st request' "$(client connect "$ADDR_STARTING" "$SIM_PORT")" 'ok 503 no-vendor'
is 'the starting host answers 503 to its 2nd request' "$(client connect "$ADDR_STARTING" "$SIM_PORT")" 'ok 503 no-vendor'
is 'the starting host answers its 3rd' "$(client connect "$ADDR_STARTING" "$SIM_PORT")" 'ok 200'
is 'the summary counts 2 503s' "$("$SIM_PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["hosts"][10]["unavailable"])' "$SIM_FLEET_STATE")" 2

# --- an Identify on every host at once (50 threads) -----------------------------------------------
addrs=$(for i in $(seq 1 $N); do sim_fleet_address "$i"; done)
got=$(client identify "$SIM_PORT" 50 $addrs)
is 'Identify from 50 threads: 49 answer 200' "$(printf '%s\n' "$got" | grep -c ' 200$')" 49
is '... and the down host is refused' "$(printf '%s\n' "$got" | grep -v ' 200$')" "$ADDR_DOWN refused"
is 'each host counted its own request (nano012 ... nano024: one each)' "$("$SIM_PYTHON" -c 'import json, os, sys
d = sys.argv[1]
print(sorted({json.load(open(os.path.join(d, "nano%03d.json" % i)))["http_requests"] for i in range(12, 25)}))' "$SIM_FLEET_STATE_DIR")" '[1]'

# --- the wrong-password host, and per-host profiles --------------------------------------------
q_svc="SELECT * FROM Win32_Service WHERE Name='vmcompute'"
is 'the wrong-password host refuses the logon (401)' \
  "$(client wql "$ADDR_WRONGPW" "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" "$q_svc" Name)" 'status 401'
is 'nano001 (fresh) has vmcompute' "$(client wql 127.0.1.1 "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" "$q_svc" Name)" vmcompute
is 'nano007 (no-containers) has none' "$(client wql "$ADDR_NOCONT" "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" "$q_svc" Name)" ''
q_os='SELECT * FROM Win32_OperatingSystem'
is 'Win32_OperatingSystem on nano007 names NANO007' \
  "$(client wql "$ADDR_NOCONT" "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" "$q_os" CSName)" NANO007
is 'Win32_OperatingSystem on nano042 names NANO042' \
  "$(client wql 127.0.1.42 "$SIM_PORT" "$SIM_USER" "$SIM_PASSWORD" "$q_os" CSName)" NANO042
is 'the host states differ in their services' "$("$SIM_PYTHON" -c 'import json, sys
names = lambda f: sorted(s["Name"] for s in json.load(open(f))["services"])
print("vmcompute" in names(sys.argv[1]), "vmcompute" in names(sys.argv[2]))' \
  "$SIM_FLEET_STATE_DIR/nano001.host.json" "$SIM_FLEET_STATE_DIR/nano007.host.json")" 'True False'

# --- a bad fleet file is refused with its reason ---------------------------------------------------
printf '{"count": 2, "hosts": [{"address": "10.0.0.1", "name": "x"}]}\n' > "$SIM_DIR/bad.json"
out=$("$SIM_PYTHON" "$SIM_SERVER" --fleet "$SIM_DIR/bad.json" --fleet-state-dir "$SIM_DIR/bad" \
  --accounts "$SIM_DIR/accounts" --sandbox "$SIM_DIR/bad-c" 2>&1); rc=$?
is 'a non-loopback address: exit 2' "$rc" 2
like '... saying why' "$out" 'not a loopback address'

pid=$SIM_PID
sim_fleet_stop
check 'sim_fleet_stop ends the server' sh -c "! kill -0 $pid 2>/dev/null"
tap_done
