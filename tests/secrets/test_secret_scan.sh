#!/bin/bash
# Secrets never leak (issue 15, DESIGN.md "Security"): every command of nanosh runs with
# --debug and a distinctive password, NT hash and Kerberos keytab; then everything it
# wrote (stdout, stderr, the home directory with history and config, TMPDIR, transcripts,
# reports, per-host output) is searched for them in every form (tests/secrets/scan.py).
# While a long command runs, /proc/PID/cmdline and /proc/PID/environ of nanosh and its
# children must not hold the password, and core dumps must be off (RLIMIT_CORE 0).
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
PY=${PYTHON3:-/usr/bin/python3}
SCAN="$PY $TOP_SRCDIR/tests/secrets/scan.py"
# libsmbclient (loaded by bootstrap) keeps a talloc block at exit: tests/push/lsan.supp.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0:intercept_tls_get_addr=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP_SRCDIR/tests/push/lsan.supp:print_suppressions=0"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-secrets.XXXXXX") || exit 1
K=$W/krb
cleanup() { pty_stop; sim_stop; [ -d "$K/kdc" ] && sh "$TOP_SRCDIR/tests/krb/kdc_stop" "$K/kdc"
  [ -n "${KEEP_SECRETS_DIR:-}" ] || rm -rf "$W"; }
trap cleanup EXIT

# Distinctive secrets: a password no test or tool would print by chance.
PW='Scan-Pw-Q7vX2-kRt9'
USER_A=Administrator

# A real MIT KDC for the keytab, when krb5 is installed.
have_krb=0
if command -v kinit >/dev/null && command -v klist >/dev/null; then
  mkdir -p "$K"
  if sh "$TOP_SRCDIR/tests/krb/kdc.sh" "$K/kdc" >"$K/kdc.out" 2>&1; then
    . "$K/kdc/env.sh"; have_krb=1
    export KRB5CCNAME="FILE:$K/ccache"
  fi
fi

# One test server: a fresh Nano host (for bootstrap) with NTLM, HTTPS and Kerberos.
# Basic too (over HTTPS), as a host with Basic enabled accepts it: its header is base64.
krb_args=() mechs=negotiate,ntlm,basic
[ $have_krb = 1 ] && krb_args=(--kerberos "$K/kdc/http.keytab") mechs=negotiate,kerberos,ntlm,basic
sim_start --https --ntlm "${krb_args[@]}" --profile fresh --account "$USER_A:$PW" --auth "$mechs" ||
  { echo "Bail out! the test server did not start"; exit 1; }
trap cleanup EXIT
NT=$(sim_nt_hash "$PW") || { echo "Bail out! no NT hash"; exit 1; }
ZIP=$(sim_docker_zip "$W") || { echo "Bail out! no stand-in zip"; exit 1; }

{
  echo "user:$USER_A"
  echo "password:$PW"
  echo "hex:$NT"
} >"$W/secrets"
if [ $have_krb = 1 ]; then
  # The service keytab's keys, as klist shows them: (0xHEX).
  klist -k -K -e "$KDC_SVC_KEYTAB" 2>/dev/null | sed -n 's/.*(0x\([0-9a-fA-F]*\)).*/hex:\1/p' >>"$W/secrets"
fi
nkeys=$(grep -c '^hex:' "$W/secrets")

# Everything nanosh may write goes under $W: HOME (config, history), XDG dirs, TMPDIR.
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config XDG_STATE_HOME=$W/home/.local/state
export TMPDIR=$W/tmp
mkdir -p "$HOME" "$TMPDIR" "$W/out/fleet" "$W/local"
echo "$PW" >"$W/pwfile"; chmod 600 "$W/pwfile"
echo "$NT" >"$W/ntfile"; chmod 600 "$W/ntfile"
printf 'payload %s\n' {1..2000} >"$W/local/payload.txt"

H=127.0.0.1:$SIM_PORT
HS=127.0.0.1:$SIM_HTTPS_PORT
n=0
# run NAME ARGS...: nanosh with --debug, stdout and stderr kept as out/NAME.{out,err};
# stdin is empty unless the caller redirects run's own stdin.
run() {
  local name=$1; shift
  n=$((n + 1))
  local sub=()
  case $1 in wsman|push|pull|bootstrap) sub=("$1"); shift ;; esac
  setsid -w "$NANOSH" "${sub[@]}" --debug --timeout 60 "$@" >"$W/out/$name.out" 2>"$W/out/$name.err"
  echo "$?" >"$W/out/$name.status"
}
ok_status() { is "$1: exit status" "$(cat "$W/out/$1.status")" "${2:-0}"; }

# --- every command, every way in ---
NANOSH_PASSWORD=$PW run oneshot_ntlm_env -a ntlm -u "$USER_A" "$H" -c 'echo one-shot' </dev/null
ok_status oneshot_ntlm_env
run oneshot_pwfile_https -a ntlm -u "$USER_A" --password-file "$W/pwfile" -s --cacert "$SIM_CA" "$HS" \
  -c 'echo https' </dev/null
ok_status oneshot_pwfile_https
NANOSH_PASSWORD=$PW run basic_https -a basic -u "$USER_A" -s --cacert "$SIM_CA" "$HS" -c 'echo basic' </dev/null
ok_status basic_https
NANOSH_NT_HASH=$NT run nt_hash_env -a ntlm -u "$USER_A" "$H" -c 'echo pth' </dev/null
ok_status nt_hash_env
run nt_hash_file -a ntlm -u "$USER_A" --nt-hash-file "$W/ntfile" "$H" -c 'echo pth-file' </dev/null
ok_status nt_hash_file
NANOSH_PASSWORD=$PW run powershell -a ntlm -u "$USER_A" "$H" -p 'echo ps' </dev/null
ok_status powershell
printf 'echo from-stdin\nhostname\n' | NANOSH_PASSWORD=$PW run shell_stdin -a ntlm -u "$USER_A" "$H"
ok_status shell_stdin
NANOSH_PASSWORD=$PW run wsman_identify wsman -a ntlm -u "$USER_A" "$H" identify </dev/null
ok_status wsman_identify
NANOSH_PASSWORD=$PW run wsman_enumerate wsman -a ntlm -u "$USER_A" "$H" enumerate \
  'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*' --filter 'SELECT Name FROM Win32_Service' </dev/null
ok_status wsman_enumerate
NANOSH_PASSWORD=$PW run push push --via winrm -a ntlm -u "$USER_A" "$H" "$W/local/payload.txt" 'C:\Temp\' </dev/null
ok_status push
NANOSH_PASSWORD=$PW run pull pull --via winrm -a ntlm -u "$USER_A" "$H" 'C:\Temp\payload.txt' "$W/local/back.txt" </dev/null
ok_status pull
NANOSH_PASSWORD=$PW run bootstrap bootstrap -a ntlm -u "$USER_A" --port "$SIM_PORT" --smb-port 9 \
  --docker-zip "$ZIP" --report "$W/out/bootstrap.json" 127.0.0.1 </dev/null
ok_status bootstrap
printf '127.0.0.1:%s\nlocalhost:%s\n' "$SIM_PORT" "$SIM_PORT" >"$W/inventory"
NANOSH_PASSWORD=$PW run fleet_c -a ntlm -u "$USER_A" -i "$W/inventory" -c 'echo fleet' \
  --output-dir "$W/out/fleet" --report "$W/out/fleet.json" </dev/null
ok_status fleet_c
NANOSH_PASSWORD=$PW run fleet_bootstrap bootstrap -a ntlm -u "$USER_A" -i "$W/inventory" --smb-port 9 \
  --plan --docker-zip "$ZIP" --report "$W/out/fleet_bootstrap.json" </dev/null
ok_status fleet_bootstrap
if [ $have_krb = 1 ]; then
  run keytab -a kerberos -u "svc@$KDC_REALM" --keytab "$KDC_SVC_KEYTAB" "localhost:$SIM_PORT" \
    -c 'echo keytab' </dev/null
  ok_status keytab
else
  skip "Kerberos keytab: no MIT KDC here ($(head -c 200 "$K/kdc.out" 2>/dev/null))"
fi
# A wrong password fails and says so, without echoing what was tried.
NANOSH_PASSWORD="$PW-wrong" run wrong_password -a ntlm -u "$USER_A" "$H" -c 'echo no' </dev/null
ok_status wrong_password 255
# The --debug traces were written: the scan has the exchanges to look through.
like "the --debug trace shows the exchanges" "$(cat "$W/out/oneshot_ntlm_env.err")" 'Authorization: (Negotiate|NTLM)'

# --- the interactive shell in a terminal: its history file and --log transcript ---
pty_start env NANOSH_PASSWORD="$PW" "$NANOSH" --debug --log "$W/out/session.log" -a ntlm -u "$USER_A" "$H"
if pty_wait 'PS .*> ?$|> ?$' 20; then
  pty_type 'echo typed-at-the-prompt'; pty_keys Enter
  pty_wait 'typed-at-the-prompt' 10
  pty_type ':exit'; pty_keys Enter
  for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
  pty_screen >"$W/out/pty.screen"
  check "the interactive session ended" pty_dead
  check "the session's transcript was written" grep -q 'typed-at-the-prompt' "$W/out/session.log"
  check "the host's history file was written" grep -rq 'typed-at-the-prompt' "$XDG_STATE_HOME/nanosh"
else
  pty_screen >"$W/out/pty.screen"
  fail "the interactive shell showed a prompt"
fi
pty_stop

# --- argv, environment and core dumps while a long command runs ---
NANOSH_PASSWORD=$PW setsid "$NANOSH" -a ntlm -u "$USER_A" --timeout 60 "$H" -p 'sleep 4; echo slept' \
  >"$W/out/long.out" 2>"$W/out/long.err" </dev/null &
LONG=$!
: >"$W/proc.txt"
seen=0
for i in $(seq 1 40); do
  sleep 0.1
  [ -r "/proc/$LONG/cmdline" ] || break
  # nanosh itself and every process under it (it runs none; a child would show here).
  pids="$LONG $(cat /proc/$LONG/task/*/children 2>/dev/null)"
  for p in $pids; do
    { echo "== $p cmdline"; tr '\0' ' ' </proc/$p/cmdline; echo
      echo "== $p environ"; tr '\0' '\n' </proc/$p/environ
      echo "== $p limits"; grep 'Max core file size' /proc/$p/limits; } >>"$W/proc.txt" 2>/dev/null
  done
  seen=$((seen + 1))
  [ $seen -ge 10 ] && break
done
wait "$LONG"; long_rc=$?
is "the long command ran to the end" "$long_rc:$(tr -d '\r' <"$W/out/long.out")" "0:slept"
check "/proc/PID/cmdline and environ were read while it ran ($seen looks)" grep -q '== .* environ' "$W/proc.txt"
check "nanosh's environ no longer holds NANOSH_PASSWORD" sh -c "! grep -q '^NANOSH_PASSWORD' '$W/proc.txt'"
like "core dumps are off while it runs (RLIMIT_CORE 0)" "$(grep 'Max core file size' "$W/proc.txt" | head -1)" \
  'Max core file size +0 +0 '

# --- the scan ---
check "every command ran ($n runs)" [ "$n" -ge 15 ]
check "the secrets file has the password, the NT hash and $((nkeys - 1)) keytab keys" [ "$nkeys" -ge 1 ]
$SCAN "$W/secrets" "$W/out" "$HOME" "$TMPDIR" "$W/local" "$W/proc.txt" >"$W/scan.txt" 2>&1; scan_rc=$?
sed 's/^/# /' "$W/scan.txt"
is "no secret in stdout, stderr, traces, history, reports, per-host output, temp files or /proc" "$scan_rc" 0
# The scanner can fail: a file holding the password in UTF-16LE is found.
printf '%s' "$PW" | iconv -f UTF-8 -t UTF-16LE >"$W/planted" 2>/dev/null ||
  "$PY" -c 'import sys; sys.stdout.buffer.write(sys.argv[1].encode("utf-16-le"))' "$PW" >"$W/planted"
$SCAN "$W/secrets" "$W/planted" >/dev/null 2>&1
is "the scanner finds a planted UTF-16LE password" "$?" 1
tap_done
