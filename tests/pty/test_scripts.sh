#!/bin/bash
# Scripts: "nanosh host < script" (not a terminal), -p, -f and -f - (streamed over stdin
# past cmd.exe's 8191-character limit), against the stand-in powershell.exe.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https
tmp=$SIM_DIR/scripts; mkdir -p "$tmp"

out=$(printf 'x=41\necho "x=$((x+1))"\n' | nanosh_https 2>"$tmp/err"); rc=$?
is "piped script: state persists" "$(printf '%s' "$out" | tr -d '\r')" "x=42"
is "piped script: exit status of the last line" "$rc" 0
is "piped script: nothing on stderr" "$(cat "$tmp/err")" ""
printf 'true\nfalse\n' | nanosh_https >/dev/null 2>&1
is "piped script: a failing last line gives 1 (\$? false)" "$?" 1
printf 'echo before\nexit 7\necho never\n' | nanosh_https >"$tmp/o" 2>&1
is "piped script: exit N ends the session with N" "$?" 7
check "piped script: nothing runs after exit" bash -c "! grep -q never '$tmp/o'"

# Text that looks like framing: random 32-hex "markers", quotes, here-string ends
out=$(printf '%s\n' \
  "printf '\\n%s True 0 C:\\\\\\n' 0123456789abcdef0123456789abcdef" \
  "echo \"it's \\\"quoted\\\" '@ \\\"@ \$((1+1))\"" \
  'echo after-lookalike' | nanosh_https 2>&1 | tr -d '\r')
like "a line that looks like a marker passes through" "$out" '0123456789abcdef0123456789abcdef True 0'
like "quotes and here-string ends pass through" "$out" "it's \"quoted\" '@ \"@ 2"
like "the session goes on after them" "$out" 'after-lookalike'

out=$(printf 'echo "héllo ✓ 日本 😀"\n' | nanosh_https | tr -d '\r')
is "unicode through the pipe, code page 65001 end to end" "$out" "héllo ✓ 日本 😀"

# Errors arrive as text, CLIXML decoded, progress records dropped
printf 'ls /no/such\n' | nanosh_https >/dev/null 2>"$tmp/err"
like "stderr: the error text" "$(cat "$tmp/err")" 'No such file or directory'
check "stderr: no CLIXML or progress XML" bash -c "! grep -Eq 'CLIXML|<Obj|<S |_x000' '$tmp/err'"

# cmd.exe mode in a script: cd is tracked across lines
out=$(printf ':cmd\nmkdir d1\ncd d1\ncd\necho %%CD%%\n' | nanosh_https | tr -d '\r')
like "cmd mode: cd moves the next lines" "$out" 'C:\\Users\\admin\\d1'
printf ':cmd\nexit 5\n' | nanosh_https >/dev/null; is "cmd mode: exit 5" "$?" 5

# -p: one command line with -EncodedCommand; errors decoded
nanosh_https -p 'echo from-p; ls /no/such' >"$tmp/o" 2>"$tmp/e"; rc=$?
is "-p: output" "$(tr -d '\r' <"$tmp/o")" "from-p"
like "-p: error decoded from CLIXML" "$(cat "$tmp/e")" '^ls: cannot access'
check "-p: no CLIXML" bash -c "! grep -Eq 'CLIXML|<Obj|<S ' '$tmp/e'"
is "-p: exit status" "$rc" 2

# -f with a script too long for cmd.exe: streamed over stdin to the framed loop
{ for i in $(seq 1 1500); do echo "echo line-$i"; done; echo 'y=5; echo "end y=$y"'; } >"$tmp/long.ps1"
check "the long script is past cmd.exe's limit once encoded" [ "$(wc -c <"$tmp/long.ps1")" -gt 8191 ]
out=$(nanosh_https -f "$tmp/long.ps1" | tr -d '\r'); rc=$?
is "-f long: every line ran" "$(printf '%s\n' "$out" | grep -c '^line-')" 1500
like "-f long: the last line ran" "$out" 'end y=5'
is "-f long: exit status" "$rc" 0
out=$(nanosh_https -f - <"$tmp/long.ps1" | tr -d '\r' | tail -1)
is "-f - reads a long script from stdin" "$out" "end y=5"
printf '%s\nexit 9\n' "$(cat "$tmp/long.ps1")" >"$tmp/long-exit.ps1"
nanosh_https -f "$tmp/long-exit.ps1" >/dev/null; is "-f long: exit N gives N" "$?" 9
printf 'echo short\n' | nanosh_https -f - | tr -d '\r' >"$tmp/o"
is "-f - with a short script" "$(cat "$tmp/o")" "short"

is "no shell is left open on the server" "$(sim_open_shells)" 0
sim_stop

# :get from a host that answers a chunk with more bytes than asked: refused, no overrun
export NANOSH_STANDIN_HOOK=oversize-get-chunk
sim_start --https
unset NANOSH_STANDIN_HOOK
tmp=$SIM_DIR/scripts; mkdir -p "$tmp/down" "$SIM_SANDBOX/Users/admin"
head -c 60000 /dev/urandom >"$SIM_SANDBOX/Users/admin/big.bin"
printf ':get C:\\Users\\admin\\big.bin %s\n' "$tmp/down" | nanosh_https >"$tmp/o" 2>"$tmp/e"; rc=$?
is ":get, oversized chunk: exit status 1" "$rc" 1
like ":get, oversized chunk: says what happened" "$(cat "$tmp/e")" 'more than the 49152 bytes asked for'
check ":get, oversized chunk: nothing written" bash -c "[ -z \"\$(ls -A '$tmp/down')\" ]"

# PowerShell output that cannot be written: a full device is nanosh's own failure (255,
# one line); a closed pipe ends quietly with 141, as for any Unix filter
echo 'echo hello' | nanosh_https >/dev/full 2>"$tmp/e"; rc=$?
is "output to a full device: exit status 255" "$rc" 255
like "output to a full device: says what happened" "$(cat "$tmp/e")" '^nanosh: cannot write the output: No space left on device'
echo 'echo hello' | nanosh_https 2>/dev/null | head -c 0; rc=${PIPESTATUS[1]}
is "output to a closed pipe: exit status 141" "$rc" 141
sim_stop
tap_done
