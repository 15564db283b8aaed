#!/bin/bash
# The README's first command, scripts/quickstart.sh, exits 0 when its demo works. It is run
# here against this build tree (its make is then a no-op) and the bundled test server.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"
command -v dpkg-query >/dev/null || skip_all "not a Debian system: the quickstart installs with apt-get"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-quickstart.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"
NANOSH_BUILD_DIR=$TOP_BUILDDIR timeout 300 bash "$TOP_SRCDIR/scripts/quickstart.sh" \
  </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
is "quickstart: exit status 0" "$rc" 0
[ "$rc" = 0 ] || diag "stderr: $(tail -5 "$tmp/err")"
like "quickstart: the remote command printed hi" "$(cat "$tmp/out")" $'^hi ?\r?$'
like "quickstart: and exited 3" "$(cat "$tmp/out")" 'exit status 3'
# The main job: a fresh Nano host readied, then nothing left to change.
first=$(sed -n '/# first run/,/# second run/p' "$tmp/out")
second=$(sed -n '/# second run/,$p' "$tmp/out")
like "quickstart: reach names the mechanism and the encryption" "$first" \
  'reach +ok +WinRM 3\.0 over HTTP, NTLM, encrypted, logged on as Administrator'
like "quickstart: the first bootstrap starts the docker service" "$first" \
  'docker-service +changed'
like "quickstart: ... and docker answers" "$first" 'verify +ok +.*17\.06\.2-ee-16'
is "quickstart: the second bootstrap changes nothing" \
  "$(printf '%s\n' "$second" | grep -cE '^127\.0\.0\.1 +[a-z-]+ +changed')" 0
like "quickstart: ... and ends with exit status 0" "$second" 'exit status 0'

# sim_stop under `set -e` when the server exits on TERM while sim_stop waits for it: the
# shell reaps it in the meantime, so the final kill -KILL finds no process. That made the
# quickstart exit 1 after a successful demo. The stand-in server takes 0.3 s to exit.
(
  set -e
  . "$TOP_SRCDIR/tests/lib/sim.sh"
  bash -c 'trap "sleep 0.3; exit 0" TERM; for i in $(seq 1 100); do sleep 0.05; done' &
  SIM_PID=$! SIM_DIR=$(mktemp -d "$tmp/sim.XXXXXX")
  sleep 0.2
  sim_stop
  echo "stopped; dir removed: $([ -d "$tmp"/sim.* ] && echo no || echo yes)"
) >"$tmp/stop" 2>&1
is "sim_stop: a server that exits while being stopped is no error under set -e" \
  "$(tail -1 "$tmp/stop")" "stopped; dir removed: yes"

tap_done
