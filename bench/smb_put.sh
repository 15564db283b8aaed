#!/bin/bash
# SMB put rate: nanosh against `smbclient -c put`, 64 MiB to the same private smbd share on
# loopback (tests/lib/samba.sh) in the same run, for up to three nanosh rows:
#  - bench/smb_put: shell/push/smb_copy alone (the library copy, no CLI);
#  - nanosh push --via smb --share share: the command end to end (start, log on, copy,
#    read the copy back for its SHA-256, rename), when this nanosh has push;
#  - nanosh push (auto) to 'C:\dst.bin' with the test server (tests/lib/sim.sh) beside
#    smbd on the same directory: SMB through the admin share C$, the SHA-256 asked over
#    WinRM instead of read back, as against a Windows host that has both;
# prints each best-of-N and median rate and the ratios to smbclient (goal: at least 0.95).
# All are timed as whole processes: start, connect, log on, copy. Runs alternate between
# the clients, so that load on a shared machine falls on all alike. Needs root, samba and
# smbclient.
# Usage (from a build dir): ../../bench/smb_put.sh [MiB] [runs]    (NANOSH: default ./nanosh)
set -u
MIB=${1:-64} RUNS=${2:-5}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
NANOSH=${NANOSH:-./nanosh}
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
skip_all() { echo "smb_put: skipped: $*"; exit 0; }
. "$TOP_SRCDIR/tests/lib/samba.sh"
make -s bench/smb_put >/dev/null || { echo "smb_put: cannot build bench/smb_put"; exit 1; }
has_push=0 with_winrm=0
"$NANOSH" push --help 2>&1 | grep -q -- '--via' && has_push=1
if [ $has_push = 1 ]; then
  # The test server takes the Samba user too, so one logon serves SMB and WinRM.
  accounts=$(mktemp "${TMPDIR:-/tmp}/nanosh-smbput-acc.XXXXXX") || exit 1
  printf '%s:%s\n' "$SMB_USER" "$SMB_PW" > "$accounts"
  if SIM_UMASK=000 sim_start --ntlm --accounts "$accounts" >/dev/null; then
    with_winrm=1 SAMBA_SHARE_DIR=$SIM_SANDBOX
  else
    echo "smb_put: the test server did not start: no row with the hash over WinRM"
  fi
  rm -f "$accounts"
fi
samba_start || exit 1
trap 'samba_stop; sim_stop' EXIT
src=$SMB_DIR/src.bin auth=$SMB_DIR/auth
head -c $((MIB << 20)) /dev/urandom > "$src"
( umask 077; printf 'username = %s\npassword = %s\n' "$SMB_USER" "$SMB_PW" > "$auth" )
now() { date +%s.%N; }
want=$(sha256sum < "$src")

# The clients; each writes dst.bin into the share.
library_put() { SMB_USER=$SMB_USER ./bench/smb_put 127.0.0.1 "$SMB_PORT" share "$src" dst.bin <<<"$SMB_PW"; }
push_put() {
  NANOSH_PASSWORD=$SMB_PW "$NANOSH" push --via smb --share share --smb-port "$SMB_PORT" -a ntlm \
    -u "$SMB_USER" 127.0.0.1 "$src" dst.bin </dev/null
}
smbclient_put() {
  smbclient -s "$SMB_CONF" -p "$SMB_PORT" -A "$auth" //127.0.0.1/share \
    -c "put $src dst.bin" >/dev/null 2>&1
}
# auto: SMB to C:\ through C$, the hash over WinRM; --json says which transport it used.
auto_put() {
  NANOSH_PASSWORD=$SMB_PW "$NANOSH" push --json --smb-port "$SMB_PORT" --port "$SIM_PORT" -a ntlm \
    -u "$SMB_USER" 127.0.0.1 "$src" 'C:\dst.bin' </dev/null > "$SMB_DIR/auto.json" || return 1
  grep -q '"transport" *: *"smb"' "$SMB_DIR/auto.json" ||
    { echo "smb_put: push did not use SMB: $(cat "$SMB_DIR/auto.json")" >&2; return 1; }
}
clients=(library_put smbclient_put)
[ $has_push = 1 ] && clients=(library_put push_put smbclient_put)
[ $with_winrm = 1 ] && clients=(library_put push_put auto_put smbclient_put)
[ $has_push = 1 ] || echo "smb_put: $NANOSH has no push command: only bench/smb_put is measured"

# timed CLIENT: one run, checked by SHA-256 on disk; appends its MB/s to $SMB_DIR/CLIENT.rates
timed() {
  local t0 t1
  rm -f "$SMB_SHARE_DIR/dst.bin"
  t0=$(now); "$1" || { echo "smb_put: $1 failed" >&2; return 1; }; t1=$(now)
  [ "$(sha256sum < "$SMB_SHARE_DIR/dst.bin")" = "$want" ] || { echo "smb_put: $1: bad copy" >&2; return 1; }
  echo "$MIB * 1.048576 / ($t1 - $t0)" | bc -l >> "$SMB_DIR/$1.rates"
}
for i in $(seq "$RUNS"); do
  for c in "${clients[@]}"; do timed "$c" || exit 1; done
done
# best CLIENT / median CLIENT
best() { sort -g "$SMB_DIR/$1.rates" | tail -n 1; }
median() { sort -g "$SMB_DIR/$1.rates" | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
r2() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
label() { case $1 in library_put) echo "bench/smb_put (library copy)";;
                     push_put) echo "nanosh push --via smb --share (copy read back)";;
                     auto_put) echo "nanosh push, auto: SMB to C:\\ (hash over WinRM)";; esac; }
theirs_best=$(best smbclient_put) theirs_med=$(median smbclient_put)
printf 'smb put %d MiB, %d runs: smbclient best %.1f MB/s, median %.1f MB/s\n' "$MIB" "$RUNS" \
  "$theirs_best" "$theirs_med"
for c in "${clients[@]}"; do
  [ "$c" = smbclient_put ] && continue
  b=$(best "$c") m=$(median "$c")
  printf '  %s: best %.1f MB/s, median %.1f MB/s; ratio to smbclient: best %s, median %s\n' \
    "$(label "$c")" "$b" "$m" "$(r2 "$b" "$theirs_best")" "$(r2 "$m" "$theirs_med")"
done
