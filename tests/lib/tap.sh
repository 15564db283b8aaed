# TAP helpers for shell tests (https://testanything.org). Source this file.
# Each check prints "ok N - name" or "not ok N - name"; tap_done prints the plan.
TAP_N=0
TAP_FAILED=0

ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - # SKIP $*"; }
diag() { printf '# %s\n' "$@"; }
# check NAME CMD...: passes when CMD exits 0
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# is NAME GOT WANT: string equality, shows both on failure
is() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; diag "got:  $(printf '%q' "$2")" "want: $(printf '%q' "$3")"; fi
}
# like NAME TEXT PATTERN: extended-regex match
like() {
  if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else fail "$1"; diag "text: $(printf '%q' "$2")" "pattern: $3"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" = 0 ]; }
