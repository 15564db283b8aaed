#!/bin/bash
# readline (and libtinfo) is loaded by the interactive shell only: nanosh does not link
# it, a one-shot does not map it, and a terminal without it still gets a line-by-line
# shell after one line saying why (shell/repl/rl_loader.c).
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
command -v readelf >/dev/null || skip_all "readelf not installed"
sim_start --https
trap 'pty_stop; sim_stop' EXIT
tmp=$SIM_DIR/rl; mkdir -p "$tmp/state" "$tmp/home"

needed=$(readelf -d "$NANOSH" | grep NEEDED)
check "nanosh has NEEDED entries to look at" grep -q 'libc\.so' <<<"$needed"
check "nanosh does not link libreadline or libtinfo" bash -c "! grep -Eq 'libreadline|libtinfo' <<<'$needed'"

# The loader's own record of what it mapped, so that no library drags readline in either.
out=$(LD_DEBUG=files nanosh_https -c 'echo one-shot' 2>"$tmp/ld.txt")
is "a one-shot runs" "$(printf '%s' "$out" | tr -d '\r')" one-shot
check "the loader's record lists libraries" grep -q 'file=libc\.so' "$tmp/ld.txt"
check "a one-shot maps neither libreadline nor libtinfo" \
  bash -c "! grep -Eq 'file=(libreadline|libtinfo)' '$tmp/ld.txt'"

# Without a loadable readline (an empty file bind-mounted over it, in a private mount
# namespace), a terminal gets the line-by-line shell.
lib=$(readlink -f "$(ldconfig -p | sed -n 's/.*libreadline\.so\.[0-9]* .*=> //p' | head -n 1)")
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
  skip "no libreadline found to hide"
elif ! unshare -rm sh -c "mount --bind /dev/null '$lib'" 2>/dev/null; then
  skip "cannot make a private mount namespace here (unshare -rm)"
else
  pty_start unshare -rm sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" \
    env LANG=C.UTF-8 HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" TERM=xterm \
    NANOSH_PASSWORD="$SIM_PASSWORD" "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
    "127.0.0.1:$SIM_HTTPS_PORT"
  check "without readline: one line says why and what to do" \
    pty_wait '^nanosh: cannot load libreadline\.so\.[0-9]+: .*reading lines without editing or history: install the libreadline' 15
  pty_type 'echo "fallback-$((6*7))"'; pty_keys Enter
  check "without readline: lines still run" pty_wait '^fallback-42' 15
  pty_keys C-d
  for i in $(seq 1 100); do pty_dead && break; sleep 0.1; done
  check "without readline: Ctrl-D ends nanosh" pty_dead
  is "without readline: no shell is left open on the server" "$(sim_open_shells)" 0
  check "without readline: no history file is written" bash -c "! [ -e '$tmp/state/nanosh/history' ]"
fi

pty_stop
sim_stop
tap_done
