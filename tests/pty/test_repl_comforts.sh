#!/bin/bash
# The interactive shell's comforts (issue 14, item 9) in a real terminal: the :help hint
# at start, :quit in :help, :get REMOTE into the current directory, no "//" in printed
# paths, and no internal temporary name in an error.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
sim_start --https
tmp=$SIM_DIR/pty-comfort; mkdir -p "$tmp/state" "$tmp/home" "$tmp/cwd" "$tmp/down"
trap 'pty_stop; sim_stop' EXIT
mkdir -p "$SIM_SANDBOX/Users/admin/sub"
echo 'remote text' >"$SIM_SANDBOX/Users/admin/getme.txt"
echo 'in a sub directory' >"$SIM_SANDBOX/Users/admin/sub/other.txt"
mkdir -p "$SIM_SANDBOX/Users/admin/tree/deep" "$tmp/localtree/inner"
echo 'tree top' >"$SIM_SANDBOX/Users/admin/tree/top.txt"
echo 'tree deep' >"$SIM_SANDBOX/Users/admin/tree/deep/leaf.txt"
echo 'local inner' >"$tmp/localtree/inner/up.txt"

pty_start env -C "$tmp/cwd" LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" \
  TERM=xterm NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s \
  --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT"
PS_PROMPT='127\.0\.0\.1 PS C:\\Users\\admin> '
check "the prompt comes" pty_wait "$PS_PROMPT" 15
check "a one-line hint about :help comes first" pty_wait '^nanosh: :help lists nanosh' 2

pty_type ':help'; pty_keys Enter
check ":help lists :quit" pty_wait '^:exit, :quit' 5
check ":help lists :get -r" pty_wait '^:put -r, :get -r' 5
check ":help shows :get's optional local name" pty_wait '^:get REMOTE \[LOCAL\]' 5

pty_type ":get 'C:\\Users\\admin\\getme.txt'"; pty_keys Enter
check ":get REMOTE reports the copy" pty_wait 'getme\.txt -> getme\.txt: 12 bytes' 20
is ":get REMOTE lands in the current directory" "$(cat "$tmp/cwd/getme.txt" 2>/dev/null)" 'remote text'
pty_type ':get C:/Users/admin/sub/other.txt'; pty_keys Enter
check ":get takes '/' as a Windows separator too" pty_wait 'other\.txt -> other\.txt: 19 bytes' 20
is ":get with '/': the file is in the current directory" "$(cat "$tmp/cwd/other.txt" 2>/dev/null)" \
  'in a sub directory'
pty_type ':get C:\Users\admin\'; pty_keys Enter
check ":get of a directory path without a name asks for the local name" \
  pty_wait 'names no file; give the local name too' 5

pty_type ":get C:\\Users\\admin\\getme.txt $tmp/down//"; pty_keys Enter
check ":get into DIR//: reported" pty_wait 'down/getme\.txt: 12 bytes' 20
is ":get into DIR//: the file is there" "$(cat "$tmp/down/getme.txt" 2>/dev/null)" 'remote text'
pty_type ":put $tmp//cwd//getme.txt C:\\Users\\admin\\sub\\"; pty_keys Enter
check ":put of //-joined path: reported" pty_wait 'getme\.txt -> .*sub.*: 12 bytes' 20

# Errors: a local directory that is not there, a local file that is not there.
pty_type ":get C:\\Users\\admin\\getme.txt $tmp/no-such-dir/x.txt"; pty_keys Enter
check ":get into a missing directory: an error" pty_wait 'no-such-dir' 20
pty_type ":put $tmp/missing.txt C:\\Users\\admin\\"; pty_keys Enter
check ":put of a missing file: an error" pty_wait 'missing\.txt' 20
pty_type ':get -r tree'; pty_keys Enter
check ":get -r DIR reports the deep file" pty_wait 'leaf\.txt -> .*tree/deep/leaf\.txt: 10 bytes' 20
check ":get -r DIR reports the last file (name order)" pty_wait 'top\.txt -> .*tree/top\.txt: 9 bytes' 20
is ":get -r DIR: the tree is in the current directory" \
  "$(cat "$tmp/cwd/tree/top.txt" "$tmp/cwd/tree/deep/leaf.txt" 2>/dev/null)" "tree top
tree deep"
pty_type ":put -r $tmp/localtree C:\\Users\\admin\\upped\\"; pty_keys Enter
check ":put -r DIR REMOTE\\ reports the file" pty_wait 'up\.txt -> .*upped.*inner.*up\.txt: 12 bytes' 20
is ":put -r: the tree is on the host" \
  "$(cat "$SIM_SANDBOX/Users/admin/upped/localtree/inner/up.txt" 2>/dev/null)" 'local inner'
pty_type ':get C:\Users\admin\tree'; pty_keys Enter
check ":get of a directory without -r: the error names :get -r" pty_wait 'add -r.*|:get -r' 20
pty_type ":get C:\\Users\\admin\\not-there.txt $tmp/down/"; pty_keys Enter
check ":get of a missing remote file: an error" pty_wait 'not-there\.txt.*(not|no )' 20
sleep 0.5
pty_screen >"$tmp/screen"
sed -n '/no-such-dir/,$s/^/# /p' "$tmp/screen"
check "no printed path has '//'" bash -c "! grep -E '(->|nanosh:).*//' '$tmp/screen'"
check "no error shows a temporary name" bash -c "! grep -E 'nanosh:' '$tmp/screen' | grep -Eiq '\.part|nanosh-[0-9a-f]{6,}|\.tmp'"

pty_type ':quit'; pty_keys Enter
for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
check ":quit leaves" pty_dead
pty_stop
sim_stop
tap_done
