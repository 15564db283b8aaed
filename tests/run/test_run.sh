#!/bin/bash
# The library runner (tests/run/test_run.c) against the test server: once as built, once
# under ThreadSanitizer (test_run_tsan), where a data race between the two hosts' runs
# makes the program fail.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
for p in test_run test_run_tsan; do
  [ -x "$TOP_BUILDDIR/tests/run/$p" ] || skip_all "tests/run/$p not built"
done
sim_start
export SIM_PORT SIM_USER SIM_PASSWORD

# run_tap NAME PROGRAM: the program's own TAP lines become comments; it must pass.
run_tap() {
  local name=$1 out rc; shift
  out=$("$@" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/# /'
  is "$name: exit status" "$rc" 0
  like "$name: every check ran" "$out" '1\.\.2[0-9]'
  check "$name: no failed check" eval '! printf "%s\n" "$out" | grep -q "^not ok"'
}
run_tap "runner" "$TOP_BUILDDIR/tests/run/test_run"
# halt_on_error: the first race ends the program with status 66. A kernel whose memory
# layout ThreadSanitizer cannot use makes it stop at start: that is a skip, not a pass.
if env -u SIM_PORT "$TOP_BUILDDIR/tests/run/test_run_tsan" 2>&1 </dev/null | grep -q 'FATAL: ThreadSanitizer'; then
  skip "ThreadSanitizer cannot run on this kernel"
else TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
  run_tap "runner under ThreadSanitizer" "$TOP_BUILDDIR/tests/run/test_run_tsan"
fi
sim_stop
tap_done
