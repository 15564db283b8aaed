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
