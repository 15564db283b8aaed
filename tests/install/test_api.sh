#!/bin/bash
# libnanosh's public API against the test server, through tests/install/api_client (a
# program that sees only lib/nanosh.h and links libnanosh.so from the build tree):
# Identify, a command's input, output, exit code and error values, a run's timeout, cancel and
# output sinks that stop it, the authentication choices with the never-Basic-unless-named
# rule, and option structs from an older header.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
client=$TOP_BUILDDIR/tests/install/api_client
[ -x "$client" ] || skip_all "api_client not built"

# api NAME-OF-CAPTURE ARGS...: runs api_client; stdout in $out, stderr without the result
# line in $err, the result line in $res.
api() {
  "$client" "$@" >"$SIM_DIR/out" 2>"$SIM_DIR/err"
  out=$(tr -d '\r' <"$SIM_DIR/out")
  res=$(grep '^result: ' "$SIM_DIR/err" | tail -1)
  err=$(grep -v '^result: ' "$SIM_DIR/err" | tr -d '\r')
}
https() { api --auth basic --https --cacert "$SIM_CA" "$@"; }
ms_of() { sed -n 's/.* ms=\([0-9]*\) .*/\1/p' <<<"$res"; }

sim_start --https || { fail "the test server starts"; tap_done; exit; }
export NANOSH_PASSWORD=$SIM_PASSWORD

https 127.0.0.1 "$SIM_HTTPS_PORT" identify
like "Identify: vendor, product version, protocol" "$out" \
  '^Microsoft Corporation\|OS: 10\.0\.14393 SP: 0\.0 Stack: 3\.0\|http://schemas\.dmtf\.org/wbem/wsman/1/wsman\.xsd$'
like "Identify: success" "$res" '^result: success '
NANOSH_PASSWORD= api --unauthenticated 127.0.0.1 "$SIM_PORT" identify
like "unauthenticated Identify over HTTP needs no credentials" "$out" '^Microsoft Corporation\|'

https 127.0.0.1 "$SIM_HTTPS_PORT" run 'echo hi & echo oops 1>&2 & exit 3'
is "run: stdout to its sink" "$(sed 's/ *$//' <<<"$out")" hi
is "run: stderr to its sink" "$(sed 's/ *$//' <<<"$err")" oops
like "run: success with the exit code" "$res" '^result: success exit=3 '
https --input $'line one\nline two\n' 127.0.0.1 "$SIM_HTTPS_PORT" run 'cat'
is "run: stdin from the input callback, 7 bytes a call" "$out" $'line one\nline two'
https --failing-input 'abc' 127.0.0.1 "$SIM_HTTPS_PORT" run 'cat'
like "an input callback that fails: NANOSH_E_IO" "$res" "^result: I/O error .*cannot read the command's input"
https 127.0.0.1 "$SIM_HTTPS_PORT" run 'exit 2147942402'
like "run: a 32-bit Windows exit code comes back whole" "$res" '^result: success exit=2147942402 '

https --stop-after 5 127.0.0.1 "$SIM_HTTPS_PORT" run 'yes 0123456789 | head -c 5000000'
like "a sink that returns -1 stops the run: NANOSH_E_IO" "$res" \
  '^result: I/O error .*\| an output callback returned -1, so the command was terminated \|'
is "  and only what it took was written" "$out" 01234

https --timeout 1500 127.0.0.1 "$SIM_HTTPS_PORT" run 'sleep 30'
like "a run's timeout: NANOSH_E_TIMEOUT, saying what to raise" "$res" \
  '^result: timed out .*\| the command did not end within its timeout of 1\.5 s \| raise timeout_ms in nanosh_run_options$'
check "  and it ends soon after ($(ms_of) ms)" [ "$(ms_of)" -lt 8000 ]

https --cancel-after 3000 terminate 127.0.0.1 "$SIM_HTTPS_PORT" run 'sleep 30'
like "nanosh_cancel(TERMINATE) from another thread: NANOSH_E_CANCELLED" "$res" \
  '^result: cancelled .*\| the command was terminated by nanosh_cancel \|'
check "  within a poll of 2 s ($(ms_of) ms in all; the request came at 3000 ms)" [ "$(ms_of)" -lt 7000 ]
https --cancel-after 1000 ctrl_c 127.0.0.1 "$SIM_HTTPS_PORT" run 'sleep 30'
like "nanosh_cancel(CTRL_C): the command ends by itself with STATUS_CONTROL_C_EXIT" "$res" \
  '^result: success exit=3221225786 '
is "every run deleted its shell" "$(sim_state_field 'len(s["shells"])')" 0

# Authentication: Basic only when named, and over plain HTTP only with allow_unencrypted.
basic_count() { sim_state_field 's["http_requests_by_scheme"].get("Basic", 0)'; }
before=$(basic_count)
api --https --cacert "$SIM_CA" 127.0.0.1 "$SIM_HTTPS_PORT" run 'echo x'
like "negotiate never falls back to Basic (the server offers only Basic)" "$res" \
  '^result: authentication failed .*Basic'
is "  so no Basic Authorization was sent" "$(basic_count)" "$before"
api --auth basic 127.0.0.1 "$SIM_PORT" run 'echo x'
like "Basic over plain HTTP is refused without allow_unencrypted" "$res" '^result: refused insecure'
api --auth basic --allow-unencrypted 127.0.0.1 "$SIM_PORT" run 'echo plain'
like "  and works with it" "$res$out" '^result: success exit=0 .*plain'
NANOSH_PASSWORD=wrong https 127.0.0.1 "$SIM_HTTPS_PORT" identify
like "a rejected password: NANOSH_E_AUTH with what and what to do" "$res" \
  "^result: authentication failed .*rejected the credentials of 'admin'.*\| .+$"
NANOSH_PASSWORD= api --auth ntlm 127.0.0.1 "$SIM_PORT" identify
like "NTLM without a password or hash: a usage error before any request" "$res" \
  '^result: usage error .*NTLM needs a user name and a password or an NT hash'

NANOSH_NT_HASH=00112233445566778899aabbccddeeff https 127.0.0.1 "$SIM_HTTPS_PORT" identify
like "an NT hash with Basic: a usage error" "$res" '^result: usage error .*an NT hash works only with NTLM'
NANOSH_PASSWORD= https 127.0.0.1 "$SIM_HTTPS_PORT" identify
like "Basic without a password: a usage error that names the options" "$res" \
  '^result: usage error .*Basic authentication needs a user name and a password \| set user and password in nanosh_options$'

https --old-options 127.0.0.1 "$SIM_HTTPS_PORT" identify
like "options from an older, shorter struct still work" "$res" '^result: success '
sim_stop

# NTLM over plain HTTP, every message sealed: with the password and with the NT hash.
sim_start --ntlm || { fail "the NTLM test server starts"; tap_done; exit; }
api --auth negotiate 127.0.0.1 "$SIM_PORT" run 'echo sealed'
like "negotiate picks NTLM here and runs the command" "$res$out" '^result: success exit=0 .*sealed'
NANOSH_PASSWORD= NANOSH_NT_HASH=$SIM_NT_HASH api --auth ntlm 127.0.0.1 "$SIM_PORT" run 'echo hashed'
like "NTLM pass-the-hash runs the command" "$res$out" '^result: success exit=0 .*hashed'
NANOSH_NT_HASH=nothex api --auth ntlm 127.0.0.1 "$SIM_PORT" identify
like "a malformed NT hash is a usage error" "$res" '^result: usage error '
tap_done
