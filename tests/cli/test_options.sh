#!/bin/bash
# nanosh's command line: bad arguments, the config file and the security refusals fail
# before any connection, with exit status 255 and one line that says what to do.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# A private home: no user config, no password from the caller's environment.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/xdg"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/nanosh"
unset NANOSH_PASSWORD NANOSH_NT_HASH
conf=$XDG_CONFIG_HOME/nanosh/config

# A loopback port with nothing listening: reaching the network would say "refused".
free_port=$("${PYTHON3:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# No controlling terminal either (setsid), so a password prompt can never block the run.
detach=()
command -v setsid >/dev/null && detach=(setsid -w)

# run ARGS...: runs nanosh without a terminal; sets rc, out, err
run() {
  "${detach[@]}" "$NANOSH" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
# fails NAME PATTERN ARGS...: exit 255, nothing on stdout, one stderr line matching PATTERN
fails() {
  local name=$1 pattern=$2; shift 2
  run "$@"
  is "$name: exit status 255" "$rc" 255
  like "$name: says why" "$err" "^nanosh: .*$pattern"
  is "$name: one line" "$(wc -l <"$tmp/err" | tr -d ' ')" 1
  is "$name: nothing on stdout" "$out" ""
}

run --help
is "--help: exit status 0" "$rc" 0
like "--help: usage on stdout" "$out" '^usage: nanosh'
like "--help: lists --allow-unencrypted" "$out" '--allow-unencrypted'
is "--help: nothing on stderr" "$err" ""
run -h
is "-h: exit status 0" "$rc" 0
run --version
is "--version: exit status 0" "$rc" 0
like "--version: names nanosh and a version" "$out" '^nanosh [0-9]+\.[0-9]+'

fails "no host" 'no host given' -c 'echo x'
fails "no arguments at all" 'no host given'
fails "unknown long option" "unknown option '--frobnicate'" --frobnicate host -c x
fails "unknown short option" "unknown option '-x'" -x host -c x
fails "option without its value" "'--port' needs a value" host --port
fails "-c with -p" '-p cannot be combined' host -c 'echo x' -p 'Get-Date'
fails "-f with -c" '-c cannot be combined' host -f script.ps1 -c 'echo x'
fails "empty -c" '-c was given an empty command' host -c ''
fails "words after the host" "unexpected argument 'dir'.*-c" host dir
fails "port 0" "bad port '0'" host:0 -c x
fails "port too large" "bad port '70000'" host:70000 -c x
fails "port not a number" "bad port 'abc'" --port abc host -c x
fails "IPv6 port out of range" "bad port '99999'" '[::1]:99999' -c x
fails "IPv6 without closing bracket" "missing '\]'" '[::1' -c x
fails "empty user" 'empty user name' @host -c x
fails "two different ports" 'two different ports' --port 5986 host:5985 -c x
fails "two different users" "two different users: 'alice' \\(-u\\) and 'bob' \\(user@host\\)" -u alice bob@host -c x
fails "-u given twice" "two different users: 'a' \\(-u\\) and 'b' \\(-u\\)" -u a -u b host -c x
fails "user@host, then -u" "two different users: 'bob' \\(user@host\\) and 'alice' \\(-u\\)" bob@host -u alice -c x
fails "--json with -c" "--json applies only to 'nanosh wsman'" --json host -c x
fails "--json with -p" "--json applies only to 'nanosh wsman'" host -p 'Get-Date' --json
fails "--json with the shell" "--json applies only to 'nanosh wsman'" --json host
fails "bad --timeout" "bad value 'soon' for --timeout" --timeout soon host -c x
fails "negative --connect-timeout" "bad value '-1' for --connect-timeout" --connect-timeout -1 host -c x
fails "unknown auth name" "unknown auth mechanism 'digest'" -a digest host -c x
fails "certificate auth is refused with a reason" '-a certificate. is not supported' -a certificate -s host -c x
fails "kerberos options without Kerberos" 'apply to Kerberos' -a basic -s --keytab k host -c x
fails "wsman-only option in shell mode" "'--xml' is only for wsman" --xml host -c x
fails "wsman without an operation" 'no wsman operation' wsman host
fails "wsman unknown operation" "unknown wsman operation 'frob'" wsman host frob
fails "subcommand after an option" "'wsman' was read as the host name.*put it first" -s wsman host identify
fails "bootstrap without a host" 'no host given: name the hosts to ready' bootstrap --docker-dir .
fails "bootstrap: unknown step" "unknown step 'reboot' in --steps; the steps are reach, host, admin-account, trusted-hosts, firewall, share, docker-files, docker-service, verify" bootstrap --steps reach,reboot host
fails "bootstrap: empty step name" '--skip needs step names separated by commas' bootstrap --skip firewall,,share --docker-dir . host
fails "bootstrap: --steps with --skip" '--steps and --skip cannot be combined' bootstrap --steps reach --skip host host
fails "bootstrap: --skip of every step" '--skip leaves no step to run' bootstrap --skip reach,host,admin-account,trusted-hosts,firewall,share,docker-files,docker-service,verify host
fails "bootstrap: zip and directory" '--docker-zip and --docker-dir cannot be combined' bootstrap --docker-zip a.zip --docker-dir d host
fails "bootstrap: no docker files" 'the docker-files step needs docker.exe and dockerd.exe: give --docker-zip FILE or --docker-dir DIR, or --skip docker-files' bootstrap host
fails "bootstrap: a missing zip" 'cannot read --docker-zip /nonexistent/d.zip: No such file' bootstrap --docker-zip /nonexistent/d.zip host
fails "bootstrap: a bad second host" "bad target 'h2:99999'" bootstrap --docker-dir . h1 h2:99999
fails "bootstrap: -c" "-c, -p, -f and -n do not apply to 'nanosh bootstrap'" bootstrap --docker-dir . host -c x
fails "bootstrap: bad --share-path" "bad path 'Share' for --share-path" bootstrap --share-path Share host
fails "bootstrap-only option in shell mode" "'--plan' is only for bootstrap" --plan host -c x
fails "bootstrap-only option with push" "'--docker-zip' is only for bootstrap" push --docker-zip z host a 'C:\\'
fails "push-only option with bootstrap" "'--resume' is only for push and pull" bootstrap --resume host
# Fleets (-i, docs/fleet.md): the options that go with -i, and what -i combines with.
printf 'h1\nh2 port=5986 https\n' > "$tmp/inv.txt"
printf 'h1\nh2 port=99999\n' > "$tmp/badinv.txt"
printf 'h1\nH1\n' > "$tmp/dupinv.txt"
fails "-j without -i" '-j applies only to a fleet' host -j 4 -c x
fails "--shard without -i" '--shard applies only to a fleet' host --shard 1/2 -c x
fails "--output-dir without -i" '--output-dir applies only to a fleet' host --output-dir . -c x
fails "--report in shell mode without -i" "'--report' is only for bootstrap and fleets" host --report r.json -c x
fails "-i with a host" "a host on the command line .'host'. and an inventory" -i "$tmp/inv.txt" host -c x
fails "-i without a command" '-i runs bootstrap or one command on every host' -i "$tmp/inv.txt"
fails "-i with push" '-i runs bootstrap or one command' push -i "$tmp/inv.txt" host a 'C:\'
fails "-i with --json" '--json does not apply to fleets' bootstrap -i "$tmp/inv.txt" --json --docker-dir .
fails "-i with -f -" '-f - cannot serve a fleet' -i "$tmp/inv.txt" -f -
fails "-i bootstrap with --output-dir" '--output-dir applies to -c, -p and -f' bootstrap -i "$tmp/inv.txt" --output-dir . --docker-dir .
fails "-j 0" "bad value '0' for -j" -i "$tmp/inv.txt" -j 0 -c x
fails "-j 1025" "bad value '1025' for -j" -i "$tmp/inv.txt" -j 1025 -c x
fails "a malformed inventory line" 'inventory line 2: .*99999' -i "$tmp/badinv.txt" -c x
fails "a host twice in the inventory" 'inventory lines 1 and 2' -i "$tmp/dupinv.txt" -c x
fails "a missing inventory" 'nonexistent' -i /nonexistent/inv.txt -c x
fails "a bad --shard" 'shard' -i "$tmp/inv.txt" --shard 5/4 -c x
fails "--shard auto without JOB_COMPLETION_INDEX" 'JOB_COMPLETION_INDEX' -i "$tmp/inv.txt" --shard auto/4 -c x
fails "--output-dir that is not a directory" 'is not a directory' -i "$tmp/inv.txt" --output-dir "$tmp/inv.txt" -c x
fails "report without merge" "knows one operation: merge" report
fails "report merge without a report" 'no report given' report merge
fails "report merge of a missing file" 'nonexistent' report merge /nonexistent.json
run report merge --help
is "report merge --help: exit status 0" "$rc" 0
like "report merge --help: usage" "$out" '^usage: nanosh report merge'
fails "push without a remote target" 'push needs local files and a remote target' push host a
fails "pull with three paths" 'pull takes one remote source and one local target' pull host a b c
fails "--streams out of range" "bad value '17' for --streams" push --streams 17 host a 'C:\'
fails "unknown --via" "unknown transport 'ftp'" push --via ftp host a 'C:\'
fails "push-only option in shell mode" "'--resume' is only for push and pull" --resume host -c x
fails "an option with a value is named, not its value" "'--via' is only for push and pull" --via smb host -c x
fails "-c with push" '-c, -p, -f and -n do not apply' push host -c x a b

# No password on the command line, in any spelling; and the value is never echoed.
fails "--password refused" 'not accepted on the command line.*NANOSH_PASSWORD' --password hunter2 host -c x
fails "--password= refused" 'not accepted on the command line' --password=hunter2 host -c x
fails "abbreviated --pass refused" 'not accepted on the command line' --pass=hunter2 host -c x
fails "-P refused" 'not accepted on the command line' -Phunter2 host -c x
run --password=hunter2 host -c x
check "the refused password is not echoed" sh -c "! grep -q hunter2 '$tmp/err'"

# Basic over plain HTTP: refused before connecting (the port is closed, so reaching the
# network would report "refused" instead).
fails "Basic over HTTP refused" 'refusing Basic auth over plain HTTP.*--allow-unencrypted' \
  -a basic -u admin "127.0.0.1:$free_port" -c x
check "Basic over HTTP: no connection attempt" sh -c "! grep -qi 'connection refused' '$tmp/err'"
NANOSH_PASSWORD=x run -a basic -u admin --allow-unencrypted --connect-timeout 5 "127.0.0.1:$free_port" -c x
like "--allow-unencrypted lets it through to the (closed) port" "$err" 'refused'
is "closed port: exit status 255" "$rc" 255

# Passwords come from a file or the environment, or a terminal; without any, say so.
if [ ${#detach[@]} -gt 0 ]; then
  fails "no password and no terminal" 'no password given.*NANOSH_PASSWORD' \
    -a basic -u admin -s "127.0.0.1:$free_port" -c x
else
  for i in 1 2 3 4; do skip "no password and no terminal: setsid not installed"; done
fi
fails "missing password file" "cannot read password file $tmp/nope" \
  --password-file "$tmp/nope" -s -u admin "127.0.0.1:$free_port" -c x
: >"$tmp/empty-pw"
fails "empty password file" 'empty first line' \
  --password-file "$tmp/empty-pw" -s -u admin "127.0.0.1:$free_port" -c x
printf 'pw\r\n' >"$tmp/pw"
run --password-file "$tmp/pw" -s -u admin --connect-timeout 5 "127.0.0.1:$free_port" -c x
like "password file is read, then the connection is tried" "$err" 'refused'
fails "missing -f script" "cannot open $tmp/none.ps1" \
  -s -u admin -f "$tmp/none.ps1" "127.0.0.1:$free_port"

# The config file: ssh_config style, errors name file:line.
printf 'Host cfg*\n  Auth kerberos\n' >"$conf"
fails "config sets the auth mechanism" 'works only with NTLM, not -a kerberos' --nt-hash-file "$tmp/nope" -s cfghost -c x
fails "command line wins over the config" 'refusing Basic auth' -a basic cfghost -c x
fails "config Host block that does not match is ignored" "cannot read password file $tmp/nope" \
  --nt-hash-file "$tmp/nope" other -c x
printf 'Host *\n  HTTPS yes\n  Port 1\nHost cfghost\n  HTTPS no\n' >"$conf"
NANOSH_PASSWORD=x run -u admin --connect-timeout 5 cfghost -c x
unlike_https=$(printf '%s' "$err" | grep -c 'refusing Basic')
is "first matching value wins (HTTPS yes from Host *)" "$unlike_https" 0
printf 'Host *.corp !bad.corp\n  Auth kerberos\n' >"$conf"
fails "negated pattern excludes a host" "cannot read password file $tmp/nope" --nt-hash-file "$tmp/nope" bad.corp -c x
fails "pattern matches case-insensitively" 'not -a kerberos' --nt-hash-file "$tmp/nope" -s NANO1.CORP -c x

printf '# comment\nHost x\n  Frobnicate yes\n' >"$conf"
fails "config: unknown keyword" "$conf:3: unknown keyword 'Frobnicate'" host -c x
printf 'Port=99999\n' >"$conf"
fails "config: bad port" "$conf:1: bad Port '99999'" host -c x
printf '\n\nHost\n' >"$conf"
fails "config: Host without a pattern" "$conf:3: Host without a pattern" host -c x
printf 'HTTPS maybe\n' >"$conf"
fails "config: bad yes/no" "$conf:1: bad HTTPS value 'maybe'" host -c x
printf 'CACert "/tmp/a b\n' >"$conf"
fails "config: unterminated quote" "$conf:1: unterminated quote" host -c x
printf 'Insecure yes\n' >"$conf"
fails "config: Insecure is refused" "$conf:1: Insecure is not accepted" host -c x
printf 'User\n' >"$conf"
fails "config: keyword without value" "$conf:1: User has no value" host -c x
printf 'Auth basic kerberos\n' >"$conf"
fails "config: two values" "$conf:1: Auth takes one value" host -c x
printf 'Host nomatch\n  ConnectTimeout never\n' >"$conf"
fails "config: errors in blocks that do not match are reported too" \
  "$conf:2: bad ConnectTimeout 'never'" host -c x
mkdir -p "$tmp/xdg2/nanosh"; printf 'Auth kerberos\n' >"$tmp/xdg2/nanosh/config"
XDG_CONFIG_HOME=$tmp/xdg2 fails "XDG_CONFIG_HOME is honoured" 'not -a kerberos' --nt-hash-file "$tmp/nope" -s host -c x
rm -f "$conf"

tap_done
