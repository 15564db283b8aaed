# nanosh in a real pseudo-terminal: a private tmux server (its own socket, killed at the
# end), keys sent with send-keys, the screen read with capture-pane. Every wait is bounded.
# Source after tests/lib/tap.sh and tests/integration/common.sh.

command -v tmux >/dev/null || skip_all "tmux not installed"
PTY_SOCK=nanosh-pty-$$

pty() { tmux -L "$PTY_SOCK" -f /dev/null "$@"; }

# pty_start CMD...: runs CMD in a 200x50 UTF-8 terminal; the pane stays after CMD exits.
pty_start() {
  pty -u new-session -d -x 200 -y 50 -s t "$(printf '%q ' "$@")" || return 1
  pty set-option -t t remain-on-exit on >/dev/null
}
pty_stop() { pty kill-server 2>/dev/null; }
pty_screen() { pty capture-pane -p -J -t t -S -200; }
pty_keys() { pty send-keys -t t "$@"; }
pty_type() { pty send-keys -t t -l "$1"; }
pty_dead() { [ "$(pty display-message -p -t t '#{pane_dead}' 2>/dev/null)" = 1 ]; }

# pty_wait PATTERN [SECONDS]: until the screen matches the extended regex; 1 on timeout.
pty_wait() {
  local pattern=$1 limit=${2:-10} i
  for i in $(seq 1 $((limit * 20))); do
    pty_screen | grep -Eq -- "$pattern" && return 0
    sleep 0.05
  done
  return 1
}
# pty_count PATTERN: lines of the screen that match.
pty_count() { pty_screen | grep -Ec -- "$1"; }
# pty_wait_count PATTERN N [SECONDS]: until at least N lines match.
pty_wait_count() {
  local pattern=$1 n=$2 limit=${3:-10} i
  for i in $(seq 1 $((limit * 20))); do
    [ "$(pty_count "$pattern")" -ge "$n" ] && return 0
    sleep 0.05
  done
  return 1
}
