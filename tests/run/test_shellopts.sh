#!/bin/bash
# The WinRS shell settings (issue 14): --env, --no-profile, --codepage and --cwd reach the
# shell's Create (MS-WSMV 2.2.4.37, 3.1.4.5.2) for -c, -p (short and streamed), stdin
# scripts, the interactive shell at a terminal and fleets, and the test server honours them as Windows does; --text turns the
# command's CR LF output into LF and the LF input sent to it into CR LF.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https
tmp=$SIM_DIR/shellopts; mkdir -p "$tmp"
work=$SIM_SANDBOX/Work; mkdir -p "$work"
printf 'hi\r\n' > "$work/m.txt"

# --- --env ------------------------------------------------------------------------------
out=$(nanosh_https --env FOO=bar -c 'echo [%FOO%]')
is "--env with -c: echo %FOO%" "$(tr -d '\r' <<<"$out")" "[bar]"
out=$(nanosh_https --env FOO=bar -p 'echo "[$env:FOO]"')
is "--env with -p: \$env:FOO" "$(tr -d '\r' <<<"$out")" "[bar]"
out=$(nanosh_https --env A=1 --env 'B=x y' --env 'C=p=q' -c 'echo %A%-%B%-%C%& set B')
is "--env repeated: every variable, spaces and = in values" "$(tr -d '\r' <<<"$out")" \
  "$(printf '1-x y-p=q\nB=x y')"
out=$(nanosh_https -c 'echo [%FOO%]')
is "without --env the variable is not there" "$(tr -d '\r' <<<"$out")" "[%FOO%]"

# --- --no-profile (WINRS_NOPROFILE): the Default profile, as a recorded Server 2016 shows --
out=$(nanosh_https --no-profile -c 'echo %USERPROFILE%')
is "--no-profile with -c: USERPROFILE" "$(tr -d '\r' <<<"$out")" 'C:\Users\Default'
out=$(nanosh_https --no-profile -p 'echo "$env:USERPROFILE"')
is "--no-profile with -p: \$env:USERPROFILE" "$(tr -d '\r' <<<"$out")" 'C:\Users\Default'
out=$(nanosh_https -c 'echo %USERPROFILE%')
is "without --no-profile the user's profile is loaded" "$(tr -d '\r' <<<"$out")" "C:\\Users\\$SIM_USER"
out=$(nanosh_https --no-profile --env USERPROFILE='C:\Mine' -c 'echo %USERPROFILE%')
is "--env wins over the profile's variables" "$(tr -d '\r' <<<"$out")" 'C:\Mine'

# --- --codepage (WINRS_CODEPAGE), what chcp reports --------------------------------------
out=$(nanosh_https --codepage 850 -c chcp)
is "--codepage 850 with -c: chcp" "$(tr -d '\r' <<<"$out")" "Active code page: 850"
out=$(nanosh_https -c chcp)
is "without --codepage nanosh asks for UTF-8" "$(tr -d '\r' <<<"$out")" "Active code page: 65001"
nanosh_https -v --codepage 437 -p 'echo x' >/dev/null 2>"$tmp/trace"
like "--codepage 437 with -p: the Create carries it" "$(cat "$tmp/trace")" \
  '<w:Option Name="WINRS_CODEPAGE">437</w:Option>'

# --- --cwd (rsp:WorkingDirectory) -----------------------------------------------------------
out=$(nanosh_https --cwd 'C:\Work' -c 'cd& type m.txt')
is "--cwd with -c: cd and a relative path" "$(tr -d '\r' <<<"$out")" "$(printf 'C:\\Work\nhi')"
out=$(nanosh_https --cwd 'C:\Work' -p 'cat m.txt')
is "--cwd with -p: a relative path" "$(tr -d '\r' <<<"$out")" "hi"
out=$(printf 'cat m.txt\n' | nanosh_https --cwd 'C:\Work')
is "--cwd in a stdin script (the persistent PowerShell)" "$(tr -d '\r' <<<"$out")" "hi"
out=$(printf ':cmd\ncd\n' | nanosh_https --cwd 'C:\Work')
is "--cwd in a stdin script's cmd mode" "$(tr -d '\r' <<<"$out")" 'C:\Work'
nanosh_https --cwd 'C:\Nowhere' -c 'cd' >"$tmp/o" 2>"$tmp/e"; rc=$?
is "--cwd to a missing directory: exit status" "$rc" 255
like "--cwd to a missing directory: the server's reason" "$(cat "$tmp/e")" 'directory'

# A -p script too long for one command line goes to the persistent PowerShell over stdin.
long="echo \"[\$env:FOO]\"; cat m.txt
$(head -c 5000 /dev/zero | tr '\0' '#')"
out=$(nanosh_https --env FOO=long --cwd 'C:\Work' --no-profile -v -p "$long" 2>"$tmp/trace")
is "a streamed -p script: --env and --cwd" "$(tr -d '\r' <<<"$out")" "$(printf '[long]\nhi')"
like "a streamed -p script: its Create has WINRS_NOPROFILE" "$(cat "$tmp/trace")" \
  '<w:Option Name="WINRS_NOPROFILE">TRUE</w:Option>'
like "a streamed -p script: it ran in the persistent PowerShell" "$(cat "$tmp/trace")" \
  'Name="stdin"'

# --- the Create envelope (-v shows the SOAP) ----------------------------------------------
nanosh_https -v --env FOO=bar --env 'B=x&y' --cwd 'C:\Work' --no-profile --codepage 850 \
  -c 'echo' >/dev/null 2>"$tmp/trace"
create=$(grep -o '<s:Body><rsp:Shell.*</rsp:Shell></s:Body>' "$tmp/trace" | head -1)
like "Create: WINRS_NOPROFILE TRUE" "$(cat "$tmp/trace")" '<w:Option Name="WINRS_NOPROFILE">TRUE</w:Option>'
like "Create: WINRS_CODEPAGE 850" "$(cat "$tmp/trace")" '<w:Option Name="WINRS_CODEPAGE">850</w:Option>'
like "Create: rsp:WorkingDirectory" "$create" '<rsp:WorkingDirectory>C:\\Work</rsp:WorkingDirectory>'
like "Create: rsp:Environment, in order, XML-escaped" "$create" \
  '<rsp:Environment><rsp:Variable Name="FOO">bar</rsp:Variable><rsp:Variable Name="B">x&amp;y</rsp:Variable></rsp:Environment>'
nanosh_https -v -c 'echo' >/dev/null 2>"$tmp/trace"
create=$(grep -o '<s:Body><rsp:Shell.*</rsp:Shell></s:Body>' "$tmp/trace" | head -1)
like "Create without the options: profile loaded" "$(cat "$tmp/trace")" '<w:Option Name="WINRS_NOPROFILE">FALSE</w:Option>'
check "Create without the options: no Environment, no WorkingDirectory" \
  eval '[ -n "$create" ] && ! grep -q "Environment\|WorkingDirectory" <<<"$create"'

# --- --text on output ------------------------------------------------------------------------
# Over 1 MiB of text, so it spans many Receives; lines of every length, so CR LF pairs fall
# on chunk boundaries somewhere.
"$PYTHON3" -c '
import sys
out = []
for i in range(40000):
    out.append("line %d %s" % (i, "x" * (i % 53)))
sys.stdout.write("\n".join(out) + "\n")' > "$tmp/lf.txt"
sed 's/$/\r/' "$tmp/lf.txt" > "$work/big.txt"
lf_sum=$(sha256sum <"$tmp/lf.txt"); crlf_sum=$(sha256sum <"$work/big.txt")
check "the remote file has CR LF line ends" [ "$lf_sum" != "$crlf_sum" ]
got=$(nanosh_https --text -c 'type C:\Work\big.txt' | sha256sum)
is "--text with -c: type | sha256sum equals the LF file's" "$got" "$lf_sum"
nanosh_https --text -c 'type C:\Work\big.txt' >"$tmp/got.txt"
check "--text with -c: diff with the LF file is clean" diff -q "$tmp/lf.txt" "$tmp/got.txt"
got=$(nanosh_https -c 'type C:\Work\big.txt' | sha256sum)
is "without --text the bytes are as sent (CR LF)" "$got" "$crlf_sum"
got=$(nanosh_https --text --cwd 'C:\Work' -p 'cat big.txt' | sha256sum)
is "--text with -p: the LF file's sum" "$got" "$lf_sum"
got=$(printf 'cat big.txt\n' | nanosh_https --text --cwd 'C:\Work' | sha256sum)
is "--text in a stdin script: the LF file's sum" "$got" "$lf_sum"

printf 'a\rb\r\n\rc\r' > "$work/cr.txt"
nanosh_https --text -c 'type C:\Work\cr.txt' >"$tmp/o"
is "--text: lone CRs stay, CR LF becomes LF" "$(od -An -c "$tmp/o" | tr -s ' ')" \
  "$(printf 'a\rb\n\rc\r' | od -An -c | tr -s ' ')"
nanosh_https --text -c 'type C:\Work\none.txt' >/dev/null 2>"$tmp/e"
is "--text with -c: stderr too" "$(od -An -c "$tmp/e" | tr -s ' ')" \
  "$(printf 'The system cannot find the file specified.\n' | od -An -c | tr -s ' ')"
nanosh_https --text -p 'echo oops >&2' >/dev/null 2>"$tmp/e"
check "--text with -p: the decoded error stream has no CR" eval '! grep -q $'"'\r'"' "$tmp/e" && grep -q oops "$tmp/e"'

# --- --text on input ---------------------------------------------------------------------
got=$(printf 'x\ny\n' | nanosh_https --text -c sha256sum)
like "--text input: LF sent as CR LF" "$got" "^$(printf 'x\r\ny\r\n' | sha256sum | cut -d' ' -f1)"
got=$(printf 'a\r\nb\n' | nanosh_https --text -c sha256sum)
like "--text input: a CR LF already there stays one CR LF" "$got" \
  "^$(printf 'a\r\nb\r\n' | sha256sum | cut -d' ' -f1)"
got=$(nanosh_https --text -c sha256sum <"$tmp/lf.txt")
like "--text input: 1 MiB over many Sends" "$got" "^${crlf_sum%% *}"
got=$(printf 'x\ny\n' | nanosh_https -c sha256sum)
like "without --text input is sent as it is" "$got" "^$(printf 'x\ny\n' | sha256sum | cut -d' ' -f1)"

# --- the interactive shell at a terminal ---------------------------------------------------
if command -v tmux >/dev/null; then
  . "$TOP_SRCDIR/tests/pty/pty_lib.sh"
  pty_start env LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" TERM=xterm \
    NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
    --cwd 'C:\Work' --env FOO=pty --text "127.0.0.1:$SIM_HTTPS_PORT"
  check "interactive --cwd: the PowerShell prompt starts there" pty_wait '127\.0\.0\.1 PS C:\\Work> ' 15
  pty_type 'echo "[$env:FOO]"'; pty_keys Enter
  check "interactive --env" pty_wait '^\[pty\]' 10
  pty_type ':cmd'; pty_keys Enter
  check "interactive --cwd: so does cmd mode" pty_wait '127\.0\.0\.1 C:\\Work> ' 10
  pty_type 'echo [cmd-%FOO%]'; pty_keys Enter
  check "interactive --env in cmd mode" pty_wait '^\[cmd-pty\]' 10
  pty_stop
else
  skip "the interactive shell: tmux not installed"
fi

sim_stop
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-shellopts.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# --- a fleet's -c ------------------------------------------------------------------------
if ! "$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.1.2", 0))' 2>/dev/null; then
  skip "a fleet: cannot bind 127.0.1.2 (lo lacks 127.0.0.0/8 here)"
else
  printf 'Administrator:Adm1n-pw\n' > "$tmp/accounts"
  sim_fleet_start 2 --accounts "$tmp/accounts" || { fail 'sim_fleet_start 2'; tap_done; exit 1; }
  NANOSH_PASSWORD=Adm1n-pw "$NANOSH" -i "$SIM_FLEET_INVENTORY" -a basic --allow-unencrypted \
    -u Administrator --env FOO=fleet --no-profile --codepage 850 --text \
    -c 'echo %FOO% %USERPROFILE%& chcp' >"$tmp/o" 2>"$tmp/e"; rc=$?
  is "a fleet with the options: exit status" "$rc" 0
  is "a fleet: --env and --no-profile on every host" "$(grep -c ': fleet C:\\Users\\Default$' "$tmp/o")" 2
  is "a fleet: --codepage on every host" "$(grep -c ': Active code page: 850$' "$tmp/o")" 2
  check "a fleet: --text left no CR" eval '! grep -q $'"'\r'"' "$tmp/o"'
  sim_fleet_stop
fi
tap_done
