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

# :get writes a new file of random name and renames it: a planted symlink at the old
# predictable temporary name is not written through, and no temporary file stays
mkdir -p "$tmp/sym" "$tmp/sym2" "$SIM_SANDBOX/Users/admin"
head -c 70000 /dev/urandom >"$SIM_SANDBOX/Users/admin/data.bin"
echo victim >"$tmp/victim"; echo victim2 >"$tmp/victim2"
ln -s "$tmp/victim" "$tmp/sym/data.bin.nanosh-part"
printf ':get C:\\Users\\admin\\data.bin %s\n' "$tmp/sym" | nanosh_https >"$tmp/o" 2>"$tmp/e"; rc=$?
is ":get past a planted symlink: exit status 0" "$rc" 0
is ":get past a planted symlink: the victim is intact" "$(cat "$tmp/victim")" victim
check ":get past a planted symlink: the target is a regular file" \
  bash -c "[ -f '$tmp/sym/data.bin' ] && [ ! -L '$tmp/sym/data.bin' ]"
is ":get past a planted symlink: the same bytes" "$(sha256sum <"$tmp/sym/data.bin" 2>/dev/null)" \
  "$(sha256sum <"$SIM_SANDBOX/Users/admin/data.bin")"
is ":get: the file's mode follows the umask" "$(stat -c %a "$tmp/sym/data.bin")" \
  "$(printf '%o' $((0666 & ~$(umask))))"
is ":get: no temporary file is left" "$(ls -A "$tmp/sym" | sort | tr '\n' ' ')" \
  "data.bin data.bin.nanosh-part "
ln -s "$tmp/victim2" "$tmp/sym2/data.bin"
printf ':get C:\\Users\\admin\\data.bin %s/data.bin\n' "$tmp/sym2" | nanosh_https >/dev/null 2>&1
is ":get onto a symlink: the symlink is replaced, its target intact" \
  "$(cat "$tmp/victim2"):$([ -L "$tmp/sym2/data.bin" ] && echo link || echo file)" "victim2:file"

# Server text in a failed copy goes through the control-character filter: the host
# echoes the name, terminal escapes included, in its error
mkdir -p "$tmp/down"
printf ':get C:\\Users\\admin\\no\033]0;owned\007such\033[31mfile %s\n' "$tmp/down" |
  nanosh_https >/dev/null 2>"$tmp/e"
like ":get, missing file: says so" "$(cat "$tmp/e")" 'such.*file is not there on the host'
check ":get, missing file: no escape or bell character reaches the terminal" \
  bash -c "! LC_ALL=C grep -q \$'[\\x1b\\x07]' '$tmp/e'"
check ":get, missing file: nothing written" bash -c "[ -z \"\$(ls -A '$tmp/down')\" ]"

is "no shell is left open on the server" "$(sim_open_shells)" 0

# get_refused HOOK WHAT PATTERN: with the stand-in's test HOOK (a lying host,
# tests/server/standin_stream.py), :get of a 60000-byte file fails with status 1, says
# PATTERN, and leaves the directory empty. The
# test server stays up for the checks after it; sim_stop stops it.
get_refused() {
  sim_stop
  export NANOSH_STANDIN_HOOK=$1
  sim_start --https
  unset NANOSH_STANDIN_HOOK
  tmp=$SIM_DIR/scripts; mkdir -p "$tmp/down" "$SIM_SANDBOX/Users/admin"
  head -c 60000 /dev/urandom >"$SIM_SANDBOX/Users/admin/big.bin"
  printf ':get C:\\Users\\admin\\big.bin %s\n' "$tmp/down" | nanosh_https >"$tmp/o" 2>"$tmp/e"
  is ":get, $2: exit status 1" "$?" 1
  like ":get, $2: says what happened" "$(cat "$tmp/e")" "$3"
  check ":get, $2: nothing written" bash -c "[ -z \"\$(ls -A '$tmp/down')\" ]"
}
# A host that understates the size: what arrives is not the bytes it hashed
get_refused understate-get-size "size understated" 'SHA-256 mismatch'
# A size larger than the local disk's free space: refused before any byte is read
get_refused huge-get-size "size past the free space" 'free space|No space left'
# A read that brings more bytes than asked: refused, no overrun
get_refused oversize-get-chunk "more bytes than asked" 'sent more of .* than was asked for'

# PowerShell output that cannot be written: a full device is nanosh's own failure (255,
# one line); a closed pipe ends quietly with 141, as for any Unix filter
echo 'echo hello' | nanosh_https >/dev/full 2>"$tmp/e"; rc=$?
is "output to a full device: exit status 255" "$rc" 255
like "output to a full device: says what happened" "$(cat "$tmp/e")" '^nanosh: cannot write the output: No space left on device'
echo 'echo hello' | nanosh_https 2>/dev/null | head -c 0; rc=${PIPESTATUS[1]}
is "output to a closed pipe: exit status 141" "$rc" 141
sim_stop
tap_done
