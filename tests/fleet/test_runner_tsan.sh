#!/bin/bash
# The runner test (tests/fleet/test_runner.c) under ThreadSanitizer: halt_on_error makes
# the first race end the program with status 66. A kernel whose memory layout
# ThreadSanitizer cannot use makes it stop at start: that is a skip, not a pass.
. "$TOP_SRCDIR/tests/lib/tap.sh"
prog="$TOP_BUILDDIR/tests/fleet/test_runner_tsan"
[ -x "$prog" ] || skip_all "tests/fleet/test_runner_tsan not built"
out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" "$prog" 2>&1)
rc=$?
if printf '%s\n' "$out" | grep -q 'FATAL: ThreadSanitizer'; then
  skip_all "ThreadSanitizer cannot run on this kernel"
fi
printf '%s\n' "$out" | sed 's/^/# /'
is "runner under ThreadSanitizer: exit status" "$rc" 0
like "runner under ThreadSanitizer: every check ran" "$out" '1\.\.[0-9][0-9]'
check "runner under ThreadSanitizer: no failed check" eval '! printf "%s\n" "$out" | grep -q "^not ok"'
check "runner under ThreadSanitizer: no race reported" eval '! printf "%s\n" "$out" | grep -q "WARNING: ThreadSanitizer"'
tap_done
