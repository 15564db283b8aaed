#!/bin/bash
# Targets as users write them and the messages a new user meets (issue 14, items 2, 8, 10):
# URL targets against the test server, port 5986 meaning HTTPS, --version, a key given as
# --cacert, a web server that is not WinRM, the wsman -k hint, the man page's Identify.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
unset NANOSH_PASSWORD NANOSH_NT_HASH
PY=${PYTHON3:-/usr/bin/python3}
detach=()
command -v setsid >/dev/null && detach=(setsid -w)

sim_start --https || skip_all "the test server did not start"
tmp=$SIM_DIR/msg; mkdir -p "$tmp/home"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home"
web_pid=
trap '[ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null; sim_stop' EXIT

# run ARGS...: nanosh without a terminal; sets rc, out, err
run() {
  "${detach[@]}" "$NANOSH" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
# fails NAME PATTERN CMD...: exit 255, nothing on stdout, one stderr line matching PATTERN
fails() {
  local name=$1 pattern=$2; shift 2
  "${detach[@]}" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  is "$name: exit status" "$rc" 255
  like "$name: message" "$err" "$pattern"
  is "$name: one line, no output" "$(printf '%s\n' "$err" | wc -l | tr -d ' '):${#out}" 1:0
}

unlike() { if printf '%s\n' "$2" | grep -Eq -- "$3"; then fail "$1"; diag "text: $2"; else ok "$1"; fi; }

# --- URL targets against the test server ---
run_basic() { NANOSH_PASSWORD=$SIM_PASSWORD "${detach[@]}" "$NANOSH" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err"); }
run_basic -a basic -u "$SIM_USER" --cacert "$SIM_CA" "https://127.0.0.1:$SIM_HTTPS_PORT/wsman" -c 'echo via-https-url'
is "https:// URL with --cacert: the command runs" "$rc:${out%%[[:space:]]*}" 0:via-https-url
fails "plain HTTP to the HTTPS listener: the line suggests -s/--https" \
  "^nanosh: 127\\.0\\.0\\.1:$SIM_HTTPS_PORT .*add -s/--https" \
  env NANOSH_PASSWORD=x "$NANOSH" -a basic -u u --allow-unencrypted "127.0.0.1:$SIM_HTTPS_PORT" -c x
run_basic -a basic --cacert "$SIM_CA" "HTTPS://$SIM_USER@127.0.0.1:$SIM_HTTPS_PORT/wsman" -c 'echo upper-scheme'
is "HTTPS:// (upper case) with the user in the URL" "$rc:${out%%[[:space:]]*}" 0:upper-scheme
fails "a path the server does not serve" \
  "no WS-Management endpoint at https://127\\.0\\.0\\.1:$SIM_HTTPS_PORT/custom/path \\(HTTP 404\\): this is not a WinRM listener, or not its path: check the port .*the path \\(WinRM listens on /wsman\\)" \
  "$NANOSH" wsman --cacert "$SIM_CA" "https://127.0.0.1:$SIM_HTTPS_PORT/custom/path" identify --unauthenticated
fails "ftp:// is refused" "unknown URL scheme 'ftp'" "$NANOSH" "ftp://127.0.0.1/wsman" -c x
fails "a query is refused" "no query or fragment" "$NANOSH" "https://127.0.0.1:$SIM_HTTPS_PORT/wsman?x=1" -c x

# --- the man page's Identify example is what wsman identify prints ---
run_basic wsman -a basic -u "$SIM_USER" --cacert "$SIM_CA" "https://127.0.0.1:$SIM_HTTPS_PORT/wsman" identify
example=$(grep '^{"protocol_version"' "$TOP_SRCDIR/docs/nanosh.1" | sed 's/\\-/-/g')
check "the man page has an Identify example" test -n "$example"
is "the man page's Identify example matches real output" "$out" "$example"

# --- --cacert given something that is not a certificate ---
requests_before=$(sim_state_field 'sum(s["http_requests_by_scheme"].values())')
fails "--cacert with a private key" \
  "^nanosh: --cacert $SIM_DIR/server.key is not a PEM certificate \\(it holds a private key\\): give --cacert the CA certificate" \
  "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_DIR/server.key" "127.0.0.1:$SIM_HTTPS_PORT" -c x
printf 'just some text\n' >"$tmp/notes.txt"
fails "--cacert with a text file" "is not a PEM certificate: give --cacert" \
  "$NANOSH" wsman -s --cacert "$tmp/notes.txt" "127.0.0.1:$SIM_HTTPS_PORT" identify --unauthenticated
is "--cacert is checked before any request" "$(sim_state_field 'sum(s["http_requests_by_scheme"].values())')" "$requests_before"
openssl x509 -in "$SIM_CA" -outform DER -out "$tmp/ca.der" 2>/dev/null &&
  fails "--cacert in DER form" "is not a PEM certificate" \
    "$NANOSH" wsman -s --cacert "$tmp/ca.der" "127.0.0.1:$SIM_HTTPS_PORT" identify --unauthenticated

# --- wsman -k after the operation that is not key=value: the --insecure hint ---
fails "wsman h identify -k foo hints at --insecure" \
  "selector 'foo' is not key=value: .*--insecure" \
  "$NANOSH" wsman h identify -k foo

# --- port 5986 means HTTPS: --debug shows the endpoint before the connection fails ---
run wsman --debug --connect-timeout 2 127.0.0.1:5986 identify --unauthenticated
like "port 5986 without -s: the endpoint is https://" "$err" 'endpoint https://127\.0\.0\.1:5986/wsman'
run wsman --debug --connect-timeout 2 --no-https 127.0.0.1:5986 identify --unauthenticated
like "port 5986 with --no-https: http://" "$err" 'endpoint http://127\.0\.0\.1:5986/wsman'
run wsman --debug --connect-timeout 2 "http://127.0.0.1:5986/" identify --unauthenticated
like "http://HOST:5986: the scheme wins" "$err" 'endpoint http://127\.0\.0\.1:5986/wsman'
sim_stop

# --- http://user@host/wsman with NTLM ---
sim_start --ntlm || skip_all "the test server did not start with NTLM"
trap '[ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null; sim_stop' EXIT
mkdir -p "$tmp/home"
out=$(NANOSH_PASSWORD=$SIM_PASSWORD "${detach[@]}" "$NANOSH" -a ntlm "http://$SIM_USER@127.0.0.1:$SIM_PORT/wsman" \
  -c 'echo via-http-url' </dev/null 2>"$tmp/err"); rc=$?
is "http://user@host/wsman with NTLM: the command runs" "$rc:${out%%[[:space:]]*}" 0:via-http-url
out=$(NANOSH_PASSWORD=$SIM_PASSWORD2 "${detach[@]}" "$NANOSH" -a ntlm "http://DOM%5Calice@127.0.0.1:$SIM_PORT/wsman" \
  -c 'echo as-alice' </dev/null 2>"$tmp/err"); rc=$?
is "DOM%5Calice in the URL logs on as DOM\\alice" "$rc:${out%%[[:space:]]*}" 0:as-alice
sim_stop

# --- a web server that is not WinRM: 501 and 404 without SOAP ---
"$PY" "$TOP_SRCDIR/tests/cli/not_winrm_server.py" "$tmp/web-ports" 60 &
web_pid=$!
for i in $(seq 1 100); do [ -s "$tmp/web-ports" ] && break; sleep 0.05; done
read -r p501 p404 phangup pxml <"$tmp/web-ports" || p501=1 p404=1 phangup=1 pxml=1
for auth in basic ntlm; do
  fails "HTTP 501 ($auth): not a WinRM listener" \
    "^nanosh: 127\\.0\\.0\\.1:$p501 does not take SOAP requests \\(HTTP 501\\): this is not a WinRM listener: check the port" \
    env NANOSH_PASSWORD=x "$NANOSH" -a "$auth" -u u --allow-unencrypted "127.0.0.1:$p501" -c x
  fails "HTTP 404 ($auth): not a WinRM listener" \
    "^nanosh: 127\\.0\\.0\\.1:$p404 has no WS-Management endpoint at http://127\\.0\\.0\\.1:$p404/wsman \\(HTTP 404\\): this is not a WinRM listener" \
    env NANOSH_PASSWORD=x "$NANOSH" -a "$auth" -u u --allow-unencrypted "127.0.0.1:$p404" -c x
done
fails "HTTP 501, unauthenticated Identify" "this is not a WinRM listener" \
  "$NANOSH" wsman "127.0.0.1:$p501" identify --unauthenticated
run wsman "127.0.0.1:$p501" identify --unauthenticated
unlike "HTTP 501: no advice about the WinRM event log" "$err" 'event log'
run --allow-unencrypted -a basic -u u "127.0.0.1:$p404" -c x
unlike "HTTP 404: no advice about the WinRM event log" "$err" 'event log'
fails "a listener that closes without a reply" \
  "^nanosh: 127\\.0\\.0\\.1:$phangup closed the connection without a reply: if the port speaks HTTPS \\(5986 by default\\), add -s/--https; else try again" \
  env NANOSH_PASSWORD=x "$NANOSH" -a basic -u u --allow-unencrypted "127.0.0.1:$phangup" -c x
fails "HTTP 500 with XML that is not SOAP" \
  "^nanosh: the server answered HTTP 500 with XML that is not a SOAP envelope: something other than WinRM may answer on this port" \
  env NANOSH_PASSWORD=x "$NANOSH" -a basic -u u --allow-unencrypted "127.0.0.1:$pxml" -c x
unlike "HTTP 500 with XML that is not SOAP: no advice about the WinRM event log" "$err" 'event log'
kill "$web_pid" 2>/dev/null; wait "$web_pid" 2>/dev/null; web_pid=

# --- --version: every line, with versions ---
run --version
is "--version: exit status 0" "$rc" 0
like "--version: nanosh and its version first" "$(printf '%s\n' "$out" | head -1)" '^nanosh [0-9]+\.[0-9]+'
for lib in libcurl libxml2 OpenSSL GSSAPI jansson readline libsmbclient libarchive; do
  like "--version: $lib with a version" "$out" "^  $lib +[^ ]*[0-9]"
done
like "--version: libcurl names its TLS library" "$out" 'libcurl +[0-9.]+ \(TLS: OpenSSL/[0-9]'
for feature in Kerberos NTLM SMB 'zip reading' 'line editing'; do
  like "--version: the $feature feature" "$out" "^  $feature: +(yes|no)"
done
# libsmbclient made unreadable in a private mount namespace: the loader cannot load it.
smb=$(ldconfig -p 2>/dev/null | awk '/libsmbclient\.so\.0 /{print $NF; exit}')
if [ -n "$smb" ] && unshare --mount true 2>/dev/null; then
  out=$(unshare --mount sh -c 'mount --bind /dev/null "$1" && exec "$2" --version' sh "$smb" "$NANOSH" 2>&1); rc=$?
  is "--version without libsmbclient: exit status 0" "$rc" 0
  like "--version without libsmbclient: the library is not available, and why" "$out" \
    'libsmbclient +not available: cannot load libsmbclient\.so\.0'
  like "--version without libsmbclient: SMB is unavailable" "$out" 'SMB: +no \(install libsmbclient'
  like "--version without libsmbclient: the rest still shows" "$out" 'readline +[0-9]'
else
  skip "--version without libsmbclient: no mount namespace here"
fi

tap_done
