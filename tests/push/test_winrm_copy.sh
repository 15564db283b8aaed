#!/bin/bash
# The WinRM copy engine (tests/push/test_winrm_copy.c) against the test server, once per
# server configuration: plain NTLM with denied paths, NTLM with encryption required,
# and a connection dropped mid-upload, of one stream and of one of four. Each run's own TAP lines become comments here.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
prog=$TOP_BUILDDIR/tests/push/test_winrm_copy
for p in test_winrm_copy test_winrm_copy_tsan; do
  [ -x "$TOP_BUILDDIR/tests/push/$p" ] || skip_all "tests/push/$p not built"
done
# A small ASan quarantine, so that the RSS check measures the engine, not freed envelopes
# held back by the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"

# run_tap NAME MODE [PROGRAM]: the program's TAP lines become comments; it must pass.
run_tap() {
  local name=$1 mode=$2 out rc
  out=$(SIM_PORT=$SIM_PORT SIM_USER=$SIM_USER SIM_PASSWORD=$SIM_PASSWORD SIM_SANDBOX=$SIM_SANDBOX \
        "${3:-$prog}" "$mode" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/# /'
  is "$name: exit status" "$rc" 0
  like "$name: every check ran" "$out" '1\.\.[1-9][0-9]*'
  check "$name: no failed check" eval '! printf "%s\n" "$out" | grep -q "^not ok"'
}

# C:\nanosh-list\part\locked: a subdirectory the listing of pull -r cannot read.
if sim_start --ntlm --deny-path 'C:\Denied' --deny-path 'C:\nanosh-list\part\locked'; then
  run_tap "NTLM" main
  # halt_on_error: the first data race ends the program with status 66. A kernel whose
  # memory layout ThreadSanitizer cannot use makes it stop at start: a skip, not a pass.
  if env -u SIM_PORT "$TOP_BUILDDIR/tests/push/test_winrm_copy_tsan" 2>&1 </dev/null |
       grep -q 'FATAL: ThreadSanitizer'; then
    skip "ThreadSanitizer cannot run on this kernel"
  else TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
    run_tap "--streams under ThreadSanitizer" threads "$TOP_BUILDDIR/tests/push/test_winrm_copy_tsan"
  fi
  sim_stop
else fail "server started (NTLM, --deny-path)"; fi

if sim_start --ntlm --require-encryption; then
  run_tap "NTLM, encryption required" enc
  sim_stop
else fail "server started (--require-encryption)"; fi

export NANOSH_STANDIN_HOOK=hostile-list
if sim_start --ntlm; then
  run_tap "hostile listings" hostile
  sim_stop
else fail "server started (NANOSH_STANDIN_HOOK=hostile-list)"; fi
unset NANOSH_STANDIN_HOOK

export DROP_AT=$((5 * 1024 * 1024))
if sim_start --ntlm --fault-drop-after-stdin-bytes "$DROP_AT"; then
  run_tap "connection dropped mid-upload" drop
  is "the server dropped the connection once" "$(sim_state_field 's["fault_stdin_drop"]["fired"]')" True
  sim_stop
else fail "server started (--fault-drop-after-stdin-bytes)"; fi

if sim_start --ntlm --fault-drop-after-stdin-bytes "$DROP_AT"; then
  run_tap "connection of one of 4 streams dropped" drop4
  is "the server dropped one connection" "$(sim_state_field 's["fault_stdin_drop"]["fired"]')" True
  sim_stop
else fail "server started (--fault-drop-after-stdin-bytes, 4 streams)"; fi
tap_done
