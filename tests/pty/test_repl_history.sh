#!/bin/bash
# The interactive shell's history and transcript (issue 14, item 7) in a real terminal:
# one history file per host, bash's HISTCONTROL=ignoreboth, and --log FILE, whose
# transcript leaves out a line typed while a remote command ran.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
sim_start --https
tmp=$SIM_DIR/pty-hist; mkdir -p "$tmp/state/nanosh" "$tmp/home" "$tmp/cwd"
trap 'pty_stop; sim_stop' EXIT
HOST1=127.0.0.1:$SIM_HTTPS_PORT
HOST2=localhost:$SIM_HTTPS_PORT
HIST1=$tmp/state/nanosh/history.d/$HOST1
HIST2=$tmp/state/nanosh/history.d/$HOST2
LOG=$tmp/session.log

# start TARGET [OPTIONS...]: nanosh in the terminal, in $tmp/cwd.
start() {
  local target=$1; shift
  pty_start env -C "$tmp/cwd" LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" \
    TERM=xterm NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s \
    --cacert "$SIM_CA" "$@" "$target"
}
# leave: Ctrl-D, then waits (bounded) for nanosh to end.
leave() {
  pty_keys C-d
  for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
  check "Ctrl-D ends nanosh" pty_dead
  pty_stop
}
# last_line: the screen's last non-empty line (the prompt and what it shows).
last_line() { pty_screen | sed -e "s/ *$//" -e "/^$/d" | tail -n 1; }
# shows_at_prompt TEXT: the prompt line shows exactly TEXT after the prompt (bounded wait).
shows_at_prompt() {
  local want="$PS1_TEXT$1" i
  for i in $(seq 1 100); do [ "$(last_line)" = "$want" ] && return 0; sleep 0.05; done
  echo "# prompt line: [$(last_line)], wanted [$want]" >&2
  return 1
}

# Earlier versions kept one file for every host: a host's new file starts from it.
printf '#1700000000\necho from-the-old-file\n' >"$tmp/state/nanosh/history"

start "$HOST1" --log "$LOG"
PS1_TEXT='127.0.0.1 PS C:\Users\admin> '
check "the prompt comes" pty_wait '127\.0\.0\.1 PS C:\\Users\\admin> ' 15

pty_type 'echo zero'; pty_keys Enter
check "a line runs" pty_wait '^zero' 10
pty_type 'echo one-$((1))'; pty_keys Enter
pty_type 'echo one-$((1))'; pty_keys Enter
check "a repeated line runs again" pty_wait_count '^one-1' 2 10
pty_type ' echo private-$((2))'; pty_keys Enter
check "a line with a leading space runs" pty_wait '^private-2' 10

pty_keys Up
check "Up: the last line, not the one that started with a space" shows_at_prompt 'echo one-$((1))'
pty_keys Up
check "Up again: the line before, the repeat was not added" shows_at_prompt 'echo zero'
pty_keys Up
check "Up again: the old single file's entry" shows_at_prompt 'echo from-the-old-file'
pty_keys C-u

# A line typed while a remote command runs (as an answer to a Read-Host would be): it
# runs afterwards, as typed ahead (and so goes to the history, as in bash: a leading
# space keeps it out), but the transcript does not show it.
pty_type 'sleep 2; echo slept'; pty_keys Enter
sleep 0.7
pty_type 'x=SECRET_ANSWER_42'; pty_keys Enter
check "the remote command ends" pty_wait '^slept' 10
pty_type 'echo "answer-length-${#x}"'; pty_keys Enter
check "the line typed during the command ran after it" pty_wait '^answer-length-16' 10
pty_type 'echo to-stderr >&2'; pty_keys Enter
check "stderr output" pty_wait '^to-stderr' 10
pty_type '!test -t 1 && echo "local-on-a-terminal-$((5*5))"'; pty_keys Enter
check "a local command has the terminal" pty_wait '^local-on-a-terminal-25' 10
pty_type 'echo after-local'; pty_keys Enter
check "the output after a local command" pty_wait '^after-local' 10
leave

check "the host has its own history file" test -f "$HIST1"
is "the history file is private" "$(stat -c %a "$HIST1" 2>/dev/null)" 600
is "a repeated line is kept once" "$(grep -c '^echo one-' "$HIST1")" 1
check "a line starting with a space is not kept" bash -c "! grep -q private- '$HIST1'"
check "the old file's entries were carried over" grep -q from-the-old-file "$HIST1"
is "the old file is left as it was" "$(cat "$tmp/state/nanosh/history")" \
  "$(printf '#1700000000\necho from-the-old-file')"
is "no temporary file is left beside the history" "$(ls -A "$tmp/state/nanosh/history.d")" "$HOST1"

is "the transcript is private" "$(stat -c %a "$LOG" 2>/dev/null)" 600
check "the transcript starts with the session's host and date" \
  grep -Eq '^--- nanosh: session on 127\.0\.0\.1, [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$LOG"
check "the transcript has the prompt and the line typed" \
  grep -Fq "${PS1_TEXT}echo zero" "$LOG"
check "the transcript has the output" grep -q '^zero' "$LOG"
check "the transcript has stderr" grep -q '^to-stderr' "$LOG"
check "the transcript has the :help hint" grep -q ':help lists' "$LOG"
check "the transcript marks the line typed during the command" grep -Fq "[input not logged]" "$LOG"
check "the transcript does not hold that line" bash -c "! grep -q SECRET_ANSWER '$LOG'"
check "the transcript does not hold the password" bash -c "! grep -qF '$SIM_PASSWORD' '$LOG'"
check "the transcript holds no escape sequence of the line editor" bash -c "! grep -q $'\e' '$LOG'"
check "the transcript notes a local command" grep -Fq '[output of the local command not logged]' "$LOG"
check "the transcript does not hold a local command's output" bash -c "! grep -q local-on-a-terminal-25 '$LOG'"
check "the transcript copies again after a local command" grep -q '^after-local' "$LOG"
check "the transcript ends with the end of the session" grep -q '^--- nanosh: end of session' "$LOG"

# Another host (the same server by another name): its own file; --log appends.
start "$HOST2" --log "$LOG"
PS1_TEXT='localhost PS C:\Users\admin> '
check "the second host's prompt comes" pty_wait 'localhost PS C:\\Users\\admin> ' 15
pty_type 'echo other-host'; pty_keys Enter
check "the second host runs a line" pty_wait '^other-host' 10
pty_keys Up Up
check "Up on the second host: nothing of the first host's" shows_at_prompt 'echo from-the-old-file'
pty_keys C-u
leave
check "the second host has its own file" grep -q other-host "$HIST2"
check "the second host's file has nothing of the first's" bash -c "! grep -q 'echo zero' '$HIST2'"
check "the first host's file has nothing of the second's" bash -c "! grep -q other-host '$HIST1'"
is "--log appends a session to the file" "$(grep -c '^--- nanosh: session on' "$LOG")" 2
check "the second session names its host" grep -q '^--- nanosh: session on localhost,' "$LOG"

# A config file's alias: the file is named after the name as typed, not its HostName.
cat >"$tmp/config" <<CONF
Host nano-Alias
    HostName 127.0.0.1
    Port $SIM_HTTPS_PORT
    HTTPS yes
CONF
pty_start env -C "$tmp/cwd" LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" \
  TERM=xterm NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -F "$tmp/config" -a basic \
  -u "$SIM_USER" --cacert "$SIM_CA" nano-Alias
check "an alias: the prompt comes" pty_wait 'PS C:\\Users\\admin> ' 15
pty_type 'echo via-the-alias'; pty_keys Enter
check "an alias: a line runs" pty_wait '^via-the-alias' 10
leave
check "an alias: the history file has the name as typed, in lower case" \
  grep -q via-the-alias "$tmp/state/nanosh/history.d/nano-alias:$SIM_HTTPS_PORT"
check "an alias: the HostName's file does not get it" bash -c "! grep -q via-the-alias '$HIST1'"

# With -v the wire trace (on stderr) shows every line sent: stderr stays out of the file.
start "$HOST1" -v --log "$tmp/debug.log"
check "-v --log: the prompt comes" pty_wait '127\.0\.0\.1 PS C:\\Users\\admin> ' 15
pty_type 'echo "in-debug-$((3*3))"'; pty_keys Enter
# The wire trace after the output can be longer than pty_screen's 200 lines: look through
# the pane's whole history (tmux keeps 2000 lines), for at most 10 s.
in_history() {
  local i
  for i in $(seq 1 200); do
    pty capture-pane -p -J -t t -S - | grep -Eq -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
check "-v --log: a line runs" in_history '^in-debug-9'
leave
check "-v --log: the output is in the transcript" grep -q '^in-debug-9' "$tmp/debug.log"
check "-v --log: the wire trace is not" bash -c "! grep -Eq 'Envelope|POST /wsman' '$tmp/debug.log'"

# --log refuses a symbolic link and leaves its target alone, before any password prompt.
echo victim >"$tmp/victim"; ln -s "$tmp/victim" "$tmp/link.log"
out=$(NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
  --log "$tmp/link.log" "$HOST1" </dev/null 2>&1); rc=$?
is "--log on a symlink: exit status 255" "$rc" 255
check "--log on a symlink: says why" grep -q 'symbolic link' <<<"$out"
is "--log on a symlink: the target is intact" "$(cat "$tmp/victim")" victim

out=$(echo 'echo "piped-$((4*4))"' | NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic \
  -u "$SIM_USER" -s --cacert "$SIM_CA" --log "$tmp/piped.log" "$HOST1" 2>&1)
is "lines from a pipe run" "$(tr -d '\r' <<<"$out")" piped-16
check "without a terminal there is no :help hint" bash -c "! grep -q ':help lists' <<<'$out'"
check "--log with lines from a pipe: the line read" grep -Fxq '> echo "piped-$((4*4))"' "$tmp/piped.log"
check "--log with lines from a pipe: the output" grep -q '^piped-16' "$tmp/piped.log"

sim_stop
tap_done
