#!/bin/bash
# SMB put rate: nanosh's shell/push/smb_copy (bench/smb_put) against `smbclient -c put`,
# 64 MiB to the same private smbd share on loopback (tests/lib/samba.sh) in the same run;
# prints each best-of-N rate and the ratio (goal: at least 0.95). Both are timed as whole
# processes: start, connect, log on, copy. Needs root, samba and smbclient.
# Usage (from a build dir): ../../bench/smb_put.sh [MiB] [runs]
set -u
MIB=${1:-64} RUNS=${2:-5}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
skip_all() { echo "smb_put: skipped: $*"; exit 0; }
. "$TOP_SRCDIR/tests/lib/samba.sh"
make -s bench/smb_put >/dev/null || { echo "smb_put: cannot build bench/smb_put"; exit 1; }
samba_start || exit 1
trap samba_stop EXIT
src=$SMB_DIR/src.bin auth=$SMB_DIR/auth
head -c $((MIB << 20)) /dev/urandom > "$src"
( umask 077; printf 'username = %s\npassword = %s\n' "$SMB_USER" "$SMB_PW" > "$auth" )
now() { date +%s.%N; }
# best_rate CMD...: the best MB/s over RUNS runs of CMD (each checked by SHA-256 on disk)
want=$(sha256sum < "$src")
best_rate() {
  local best=0 i t0 t1 rate
  for i in $(seq "$RUNS"); do
    rm -f "$SMB_SHARE_DIR/dst.bin"
    t0=$(now); "$@" || return 1; t1=$(now)
    [ "$(sha256sum < "$SMB_SHARE_DIR/dst.bin")" = "$want" ] || { echo "bad copy" >&2; return 1; }
    rate=$(echo "$MIB * 1.048576 / ($t1 - $t0)" | bc -l)
    best=$(echo "if ($rate > $best) $rate else $best" | bc -l)
  done
  printf '%.1f' "$best"
}
nanosh_put() { SMB_USER=$SMB_USER ./bench/smb_put 127.0.0.1 "$SMB_PORT" share "$src" dst.bin <<<"$SMB_PW"; }
smbclient_put() {
  smbclient -s "$SMB_CONF" -p "$SMB_PORT" -A "$auth" //127.0.0.1/share \
    -c "put $src dst.bin" >/dev/null 2>&1
}
ours=$(best_rate nanosh_put) || exit 1
theirs=$(best_rate smbclient_put) || exit 1
echo "smb put ${MIB} MiB, best of $RUNS: nanosh $ours MB/s, smbclient $theirs MB/s," \
  "ratio $(printf '%.2f' "$(echo "$ours / $theirs" | bc -l)")"
