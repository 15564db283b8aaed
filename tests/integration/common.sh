# Shared setup for end-to-end tests of nanosh against the bundled WinRM test server.
# Source after tests/lib/tap.sh. Gives: nanosh_https / nanosh_http wrappers that
# pass the test server's address, CA and credentials.
. "$TOP_SRCDIR/tests/lib/sim.sh"

[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"

# Run nanosh over HTTPS with Basic against the test server: nanosh_https [opts] -c CMD
nanosh_https() {
  NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
    --timeout 60 "$@" "127.0.0.1:$SIM_HTTPS_PORT"
}
# Over plain HTTP, naming the risk as the user must.
nanosh_http() {
  NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" -a basic -u "$SIM_USER" --allow-unencrypted \
    --timeout 60 "$@" "127.0.0.1:$SIM_PORT"
}
# open shells the test server reports (the state file is JSON)
sim_open_shells() {
  "$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("shells", [])))' "$SIM_STATE"
}

# expect_fail NAME PATTERN CMD...: exit 255, nothing on stdout, one stderr line matching
# PATTERN (nanosh's own failures, DESIGN.md). Uses the caller's $tmp for the captures.
expect_fail() {
  local name=$1 pattern=$2; shift 2
  "$@" >"${tmp:?}/out" 2>"$tmp/err" </dev/null; local rc=$?
  is "$name: exit status" "$rc" 255
  like "$name: message" "$(cat "$tmp/err")" "$pattern"
  is "$name: one line, no output" "$(wc -l <"$tmp/err" | tr -d ' '):$(wc -c <"$tmp/out" | tr -d ' ')" 1:0
}
