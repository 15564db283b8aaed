#!/bin/bash
# The run layer returns its failures as values and prints nothing (tests/run/test_session.c),
# against the test server, which it stops at the end. The program writes its own TAP.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
[ -x "$TOP_BUILDDIR/tests/run/test_session" ] || skip_all "tests/run/test_session not built"
sim_start
export SIM_PORT SIM_USER SIM_PASSWORD
"$TOP_BUILDDIR/tests/run/test_session"
rc=$?
sim_stop
exit "$rc"
