#!/bin/bash
# The life of the persistent PowerShell's remote shell, end to end against the test
# server's stand-in powershell.exe: its IdleTimeOut, a new shell after the old one is
# gone, no shell kept when PowerShell cannot start, and bounded memory against a host
# that floods its answers.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"

# nanosh_rss FILE [opts]: nanosh_https's nanosh, its peak RSS in KiB written to FILE.
# AddressSanitizer's quarantine of freed memory would count as use: it is turned off.
nanosh_rss() {
  local f=$1; shift
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
  NANOSH_PASSWORD=$SIM_PASSWORD "$PYTHON3" -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$f" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" --timeout 120 "$@" \
    "127.0.0.1:$SIM_HTTPS_PORT"
}
# wait_state EXPR [SECONDS]: until the state file's EXPR (see sim_state_field) is True.
wait_state() {
  local i
  for i in $(seq 1 $((${2:-10} * 10))); do
    [ "$(sim_state_field "$1" 2>/dev/null)" = True ] && return 0
    sleep 0.1
  done
  return 1
}
RUNNING='any(c["state"] == "Running" for sh in s["shells"] for c in sh["commands"])'

# --- a host without PowerShell: its shell is deleted at once, not kept for the session
export NANOSH_STANDIN_HOOK=no-powershell
sim_start --https
unset NANOSH_STANDIN_HOOK
tmp=$SIM_DIR/ps; mkdir -p "$tmp"
printf 'sleep 3\necho cmd-mode\n' | nanosh_https >"$tmp/o" 2>"$tmp/e" &
pid=$!
check "no PowerShell: only cmd.exe's shell stays open" wait_state "len(s[\"shells\"]) == 1 and $RUNNING" 20
is "a script's shell asks for a 900 s IdleTimeOut" "$(sim_state_field 's["shells"][0]["idle_timeout"]')" 900.0
wait $pid; rc=$?
is "no PowerShell: exit status" "$rc" 0
like "no PowerShell: says so" "$(cat "$tmp/e")" 'PowerShell did not start'
like "no PowerShell: cmd.exe ran the lines" "$(tr -d '\r' <"$tmp/o")" 'cmd-mode'
is "no shell is left open on the server" "$(sim_open_shells)" 0
sim_stop

# --- memory stays bounded when the host floods what nanosh collects
sim_start --https
tmp=$SIM_DIR/ps; mkdir -p "$tmp"
nanosh_rss "$tmp/rss" -n -c 'echo baseline' >/dev/null
base=$(cat "$tmp/rss")
# output that streams to the terminal is never collected: a 20 MB line without a newline
echo 'head -c 20000000 /dev/zero | tr "\0" x; echo; echo after-flood' |
  nanosh_rss "$tmp/rss" >"$tmp/o" 2>"$tmp/e"; rc=$?
is "a 20 MB line streams through: exit status" "$rc" 0
is "a 20 MB line streams through: all of it" "$(tr -cd x <"$tmp/o" | wc -c | tr -d ' ')" 20000000
like "a 20 MB line streams through: and what follows" "$(tail -c 100 "$tmp/o")" after-flood
rss=$(cat "$tmp/rss")
check "a 20 MB line streams through in bounded memory (peak $rss KiB, $base KiB for a -c run)" \
  [ "$rss" -lt $((base + 16384)) ]
sim_stop

for hook in flood-output flood-marker; do
  export NANOSH_STANDIN_HOOK=$hook
  sim_start --https
  unset NANOSH_STANDIN_HOOK
  tmp=$SIM_DIR/ps; mkdir -p "$tmp"
  echo 'echo hi' | nanosh_rss "$tmp/rss" >"$tmp/o" 2>"$tmp/e"; rc=$?
  rss=$(cat "$tmp/rss")
  is "$hook: exit status 255" "$rc" 255
  if [ $hook = flood-output ]; then
    like "$hook: names the limit" "$(cat "$tmp/e")" \
      '^nanosh: PowerShell answered a request of nanosh.s with more than 1024 KiB of output \(the limit\)'
  else
    like "$hook: names the limit" "$(cat "$tmp/e")" \
      '^nanosh: PowerShell sent an end-of-output marker line longer than 128 KiB \(the limit\)'
  fi
  is "$hook: one line" "$(wc -l <"$tmp/e" | tr -d ' ')" 1
  check "$hook: 32 MiB from the host, bounded memory (peak $rss KiB, $base KiB for a -c run)" \
    [ "$rss" -lt $((base + 16384)) ]
  is "$hook: no shell is left open on the server" "$(sim_open_shells)" 0
  sim_stop
done

# --- the interactive shell: a person's IdleTimeOut, and a new shell once the old is gone
sim_start --https
tmp=$SIM_DIR/ps; mkdir -p "$tmp/state" "$tmp/home"
trap 'pty_stop; sim_stop' EXIT
PS_PROMPT='127\.0\.0\.1 PS C:\\Users\\admin> '
start_pty() {
  pty_start env LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" TERM=xterm \
    NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
    "$@" "127.0.0.1:$SIM_HTTPS_PORT"
}
start_pty
check "interactive: the prompt appears" pty_wait "$PS_PROMPT" 15
is "interactive: both shells ask for Windows' 7200 s IdleTimeOut" \
  "$(sim_state_field 'sorted(set(sh["idle_timeout"] for sh in s["shells"]))')" "[7200.0]"
pty_keys C-d
for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
pty_stop

start_pty --idle-timeout 3
check "--idle-timeout 3: the prompt appears" pty_wait "$PS_PROMPT" 15
is "--idle-timeout 3 is sent" "$(sim_state_field 'sorted(set(sh["idle_timeout"] for sh in s["shells"]))')" "[3.0]"
pty_type 'x=41'; pty_keys Enter
pty_type 'echo "x=$x"'; pty_keys Enter
check "state persists before the shell is lost" pty_wait '^x=41' 10
check "the server drops the idle shells" wait_state 'len(s["shells"]) == 0' 15
pty_type 'echo "first=[$x]"'; pty_keys Enter
check "the first line after that fails: the shell is gone" pty_wait 'InvalidSelectors|no longer exists' 10
creates=$(sim_state_field 's["wsman_actions"]["Create"]')
pty_type 'echo "second=[$x]"'; pty_keys Enter
check "the next line runs in a new shell and PowerShell" pty_wait '^second=\[\]' 10
check "... and says the old state is lost" pty_wait 'new remote shell and PowerShell, without the variables' 2
is "... after one new shell Create" "$(( $(sim_state_field 's["wsman_actions"]["Create"]') - creates ))" 1
# cmd.exe mode too: a new shell for the next command once its shell is gone
pty_type ':cmd'; pty_keys Enter
check ":cmd after that" pty_wait '127\.0\.0\.1 C:\\Users\\admin> ' 10
check "the server drops the idle shells again" wait_state 'len(s["shells"]) == 0' 15
pty_type 'echo cmd-first'; pty_keys Enter
check "cmd mode: the first line after that fails" pty_wait_count 'InvalidSelectors|no longer exists' 2 10
pty_type 'echo cmd-second'; pty_keys Enter
check "cmd mode: the next line runs in a new shell" pty_wait '^cmd-second' 10
pty_keys C-d
for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
check "Ctrl-D ends nanosh" pty_dead
pty_stop
sim_stop
tap_done
