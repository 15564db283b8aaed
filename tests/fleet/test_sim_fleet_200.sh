#!/bin/bash
# The fleet server at the benchmark's size (issue 13): 200 hosts in one process, 64 clients
# at once, each host running a command through pywinrm and answering with its own name.
# Reports the server's start time, wall time, peak memory (VmHWM), threads and descriptors.
# Run it in `unshare --net` with lo up.
set -u
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sim.sh"
CLIENT=$SIM_TOP/tests/fleet/sim_fleet_client.py

"$SIM_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.1.200", 0))' 2>/dev/null ||
  skip_all 'cannot bind 127.0.1.200 (lo lacks 127.0.0.0/8 here)'
"$SIM_PYTHON" -c 'import winrm' 2>/dev/null || skip_all 'pywinrm (python3-winrm) is not installed'

N=200
MAX_RSS_KB=$((150 * 1024))      # what "modest" means here: measured under 50 MB (see diag)
t0=$(date +%s%N)
sim_fleet_start $N --profile fresh || { fail 'sim_fleet_start 200'; tap_done; exit 1; }
t1=$(date +%s%N)
ok 'sim_fleet_start 200'
diag "start: $(( (t1 - t0) / 1000000 )) ms for $N hosts"
is 'one listener per host' "$(ls -l /proc/$SIM_PID/fd 2>/dev/null | grep -c socket)" $N
rss_idle=$(awk '/^VmRSS/ {print $2}' /proc/$SIM_PID/status)

hosts=$(for i in $(seq 1 $N); do echo "$(sim_fleet_address "$i")=$(sim_fleet_name "$i")"; done)
for threads in 16 64; do
  got=$("$SIM_PYTHON" "$CLIENT" load "$SIM_PORT" $threads "$SIM_USER" "$SIM_PASSWORD" $hosts 2>&1)
  want=$(printf '%s\n' "$hosts" | sed 's/=/ ok /')
  is "$N hosts from $threads threads: each answers its own name" "$(printf '%s\n' "$got" | grep -v '^seconds')" "$want"
  diag "-j $threads: $(printf '%s\n' "$got" | sed -n 's/^seconds //p') s for $N hosts (Identify + a pywinrm command each)"
done
is 'every host counted its 2 shells' "$("$SIM_PYTHON" -c 'import json, os, sys
d = sys.argv[1]
print(sorted({json.load(open(os.path.join(d, "nano%03d.json" % i)))["wsman_actions"].get("Create", 0)
              for i in range(1, 201)}))' "$SIM_FLEET_STATE_DIR")" '[2]'

cpu=$(awk '{printf "%.1f", ($14 + $15) / 100}' /proc/$SIM_PID/stat)
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$SIM_PID/status)
threads_now=$(awk '/^Threads/ {print $2}' /proc/$SIM_PID/status)
diag "server memory: $rss_idle kB resident idle with $N hosts, peak $hwm kB after the runs; $threads_now threads now; $cpu s of CPU in all"
check "the server's peak memory with $N hosts stays under $((MAX_RSS_KB / 1024)) MB" test "$hwm" -lt $MAX_RSS_KB
check 'no thread per host (threads after the runs < 40)' test "$threads_now" -lt 40
sim_fleet_stop
tap_done
