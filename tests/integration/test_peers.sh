#!/bin/bash
# nanosh against the independent reference WinRM peer in ../shared/peers (Basic on 15985).
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built"
[ -x "$NANOSH_PEERS/start.sh" ] || skip_all "reference peers absent ($NANOSH_PEERS)"
for port in 15985 15986 15987 15988 1445 1446 18888; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && skip_all "port $port busy: reference peers already running"
done

export PEERS; PEERS=$(mktemp -d)
trap '"$NANOSH_PEERS/stop.sh" >/dev/null 2>&1; rm -rf "$PEERS"' EXIT
START_IMPACKET_SMB=0 timeout 60 "$NANOSH_PEERS/start.sh" >"$PEERS/start.log" 2>&1 \
  || { cat "$PEERS/start.log" | sed 's/^/# /'; skip_all "reference peers did not start"; }

peer() { NANOSH_PASSWORD='Passw0rd!' "$NANOSH" -a basic -u basicuser --allow-unencrypted --timeout 30 127.0.0.1:15985 "$@"; }
out=$(peer -c 'echo hello from peer; echo err >&2; exit 3' 2>"$PEERS/err"); rc=$?
is "peer 15985 Basic: exit status" "$rc" 3
is "peer 15985 Basic: stdout" "$out" "hello from peer"
is "peer 15985 Basic: stderr" "$(cat "$PEERS/err")" "err"
got=$(printf 'abc\n' | peer -c cat)
is "peer 15985 Basic: stdin" "$got" "abc"
tap_done
