#!/bin/bash
# The fleet benchmark (issue 13, docs/performance.md "fleet bootstrap, 200 hosts, -j 64"):
# the test server plays N hosts (tests/server/fleet.py); nanosh bootstraps all of them with
# `nanosh bootstrap -i INVENTORY -j J`, then, on a fresh fleet, the same hosts one after
# another with one single-host `nanosh bootstrap HOST` call each (the shell loop a fleet
# replaces). Prints wall time, hosts per minute, nanosh's peak RSS and CPU for both, and
# the speed-up.
#
#   bench/fleet.sh [N [J [SEQ]]]     defaults: 200 hosts, -j 64, SEQ = N sequential hosts
#
# SEQ < N times the sequential run on the first SEQ hosts only and scales it to N (said so
# in the output). Run it in `unshare --net` with lo up (127.0.0.0/8 reaches lo there);
# NANOSH is the binary to time (default ./nanosh: use a build without sanitizers).
set -u
N=${1:-200} J=${2:-64} SEQ=${3:-${1:-200}}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP_SRCDIR=$TOP TOP_BUILDDIR=${TOP_BUILDDIR:-$PWD}
NANOSH=${NANOSH:-$PWD/nanosh}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sim.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-benchfleet.XXXXXX") || exit 1
trap 'sim_fleet_stop; rm -rf "$W"' EXIT
printf 'Administrator:Adm1n-pw\n' > "$W/accounts"
export NANOSH_PASSWORD=Adm1n-pw
ZIP=$(sim_docker_zip "$W") || exit 1
OPTS=(-a basic --allow-unencrypted -u Administrator --docker-zip "$ZIP")

# timed LABEL CMD...: wall s, user+sys s, peak RSS KiB of CMD and its children (GNU time).
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/$label.out" 2>"$W/$label.err"
  echo "$label rc=$? $(cat "$W/time")"
}

sim_fleet_start "$N" --profile fresh --accounts "$W/accounts" || exit 1
read -r _ rc wall user sys rss <<<"$(timed fleet "$NANOSH" bootstrap -i "$SIM_FLEET_INVENTORY" -j "$J" "${OPTS[@]}" --report "$W/fleet.json")"
ok=$(grep -c ' ok$' "$W/fleet.out")
sim_fleet_stop

sim_fleet_start "$N" --profile fresh --accounts "$W/accounts" || exit 1
head -n "$SEQ" <(grep -v '^#' "$SIM_FLEET_INVENTORY" | awk '{print $1}') > "$W/seq.txt"
start=$(date +%s.%N); seq_cpu=0; seq_rss=0; seq_ok=0
while read -r host; do
  read -r _ src swall suser ssys srss <<<"$(timed seq "$NANOSH" bootstrap --port "$SIM_PORT" "${OPTS[@]}" "$host")"
  [ "$src" = rc=0 ] && seq_ok=$((seq_ok + 1))
  seq_cpu=$(echo "$seq_cpu + $suser + $ssys" | bc)
  [ "$srss" -gt "$seq_rss" ] && seq_rss=$srss
done < "$W/seq.txt"
seq_wall=$(echo "$(date +%s.%N) - $start" | bc)
seq_scaled=$(echo "scale=2; $seq_wall * $N / $SEQ" | bc)

echo "fleet: $N hosts at -j $J: $ok ok, $rc, wall ${wall} s, $(echo "scale=0; $N * 60 / $wall" | bc) hosts/min," \
     "CPU $(echo "$user + $sys" | bc) s, peak RSS $((rss / 1024)) MiB"
echo "sequential: $SEQ hosts one after another: $seq_ok ok, wall ${seq_wall} s" \
     "(for $N hosts: ${seq_scaled} s$([ "$SEQ" != "$N" ] && echo ', scaled')), CPU ${seq_cpu} s, peak RSS $((seq_rss / 1024)) MiB per call"
echo "speed-up: $(echo "scale=1; $seq_scaled / $wall" | bc)x"
