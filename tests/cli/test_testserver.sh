#!/bin/bash
# scripts/testserver.sh: starts the test server, prints nanosh lines that work as printed,
# and on SIGTERM (as on Ctrl-C) stops the server, removes its directory and exits 0.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-testserver.XXXXXX") || exit 1
NANOSH=$NANOSH bash "$TOP_SRCDIR/scripts/testserver.sh" </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  grep -q 'Press Ctrl-C' "$tmp/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
like "it says how to stop it" "$(cat "$tmp/out")" 'Press Ctrl-C to stop the server'
like "it says it is a stand-in" "$(cat "$tmp/out")" 'stand-in, not Windows'

# The printed lines, run as printed (a shell parses them, as a user's would).
https_line=$(grep -A1 '^HTTPS' "$tmp/out" | tail -1)
http_line=$(grep -A1 '^HTTP, NTLM' "$tmp/out" | tail -1)
out=$(timeout 60 bash -c "$https_line -c 'echo hi'" </dev/null 2>&1); rc=$?
is "the HTTPS line works: exit status" "$rc" 0
like "the HTTPS line works: output" "$out" '^hi'
out=$(timeout 60 bash -c "$http_line" </dev/null 2>&1); rc=$?
is "the HTTP line works: exit status" "$rc" 0
like "the HTTP line works: a directory listing" "$out" 'Directory of C:'
ca=$(printf '%s\n' "$https_line" | sed -n 's/.*--cacert \([^ ]*\) .*/\1/p')
check "the CA file exists while it runs" [ -f "$ca" ]

kill -TERM "$pid"
started=$SECONDS
wait "$pid"; rc=$?
is "SIGTERM: exit status 0" "$rc" 0
check "SIGTERM: it ends within 10 s" [ $((SECONDS - started)) -le 10 ]
check "SIGTERM: its directory is removed" [ ! -e "$(dirname "$ca")" ]
tap_done
