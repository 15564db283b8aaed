#!/bin/bash
# The WinRM fault matrix (issue 15, docs/reliability.md): for every request nanosh makes
# (STEP) and every way the test server can misbehave there (KIND, tests/server/fault_injection.py),
# one server started with --inject STEP:KIND, one nanosh run with small bounds, and these checks:
#   - it ends within --timeout + 2 s (the remote shell's cleanup, nanosh.1) + MARGIN;
#   - standard error is one line "nanosh: ...", no more (none when it succeeded);
#   - the exit status is 255, or 0 where the fault does not touch the result (close-after);
#   - no half-written file: no *.part or nanosh temp file in the run's directory or the sandbox;
#   - peak RSS under 32 MiB (plain build, $NANOSH_PLAIN) or 96 MiB (sanitized build).
# Cases run three at a time (most of a case waits on a bound); about 2 minutes on 2 cores.
#
#   tests/fault/winrm_matrix.sh              TAP, for make check (TOP_SRCDIR, NANOSH set)
#   tests/fault/winrm_matrix.sh --markdown   the results table for docs/reliability.md
#   FAULT_TABLE=FILE ...                     TAP, and the table written to FILE as well
#   FAULT_ONLY='receive:slow kerberos push' ...  only these cases (STEP:KIND, auth or push/pull)
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"

MARKDOWN=0
[ "${1:-}" = --markdown ] && MARKDOWN=1
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"
# KiB of peak RSS.  A run takes about 14 MiB (plain) or 23-29 MiB (ASan+UBSan); the 8 MiB
# reply cap adds up to 12 MiB while a 1 GiB body is refused.  The 64 MiB cap this replaced
# took 170 MiB under ASan, so both bounds catch a cap that grows back.
BIN=$NANOSH RSS_BOUND=$((96 * 1024)) BUILD=sanitized
if [ -x "${NANOSH_PLAIN:-}" ]; then
  BIN=$NANOSH_PLAIN BUILD=plain RSS_BOUND=$((32 * 1024))
fi
TIMEOUT=4 CONNECT_TIMEOUT=2 OPERATION_TIMEOUT=1
MARGIN=3                        # seconds: a sanitized start and a busy 2-core machine
BOUND=$((TIMEOUT + 2 + MARGIN))
JOBS=3                          # cases at once: most of a case is waiting on a bound

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-faults.XXXXXX") || exit 1
trap '[ -n "${FAULT_KEEP:-}" ] || rm -rf "$W"' EXIT
base64 -w 76 </dev/urandom 2>/dev/null | head -c 20000 >"$W/stdin.txt"

# VERB -> the nanosh command that makes the request: a -c run (create, command, receive,
# signal, delete), a -c run fed stdin (send), the wsman verbs, and push and pull over WinRM.
verb_of() {
  case $1 in
    send) echo stdin ;;
    enumerate|pull) echo enumerate ;;
    invoke|get|put|identify) echo "$1" ;;
    *) echo run ;;
  esac
}

# The cases: AUTH STEP KIND [N [VERB]].  Basic on plain HTTP for the transport-level kinds;
# NTLM and Kerberos with sealing (AllowUnencrypted=false) for the kinds about the sealed body
# and its sequence numbers.  repeat-sequence needs an earlier reply on the connection: not
# the first request of a run.  push and pull: a fault in the middle of a 300 kB copy.
cases() {
  local s k
  for s in create command send receive signal delete enumerate pull invoke get put identify; do
    for k in close-before close-after 500-garbage 500-unknown-fault slow huge wrong-relatesto; do
      # Identify carries no wsa:MessageID, so its reply no RelatesTo (DSP0226 11).
      [ "$s:$k" = identify:wrong-relatesto ] || echo "basic $s $k"
    done
  done
  for s in command send receive signal delete pull; do
    echo "basic $s repeat-sequence"
  done
  for s in create command send receive signal delete enumerate pull invoke get put; do
    echo "ntlm $s tamper-encrypted"
  done
  for s in command send receive signal delete pull; do
    echo "ntlm $s repeat-sequence"
  done
  echo "basic receive timedout-forever"
  echo "ntlm receive timedout-forever"
  echo "basic receive kill-mid-stream"
  echo "ntlm receive kill-mid-stream"
  if [ -n "$KRB" ]; then
    for s in create receive enumerate get; do echo "kerberos $s tamper-encrypted"; done
    for s in command receive pull; do echo "kerberos $s repeat-sequence"; done
    echo "kerberos receive timedout-forever"
  fi
  for k in close-before 500-unknown-fault repeat-sequence; do echo "basic send $k 3 push"; done
  echo "ntlm send tamper-encrypted 3 push"
  echo "basic receive kill-mid-stream 2 push"
  for k in close-before slow huge wrong-relatesto kill-mid-stream; do echo "basic receive $k 3 pull"; done
  echo "ntlm receive tamper-encrypted 3 pull"
}

# The documented status (nanosh.1 EXIT STATUS) of STEP:KIND.  255 for nanosh's own failure,
# except where the fault cannot touch the result:
#  - signal and delete come after the command's end: its status stands, and a failed
#    Delete says in one line that the server deletes the shell after its idle timeout;
#  - a Get, Put or Identify cut off is sent again once on a new connection (safe to repeat);
#  - close-after where what follows is nothing (the last request of a run), cleanup
#    (after the last Receive: Signal, then Delete, which is sent again) or safe to repeat
#    (Get, Put, Identify); before Command, Send, Pull or a method, nanosh cannot know whether
#    the server ran it, so it stops with 255 rather than repeat it.
expect_status() {
  case $1:$2 in
    signal:*|delete:*) echo 0 ;;
    get:close-before|put:close-before|identify:close-before) echo 0 ;;
    get:close-after|put:close-after|identify:close-after|invoke:close-after|receive:close-after) echo 0 ;;
    *) echo 255 ;;
  esac
}

# Files a run may leave half-written: nanosh's temp and .part files, here or in C:\.
# A copy's TARGET.nanosh-ID.part is the documented exception (nanosh.1 --resume): it may
# stay when the one line says --resume; the target itself is absent or whole.
leftovers() {
  find "$@" \( -name '*.part' -o -name '.nanosh*' -o -name 'nanosh-*.tmp' -o -name '*.nanosh-tmp*' \) \
    -print 2>/dev/null | sed "s|^$W/||" | tr '\n' ' '
}

# copy_state SOURCE TARGET: "absent", "whole" or "HALF-WRITTEN".
copy_state() {
  if [ ! -e "$2" ]; then echo absent; elif cmp -s "$1" "$2"; then echo whole; else echo HALF-WRITTEN; fi
}

run_case() {
  local i=$1 auth=$2 step=$3 kind=$4 n=${5:-1} verb=${6:-$(verb_of "$3")} d="$W/case$i" opts=() srv=()
  local stdin=/dev/null host user pw argv common m fired left copy=-
  mkdir -p "$d/cwd"
  case $auth in
    basic) opts=(-a basic --allow-unencrypted) ;;
    ntlm) srv=(--ntlm --require-encryption); opts=(-a ntlm) ;;
    kerberos) srv=(--kerberos "$KRB/http.keytab" --require-encryption); opts=(-a kerberos) ;;
  esac
  (
    sim_start "${srv[@]}" --max-batch-items 2 --inject "$step:$kind:$n" >/dev/null 2>&1 ||
      { echo "server-failed" >"$d/result"; exit 0; }
    host=127.0.0.1:$SIM_PORT user=$SIM_USER pw=$SIM_PASSWORD
    [ $auth = kerberos ] && host=localhost:$SIM_PORT user=alice@$KDC_REALM pw=$KDC_ALICE_PW
    common=("${opts[@]}" -u "$user" --timeout $TIMEOUT --connect-timeout $CONNECT_TIMEOUT
            --operation-timeout $OPERATION_TIMEOUT "$host")
    case $verb in
      run) argv=("$BIN" "${common[@]}" -c 'echo fault-probe') ;;
      stdin) argv=("$BIN" "${common[@]}" -c cat); stdin=$W/stdin.txt ;;
      enumerate) argv=("$BIN" wsman "${common[@]}" enumerate wmicimv2/Win32_Service) ;;
      invoke) argv=("$BIN" wsman "${common[@]}" invoke wmicimv2/Win32_Service StopService -k Name=WinRM) ;;
      get) argv=("$BIN" wsman "${common[@]}" get winrm/config) ;;
      put) argv=("$BIN" wsman "${common[@]}" put winrm/config/client "$W/client.xml") ;;
      identify) argv=("$BIN" wsman "${common[@]}" identify) ;;
      push) cp "$W/copy.bin" "$d/cwd/src.bin"
            argv=("$BIN" push --via winrm "${common[@]}" src.bin 'C:\dest.bin') ;;
      pull) cp "$W/copy.bin" "$SIM_SANDBOX/src.bin"
            argv=("$BIN" pull --via winrm "${common[@]}" 'C:\src.bin' got.bin) ;;
    esac
    m=$(cd "$d/cwd" && NANOSH_PASSWORD=$pw "$SIM_PYTHON" "$TOP_SRCDIR/tests/fault/measure.py" 60 \
          "$stdin" "$d/out" "$d/err" -- "${argv[@]}")
    fired=$(sim_state_field 'sum(r["fired"] for r in s["fault_injection"]["rules"])' 2>/dev/null)
    rm -f "$d/cwd/src.bin" "$SIM_SANDBOX/src.bin"
    case $verb in
      push) copy=$(copy_state "$W/copy.bin" "$SIM_SANDBOX/dest.bin") ;;
      pull) copy=$(copy_state "$W/copy.bin" "$d/cwd/got.bin") ;;
    esac
    left=$(leftovers "$d/cwd" "$SIM_SANDBOX")
    sim_stop
    printf '%s|%s|%s|%s|%s\n' "$m" "${fired:-?}" "$left" "$verb" "$copy" >"$d/result"
  )
}

KRB=
if [ "${FAULT_KERBEROS:-yes}" != no ] && command -v kinit >/dev/null &&
   sh "$TOP_SRCDIR/tests/krb/kdc.sh" "$W/kdc" >"$W/kdc.out" 2>&1; then
  KRB=$W/kdc
  . "$KRB/env.sh"
  trap 'sh "$TOP_SRCDIR/tests/krb/kdc_stop" "$KRB"; [ -n "${FAULT_KEEP:-}" ] || rm -rf "$W"' EXIT
  export KRB5CCNAME="FILE:$W/no-ccache"      # nanosh gets a ticket from the password
else
  diag "no Kerberos rows: $( [ "${FAULT_KERBEROS:-yes}" = no ] && echo FAULT_KERBEROS=no ||
                             head -n 1 "$W/kdc.out" 2>/dev/null || echo 'kinit not found')"
fi
head -c 300000 /dev/urandom >"$W/copy.bin"
printf '<cfg:Client xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/client">%s</cfg:Client>\n' \
  '<cfg:TrustedHosts>10.0.0.7</cfg:TrustedHosts>' >"$W/client.xml"

mapfile -t CASES < <(cases)
if [ -n "${FAULT_ONLY:-}" ]; then
  keep=()
  for c in "${CASES[@]}"; do
    set -- $c
    case " $FAULT_ONLY " in *" $2:$3 "*|*" $1 "*|*" ${5:-none} "*) keep+=("$c") ;; esac
  done
  CASES=("${keep[@]}")
fi

i=0
for c in "${CASES[@]}"; do
  i=$((i + 1))
  run_case $i $c &
  while [ "$(jobs -rp | wc -l)" -ge $JOBS ]; do wait -n; done
done
wait

{ echo "| auth | command | step:kind:N | exit | seconds | peak RSS (KiB) | left behind | standard error |"
  echo "|---|---|---|---|---|---|---|---|"; } >"$W/table.md"
i=0
for c in "${CASES[@]}"; do
  i=$((i + 1))
  set -- $c
  auth=$1 step=$2 kind=$3 n=${4:-1} d="$W/case$i"
  IFS='|' read -r m fired left verb copy <"$d/result"
  name="$auth $step:$kind${4:+:$n} ($verb)"
  read -r rc secs rss <<<"$m"
  nerr=$(grep -c '' "$d/err" 2>/dev/null)
  line=$(head -n 1 "$d/err" 2>/dev/null)
  want=$(expect_status "$step" "$kind")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$auth" "$verb" "$step:$kind:$n" "$rc" "$secs" "$rss" \
    "$( [ "$copy" = - ] || printf 'target %s; ' "$copy"; [ -n "$left" ] && echo '.part kept' || echo nothing)" \
    "$(printf '%s' "${line:-(none)}" | sed -E 's/\|/\\|/g; s/(127\.0\.0\.1|localhost):[0-9]+/HOST:PORT/g; s/uuid:[0-9A-F-]*/uuid:.../g')" \
    >>"$W/table.md"
  [ $MARKDOWN = 1 ] && continue
  if [ "$m" = server-failed ] || [ -z "$rc" ]; then
    if [ "$auth" != basic ] && [ "$m" = server-failed ]; then
      skip "$name: the test server did not start with $auth (python3-gssapi, gss-ntlmssp)"
    else
      fail "$name: the test server started"
    fi
    continue
  fi
  problems=()
  [ "$fired" != 0 ] || problems+=("the fault did not fire (the request was never made)")
  [ "$rc" = "$want" ] || problems+=("exit status $rc, expected $want")
  awk -v s="$secs" -v b=$BOUND 'BEGIN { exit !(s <= b) }' || problems+=("took ${secs}s > ${BOUND}s")
  if [ "$rc" = 0 ]; then
    [ "$nerr" -le 1 ] && { [ "$nerr" = 0 ] || [ "${line#nanosh: }" != "$line" ]; } ||
      problems+=("stderr after success: $(head -c 300 "$d/err" | tr '\n' '~')")
  else
    [ "$nerr" = 1 ] && [ "${line#nanosh: }" != "$line" ] ||
      problems+=("stderr is not one 'nanosh: ' line: $(head -c 300 "$d/err" | tr '\n' '~')")
  fi
  [ "$copy" != HALF-WRITTEN ] || problems+=("the copy's target is half-written")
  if [ -n "$left" ] && ! { [ "$copy" != - ] && grep -q -- --resume "$d/err"; }; then
    problems+=("half-written files left: $left")
  fi
  [ "$rss" -le $RSS_BOUND ] || problems+=("peak RSS ${rss} KiB > ${RSS_BOUND} KiB ($BUILD build)")
  if [ ${#problems[@]} = 0 ]; then
    ok "$name: exit $rc in ${secs}s, ${rss} KiB, '${line:-(no message)}'"
  else
    fail "$name"
    for p in "${problems[@]}"; do diag "$p"; done
  fi
done
[ -n "${FAULT_TABLE:-}" ] && cp "$W/table.md" "$FAULT_TABLE"
[ $MARKDOWN = 1 ] && { cat "$W/table.md"; exit 0; }
tap_done
