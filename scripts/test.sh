#!/bin/bash
# The whole test suite, as CI runs it: install dependencies (apt-get, idempotent),
# build with -Werror under AddressSanitizer + UBSan, run `make check` (every test speaks
# TAP), run the valgrind checks on a plain build, and end with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
log() { printf '== %s\n' "$*"; }

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

log "bootstrapping autotools"
autoreconf -fi >/dev/null || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

# A plain (unsanitized) build for the valgrind checks, and the sanitized build for the suite.
build() {  # build DIR CONFIGURE-ARGS...
  local dir=$1; shift
  mkdir -p "$dir" && (cd "$dir" && "$root/configure" -q "$@" && make -s -j"$jobs")
}
log "plain build (for valgrind)"
build "$root/build/plain" --enable-werror || { echo "0 passed, 1 failed"; exit 1; }
log "ASan/UBSan build"
build "$root/build/asan" --enable-werror --enable-sanitizers || { echo "0 passed, 1 failed"; exit 1; }
# nanosh under ThreadSanitizer, for real fleets (tests/fleet/test_fleet_tsan.sh).
log "ThreadSanitizer build of nanosh"
mkdir -p "$root/build/tsan" && (cd "$root/build/tsan" && "$root/configure" -q --enable-werror \
  CFLAGS="-fsanitize=thread -g -O1" LDFLAGS=-fsanitize=thread && make -s -j"$jobs" nanosh) ||
  { echo "0 passed, 1 failed"; exit 1; }

# The tests talk only to loopback. Where the kernel allows it, they run in a network
# namespace of their own with nothing but lo, so no packet can leave the machine.
isolated() {
  if unshare --net true 2>/dev/null; then
    unshare --net sh -c 'ip link set lo up && exec "$@"' sh "$@"
  else
    "$@"
  fi
}

log "make check (ASan/UBSan)"
export NANOSH_PLAIN="$root/build/plain/nanosh" NANOSH_TSAN="$root/build/tsan/nanosh"
# Every sanitizer report is also written to a file, so a leak or overflow in a process
# whose exit status no test looks at still counts as a failure below.
reports="$root/build/asan/sanitizer-reports"
rm -rf "$reports"; mkdir -p "$reports"
# intercept_tls_get_addr=0: LeakSanitizer's tracer can crash on the TLS of libraries loaded
# with dlopen (libsmbclient), google/sanitizers#1322; leak detection stays on.
export ASAN_OPTIONS="detect_leaks=1:intercept_tls_get_addr=0:exitcode=86:log_path=$reports/asan:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:${UBSAN_OPTIONS:-}"
(cd "$root/build/asan" && isolated make -j"$jobs" check) || true

# The release tarball must build and pass its own checks (make distcheck).
log "make distcheck (plain build)"
distcheck_failed=0
(cd "$root/build/plain" && isolated make -s -j"$jobs" distcheck >distcheck.out 2>&1) || {
  distcheck_failed=1; echo "-- make distcheck failed:"; tail -30 "$root/build/plain/distcheck.out"; }

# Count single TAP checks from the .trs files of every test.
passed=0; failed=$distcheck_failed; skipped=0
[ "$distcheck_failed" = 0 ] && passed=1
while read -r result; do
  case $result in
    PASS|XFAIL) passed=$((passed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
done < <(find "$root/build/asan" -name '*.trs' -exec sed -n 's/^:test-result: *//p' {} + | awk '{print $1}')
for r in "$reports"/*; do
  [ -e "$r" ] || continue
  failed=$((failed + 1)); echo "-- sanitizer report $r:"; head -30 "$r"
done
if [ $((passed + failed)) = 0 ]; then failed=1; fi
for f in $(find "$root/build/asan" -name '*.trs' -exec grep -l '^:global-test-result: *\(FAIL\|ERROR\)' {} +); do
  echo "-- failed: ${f%.trs}.log"; grep -E '^(not ok|#|Bail)' "${f%.trs}.log" | head -40
done
echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
