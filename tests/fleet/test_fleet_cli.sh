#!/bin/bash
# Fleets on the command line (issue 13, docs/fleet.md): nanosh bootstrap -i and nanosh -i -c
# against the test server playing many hosts (tests/server/fleet.py): 50 hosts at -j 16 with
# broken ones, a flaky host retried, an auth failure not retried, -c output prefixed and
# kept per host, a malformed inventory that runs nothing, Ctrl-C mid-fleet, and 4 shards
# whose merged report equals a single run's, timings aside.
# Run it in `unshare --net` with lo up: all of 127.0.0.0/8 reaches lo there.
set -u
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sim.sh"
PY=${PYTHON3:-python3}
SCHEMA=$SIM_TOP/docs/bootstrap-report.schema.json
VALIDATE=$SIM_TOP/tests/bootstrap/validate_report.py
NANOSH=${NANOSH:-$TOP_BUILDDIR/nanosh}
[ -x "$NANOSH" ] || skip_all "nanosh not built"
"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.1.50", 0))' 2>/dev/null ||
  skip_all 'cannot bind 127.0.1.50 (lo lacks 127.0.0.0/8 here)'
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0:intercept_tls_get_addr=0"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-fleetcli.XXXXXX") || exit 1
cleanup() { sim_fleet_stop; rm -rf "$W"; }
trap cleanup EXIT
ADMIN_PW=Adm1n-pw
printf 'Administrator:%s\n' "$ADMIN_PW" > "$W/accounts"
ZIP=$(sim_docker_zip "$W") || { echo "Bail out! no stand-in zip"; exit 1; }
export NANOSH_PASSWORD=$ADMIN_PW

N=50 DOWN=3 FLAKY=5 NOCONT=7 WRONGPW=9
sim_fleet_start $N --profile fresh --host $DOWN down --host $FLAKY flaky_connects=2 \
  --host $NOCONT profile=no-containers --host $WRONGPW wrong_password --accounts "$W/accounts" ||
  { fail 'sim_fleet_start 50'; tap_done; exit 1; }
INV=$SIM_FLEET_INVENTORY
label() { printf '%s:%s' "$(sim_fleet_address "$1")" "$SIM_PORT"; }
field() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
valid() {
  local why vrc
  why=$("$PY" "$VALIDATE" "$SCHEMA" "$1" 2>&1); vrc=$?
  if [ "$vrc" = 3 ]; then skip "$2: $why (Debian python3-jsonschema)"
  else is "$2" "$vrc $why" "0 "; fi
}
fleet() {
  "$NANOSH" "$@" -a basic --allow-unencrypted -u Administrator >"$W/out" 2>"$W/err"
  rc=$?
  grep -q 'Sanitizer' "$W/err" && sed 's/^/# stderr: /' "$W/err"
  return 0
}
requests() { sim_fleet_state_field "$(sim_fleet_name "$1")" 's["http_requests"]'; }

# --- a malformed line: one error naming it, nothing runs -------------------------------------
{ sed -n 1,4p "$INV"; echo '127.0.1.20 port=99999'; sed -n '5,$p' "$INV"; } > "$W/bad.txt"
before=$(requests 1)
fleet bootstrap -i "$W/bad.txt" --docker-zip "$ZIP" -j 16
is 'malformed inventory: exit status 255' "$rc" 255
like 'malformed inventory: the error names the line' "$(cat "$W/err")" 'inventory line 5'
is 'malformed inventory: one line on stderr' "$(wc -l < "$W/err")" 1
is 'malformed inventory: nothing on stdout' "$(wc -c < "$W/out")" 0
is 'malformed inventory: no host was asked anything' "$(requests 1)" "$before"

# --- 50 hosts at -j 16: 3 broken, 1 flaky ------------------------------------------------------
fleet bootstrap -i "$INV" -j 16 --docker-zip "$ZIP" --report "$W/run.json"
is 'bootstrap 50 hosts: exit status 1 (hosts failed)' "$rc" 1
is 'bootstrap 50 hosts: a line per host (no terminal)' "$(wc -l < "$W/out")" 50
is 'bootstrap 50 hosts: 47 ok' "$(grep -c ' ok$' "$W/out")" 47
is 'bootstrap 50 hosts: 3 failed' "$(grep -c ' failed ' "$W/out")" 3
like 'the down host failed with its reason, after its retries' \
  "$(grep "^$(label $DOWN) " "$W/out")" "failed reach: no answer from WinRM.*refused \\(after 4 tries\\)"
like 'the no-containers host failed with its reason' "$(grep "^$(label $NOCONT) " "$W/out")" 'failed host: .*Containers'
like 'the wrong-password host failed with its reason' "$(grep "^$(label $WRONGPW) " "$W/out")" 'failed reach: the host refused the logon'
check 'the wrong-password host was not retried' eval "! grep -q '^$(label $WRONGPW) .*tries' '$W/out'"
req=$(requests $WRONGPW)
check "the wrong-password host was asked twice at most (unauthenticated and authenticated Identify: $req)" \
  test "$req" -le 2
is 'the flaky host succeeded on a retry' "$(grep "^$(label $FLAKY) " "$W/out")" "$(label $FLAKY) ok"
is 'the flaky host reset two connections' "$(field "$SIM_FLEET_STATE" '[h["resets"] for h in d["hosts"] if h["name"] == "nano005"][0]')" 2
like 'a summary line on stderr' "$(tail -1 "$W/err")" '^50 hosts: 47 ok, 3 failed'
valid "$W/run.json" 'the report validates against docs/bootstrap-report.schema.json'
is 'the report: 50 hosts, 47 ok, ok false, inventory_hosts 50' \
  "$(field "$W/run.json" 'len(d["hosts"]), sum(h["ok"] for h in d["hosts"]), d["ok"], d["inventory_hosts"]')" '50 47 False 50'
is 'the report: every step of an ok host' \
  "$(field "$W/run.json" '[len(h["steps"]) for h in d["hosts"] if h["host"] == "127.0.1.1:%s" % '"$SIM_PORT"'][0]')" 9
is 'the report: the failed hosts' "$(field "$W/run.json" '" ".join(sorted(h["host"].split(":")[0] for h in d["hosts"] if not h["ok"]))')" \
  "$(sim_fleet_address $DOWN) $(sim_fleet_address $NOCONT) $(sim_fleet_address $WRONGPW)"
is 'every ok host copied its docker files' \
  "$(field "$W/run.json" 'sum(1 for h in d["hosts"] for st in h["steps"] if st["name"] == "docker-files" and st["status"] == "changed")')" 47

# --- -c over 20 hosts: prefixed output, and --output-dir ------------------------------------------
sed -n '/^127\.0\.1\.1[0-9] \|^127\.0\.1\.2[0-9] /p' "$INV" > "$W/twenty.txt"
is 'twenty hosts in the small inventory' "$(wc -l < "$W/twenty.txt")" 20
fleet -i "$W/twenty.txt" -j 8 -c 'echo %COMPUTERNAME%& echo second line& echo to-stderr 1>&2' --report "$W/c.json"
is '-c on 20 hosts: exit status 0' "$rc" 0
is '-c: two stdout lines per host, prefixed' "$(grep -c '^127\.0\.1\.[12][0-9]:[0-9]*: ' "$W/out")" 40
is '-c: each host says its own name' "$(tr -d '\r' < "$W/out" | grep -c '^127\.0\.1\.1\([0-9]\):[0-9]*: nano01\1$')" 10
is '-c: lines stay whole and each host'"'"'s lines stay together' \
  "$(awk -F': ' '{ if ($2 == "second line" && prev != $1) bad++; prev = $1 } END { print bad + 0 }' "$W/out")" 0
is '-c: stderr kept apart, prefixed' "$(grep -c '^127\.0\.1\.[12][0-9]:[0-9]*: to-stderr' "$W/err")" 20
check '-c: no stderr text on stdout' eval "! grep -q to-stderr '$W/out'"
is '-c report: command run, 20 hosts, exit 0 each' "$(field "$W/c.json" 'd["command"], len(d["hosts"]), {h["exit_status"] for h in d["hosts"]}')" "run 20 {0}"
valid "$W/c.json" 'the -c report validates'
mkdir "$W/od"
fleet -i "$W/twenty.txt" -j 8 -c 'echo %COMPUTERNAME%& echo err 1>&2' --output-dir "$W/od"
is '--output-dir: exit status 0' "$rc" 0
is '--output-dir: nothing prefixed on stdout' "$(wc -c < "$W/out")" 0
is '--output-dir: three files per host' "$(ls "$W/od" | wc -l)" 60
is '--output-dir: HOST.out' "$(cat "$W/od/$(label 12).out" | tr -d '\r')" nano012
is '--output-dir: HOST.err' "$(cat "$W/od/$(label 12).err" | tr -d '\r ')" err
is '--output-dir: HOST.status' "$(cat "$W/od/$(label 12).status")" 0
check '--output-dir: no temporary file left' eval "! ls -A '$W/od' | grep -q '^\\.'"
# A failing command: its status file says so, the exit status is 1.
printf '%s port=%s\n' "$(sim_fleet_address $DOWN)" "$SIM_PORT" "$(sim_fleet_address 11)" "$SIM_PORT" > "$W/two.txt"
mkdir "$W/od2"
fleet -i "$W/two.txt" -c 'exit 3' --output-dir "$W/od2"
is 'a failing command: exit status 1' "$rc" 1
is 'a failing command: its status file' "$(cat "$W/od2/$(label 11).status")" '3
the command exited with status 3'
like 'an unreachable host: status 255 and why' "$(cat "$W/od2/$(label $DOWN).status")" '^255
connection to .* refused'

# --- Ctrl-C in the middle -----------------------------------------------------------------------
"$NANOSH" -i "$W/twenty.txt" -j 4 -c 'sleep 3' -a basic --allow-unencrypted -u Administrator \
  --report "$W/int.json" >"$W/iout" 2>"$W/ierr" &
pid=$!
for _ in $(seq 1 100); do   # at most 20 s
  [ "$(grep -c ' ok$' "$W/ierr" 2>/dev/null)" -ge 4 ] && break
  sleep 0.2
done
sleep 1
kill -INT "$pid"
wait "$pid"; rc=$?
is 'Ctrl-C mid-fleet: exit status 130' "$rc" 130
done_hosts=$(field "$W/int.json" 'len(d["hosts"])' 2>/dev/null)
check "Ctrl-C: the report was written, with the hosts that started (${done_hosts:-none})" \
  test "${done_hosts:-0}" -ge 4 -a "${done_hosts:-99}" -lt 20
is 'Ctrl-C: the report says not ok, and the interrupted hosts why' \
  "$(field "$W/int.json" 'd["ok"], any((h["error"] or {}).get("message") == "interrupted" for h in d["hosts"])')" 'False True'
valid "$W/int.json" 'Ctrl-C: the report validates'
open=0
for i in $(seq 10 29); do
  n=$(sim_fleet_state_field "$(sim_fleet_name $i)" 'len(s["shells"])')
  open=$((open + n))
done
is 'Ctrl-C: no shell left open on any host' "$open" 0

# Ctrl-C in a fleet bootstrap: the same, with the steps of the hosts that ran reported.
"$NANOSH" bootstrap -i "$INV" -j 2 --docker-zip "$ZIP" -a basic --allow-unencrypted -u Administrator \
  --report "$W/bint.json" >"$W/bout" 2>"$W/berr" &
pid=$!
for _ in $(seq 1 150); do   # at most 30 s
  [ "$(grep -c ' ok$' "$W/bout" 2>/dev/null)" -ge 4 ] && break
  sleep 0.2
done
kill -INT "$pid"
wait "$pid"; rc=$?
is 'Ctrl-C mid-bootstrap fleet: exit status 130' "$rc" 130
done_hosts=$(field "$W/bint.json" 'len(d["hosts"])' 2>/dev/null)
check "Ctrl-C mid-bootstrap: the report holds the hosts that started (${done_hosts:-none})" \
  test "${done_hosts:-0}" -ge 4 -a "${done_hosts:-99}" -lt 50
valid "$W/bint.json" 'Ctrl-C mid-bootstrap: the report validates'
open=0
for i in $(seq 1 50); do
  [ "$i" = "$DOWN" ] && continue
  n=$(sim_fleet_state_field "$(sim_fleet_name $i)" 'len(s["shells"])')
  open=$((open + n))
done
is 'Ctrl-C mid-bootstrap: no shell left open on any host' "$open" 0

# --- 4 shards cover every host once; their merge equals one run's --------------------------------
"$NANOSH" -i "$INV" -j 16 -c 'echo %COMPUTERNAME%' -a basic --allow-unencrypted -u Administrator \
  --report "$W/whole.json" >/dev/null 2>&1
for k in 1 2 3 4; do
  "$NANOSH" -i "$INV" -j 8 --shard $k/4 -c 'echo %COMPUTERNAME%' -a basic --allow-unencrypted \
    -u Administrator --report "$W/shard$k.json" >"$W/shard$k.out" 2>"$W/shard$k.err" &
  pids="${pids:-} $!"
done
for p in $pids; do wait "$p"; done   # not a bare wait: the simulator is a child too
is '4 shards: each report records its shard' \
  "$(for k in 1 2 3 4; do field "$W/shard$k.json" '"%d/%d" % (d["shard"]["k"], d["shard"]["n"])'; done | tr '\n' ' ')" '1/4 2/4 3/4 4/4 '
shard_hosts() { for k in 1 2 3 4; do field "$W/shard$k.json" '"\n".join(h["host"] for h in d["hosts"])'; done; }
is '4 shards: 50 hosts in all' "$(shard_hosts | wc -l)" 50
is '4 shards: every host exactly once' "$(shard_hosts | sort | uniq -d | wc -l) $(shard_hosts | sort -u | wc -l)" '0 50'
"$NANOSH" report merge "$W"/shard[1-4].json >"$W/merged.json" 2>"$W/merge.err"; rc=$?
is 'report merge of the 4 shards: exit status 0 (none missing or doubled)' "$rc" 0
is 'report merge: nothing on stderr' "$(cat "$W/merge.err")" ''
valid "$W/merged.json" 'the merged report validates'
is 'the merged report equals the single run'"'"'s, timings aside' "$("$PY" - "$W/merged.json" "$W/whole.json" <<'PY'
import json, sys
def norm(d):
    d = dict(d)
    for k in ("seconds", "started", "merge", "shard", "inventory_hosts"):
        d.pop(k, None)
    hosts = []
    for h in d["hosts"]:
        h = dict(h)
        h.pop("seconds", None)
        if h.get("error"):
            h["error"] = dict(h["error"])
        hosts.append(h)
    d["hosts"] = sorted(hosts, key=lambda h: h["host"])
    return d
a, b = (norm(json.load(open(p))) for p in sys.argv[1:3])
print("equal" if a == b else "differ: %s" % [x for x, y in zip(a["hosts"], b["hosts"]) if x != y][:2])
PY
)" equal
"$NANOSH" report merge "$W"/shard[1-3].json "$W/shard3.json" >"$W/merged2.json" 2>"$W/merge2.err"; rc=$?
is 'report merge without shard 4 and shard 3 twice: exit status 1' "$rc" 1
like 'report merge: says which hosts are doubled' "$(cat "$W/merge2.err")" 'is doubled, in .*shard3.json, .*shard3.json'
like 'report merge: says the shard is missing' "$(cat "$W/merge2.err")" 'no report of shard 4/4'
"$NANOSH" report merge -i "$INV" "$W"/shard[1-3].json >/dev/null 2>"$W/merge3.err"; rc=$?
is 'report merge -i: exit status 1' "$rc" 1
is 'report merge -i: names each missing host' "$(grep -c 'is missing' "$W/merge3.err")" \
  "$(field "$W/shard4.json" 'len(d["hosts"])')"

tap_done
