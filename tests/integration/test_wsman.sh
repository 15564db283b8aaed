#!/bin/bash
# nanosh wsman: raw WS-Management operations with JSON output.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https

json_field() { "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }

out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$NANOSH" wsman -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" identify 2>&1); rc=$?
is "identify: exit status" "$rc" 0
is "identify: vendor" "$(printf '%s' "$out" | json_field product_vendor)" "Microsoft Corporation"
like "identify: product version" "$(printf '%s' "$out" | json_field product_version)" 'OS: '
is "identify: protocol" "$(printf '%s' "$out" | json_field protocol_version)" \
   "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"

out=$("$NANOSH" wsman -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" identify --unauthenticated </dev/null 2>&1); rc=$?
is "unauthenticated identify needs no credentials" "$rc" 0
is "unauthenticated identify: vendor" "$(printf '%s' "$out" | json_field product_vendor)" "Microsoft Corporation"
sim_stop
tap_done
