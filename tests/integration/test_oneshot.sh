#!/bin/bash
# One-shot commands end to end: nanosh -c against the bundled WinRM test server.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https
tmp=$SIM_DIR/oneshot; mkdir -p "$tmp"

# The issue's example: prints hi, exits 3.
out=$(nanosh_https -c 'echo hi & exit 3'); rc=$?
is "echo hi & exit 3: exit status" "$rc" 3
like "echo hi & exit 3: prints hi" "$out" '^hi ?'$'\r''?$'

for code in 0 1 255; do
  nanosh_https -c "exit $code" >/dev/null; is "remote exit $code" "$?" "$code"
done
# 2147942402 = 0x80070002; its low byte is 2
nanosh_https -c 'exit 2147942402' >/dev/null; is "remote exit 2147942402 gives status 2" "$?" 2
nanosh_https -c 'exit 256' >/dev/null; is "remote exit 256 is not reported as success" "$?" 1
nanosh_http -c 'echo plain' >/dev/null; is "HTTP with --allow-unencrypted works" "$?" 0

# stdout and stderr arrive on their own streams, in order within each
nanosh_https -c 'echo out1 & echo err1 1>&2 & echo out2 & echo err2 1>&2' >"$tmp/o" 2>"$tmp/e"
is "stdout stream" "$(tr -d '\r' <"$tmp/o")" "$(printf 'out1 \nout2 ')"
is "stderr stream" "$(tr -d '\r' <"$tmp/e" | sed 's/ *$//')" "$(printf 'err1\nerr2')"
# interleaving across streams follows arrival: the remote side pauses between writes
nanosh_https -c 'printf "a\n"; sleep 0.4; printf "b\n" >&2; sleep 0.4; printf "c\n"' >"$tmp/mix" 2>&1
is "interleaved stdout/stderr keep their order" "$(tr -d '\r' <"$tmp/mix")" "$(printf 'a\nb\nc')"

# 5 MiB of output, byte exact
want=$(yes 0123456789abcdef | head -c 5242880 | sha256sum)
got=$(nanosh_https -c 'yes 0123456789abcdef | head -c 5242880' | sha256sum)
is "5 MiB of output arrives intact" "$got" "$want"

# stdin piped to cat: small, then 1 MiB
got=$(printf 'line one\nline two\n' | nanosh_https -c cat)
is "stdin piped to cat" "$got" "$(printf 'line one\nline two')"
head -c 1048576 /dev/urandom >"$tmp/in"
got=$(nanosh_https -c cat <"$tmp/in" | sha256sum)
is "1 MiB of stdin round-trips through cat" "$got" "$(sha256sum <"$tmp/in")"
got=$(nanosh_https -n -c 'cat & echo after') ; like "-n gives the remote command an empty stdin" "$got" 'after'

# output streams as it arrives: the first line is seen long before the command ends
start=$(date +%s%N)
first=$(nanosh_https -c 'echo first & sleep 4 & echo second' | { IFS= read -r l; echo "$(( ($(date +%s%N) - start) / 1000000 )) $l"; cat >/dev/null; })
ms=${first%% *}
check "first line streamed before the command ended (${ms} ms)" [ "$ms" -lt 3000 ]

# an upload into a command that prints nothing is not held up by Receive polls
head -c 8388608 /dev/urandom >"$tmp/up"
sends_before=$(sim_state_field 's["wsman_actions"].get("Send", 0)')
nanosh_https -c 'cat > C:\upload.bin' <"$tmp/up"; rc=$?
is "8 MiB into a silent command: exit status" "$rc" 0
is "8 MiB into a silent command arrives intact" "$(sha256sum <"$SIM_SANDBOX/upload.bin")" "$(sha256sum <"$tmp/up")"
# at the default 153600-byte envelopes 8 MiB needs at least 76 Sends; an upload asks for
# the server's MaxEnvelopeSizekb (500 here, as on Server 2016) and sends bigger chunks
sends=$(( $(sim_state_field 's["wsman_actions"].get("Send", 0)') - sends_before ))
check "an upload uses the server's larger envelope limit ($sends Sends for 8 MiB)" [ "$sends" -lt 60 ]
is "the limit was read from winrm/config once" "$(sim_state_field 's["wsman_actions"].get("Get", 0)')" 1

# every shell asks for an IdleTimeOut, so a killed nanosh does not hold it for 2 hours
idle_of_running_shell() {
  local i
  "$@" >/dev/null 2>&1 & local pid=$!
  for i in $(seq 1 100); do
    [ "$(sim_state_field 'len(s["shells"])')" = 1 ] && break
    sleep 0.1
  done
  sim_state_field 's["shells"][0]["idle_timeout"] if s["shells"] else None'
  wait $pid
}
is "a one-shot shell asks for a 900 s IdleTimeOut" "$(idle_of_running_shell nanosh_https -n -c 'sleep 2')" 900.0
is "--idle-timeout 60.5 asks for 61 s" "$(idle_of_running_shell nanosh_https --idle-timeout 60.5 -n -c 'sleep 2')" 61.0
expect_fail "--idle-timeout 0" "^nanosh: bad value '0' for --idle-timeout: give a number of seconds" \
  nanosh_https --idle-timeout 0 -c 'echo x'

# the round-trip budget: Create, Command, Receive, Signal, Delete; no Send for empty input
before=$(sim_state_field 's["http_requests"]')
nanosh_https -n -c 'echo budget' >/dev/null
is "a one-shot command with Basic takes 5 HTTP requests" "$(( $(sim_state_field 's["http_requests"]') - before ))" 5

sim_stop

# A command that ends between a Receive and the Send that closes its stdin: the server
# faults that Send ("The pipe has been ended"), and nanosh still reports the exit code.
sim_start --https --fault-send-after-exit
tmp=$SIM_DIR/oneshot; mkdir -p "$tmp"
nanosh_https -n -c 'sleep 2 & exit 3' >"$tmp/o" 2>"$tmp/e"; rc=$?
is "command ended before its end-of-input Send: exit status" "$rc" 3
is "command ended before its end-of-input Send: no error" "$(cat "$tmp/e")" ""
printf 'unread\n' | nanosh_https -c 'sleep 2 & exit 4' >"$tmp/o" 2>"$tmp/e"; rc=$?
is "command ended before its piped stdin was sent: exit status" "$rc" 4
is "command ended before its piped stdin was sent: no error" "$(cat "$tmp/e")" ""
is "both Sends were refused" "$(sim_state_field 's["wsman_actions"].get("Send", 0)')" 2
sim_stop
tap_done
