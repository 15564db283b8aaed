#!/bin/bash
# nanosh itself built under ThreadSanitizer (scripts/test.sh builds it as build/tsan and
# sets NANOSH_TSAN) running real fleets against the test server: -c on 12 hosts and
# bootstrap on 8, 6 at a time, over NTLM with sealed messages, with a host down and a
# flaky one. A data race anywhere in the runner, the transport, NTLM or the bootstrap
# steps ends the run with status 66 and a report (issue 15, "Clean runs").
set -u
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sim.sh"
[ -x "${NANOSH_TSAN:-}" ] || skip_all "no ThreadSanitizer build (NANOSH_TSAN unset; scripts/test.sh provides it)"
"$SIM_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.1.12", 0))' 2>/dev/null ||
  skip_all 'cannot bind 127.0.1.12 (lo lacks 127.0.0.0/8 here)'
out=$(TSAN_OPTIONS=exitcode=66 "$NANOSH_TSAN" --version 2>&1)
printf '%s\n' "$out" | grep -q 'FATAL: ThreadSanitizer' && skip_all "ThreadSanitizer cannot run on this kernel"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-fleettsan.XXXXXX") || exit 1
cleanup() { sim_fleet_stop; [ -n "${KEEP_TSAN_DIR:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
PW=Tsan-adm1n-pw
printf 'Administrator:%s\n' "$PW" >"$W/accounts"
ZIP=$(sim_docker_zip "$W") || { echo "Bail out! no stand-in zip"; exit 1; }
sim_fleet_start 12 --profile fresh --host 3 down --host 5 flaky_connects=1 \
  --auth negotiate,ntlm --accounts "$W/accounts" || { fail 'sim_fleet_start 12'; tap_done; exit 1; }
trap cleanup EXIT
grep -v '^#' "$SIM_FLEET_INVENTORY" | head -n 8 >"$W/eight"

# tsan NAME ARGS...: the TSan build, second_deadlock_stack for lock-order reports.
tsan() {
  local name=$1; shift
  NANOSH_PASSWORD=$PW TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$SIM_TOP/tests/fleet/tsan.supp" \
    timeout 300 "$NANOSH_TSAN" "$@" -a ntlm -u Administrator --timeout 120 </dev/null \
    >"$W/$name.out" 2>"$W/$name.err"
  rc=$?
}
tsan c -i "$SIM_FLEET_INVENTORY" -j 6 -c 'echo fleet-ok' --report "$W/c.json"
is "fleet -c under ThreadSanitizer: exit status (one host down)" "$rc" 1
is "fleet -c: 11 hosts answered" "$(grep -c 'fleet-ok' "$W/c.out")" 11
check "fleet -c: no race reported" eval '! grep -q "WARNING: ThreadSanitizer" "$W/c.err"'
grep -q 'ThreadSanitizer' "$W/c.err" && sed 's/^/# /' "$W/c.err" | head -40

tsan bs bootstrap -i "$W/eight" -j 6 --smb-port 9 --docker-zip "$ZIP" --report "$W/bs.json"
is "fleet bootstrap under ThreadSanitizer: exit status (one host down)" "$rc" 1
is "fleet bootstrap: 7 hosts ok" "$(grep -c ' ok$' "$W/bs.out")" 7
check "fleet bootstrap: no race reported" eval '! grep -q "WARNING: ThreadSanitizer" "$W/bs.err"'
check "fleet bootstrap: no partial report left" eval '! ls "$W" | grep -q nanosh-part'
grep -q 'ThreadSanitizer' "$W/bs.err" && sed 's/^/# /' "$W/bs.err" | head -40
tap_done
