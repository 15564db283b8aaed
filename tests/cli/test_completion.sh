#!/bin/bash
# Bash completion (shell/cli/completion/nanosh), loaded in a non-interactive bash and
# called as bash calls it: COMP_WORDS and COMP_CWORD set, COMPREPLY read back. Options,
# subcommands, wsman operations, and host names from the config file's Host lines (-F
# FILE on the line, else the default file; no patterns).
. "$TOP_SRCDIR/tests/lib/tap.sh"
completion=$TOP_SRCDIR/shell/cli/completion/nanosh
command -v bash >/dev/null || skip_all "no bash"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-completion.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset XDG_CONFIG_HOME
mkdir -p "$HOME/.config/nanosh" "$tmp/xdg/nanosh" "$tmp/cwd"
cat >"$HOME/.config/nanosh/config" <<'EOF'
# the default file
Host nano01 nano02
  HostName 10.0.0.1
host=nano03
  HTTPS yes
Host nano* !nano99 *.corp web?? "quoted1"
  User admin
  HOST  nano04   # four
Host $(touch${IFS}pwned) `touch${IFS}pwned2`
EOF
cat >"$tmp/other.conf" <<'EOF'
Host lab1 lab2
Host lab[3]
EOF
printf 'Host xdghost\n' >"$tmp/xdg/nanosh/config"
# Files named like a pattern: a glob in a Host line must not turn into them.
touch "$tmp/cwd/nano-file"

# complete WORD...: the reply, sorted and space-separated, for the last word typed.
complete_line() {
  (cd "$tmp/cwd" && bash -c '
    source "$1" || exit 1
    shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _nanosh
    printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " " | sed "s/ $//"' _ "$completion" "$@")
}
# hosts WORD...: only the nano/lab/xdg names of the reply (bash may add its own hosts).
hosts() { complete_line "$@" | tr ' ' '\n' | grep -E '^([a-z]+@)?(nano|lab|xdg|quoted|web)' | tr '\n' ' ' | sed 's/ $//'; }

is "loads and registers" "$(bash -c 'source "$1" && complete -p nanosh' _ "$completion")" \
  "complete -F _nanosh nanosh"
is "long options: --no-" "$(complete_line nanosh --no-)" "--no-config --no-https --no-profile"
is "long options: --con" "$(complete_line nanosh --con)" "--config --connect-timeout"
is "subcommands and hosts: w" "$(complete_line nanosh w | tr ' ' '\n' | grep -x wsman)" "wsman"
is "subcommands: b" "$(complete_line nanosh bo | tr ' ' '\n' | grep -x bootstrap)" "bootstrap"
is "subcommands: r" "$(complete_line nanosh rep | tr ' ' '\n' | grep -x report)" "report"
is "report merge" "$(complete_line nanosh report m)" "merge"
is "wsman operations" "$(complete_line nanosh wsman nano01 '')" "enumerate get identify invoke put"
is "wsman operations after options" "$(complete_line nanosh wsman -s --port 5986 nano01 i)" \
  "identify invoke"
is "-a values" "$(complete_line nanosh -a n)" "negotiate ntlm"

is "config hosts: the names of the default file" "$(hosts nanosh nano)" \
  "nano01 nano02 nano03 nano04"
is "config hosts: a quoted name" "$(hosts nanosh quo)" "quoted1"
is "config hosts: no pattern, no glob of the files here" \
  "$(complete_line nanosh nano | tr ' ' '\n' | grep -c -e 'nano\*' -e '!nano' -e 'nano-file')" 0
is "config hosts: nothing run from the file" "$(ls "$tmp/cwd")" "nano-file"
is "config hosts: with user@" "$(hosts nanosh admin@nano0)" \
  "admin@nano01 admin@nano02 admin@nano03 admin@nano04"
is "config hosts after options" "$(hosts nanosh -s --port 5986 nano0)" \
  "nano01 nano02 nano03 nano04"
is "-F FILE on the line" "$(hosts nanosh -F "$tmp/other.conf" '')" "lab1 lab2"
is "--config FILE after the word being completed" \
  "$(bash -c 'source "$1"; COMP_WORDS=(nanosh l --config "$2"); COMP_CWORD=1; _nanosh; echo "${COMPREPLY[*]}"' _ "$completion" "$tmp/other.conf" | tr ' ' '\n' | grep '^lab' | tr '\n' ' ')" \
  "lab1 lab2 "
is "--config=FILE (split at =)" "$(hosts nanosh --config = "$tmp/other.conf" la)" "lab1 lab2"
is "-F with a missing file: no hosts" "$(hosts nanosh -F "$tmp/none.conf" '')" ""
is "--no-config: no hosts from a file" "$(hosts nanosh --no-config nano)" ""
is "XDG_CONFIG_HOME" "$(XDG_CONFIG_HOME=$tmp/xdg hosts nanosh x)" "xdghost"
is "push: a config host first" "$(hosts nanosh push nano03)" "nano03"
is "bootstrap: every word a host" "$(hosts nanosh bootstrap nano01 nano0)" \
  "nano01 nano02 nano03 nano04"
is "wsman: a config host" "$(hosts nanosh wsman nano04)" "nano04"
is "-F value: files" "$(cd "$tmp" && bash -c 'source "$1"; COMP_WORDS=(nanosh -F oth); COMP_CWORD=2; _nanosh; echo "${COMPREPLY[*]}"' _ "$completion")" \
  "other.conf"
is "--env takes a value: the next word is the host" "$(hosts nanosh --env A=1 nano04)" "nano04"
is "--env A=1 host: the operation after wsman" "$(complete_line nanosh wsman --env A=1 nano01 g)" "get"

tap_done
