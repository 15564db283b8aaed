#!/bin/bash
# Fault injection in SMB transfers, full disks and fleets (issue 15; docs/reliability.md,
# "SMB transfers, full disks and fleets"). One loop over the table CASES below: each row
# runs nanosh push or pull (or a fleet) once with one fault and checks that nanosh
#   - ends within its bounds (--timeout plus one SMB request's --connect-timeout, plus 2 s),
#   - prints one line on stderr, "nanosh: ...", that names the cause,
#   - exits 255 (a fleet: 1, docs/fleet.md),
#   - leaves no half-written file: the existing target holds its old bytes, and a partial
#     copy is left only when the line says --resume, which then finishes it,
#   - stays under MAX_RSS_KIB of memory,
#   - in a fleet fails the faulted hosts only, and its report says why.
# SMB faults come from tests/fault/smb_relay.py between nanosh and a private smbd; full
# disks are tiny tmpfs mounts, so the script re-runs itself in a private mount namespace
# (unshare --mount; CI runs it as root in `unshare --net`) and skips those rows without one.
#   smb_faults.sh [--markdown FILE]   also writes the results as a Markdown table
#   SMBFAULT_CASES=REGEX              runs only the cases whose name matches
set -u
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
PY=${PYTHON3:-python3}
NANOSH=${NANOSH:-$TOP_BUILDDIR/nanosh}
[ -x "$NANOSH" ] || skip_all "nanosh not built"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time missing (Debian package time): it measures max RSS"

if [ -z "${SMBFAULT_MOUNT_NS:-}" ] && [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
  SMBFAULT_MOUNT_NS=1 exec unshare --mount "$BASH" "$0" "$@"
fi
MARKDOWN=
[ "${1:-}" = --markdown ] && MARKDOWN=${2:?--markdown needs a file}

# The bounds every row is held to. Sanitizers map shadow memory: the RSS bound is larger.
CONNECT_S=3 TIMEOUT_S=12
BOUND_S=$((TIMEOUT_S + CONNECT_S + 2))
case ${SAN_CFLAGS:-} in *sanitize=address*) MAX_RSS_KIB=262144 ;; *) MAX_RSS_KIB=65536 ;; esac
# 4 MiB files; a fault fires once 1.5 MB have crossed the link, mid-copy; tmpfs holds 2 MiB.
SIZE=4194304 AT=1500000 TMPFS_SIZE=2m

# name                  op    via    fault
CASES='
push-close-before       push  smb    close-before
push-close-after        push  smb    close-after
push-cut                push  smb    cut
push-slow               push  smb    slow
push-smbd-killed        push  smb    kill
pull-close-before       pull  smb    close-before
pull-close-after        pull  smb    close-after
pull-cut                pull  smb    cut
pull-slow               pull  smb    slow
pull-smbd-killed        pull  smb    kill
push-share-full         push  smb    full
push-c-full             push  winrm  full
pull-local-full         pull  smb    full
pull-local-full-winrm   pull  winrm  full
fleet-c                 fleet run    -
fleet-bootstrap         fleet boot   -
'

. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-smbfault.XXXXXX") || exit 1
chmod 0755 "$W"
MOUNTS=() RELAY_PID= ROWS=()
cleanup() {
  relay_stop; samba_stop
  local m; for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
  sim_stop; rm -rf "$W"
}
trap cleanup EXIT

# tiny_disk DIR: a TMPFS_SIZE tmpfs on DIR that anyone may write to; 1 when it cannot be.
tiny_disk() {
  mkdir -p "$1" && [ -n "${SMBFAULT_MOUNT_NS:-}" ] &&
    mount -t tmpfs -o size=$TMPFS_SIZE,mode=1777 tmpfs "$1" 2>/dev/null && MOUNTS=("$1" "${MOUNTS[@]}")
}

relay_start() {   # relay_start MODE CMD: RELAY_PORT, in front of smbd
  rm -f "$W/relay.port" "$W/relay.json"
  "$PY" "$TOP_SRCDIR/tests/fault/smb_relay.py" --fault "$1" --at "$AT" --run "$2" \
    --stats "$W/relay.json" 127.0.0.1 "$SMB_PORT" >"$W/relay.port" 2>"$W/relay.err" &
  RELAY_PID=$!
  local i; for i in $(seq 50); do [ -s "$W/relay.port" ] && break; sleep 0.1; done
  RELAY_PORT=$(head -1 "$W/relay.port")
}
relay_stop() {
  [ -n "$RELAY_PID" ] || return 0
  kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
}
relay_fired() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["fired"])' "$W/relay.json" 2>/dev/null; }

# The single host: the test server, whose C:\ is the share of a private smbd (samba.sh).
single_up=
single_start() {
  [ -n "$single_up" ] && return 0
  SIM_UMASK=000 sim_start --ntlm --account "$SMB_USER:$SMB_PW" || return 1
  trap cleanup EXIT                  # sim_start set its own
  export NANOSH_PASSWORD=$SMB_PW
  mkdir -p "$SIM_SANDBOX/T" "$W/local"
  head -c $SIZE /dev/urandom > "$W/new"
  cp "$W/new" "$SIM_SANDBOX/T/src"
  tiny_disk "$SIM_SANDBOX/Full" && FULL_REMOTE=1 || FULL_REMOTE=
  tiny_disk "$W/lfull" && FULL_LOCAL=1 || FULL_LOCAL=
  SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start || return 1
  single_up=1
}
smbd_restart() { samba_stop; SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start; }

# The fleet: 4 hosts; host 2 is down, host 3's C:\ is a full tmpfs, host 4 answers garbage.
fleet_up=
fleet_start() {
  [ -n "$fleet_up" ] && return 0
  samba_stop
  local m; for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done; MOUNTS=()
  sim_stop
  ZIP=$(sim_docker_zip "$W" --size $SIZE) || return 1   # more than a full C:\ takes
  printf 'Administrator:%s\n' "$SMB_PW" > "$W/accounts"
  export NANOSH_PASSWORD=$SMB_PW
  # Host 4's shell Create gets HTTP 500 with garbage, each time the runner tries it.
  sim_fleet_start 4 --profile fresh --host 2 down \
    --host 4 inject=create:500-garbage:1,inject=create:500-garbage:2,inject=create:500-garbage:3,inject=create:500-garbage:4,inject=create:500-garbage:5 \
    --accounts "$W/accounts" || return 1
  trap cleanup EXIT
  mkdir -p "$SIM_FLEET_SANDBOX/nano003"
  if tiny_disk "$SIM_FLEET_SANDBOX/nano003"; then
    FULL_FLEET=1
    head -c $((2048 * 1024 - 8192)) /dev/zero > "$SIM_FLEET_SANDBOX/nano003/filler" 2>/dev/null
  else FULL_FLEET=; fi
  fleet_up=1
}

leftovers() { find "$@" \( -name '*.part' -o -name '*.nanosh-*' \) 2>/dev/null | sort; }
one_line() { [ "$(wc -l < "$W/err")" = 1 ] && grep -q '^nanosh: ' "$W/err"; }

# measure CMD...: runs it with its stdout and stderr in files; rc, WALL_S and RSS_KIB.
measure() {
  /usr/bin/time -f '%e %M' -o "$W/time" timeout -s KILL $((BOUND_S * 3)) "$@" >"$W/out" 2>"$W/err"
  rc=$?
  read -r WALL_S RSS_KIB < <(tail -1 "$W/time")
  grep -q Sanitizer "$W/err" && sed 's/^/# stderr: /' "$W/err"
}

# check_row NAME PATTERN [STATUS [LINE]]: the checks every row shares (LINE: the failure's
# line, by default all of stderr, which must be that one line); appends the table row.
check_row() {
  local name=$1 pattern=$2 want=${3:-255} line=${4:-$(cat "$W/err")} verdict=ok
  is "$name: exit status $want" "$rc" "$want"
  check "$name: ended within ${BOUND_S} s (took ${WALL_S} s)" \
    awk -v t="$WALL_S" -v b="$BOUND_S" 'BEGIN { exit !(t <= b) }'
  check "$name: max RSS ${RSS_KIB} KiB <= $MAX_RSS_KIB KiB" [ "${RSS_KIB:-0}" -le "$MAX_RSS_KIB" ]
  like "$name: the error line names the cause" "$line" "$pattern"
  [ "$TAP_FAILED" = "$n0" ] || verdict=FAIL
  ROWS+=("| $name | $rc | $WALL_S | $((RSS_KIB / 1024)) | $LEFT | $(printf '%s' "$line" | head -1 | sed 's/|/\\|/g') | $verdict |")
}

# A push or pull of one 4 MiB file over an existing target with other bytes (--force).
transfer_case() {
  local name=$1 op=$2 via=$3 fault=$4 remote dir target port=$SMB_PORT pattern
  n0=$TAP_FAILED
  local old="old bytes of $name"
  [ "$via" = winrm ] && port=
  if [ "$fault" = full ]; then
    if { [ $op = push ] && [ -z "$FULL_REMOTE" ]; } || { [ $op = pull ] && [ -z "$FULL_LOCAL" ]; }; then
      skip "$name: cannot mount a tmpfs (needs root and unshare --mount)"; return
    fi
    pattern='space|full'
  else
    relay_start "${fault/kill/run}" "ps -o pid= --ppid $SMB_PID | xargs -r kill -9; kill -9 $SMB_PID"
    port=$RELAY_PORT
    pattern='resume|reach|connect|closed|time|reset'
  fi
  local C=(--via "$via" --force ${port:+--smb-port "$port"} --connect-timeout $CONNECT_S --timeout $TIMEOUT_S
           --port "$SIM_PORT" -a ntlm -u "$SMB_USER" 127.0.0.1)
  if [ $op = push ]; then
    dir=T; [ "$fault" = full ] && dir=Full
    target=$SIM_SANDBOX/$dir/$name remote="C:\\$dir\\$name"
    printf '%s' "$old" > "$target"; chmod 0666 "$target"
    measure "$NANOSH" push "${C[@]}" "$W/new" "$remote"
  else
    dir=$W/local; [ "$fault" = full ] && dir=$W/lfull
    target=$dir/$name
    printf '%s' "$old" > "$target"
    measure "$NANOSH" pull "${C[@]}" 'C:\T\src' "$target"
  fi
  relay_stop
  case $fault in full) ;; *) is "$name: the fault fired" "$(relay_fired)" True ;; esac
  [ "$fault" = kill ] && smbd_restart
  LEFT=$(leftovers "$SIM_SANDBOX" "$W/local" "$W/lfull" | wc -l)
  is "$name: the target keeps its old bytes" "$(cat "$target")" "$old"
  check "$name: one line on stderr, nanosh: ..." one_line
  if [ "$LEFT" != 0 ]; then
    # Kept for --resume (nanosh.1, PUSH AND PULL) only when the line says so.
    like "$name: a partial copy is kept only with --resume in the line" "$(cat "$W/err")" 'resume'
    local disk=$SIM_SANDBOX/Full; [ $op = pull ] && disk=$W/lfull
    [ "$fault" = full ] && mount -o remount,size=16m "$disk"   # space freed
    local R=(--via "$via" --force --resume ${port:+--smb-port "$SMB_PORT"} --port "$SIM_PORT" -a ntlm -u "$SMB_USER" 127.0.0.1)
    if [ $op = push ]; then "$NANOSH" push "${R[@]}" "$W/new" "$remote" >/dev/null 2>"$W/rerr"
    else "$NANOSH" pull "${R[@]}" 'C:\T\src' "$target" >/dev/null 2>"$W/rerr"; fi
    check "$name: --resume finishes the copy" cmp -s "$W/new" "$target"
    is "$name: and leaves no partial copy" "$(leftovers "$SIM_SANDBOX" "$W/local" "$W/lfull")" ""
    LEFT="$LEFT, resumed"
    [ "$fault" = full ] && rm -f "$target" && mount -o remount,size=$TMPFS_SIZE "$disk"
  else
    is "$name: no partial copy left" "$(leftovers "$SIM_SANDBOX" "$W/local" "$W/lfull")" ""
  fi
  check_row "$name" "$pattern"
  rm -f "$target" $(leftovers "$SIM_SANDBOX" "$W/local" "$W/lfull")   # the next row starts clean
}

# A fleet of 4: host 2 is down, host 3's C:\ is full, host 4 answers a shell's Create with
# HTTP 500 and garbage (tests/server/fault_injection.py). -c fails hosts 2 and 4; bootstrap,
# which copies the Docker files to C:\, fails 2, 3 and 4. Host 1 ends ok; the report says why.
fleet_case() {
  local name=$1 kind=$2 bad='2 4' why='refused|connect|reach' h
  n0=$TAP_FAILED
  if [ "$kind" = boot ]; then
    [ -n "$FULL_FLEET" ] || { skip "$name: cannot mount a tmpfs (needs root and unshare --mount)"; return; }
    bad='2 3 4'
  fi
  local F=(-i "$SIM_FLEET_INVENTORY" -j 4 --report "$W/report.json" --connect-timeout $CONNECT_S
           --timeout $((TIMEOUT_S * 2)) -a basic --allow-unencrypted -u Administrator)
  BOUND_S=$((TIMEOUT_S * 2 + CONNECT_S + 2))
  rm -f "$W/report.json"
  if [ "$kind" = run ]; then measure "$NANOSH" "${F[@]}" -c 'echo hi'
  else measure "$NANOSH" bootstrap "${F[@]}" --docker-zip "$ZIP"; fi
  # One line a host, in inventory order: ok (true/false), then every message the report has.
  "$PY" - "$W/report.json" > "$W/hosts" <<'PY'
import json, sys
hosts = {h["host"].split(":")[0]: h for h in json.load(open(sys.argv[1]))["hosts"]}
for i in range(1, 5):
    h = hosts.get("127.0.1.%d" % i, {"ok": "missing", "steps": []})
    why = [(h.get("error") or {}).get("message", "")]
    why += ["%s: %s" % (s["name"], s.get("reason", "")) for s in h["steps"] if s.get("status") == "failed"]
    print(h["ok"], " / ".join(w for w in why if w))
PY
  for h in 1 2 3 4; do
    local line; line=$(sed -n "${h}p" "$W/hosts")
    case " $bad " in
      *" $h "*) like "$name: host $h fails" "$line" '^False' ;;
      *) like "$name: host $h ends ok" "$line" '^True' ;;
    esac
  done
  like "$name: the report says why host 2 failed" "$(sed -n 2p "$W/hosts")" "$why"
  [ "$kind" = boot ] && like "$name: the report says why host 3 failed" "$(sed -n 3p "$W/hosts")" 'space|full'
  like "$name: the report says why host 4 failed" "$(sed -n 4p "$W/hosts")" '500'
  # One line a host (stdout for bootstrap, stderr for -c; docs/fleet.md), then the summary.
  cat "$W/out" "$W/err" > "$W/lines"
  for h in 1 2 3 4; do
    local want=ok; case " $bad " in *" $h "*) want=failed ;; esac
    is "$name: one line says host $h $want" \
      "$(grep -Ec "^127\.0\.1\.$h:[0-9]* $want( |\$)" "$W/lines") $(grep -Ec "^127\.0\.1\.$h:[0-9]* (ok|failed)( |\$)" "$W/lines")" "1 1"
  done
  like "$name: a last line sums up" "$(tail -1 "$W/err")" '^4 hosts: [0-9] ok, [0-9] failed'
  # bootstrap has no --resume: a failed copy removes its partial copy (snippet 14), so
  # none is left on any host, the full one included, and no line tells to --resume.
  LEFT=$(leftovers "$SIM_FLEET_SANDBOX" | wc -l)
  is "$name: no partial copy left on any host" "$(leftovers "$SIM_FLEET_SANDBOX")" ""
  if [ "$kind" = boot ]; then
    like "$name: the report says host 3's partial copy was removed" "$(sed -n 3p "$W/hosts")" 'partial copy was removed'
    check "$name: nothing tells to --resume" eval '! grep -q -e --resume "$W/lines" "$W/report.json"'
  fi
  check_row "$name" "$why" 1 "$(grep -E '^127\.0\.1\.[0-9]+:[0-9]+ failed' "$W/lines" | sort | sed 's/$/<br>/' | tr -d '\n')"
  BOUND_S=$((TIMEOUT_S + CONNECT_S + 2))
}

while read -r name op via fault; do
  case $name in ''|'#'*) continue ;; esac
  [[ $name =~ ${SMBFAULT_CASES:-.} ]] || continue
  if [ $op = fleet ]; then
    fleet_start || { fail "$name: the fleet started"; continue; }
    fleet_case "$name" "$via"
  else
    single_start || { fail "$name: the test server and smbd started"; continue; }
    transfer_case "$name" "$op" "$via" "$fault"
  fi
done <<< "$CASES"

if [ -n "$MARKDOWN" ]; then
  { echo "| case | exit | seconds | max RSS MiB | partial copies left | stderr | result |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"; } > "$MARKDOWN"
fi
tap_done
