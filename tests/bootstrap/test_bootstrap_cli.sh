#!/bin/bash
# nanosh bootstrap end to end (issue 12) against the test server playing Nano 2016 hosts
# (tests/bootstrap/profiles): the lines a user sees and the exit status, --plan changing
# nothing (the host state file byte for byte), --json and --report against
# docs/bootstrap-report.schema.json, each way a host can fail with its message, a copy cut
# off midway and the run after it, Ctrl-C, --steps/--skip, several hosts, and the docker
# files over SMB to a private smbd sharing the server's C:\ when root can start one.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
PY=${PYTHON3:-python3}
SCHEMA=$TOP_SRCDIR/docs/bootstrap-report.schema.json
VALIDATE=$TOP_SRCDIR/tests/bootstrap/validate_report.py
ADMIN_PW=Adm1n-pw

# libsmbclient keeps a talloc block at exit (tests/push/lsan.supp says which); only the
# slow unwinder sees the frame the suppression names. The libraries loaded with dlopen
# (libsmbclient, libarchive) have dynamic TLS that LeakSanitizer's tracer sometimes reads
# at a bad address and crashes on ("Tracer caught signal 11", about one run in twelve
# here; google/sanitizers#1322): intercept_tls_get_addr=0 leaves that TLS out of the
# scan, and every other leak is still found.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0:intercept_tls_get_addr=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP_SRCDIR/tests/push/lsan.supp:print_suppressions=0"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-bscli.XXXXXX") || exit 1
ZIP=$(sim_docker_zip "$W") || { echo "Bail out! no stand-in zip"; exit 1; }
mkdir "$W/new" && NEW_ZIP=$(sim_docker_zip "$W/new" --too-new) || { echo "Bail out! no 23.x zip"; exit 1; }
mkdir "$W/big" && BIG_ZIP=$(sim_docker_zip "$W/big" --size 3145728) || { echo "Bail out! no big zip"; exit 1; }
CLOSED_PORT=$(samba_free_port)
export NANOSH_PASSWORD=$ADMIN_PW

# expect GOT WANT NAME, matches TEXT PATTERN NAME: tap.sh's is and like, name last.
expect() { is "$3" "$1" "$2"; }
matches() { like "$3" "$1" "$2"; }
# bs ARGS...: nanosh bootstrap as Administrator over NTLM to the server, stdout and stderr
# in files (not terminals), the status in $rc. SMB goes to a closed port unless the
# arguments say otherwise, so the files go over WinRM.
bs() {
  "$NANOSH" bootstrap -a ntlm -u Administrator --port "$SIM_PORT" --smb-port "$CLOSED_PORT" \
    "$@" >"$W/out" 2>"$W/err"
  rc=$?
  # A sanitizer's report changes the exit status: show it, so a failure says why.
  grep -q 'Sanitizer' "$W/err" && sed 's/^/# stderr: /' "$W/err"
  return 0
}
# status STEP: the status column of STEP's line in the last output.
status() { awk -v s="$1" '$2 == s { print $3 }' "$W/out"; }
statuses() { awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $3 }' "$W/out"; }
line() { grep -E "^[^ ]+ +$1 " "$W/out"; }
# same ZIP NAME FILE: FILE holds the bytes of docker/NAME in ZIP.
same() { "$PY" -c 'import sys, zipfile
sys.exit(zipfile.ZipFile(sys.argv[1]).read("docker/" + sys.argv[2]) != open(sys.argv[3], "rb").read())' "$@" 2>/dev/null; }
field() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# valid FILE NAME: FILE is a report the schema accepts (SKIP without python3-jsonschema).
valid() {
  local why vrc
  why=$("$PY" "$VALIDATE" "$SCHEMA" "$1" 2>&1); vrc=$?
  if [ "$vrc" = 3 ]; then skip "$2: $why (Debian python3-jsonschema)"
  else expect "$vrc $why" "0 " "$2"; fi
}
start() { sim_start --ntlm --profile "$1" --account "Administrator:$ADMIN_PW" "${@:2}"; }

ALL_OK="reach=ok host=ok admin-account=ok trusted-hosts=ok firewall=ok share=ok docker-files=ok docker-service=ok verify=ok"

# --- a fresh host: plan, run, run again ----------------------------------------------
if start fresh; then
  cp "$SIM_HOST_STATE" "$W/before.json"
  n0=$(grep -c 'POST /wsman' "$SIM_LOG")
  bs --plan --docker-zip "$ZIP" 127.0.0.1
  expect "$rc" 0 "fresh, --plan: exit 0"
  expect "$(statuses)" "reach=ok host=ok admin-account=ok trusted-hosts=would-change firewall=would-change share=would-change docker-files=would-change docker-service=would-change verify=skipped" \
    "fresh, --plan: every step that has work says would-change"
  check "fresh, --plan: the host state is byte for byte the same" cmp -s "$W/before.json" "$SIM_HOST_STATE"
  check "fresh, --plan: requests were sent (the checks ran)" test "$(grep -c 'POST /wsman' "$SIM_LOG")" -gt "$n0"
  check "fresh, --plan: nothing copied to System32" test ! -e "$SIM_SANDBOX/Windows/System32/dockerd.exe"

  bs --docker-zip "$ZIP" --report "$W/first.json" 127.0.0.1
  expect "$rc" 0 "fresh: exit 0"
  expect "$(statuses)" "reach=ok host=ok admin-account=ok trusted-hosts=changed firewall=changed share=changed docker-files=changed docker-service=changed verify=ok" \
    "fresh: every step changed or ok, in order"
  # The columns of docs/bootstrap.md: host, step in 15, status in 9, reason.
  expect "$(line reach | cut -c1-36)" "127.0.0.1  reach          ok       W" "fresh: the columns line up as documented"
  expect "$(line docker-service | cut -c1-36)" "127.0.0.1  docker-service changed  r" "fresh: the longest step name keeps a space"
  matches "$(line trusted-hosts)" "TrustedHosts: '' -> '\*'" "fresh: trusted-hosts says what it changed"
  matches "$(line verify)" "server 17\.06\.2-ee-16" "fresh: verify names the server version"
  expect "$(wc -l < "$W/err")" 0 "fresh: nothing on stderr"
  sed "s/^/# stderr: /" "$W/err"
  check "fresh: dockerd.exe is in System32 with the zip's bytes" same "$ZIP" dockerd.exe "$SIM_SANDBOX/Windows/System32/dockerd.exe"
  valid "$W/first.json" "fresh: the --report file is valid against the schema"
  expect "$(field "$W/first.json" 'd["ok"], d["plan"], len(d["hosts"]), [s["status"] for s in d["hosts"][0]["steps"]].count("changed")')" \
    "True False 1 5" "fresh: the report says ok, not a plan, one host, five changes"
  expect "$(field "$W/first.json" 'd["hosts"][0]["steps"][1]["facts"]["BuildNumber"], d["hosts"][0]["steps"][1]["facts"]["UBR"]')" \
    "14393 2430" "fresh: the report keeps the facts the host step read"
  check "fresh: the report file is not left world-writable" sh -c "! find '$W/first.json' -perm -002 | grep -q ."

  bs --docker-zip "$ZIP" --json 127.0.0.1
  expect "$rc" 0 "fresh, second run: exit 0"
  cp "$W/out" "$W/second.json"
  expect "$(field "$W/second.json" '" ".join(s["name"] + "=" + s["status"] for s in d["hosts"][0]["steps"])')" \
    "$ALL_OK" "fresh, second run: every step ok (--json)"
  valid "$W/second.json" "fresh, second run: --json is valid against the schema"
  expect "$(wc -l < "$W/err")" 0 "fresh, second run: --json prints nothing on stderr"

  cp "$SIM_HOST_STATE" "$W/after.json"
  bs --plan --docker-zip "$ZIP" 127.0.0.1
  expect "$rc $(statuses)" "0 $ALL_OK" "configured, --plan: all ok, exit 0"
  check "configured, --plan: the host state unchanged" cmp -s "$W/after.json" "$SIM_HOST_STATE"

  # --steps and --skip
  bs --steps trusted-hosts --trusted-hosts build01 127.0.0.1
  expect "$rc" 0 "--steps trusted-hosts: exit 0, no docker files needed"
  expect "$(status trusted-hosts) $(status reach) $(status verify)" "ok skipped skipped" \
    "--steps trusted-hosts: '*' already covers build01; the others skipped"
  bs --skip docker-files,docker-service,verify 127.0.0.1
  expect "$rc $(status firewall) $(status docker-files)" "0 ok skipped" "--skip: the rest run, the skipped ones say so"
  matches "$(line docker-files)" "skipped +not selected" "--skip: the reason is 'not selected'"

  # Two hosts (the same server under two names) run one after the other, each line
  # naming its host.
  bs --docker-zip "$ZIP" 127.0.0.1 localhost
  expect "$rc $(wc -l < "$W/out")" "0 18" "two hosts: exit 0, nine lines each"
  expect "$(awk '{print $1}' "$W/out" | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" \
    "9127.0.0.1 9localhost " "two hosts: one after the other"
  sim_stop
else fail "server started (fresh)"; fi

# A host that does not answer fails reach (exit 1); the next host still runs.
if start configured && sim_install_docker; then
  "$NANOSH" bootstrap -a ntlm -u Administrator --smb-port "$CLOSED_PORT" --connect-timeout 5 \
    --docker-zip "$ZIP" --json "127.0.0.1:$CLOSED_PORT" "127.0.0.1:$SIM_PORT" >"$W/out" 2>"$W/err"
  rc=$?
  expect "$rc" 1 "a host that does not answer, then a ready one: exit 1"
  expect "$(field "$W/out" 'd["hosts"][0]["steps"][0]["status"], d["hosts"][0]["ok"], d["hosts"][1]["ok"], len(d["hosts"][1]["steps"])')" \
    "failed False True 9" "a host that does not answer: reach failed; the next host ran all its steps"
  expect "$(field "$W/out" 'd["hosts"][0]["host"] == "127.0.0.1:'"$CLOSED_PORT"'", d["hosts"][1]["host"] == "127.0.0.1:'"$SIM_PORT"'"')" \
    "True True" "two hosts: each named as given, port included"
  matches "$(field "$W/out" 'd["hosts"][0]["steps"][0]["reason"]')" "refused|connect" \
    "a host that does not answer: the reason says the connection failed"
  valid "$W/out" "two hosts, one down: the report is valid against the schema"
  sim_stop
else fail "server started (configured, two hosts)"; fi

# --- Ctrl-C while the service is awaited: the steps that ran are reported, exit 130 ---
if start service-stays-stopped; then
  "$NANOSH" bootstrap -a ntlm -u Administrator --port "$SIM_PORT" --smb-port "$CLOSED_PORT" \
    --docker-zip "$ZIP" --report "$W/cancel.json" 127.0.0.1 >"$W/out" 2>"$W/err" &
  pid=$!
  for i in $(seq 400); do           # at most 20 s
    grep -q '^127.0.0.1  docker-files ' "$W/out" && break
    sleep 0.05
  done
  sleep 0.5
  t0=$(date +%s)
  kill -INT "$pid"
  wait "$pid"; rc=$?
  expect "$rc" 130 "Ctrl-C: exit 130"
  check "Ctrl-C: it ended within 10 s of the signal" test $(( $(date +%s) - t0 )) -le 10
  matches "$(cat "$W/err")" "^nanosh: 127\.0\.0\.1: interrupted" "Ctrl-C: the line says interrupted"
  expect "$(status docker-files)" changed "Ctrl-C: the steps before it are on stdout"
  valid "$W/cancel.json" "Ctrl-C: the report is written, valid against the schema"
  expect "$(field "$W/cancel.json" 'd["ok"], d["hosts"][0]["error"] is not None, [s["name"] for s in d["hosts"][0]["steps"]][6]')" \
    "False True docker-files" "Ctrl-C: the report has the steps that ran and the host's error"
  sim_stop
else fail "server started (service-stays-stopped)"; fi

# --- a partly configured host, the files from --docker-dir ------------------------------
mkdir "$W/dir" && "$PY" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in ("docker.exe", "dockerd.exe"):
    open(sys.argv[2] + "/" + n, "wb").write(z.read("docker/" + n))' "$ZIP" "$W/dir" || fail "the stand-ins unpacked"
if start partial; then
  bs --docker-dir "$W/dir" 127.0.0.1
  expect "$rc" 0 "partial: exit 0"
  check "partial: dockerd.exe from --docker-dir in System32" same "$ZIP" dockerd.exe "$SIM_SANDBOX/Windows/System32/dockerd.exe"
  expect "$(status firewall) $(status trusted-hosts) $(status share) $(status docker-files)" \
    "ok ok changed changed" "partial: what was done is ok, the rest changed"
  sim_stop
else fail "server started (partial)"; fi

# A host already configured (its docker files in place): every step ok on the first run.
if start configured && sim_install_docker; then
  bs --docker-zip "$ZIP" 127.0.0.1
  expect "$rc $(statuses)" "0 $ALL_OK" "configured: every step ok, exit 0"
  sim_stop
else fail "server started (configured)"; fi

# Accounts: PasswordRequired off is set; a second administrator logs on and passes.
if start password-not-required; then
  bs --steps reach,admin-account 127.0.0.1
  expect "$rc $(status admin-account)" "0 changed" "PasswordRequired false: admin-account changed"
  matches "$(line admin-account)" "PasswordRequired" "PasswordRequired false: the reason says so"
  bs --steps reach,admin-account 127.0.0.1
  expect "$rc $(status admin-account)" "0 ok" "PasswordRequired false: ok on the next run"
  sim_stop
else fail "server started (password-not-required)"; fi
if start nonbuiltin-admin --account 'deploy:Depl0y-pw'; then
  NANOSH_PASSWORD=Depl0y-pw "$NANOSH" bootstrap -a ntlm -u deploy --port "$SIM_PORT" \
    --steps reach,admin-account 127.0.0.1 >"$W/out" 2>"$W/err"
  expect "$? $(status reach) $(status admin-account)" "0 ok ok" "a second administrator: reach and admin-account ok"
  sim_stop
else fail "server started (nonbuiltin-admin)"; fi

# --- failures, each with its message ------------------------------------------------
# failing PROFILE ZIP STEP PATTERN NAME [sim args...]: the step fails with the pattern in
# its line, the exit status is 1, and the fix reaches stderr.
failing() {
  local profile=$1 zip=$2 step=$3 pattern=$4 name=$5; shift 5
  if start "$profile" "$@"; then
    bs --docker-zip "$zip" --report "$W/fail.json" 127.0.0.1
    expect "$rc" 1 "$name: exit 1"
    expect "$(status "$step")" failed "$name: $step failed"
    matches "$(line "$step")" "$pattern" "$name: the reason says $pattern"
    matches "$(cat "$W/err")" "^nanosh: 127\.0\.0\.1: $step failed: " "$name: the fix on stderr"
    valid "$W/fail.json" "$name: the report is valid against the schema"
    sim_stop
  else fail "server started ($profile)"; fi
}
failing no-containers "$ZIP" host 'vmcompute' "no Containers feature"
expect "$(status docker-files) $(status trusted-hosts)" "skipped changed" \
  "no Containers: the docker steps skipped, the others still run"
failing old-ubr "$ZIP" host 'KB3176936' "UBR too old"
failing fresh "$NEW_ZIP" host '23\.0\.1' "engine 23.x in the zip"
failing firewall-broken "$ZIP" firewall 'netsh' "firewall cannot be enabled"
# On a terminal the fix is a second, indented line on stdout (script(1) gives a pty).
if command -v script >/dev/null 2>&1 && start firewall-broken; then
  script -qec "'$NANOSH' bootstrap -a ntlm -u Administrator --port $SIM_PORT --smb-port $CLOSED_PORT --docker-zip '$ZIP' 127.0.0.1 2>'$W/err'" /dev/null \
    | tr -d '\r' > "$W/out"
  matches "$(grep -A1 '^127.0.0.1  firewall       failed   ' "$W/out" | tail -1)" '^            fix: .+' \
    "terminal: the failed step's fix on the next line, indented"
  expect "$(grep -c 'fix:' "$W/out") $(wc -c < "$W/err")" "1 0" "terminal: one fix line, nothing on stderr"
  sim_stop
else skip "terminal: needs script(1)"; fi
failing service-wont-start "$ZIP" docker-service 'returned 8' "service will not start"
expect "$(status verify)" skipped "service will not start: verify skipped"
failing not-nano "$ZIP" host 'not Nano Server' "not a Nano host"

# Passwords: a wrong one is explained; a blank one is refused before any request.
if start fresh; then
  n0=$(grep -c 'POST /wsman' "$SIM_LOG")
  NANOSH_PASSWORD= bs --docker-zip "$ZIP" 127.0.0.1
  expect "$rc" 255 "blank password: exit 255"
  expect "$(cat "$W/err")" "nanosh: WinRM refuses network logons of blank-password accounts: set a password for Administrator first: give the account a password on the host (net user NAME * at its Recovery Console), then run bootstrap again" \
    "blank password: the one line says why"
  expect "$(grep -c 'POST /wsman' "$SIM_LOG")" "$n0" "blank password: no request reached the server"
  expect "$(wc -c < "$W/out")" 0 "blank password: no step line"
  NANOSH_PASSWORD=wrong bs --docker-zip "$ZIP" --json 127.0.0.1
  expect "$rc" 1 "wrong password: exit 1"
  expect "$(field "$W/out" 'd["hosts"][0]["steps"][0]["status"], d["hosts"][0]["steps"][1]["reason"]')" \
    "failed needs reach" "wrong password: reach failed, host skipped as needing it"
  matches "$(field "$W/out" 'd["hosts"][0]["steps"][0]["reason"]')" "refused the logon.*wrong password.*blank password" \
    "wrong password: the reason names a wrong or blank password"
  sim_stop
else fail "server started (fresh, passwords)"; fi

# --- a copy cut off midway, then a run that completes --------------------------------
if start fresh --fault-drop-after-stdin-bytes 1048576; then
  bs --docker-zip "$BIG_ZIP" 127.0.0.1
  expect "$rc" 1 "cut-off copy: exit 1"
  expect "$(status docker-files) $(status docker-service)" "failed skipped" "cut-off copy: docker-files failed, the service skipped"
  expect "$(sim_state_field 'bool(s.get("fault_stdin_drop"))')" True "cut-off copy: the server did drop the connection"
  for f in docker.exe dockerd.exe; do
    t=$SIM_SANDBOX/Windows/System32/$f
    # Absent, or whole if it was copied before the cut: never a part under its name.
    if [ -e "$t" ]; then check "cut-off copy: $f in System32 is whole" same "$BIG_ZIP" "$f" "$t"
    else ok "cut-off copy: no part of $f under its name in System32"; fi
  done
  bs --docker-zip "$BIG_ZIP" 127.0.0.1
  expect "$rc $(status docker-files) $(status verify)" "0 changed ok" "cut-off copy: the next run completes"
  check "cut-off copy: dockerd.exe whole after the rerun" same "$BIG_ZIP" dockerd.exe "$SIM_SANDBOX/Windows/System32/dockerd.exe"
  sim_stop
else fail "server started (fault)"; fi

# --- the docker files over SMB --------------------------------------------------------
# The test Samba has no ADMIN$, so the files go into the share of step 6 (Samba's "share"
# is the server's C:\) and are moved into System32 over WinRM. nanosh logs on to both as
# Samba's test user; that user is in no profile, so admin-account is left out.
if [ "$(id -u)" = 0 ] && command -v smbd >/dev/null 2>&1; then
  if SIM_UMASK=000 sim_start --ntlm --profile fresh --account "$SMB_USER:$SMB_PW"; then
    if SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start; then
      NANOSH_PASSWORD=$SMB_PW "$NANOSH" bootstrap -a ntlm -u "$SMB_USER" --port "$SIM_PORT" \
        --smb-port "$SMB_PORT" --docker-zip "$ZIP" --share-name share --share-path 'C:\' \
        --skip admin-account --json 127.0.0.1 >"$W/out" 2>"$W/err"
      rc=$?
      expect "$rc" 0 "SMB: exit 0"
      expect "$(field "$W/out" 'd["hosts"][0]["steps"][6]["status"]')" changed "SMB: docker-files changed"
      matches "$(field "$W/out" 'd["hosts"][0]["steps"][6]["reason"]')" "SMB share share, moved over WinRM" \
        "SMB: through the share, moved over WinRM"
      check "SMB: dockerd.exe whole in System32" same "$ZIP" dockerd.exe "$SIM_SANDBOX/Windows/System32/dockerd.exe"
      check "SMB: nothing left in the share" test ! -e "$SIM_SANDBOX/docker.exe"
      valid "$W/out" "SMB: --json valid against the schema"
      samba_stop
    else skip "SMB: smbd did not start"; fi
    sim_stop
  else fail "server started (SMB)"; fi
else skip "SMB: needs root and smbd"; fi

# --- usage errors: exit 255, one line, nothing sent ------------------------------------
if start fresh; then
  n0=$(grep -c 'POST /wsman' "$SIM_LOG")
  bs --steps reach,frobnicate 127.0.0.1
  expect "$rc $(wc -l < "$W/err")" "255 1" "usage: unknown step, exit 255, one line"
  matches "$(cat "$W/err")" "unknown step 'frobnicate' in --steps; the steps are reach, host, admin-account, trusted-hosts, firewall, share, docker-files, docker-service, verify" \
    "usage: the line lists the valid steps"
  bs 127.0.0.1
  expect "$rc" 255 "usage: no docker files, exit 255"
  matches "$(cat "$W/err")" "give --docker-zip FILE or --docker-dir DIR, or --skip docker-files" "usage: says how"
  bs --docker-zip "$W/missing.zip" 127.0.0.1
  matches "$rc $(cat "$W/err")" "^255 nanosh: cannot read --docker-zip .*missing.zip" "usage: a missing zip, exit 255"
  bs --docker-zip "$ZIP" --report "$W/no/such/dir/r.json" 127.0.0.1
  expect "$rc $(wc -c < "$W/out")" "255 0" "a --report in a missing directory: exit 255 before any step"
  matches "$(cat "$W/err")" "cannot write the report .*r.json: No such file" "a --report in a missing directory: says so"
  expect "$(grep -c 'POST /wsman' "$SIM_LOG")" "$n0" "usage errors: no request reached the server"
  # A report that cannot be written after the run (a directory where the file goes).
  mkdir "$W/taken.json"
  bs --docker-zip "$ZIP" --report "$W/taken.json" 127.0.0.1
  expect "$rc" 255 "a --report that cannot be written: exit 255 after the run"
  matches "$(cat "$W/err")" "cannot write the report .*taken.json" "a --report that cannot be written: says so"
  check "a --report that cannot be written: the steps' lines were printed" grep -q ' verify ' "$W/out"
  sim_stop
else fail "server started (usage)"; fi

rm -rf "$W"
tap_done
