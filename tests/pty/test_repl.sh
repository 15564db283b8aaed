#!/bin/bash
# The interactive shell in a real terminal, against the test server's stand-in
# powershell.exe (tests/server/powershell_standin.py runs the text with /bin/sh).
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
sim_start --https
tmp=$SIM_DIR/pty; mkdir -p "$tmp/state" "$tmp/home"
trap 'pty_stop; sim_stop' EXIT
mkdir -p "$SIM_SANDBOX/Users/admin/completeme-dir/inner"
mkdir -p "$SIM_SANDBOX/Users/admin/dir with space/inner" "$tmp/local dir"
: >"$SIM_SANDBOX/Users/admin/Bob’s report.docx"
: >"$tmp/local dir/up load.txt"

pty_start env LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" TERM=xterm \
  NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
  "127.0.0.1:$SIM_HTTPS_PORT"
PS_PROMPT='127\.0\.0\.1 PS C:\\Users\\admin> '
check "the prompt shows host, PS mode and the remote directory" pty_wait "$PS_PROMPT" 15

pty_type 'echo typed-$((6*7))'; pty_keys Enter
check "a typed command's output appears" pty_wait '^typed-42' 10

pty_type 'x=40'; pty_keys Enter
pty_type 'echo "x=$((x+2))"'; pty_keys Enter
check "state persists from one line to the next" pty_wait '^x=42' 10

pty_keys Up; pty_keys Enter
check "Up recalls the last line from history" pty_wait_count '^x=42' 2 10

pty_type 'ls /no/such/path'; pty_keys Enter
check "an error arrives as text" pty_wait 'No such file or directory' 10
check "no CLIXML reaches the terminal" bash -c "! tmux -L $PTY_SOCK capture-pane -p -t t -S -200 | grep -Eq 'CLIXML|<S S=|<Obj|_x000'"

pty_type 'echo "unicode: héllo ✓ 日本"'; pty_keys Enter
check "unicode output" pty_wait 'unicode: héllo ✓ 日本' 10

pty_type '{ echo block-one'; pty_keys Enter
check "an unfinished block continues at >>" pty_wait '^>> ' 10
pty_type 'echo block-two; }'; pty_keys Enter
check "the whole block runs" pty_wait '^block-two' 10

pty_type 'ls complet'; pty_keys Tab
check "Tab completes a remote directory" pty_wait 'ls completeme-dir\\' 10
pty_keys Tab Tab
check "the next level lists too" pty_wait 'ls completeme-dir\\inner\\' 10
pty_keys C-u
pty_type ':he'; pty_keys Tab
check "Tab completes meta-commands" pty_wait ':help ' 5
pty_keys Enter
check ":help lists the meta-commands" pty_wait ':put LOCAL REMOTE' 5

# Names that need quotes are quoted as PowerShell's completion does, quotes doubled, and
# Tab goes on inside an opened quote
pty_type 'ls dir'; pty_keys Tab
check "Tab quotes a directory with a space, leaving the quote open" pty_wait "ls 'dir with space\\\\ *$" 10
pty_keys Tab
check "Tab goes on inside the quote it opened" pty_wait "ls 'dir with space\\\\inner\\\\ *$" 10
pty_keys C-u
pty_type "ls 'dir w"; pty_keys Tab
check "Tab completes inside a quote the user opened" pty_wait "ls 'dir with space\\\\ *$" 10
pty_keys C-u
pty_type 'ls Bob'; pty_keys Tab
check "a quote character in a name is doubled, the literal closed" pty_wait "ls 'Bob’’s report\.docx' +$" 10
pty_keys C-u
pty_type ":put $tmp/loc"; pty_keys Tab
check ":put completes its first argument on this machine, quoted" pty_wait ":put \"$tmp/local dir/ *$" 10
pty_keys Tab
check ":put: the file inside, the quote closed" pty_wait ":put \"$tmp/local dir/up load\.txt\" +$" 10
pty_keys C-u
pty_type ":put -r $tmp/loc"; pty_keys Tab
check ":put -r completes its local argument too" pty_wait ":put -r \"$tmp/local dir/ *$" 10
pty_keys C-u

pty_type '!echo local-$((1+1))'; pty_keys Enter
check "!cmd runs locally" pty_wait '^local-2' 5

# Ctrl-C on a 30 s command: back at a (new) prompt within 2 s, nanosh still running
before=$(pty_count "$PS_PROMPT")
pty_type 'sleep 30'; pty_keys Enter
sleep 1
start=$(date +%s%N)
pty_keys C-c
if pty_wait_count "$PS_PROMPT" $((before + 1)) 5; then
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  check "Ctrl-C returns to the prompt within 2 s (${ms} ms)" [ "$ms" -lt 2000 ]
else
  check "Ctrl-C returns to the prompt" false
fi
check "the user is told PowerShell's state was lost" pty_wait 'state|stopped at Ctrl-C' 2
check "nanosh survived Ctrl-C" bash -c "! [ \"\$(tmux -L $PTY_SOCK display-message -p -t t '#{pane_dead}')\" = 1 ]"
pty_type 'echo "after=[$x]"'; pty_keys Enter
check "a new PowerShell runs the next line, without the old state" pty_wait '^after=\[\]' 10

# cmd.exe mode and back
pty_type ':cmd'; pty_keys Enter
check ":cmd switches to a cmd.exe prompt" pty_wait '127\.0\.0\.1 C:\\Users\\admin> ' 10
pty_type 'cd completeme-dir'; pty_keys Enter
check "cd in cmd mode moves the prompt" pty_wait '127\.0\.0\.1 C:\\Users\\admin\\completeme-dir> ' 10
pty_type 'dir /b'; pty_keys Enter
check "the next command runs in the new directory" pty_wait '^inner' 10
pty_type ':ps'; pty_keys Enter
check ":ps switches back, in the same directory" pty_wait '127\.0\.0\.1 PS C:\\Users\\admin\\completeme-dir> ' 10

# :put and :get, SHA-256 checked
head -c 150000 /dev/urandom >"$tmp/up.bin"
pty_type ":put $tmp/up.bin C:\\Users\\admin\\"; pty_keys Enter
check ":put reports the copy" pty_wait 'up.bin: 150000 bytes, SHA-256' 20
is ":put writes the same bytes" "$(sha256sum <"$SIM_SANDBOX/Users/admin/up.bin" 2>/dev/null)" "$(sha256sum <"$tmp/up.bin")"
mkdir -p "$tmp/down"
pty_type ":get C:\\Users\\admin\\up.bin $tmp/down"; pty_keys Enter
check ":get reports the copy" pty_wait "down/up.bin: 150000 bytes" 20
is ":get writes the same bytes" "$(sha256sum <"$tmp/down/up.bin" 2>/dev/null)" "$(sha256sum <"$tmp/up.bin")"

# Ctrl-D: nanosh leaves and the server keeps no shell
pty_keys C-d
for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
check "Ctrl-D ends nanosh" pty_dead
is "no shell is left open on the server" "$(sim_open_shells)" 0
hist="$tmp/state/nanosh/history.d/127.0.0.1:$SIM_HTTPS_PORT"
check "history is kept under XDG_STATE_HOME, per host" grep -q 'typed-' "$hist"
is "the history file is private" "$(stat -c %a "$hist")" 600
is "the history is rewritten by rename: no temporary file is left" \
  "$(ls -A "$tmp/state/nanosh/history.d")" "127.0.0.1:$SIM_HTTPS_PORT"

# A symlink planted at the history's name is not written through
pty_stop
mkdir -p "$tmp/state2/nanosh/history.d"; echo victim >"$tmp/hist-victim"
ln -s "$tmp/hist-victim" "$tmp/state2/nanosh/history.d/127.0.0.1:$SIM_HTTPS_PORT"
pty_start env LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state2" TERM=xterm \
  NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
  "127.0.0.1:$SIM_HTTPS_PORT"
check "a symlinked history: nanosh says it is not saved, and why" pty_wait 'history is not saved: .* is a symbolic link' 15
check "a symlinked history: the prompt comes" pty_wait "$PS_PROMPT" 15
pty_type 'echo second-session'; pty_keys Enter
check "a symlinked history: commands run" pty_wait '^second-session' 10
pty_keys C-d
for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
is "a symlinked history: the file it points to is intact" "$(cat "$tmp/hist-victim")" victim

pty_stop
sim_stop
tap_done
