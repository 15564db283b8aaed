#!/bin/bash
# nanosh pull -r end to end: a remote tree (nested directories, an empty one, a leading
# dot, a space, ’, non-ASCII, 0 bytes and 1 MiB + 1) over WinRM (snippet 15 lists it)
# and over SMB (a private smbd whose share is the test server's C:\), then the same
# again (unchanged), a directory the account cannot read (the other files still come,
# exit 255, one line naming it), a remote file with -r, and the errors: no such source,
# a local target that is a file or missing without '/', a directory without -r.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
PY=${PYTHON3:-python3}

. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-pullr.XXXXXX")
cleanup() { samba_stop; sim_stop; rm -rf "$W"; }
printf '%s:%s\n' "$SMB_USER" "$SMB_PW" > "$W/accounts"
SIM_UMASK=000 sim_start --ntlm --accounts "$W/accounts" --deny-path 'C:\Mixed\locked' ||
  { echo "1..1"; echo "not ok 1 - test server started"; exit 1; }
trap cleanup EXIT
export NANOSH_PASSWORD=$SMB_PW
C=(--port "$SIM_PORT" -a ntlm -u "$SMB_USER")

run() { "$NANOSH" "$@" >"$W/out" 2>"$W/err"; rc=$?; }
lines() { if [ -s "$1" ]; then wc -l < "$1"; else echo 0; fi; }
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$W/out"; }
# files DIR: every regular file below DIR, relative, sorted, with its SHA-256
files() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum); }

# The tree on the host (the test server's C:\ is $SIM_SANDBOX).
uni=$(printf 'r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.txt')
quote=$(printf 'Bob\xe2\x80\x99s report.txt')
T=$SIM_SANDBOX/Logs
mkdir -p "$T/empty" "$T/sub/deeper"
echo top > "$T/a.txt"
: > "$T/zero"
echo dot > "$T/.hidden"
echo space > "$T/sp ace.txt"
echo quote > "$T/$quote"
head -c 1048577 /dev/urandom > "$T/sub/b.bin"
echo deep > "$T/sub/deeper/$uni"
mkdir -p "$SIM_SANDBOX/Mixed/open" "$SIM_SANDBOX/Mixed/locked"
echo fine > "$SIM_SANDBOX/Mixed/open/fine.txt"
echo secret > "$SIM_SANDBOX/Mixed/locked/secret.txt"
echo top > "$SIM_SANDBOX/Mixed/top.txt"

# --- WinRM ------------------------------------------------------------------------------
run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\Logs' "$W/w/"
is "winrm: pull -r exits 0" "$rc" 0
is "winrm: nothing printed when not a terminal" "$(lines "$W/out")$(lines "$W/err")" 00
is "winrm: every file arrived intact, names and all" "$(files "$W/w/Logs")" "$(files "$T")"
check "winrm: the empty directory is not made (as push -r makes none)" test ! -e "$W/w/Logs/empty"
check "winrm: no partial file left" sh -c "! find '$W/w' -name '*.part' | grep -q ."

run pull -r --via winrm --json "${C[@]}" 127.0.0.1 'C:\Logs\' "$W/w"
is "winrm: again, the target as an existing directory: exit 0" "$rc" 0
is "winrm: again: every file unchanged" \
  "$(json '" ".join(sorted(set(f["status"] for f in d["files"]))), len(d["files"])')" "unchanged 7"

run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\Logs\sub\b.bin' "$W/w1/"
is "winrm: -r of a file: exit 0" "$rc" 0
check "winrm: -r of a file: it arrived inside the target" cmp -s "$T/sub/b.bin" "$W/w1/b.bin"
run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\Logs\a.txt' "$W/renamed.txt"
is "winrm: -r of a file to a new name (as scp -r): exit 0" "$rc" 0
check "winrm: -r of a file to a new name: it arrived under that name" cmp -s "$T/a.txt" "$W/renamed.txt"

run pull -r --via winrm --json "${C[@]}" 127.0.0.1 'C:\Mixed' "$W/m/"
is "winrm: a directory that cannot be read: exit 255 (as any failed file)" "$rc" 255
is "winrm: the readable files arrived" "$(files "$W/m/Mixed")" "$(cd "$SIM_SANDBOX/Mixed" &&
  printf '%s\n' ./open/fine.txt ./top.txt | xargs sha256sum)"
like "winrm: one line names the directory and the host's reason" "$(cat "$W/err")" \
  "cannot list C:\\\\Mixed\\\\locked: .*denied.*check the account's rights"
is "winrm: --json: one failed entry, kind denied" \
  "$(json '[(f["status"], f["error"]["kind"]) for f in d["files"] if f["status"] == "failed"]')" \
  "[('failed', 'denied')]"
check "winrm: nothing of the locked directory locally" test ! -e "$W/m/Mixed/locked"

run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\NoSuch' "$W/n/"
is "winrm: a missing source: exit 255" "$rc" 255
like "winrm: a missing source: the line says so" "$(cat "$W/err")" "C:\\\\NoSuch does not exist"
: > "$W/afile"
run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\Logs' "$W/afile"
is "a local target that is a file: exit 255" "$rc:$(lines "$W/err")" 255:1
like "a local target that is a file: the line says -r needs a directory" "$(cat "$W/err")" \
  "is a file; -r needs a directory"
run pull -r --via winrm "${C[@]}" 127.0.0.1 'C:\Logs' "$W/missing"
like "a missing local target without '/': refused, with the fix" "$rc:$(cat "$W/err")" \
  "^255:.*does not exist; -r needs a directory: end it with '/'"
check "a refused local target: nothing made" test ! -e "$W/missing"
run pull --via winrm "${C[@]}" 127.0.0.1 'C:\Logs\' "$W/"
like "a directory without -r: refused, naming -r" "$rc:$(cat "$W/err")" "^255:.*add -r"

# --- SMB --------------------------------------------------------------------------------
if ! command -v smbd >/dev/null || [ "$(id -u)" != 0 ]; then
  skip "SMB part: smbd missing or not root"
  tap_done; exit
fi
SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start
[ -n "${SMB_PORT:-}" ] || { fail "smbd started"; tap_done; exit; }
S=(--smb-port "$SMB_PORT")
before=$(sim_state_field 's["http_requests"]')
run pull -r --via smb "${S[@]}" "${C[@]}" 127.0.0.1 'C:\Logs' "$W/s/"
is "smb: pull -r exits 0" "$rc" 0
is "smb: --via smb sends nothing over WinRM" "$(sim_state_field 's["http_requests"]')" "$before"
is "smb: every file arrived intact, names and all" "$(files "$W/s/Logs")" "$(files "$T")"
run pull -r --json "${S[@]}" "${C[@]}" 127.0.0.1 'C:\Logs\sub' "$W/a/"
is "auto: pull -r exits 0" "$rc" 0
is "auto: SMB carried it, no fallback" "$(json 'd["transport"], d["fallback"]')" "smb None"
is "auto: the subtree arrived intact" "$(files "$W/a/sub")" "$(files "$T/sub")"
tap_done
