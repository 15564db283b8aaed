#!/bin/bash
# The config file (nanosh(1), FILES) against the test server: a user with fifty hosts
# writes "nanosh nano07" and nothing else; HostName with %h, -F, --no-config, --no-https
# over "HTTPS yes", where the password comes from (--password-file > NANOSH_PASSWORD >
# PasswordFile > prompt), bad lines named file:line, and bootstrap and fleets reading
# the file for each of their hosts.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"
sim_start --https

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-config.XXXXXX") || exit 1
trap 'sim_stop; rm -rf "$tmp"' EXIT
# A private home, no password from the caller's environment.
export HOME="$tmp/home"
unset XDG_CONFIG_HOME NANOSH_PASSWORD NANOSH_NT_HASH
mkdir -p "$HOME/.config/nanosh" "$HOME/secrets"
conf=$HOME/.config/nanosh/config
printf '%s\n' "$SIM_PASSWORD" >"$HOME/secrets/winrm.pw"
printf 'not-the-password\n' >"$tmp/wrong.pw"
printf '%s\n' "$SIM_PASSWORD" >"$tmp/right.pw"
chmod 600 "$HOME/secrets/winrm.pw" "$tmp/wrong.pw" "$tmp/right.pw"

# Fifty hosts, each its own block, and the shared settings once for all of them.
{
  echo '# fifty Nano Servers behind one address (the test server)'
  for i in $(seq -w 1 50); do
    printf 'Host nano%s\n  HostName 127.0.0.1\n' "$i"
  done
  printf 'Host plain\n  HostName 127.0.0.1\n  Port %s\n  HTTPS yes\n' "$SIM_PORT"
  printf 'Host alias-*\n  HostName %%h.invalid\n'
  printf 'Host nano* plain localhost\n  User %s\n  Auth basic\n' "$SIM_USER"
  printf '  PasswordFile ~/secrets/winrm.pw\n  CACert %s\n' "$SIM_CA"
  printf 'Host nano*\n  HTTPS=yes\n  Port %s\n  ConnectTimeout 20\n' "$SIM_HTTPS_PORT"
  printf 'Host *\n  User nobody-else\n  Port 1\n'
} >"$conf"

# No controlling terminal (setsid): a password prompt can never block the run.
detach=()
command -v setsid >/dev/null && detach=(setsid -w)
run() {
  "${detach[@]}" timeout -k 5 60 "$NANOSH" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(tr -d '\r' <"$tmp/out"); err=$(cat "$tmp/err")
}
# unlike NAME TEXT PATTERN: the text does not match
unlike() {
  if printf '%s' "$2" | grep -Eq -- "$3"; then fail "$1"; diag "text: $(printf '%q' "$2")" "pattern: $3"; else ok "$1"; fi
}

# --- the fifty-host user --------------------------------------------------------------
tls() { sim_state_field 'len([c for c in s["connections"] if c["tls"]])'; }
before=$(tls)
run nano07 -c 'echo hello'
is "nanosh nano07: exit status" "$rc" 0
is "nanosh nano07: the command's output" "$out" "hello"
is "nanosh nano07: nothing on stderr" "$err" ""
run nano50 -c 'echo fifty'
is "nanosh nano50 (the last block): output" "$out:$rc" "fifty:0"
after=$(tls)
check "the runs went over TLS (HTTPS yes of the nano* block)" [ "$after" -gt "$before" ]
run nano51 -c 'echo x'
like "nano51 has no HostName block: its own name is looked up" "$err" "nano51"
check "nano51: not exit status 0" [ "$rc" -ne 0 ]

# -v says which file was read.
run -v nano07 -c 'echo hi'
like "-v names the config file read" "$err" "debug: read $conf"
like "-v says what HostName made of the name" "$err" "debug: nano07 is 127.0.0.1 \\(HostName\\)"

# --- command line over file -----------------------------------------------------------
run --port 1 nano07 -c 'echo x'
check "--port on the command line wins over Port" [ "$rc" -ne 0 ]
like "--port 1: the connection to port 1 fails" "$err" "127.0.0.1:1\b|port 1\b|:1[^0-9]"
run plain -c 'echo x'
check "plain: HTTPS yes against the HTTP port fails" [ "$rc" -ne 0 ]
run --no-https --allow-unencrypted plain -c 'echo over-http'
is "--no-https overrides HTTPS yes" "$out:$rc" "over-http:0"
run --no-https plain -c 'echo x'
like "--no-https with Basic: refused without --allow-unencrypted" "$err" 'refusing Basic auth over plain HTTP to 127.0.0.1:'
run --no-https --allow-unencrypted -s plain -c 'echo x'
check "-s after --no-https: HTTPS again, which fails on the HTTP port" [ "$rc" -ne 0 ]

# --- HostName and %h -------------------------------------------------------------------
run -a basic -s --password-file "$tmp/wrong.pw" alias-web -c 'echo x'
like "HostName %h.invalid: connects to alias-web.invalid" "$err" "alias-web\.invalid"
printf 'Host local\n  HostName %%h:5985\n' >"$tmp/port.conf"
run -F "$tmp/port.conf" local -c x
like "HostName %h:5985: a port is Port's" "$err" "$tmp/port.conf:2: bad HostName '%h:5985'"
printf 'Host x\n  HostName %%p.corp\n' >"$tmp/tok.conf"
run -F "$tmp/tok.conf" y -c x
is "unknown %% token, in a block that does not match: exit 255" "$rc" 255
like "unknown %% token: file:line and the token" "$err" "$tmp/tok.conf:2: unknown token '%p'"
printf 'Host x\n  HostName user@10.0.0.7\n' >"$tmp/at.conf"
run -F "$tmp/at.conf" x -c x
like "HostName with user@: refused" "$err" "$tmp/at.conf:2: bad HostName 'user@10.0.0.7'"
run --no-config -F "$tmp/at.conf" --password-file "$tmp/wrong.pw" nano07 -c x
like "--no-config: not even -F is read" "$err" "nano07"

# --- -F and --no-config ----------------------------------------------------------------
printf 'Host lab7\n  HostName 127.0.0.1\n  User %s\n  Port %s\n  HTTPS yes\n  Auth basic\n  CACert %s\n  PasswordFile %s\n' \
  "$SIM_USER" "$SIM_HTTPS_PORT" "$SIM_CA" "$tmp/right.pw" >"$tmp/lab.conf"
run -F "$tmp/lab.conf" lab7 -c 'echo via-F'
is "-F FILE: its hosts work" "$out:$rc" "via-F:0"
run --config="$tmp/lab.conf" nano07 -c 'echo x'
check "-F FILE: the default file is not read (nano07 unknown there)" [ "$rc" -ne 0 ]
run -F "$tmp/missing.conf" nano07 -c x
is "-F missing file: exit 255" "$rc" 255
like "-F missing file: names it" "$err" "cannot read the config file $tmp/missing.conf: No such file"
run --no-config --password-file "$tmp/wrong.pw" nano07 -c x
check "--no-config: nano07 is not resolved through the file" [ "$rc" -ne 0 ]
like "--no-config: the typed name is used" "$err" "nano07"
mv "$conf" "$conf.off"
run -a basic -s --cacert "$SIM_CA" -u "$SIM_USER" --password-file "$tmp/right.pw" \
  "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo no-file'
is "no default file: fine" "$out:$rc" "no-file:0"
mv "$conf.off" "$conf"

# --- where the password comes from -----------------------------------------------------
run --password-file "$tmp/wrong.pw" nano07 -c x
check "--password-file wins over PasswordFile (a wrong one fails)" [ "$rc" -ne 0 ]
NANOSH_PASSWORD=not-it run nano07 -c x
check "NANOSH_PASSWORD wins over PasswordFile (a wrong one fails)" [ "$rc" -ne 0 ]
NANOSH_PASSWORD=$SIM_PASSWORD run -F "$tmp/lab.conf" lab7 -c 'echo env'
is "NANOSH_PASSWORD right, PasswordFile right too: works" "$out:$rc" "env:0"
printf 'Host lab7\n  PasswordFile %s\n' "$tmp/wrong.pw" >"$tmp/wrongpw.conf"
cat "$tmp/lab.conf" >>"$tmp/wrongpw.conf"
NANOSH_PASSWORD=$SIM_PASSWORD run -F "$tmp/wrongpw.conf" lab7 -c 'echo env-wins'
is "NANOSH_PASSWORD over a wrong PasswordFile" "$out:$rc" "env-wins:0"
run --password-file "$tmp/right.pw" -F "$tmp/wrongpw.conf" lab7 -c 'echo cli-wins'
is "--password-file over a wrong PasswordFile" "$out:$rc" "cli-wins:0"
run -F "$tmp/wrongpw.conf" lab7 -c x
check "the first PasswordFile of the file wins (the wrong one)" [ "$rc" -ne 0 ]
printf 'Host lab7\n  PasswordFile ~/secrets/none.pw\n' >"$tmp/nopw.conf"
cat "$tmp/lab.conf" >>"$tmp/nopw.conf"
run -F "$tmp/nopw.conf" lab7 -c x
is "missing PasswordFile: exit 255" "$rc" 255
is "missing PasswordFile: file:line, ~ expanded" "$err" \
  "nanosh: $tmp/nopw.conf:2: cannot read PasswordFile $HOME/secrets/none.pw: No such file or directory: fix the path, or give --password-file FILE or NANOSH_PASSWORD"
run --password-file "$tmp/right.pw" -F "$tmp/nopw.conf" lab7 -c 'echo unread'
is "missing PasswordFile, --password-file given: not read" "$out:$rc" "unread:0"
run wsman -F "$tmp/nopw.conf" lab7 identify --unauthenticated
is "missing PasswordFile, identify --unauthenticated: no password needed" "$rc" 0
printf 'Host lab7\n  User %s\n  Auth basic\n' "$SIM_USER" >"$tmp/nopwline.conf"
run -F "$tmp/nopwline.conf" -s --cacert "$SIM_CA" --port "$SIM_HTTPS_PORT" 127.0.0.1 -c x
like "no password anywhere: the prompt's message" "$err" "no password given and no terminal"

# --- bad lines: file:line, one line, exit 255 -------------------------------------------
bad() {
  local name=$1 pattern=$2 text=$3
  printf '%b' "$text" >"$tmp/bad.conf"
  run -F "$tmp/bad.conf" somehost -c x
  is "$name: exit 255" "$rc" 255
  like "$name: file:line" "$err" "^nanosh: $tmp/bad.conf:$pattern"
  is "$name: one line" "$(wc -l <"$tmp/err" | tr -d ' ')" 1
}
bad "unknown keyword" "3: unknown keyword 'HostNam'" 'Host a\n  HostName b\n  HostNam c\n'
bad "HostName without value" "2: HostName has no value" 'Host a\nHostName\n'
bad "SPN with two values" "2: SPN takes one value" 'Host other\n SPN HTTP/a HTTP/b\n'
bad "PasswordFile with two values" "1: PasswordFile takes one value" 'PasswordFile a b\n'
bad "bad line in a block that does not match" "4: bad Port 'x'" 'Host a\n  Port 1\nHost zz\n  Port x\n'

# --- SPN: the config's, unless --spn; Kerberos options only with Kerberos ----------------
printf 'Host k1\n  SPN HTTP/k1.corp\n  Auth ntlm\n' >"$tmp/spn.conf"
run -F "$tmp/spn.conf" k1 -c x
like "SPN from the file reaches the checks (Kerberos only)" "$err" "apply to Kerberos, not -a ntlm"
run -F "$tmp/spn.conf" -a basic -s other -c x
unlike "SPN of another block is not applied" "$err" "apply to Kerberos"

# --- bootstrap and fleets read the file for each host ------------------------------------
printf 'Host nano08\n  HostName 127.0.0.1\n  HTTPS no\n  Port %s\n' "$SIM_PORT" >"$tmp/fleet.conf"
cat "$conf" >>"$tmp/fleet.conf"
run bootstrap -F "$tmp/fleet.conf" --plan --skip docker-files nano07 nano08
like "bootstrap: the second host's own block (HTTPS no, Basic refused on it)" "$err" \
  "refusing Basic auth over plain HTTP to 127.0.0.1:$SIM_PORT"
printf 'nano07\nnano09\n' >"$tmp/inventory.txt"
run -i "$tmp/inventory.txt" -c 'echo fleet'
is "fleet: every host from the config file: exit status" "$rc" 0
like "fleet: nano09's output" "$out" "nano09: fleet"
printf 'nano07\nnano08\n' >"$tmp/inventory2.txt"
run -F "$tmp/fleet.conf" -i "$tmp/inventory2.txt" -c 'echo fleet'
check "fleet: nano08's own block applies (Basic over HTTP refused)" [ "$rc" -ne 0 ]
like "fleet: nano08's message names its HostName and port" "$out$err" "127.0.0.1:$SIM_PORT"
# A fleet reads the first host's PasswordFile once; a host naming another file logs on
# with that one (docs/fleet.md), a host naming none shares the first one's.
printf 'Host nano09\n  PasswordFile %s\n' "$tmp/wrong.pw" >"$tmp/fleetpw.conf"
cat "$conf" >>"$tmp/fleetpw.conf"
run -F "$tmp/fleetpw.conf" -i "$tmp/inventory.txt" -c 'echo own-file'
is "fleet: nano09's own (wrong) PasswordFile is used: exit 1" "$rc" 1
like "fleet: nano07 ran with the shared one" "$out" "nano07: own-file"
unlike "fleet: nano09 did not run" "$out" "nano09: own-file"
like "fleet: nano09 failed to log on" "$out$err" "nano09.*(password|authenticat|logon|rejected)"
printf 'Host nano07\n  PasswordFile %s\nHost nano09\n  PasswordFile %s\n' \
  "$tmp/wrong.pw" "$tmp/right.pw" >"$tmp/fleetpw2.conf"
cat "$conf" >>"$tmp/fleetpw2.conf"
run -F "$tmp/fleetpw2.conf" -i "$tmp/inventory.txt" -c 'echo own-file'
is "fleet: the first host's file is wrong, nano09's right: exit 1" "$rc" 1
like "fleet: nano09 ran with its own file" "$out" "nano09: own-file"
unlike "fleet: nano07 did not run" "$out" "nano07: own-file"
printf 'Host loner\n  HostName 127.0.0.1\n  User %s\n  Auth basic\n  HTTPS yes\n  Port %s\n  CACert %s\n' \
  "$SIM_USER" "$SIM_HTTPS_PORT" "$SIM_CA" >"$tmp/fleetpw3.conf"
cat "$conf" >>"$tmp/fleetpw3.conf"
printf 'nano07\nloner\n' >"$tmp/inventory3.txt"
run -F "$tmp/fleetpw3.conf" -i "$tmp/inventory3.txt" -c 'echo shared'
is "fleet: a host without PasswordFile shares the first host's: exit 0" "$rc" 0
like "fleet: loner ran" "$out" "loner: shared"
NANOSH_PASSWORD=$SIM_PASSWORD run -F "$tmp/fleetpw.conf" -i "$tmp/inventory.txt" -c 'echo env-wins'
is "fleet: NANOSH_PASSWORD is for every host, over nano09's wrong file" "$rc" 0
like "fleet: nano09 ran with NANOSH_PASSWORD" "$out" "nano09: env-wins"
run -F "$tmp/fleetpw.conf" --password-file "$tmp/right.pw" -i "$tmp/inventory.txt" -c 'echo cli-wins'
is "fleet: --password-file is for every host, over nano09's wrong file" "$rc" 0

tap_done
