#!/bin/bash
# nanosh push and pull end to end (issue 11): --via winrm against the test server,
# --via smb and auto against a private smbd (tests/lib/samba.sh) whose share is the test
# server's C:\ when samba.sh can do that, auto falling back when SMB cannot be reached,
# sizes 0, 1, 1 MiB + 1 and 64 MiB, several files, -r with a Unicode name, an existing
# target with and without --force, unchanged targets, --json, argument errors, exit
# statuses, and silence (errors only) when stdout and stderr are not terminals.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
PY=${PYTHON3:-python3}

. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-pushcli.XXXXXX")
cleanup() { samba_stop; sim_stop; rm -rf "$W"; }

# The test server takes the Samba test user as well, so one user and password serve SMB
# and WinRM, as on a Windows host (sim_start passes --accounts on; the last one wins).
printf '%s:%s\n%s:%s\n' admin Secr3t-pass "$SMB_USER" "$SMB_PW" > "$W/accounts"
SIM_UMASK=000 sim_start --ntlm --accounts "$W/accounts" --deny-path 'C:\Denied' || { echo "1..1"; echo "not ok 1 - test server started"; exit 1; }
trap cleanup EXIT
export NANOSH_PASSWORD=$SMB_PW
CLOSED_PORT=$(samba_free_port)
C=(--port "$SIM_PORT" -a ntlm -u "$SMB_USER")

# expect GOT WANT NAME, matches TEXT PATTERN NAME: tap.sh's is and like, name last.
expect() { is "$3" "$1" "$2"; }
matches() { like "$3" "$1" "$2"; }
# Runs nanosh with stdout and stderr in files (not terminals); status in $rc.
run() { "$NANOSH" "$@" >"$W/out" 2>"$W/err"; rc=$?; }
lines() { if [ -s "$1" ]; then wc -l < "$1"; else echo 0; fi; }
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$W/out"; }

mkdir -p "$W/src" "$W/back"
: > "$W/src/zero"
printf 'x' > "$W/src/one"
head -c 1048577 /dev/urandom > "$W/src/mib1"
head -c 67108864 /dev/urandom > "$W/src/mib64"
uni=$(printf 'r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.txt')
udir=$(printf 'd\xc3\xa9j\xc3\xa0')
mkdir -p "$W/tree/sub/$udir"
echo top > "$W/tree/top.txt"
echo deep > "$W/tree/sub/$udir/$uni"

# --- WinRM -------------------------------------------------------------------------
run push --via winrm "${C[@]}" 127.0.0.1 "$W/src/zero" "$W/src/one" "$W/src/mib1" \
    "$W/src/mib64" 'C:\Temp\w\'
expect "$rc" 0 "winrm: four files into a new directory exit 0"
for f in zero one mib1 mib64; do
  check "winrm: $f arrived intact" cmp -s "$W/src/$f" "$SIM_SANDBOX/Temp/w/$f"
done
expect "$(lines "$W/out")$(lines "$W/err")" 00 "winrm: nothing printed when not a terminal"
check "winrm: no partial file left" sh -c "! ls '$SIM_SANDBOX/Temp/w' | grep -q part"

run push --via winrm --json "${C[@]}" 127.0.0.1 "$W/src/zero" "$W/src/one" "$W/src/mib1" 'C:\Temp\w'
expect "$rc" 0 "winrm: the same files again exit 0"
expect "$(json '",".join(f["status"] for f in d["files"])')" "unchanged,unchanged,unchanged" \
  "winrm: --json says unchanged for each"
expect "$(json 'd["totals"]["unchanged"], d["totals"]["moved"], d["status"], d["transport"]')" \
  "3 0 ok winrm" "winrm: --json totals: 3 unchanged, nothing moved"
expect "$(json 'd["files"][2]["sha256"]')" "$(sha256sum "$W/src/mib1" | cut -c1-64 | tr a-f A-F)" \
  "winrm: --json gives the SHA-256"
expect "$(json 'd["files"][1]["remote"]')" 'C:\Temp\w\one' "winrm: --json remote path"
expect "$(lines "$W/err")" 0 "winrm: --json prints no stderr"

echo other > "$W/one"
run push --via winrm --json "${C[@]}" 127.0.0.1 "$W/one" 'C:\Temp\w\one'
expect "$rc" 255 "winrm: an existing target with other bytes exits 255"
matches "$(cat "$W/err")" "--force" "winrm: the error names --force"
expect "$(json 'd["files"][0]["status"], d["files"][0]["error"]["kind"], d["status"]')" \
  "failed exists failed" "winrm: --json says failed, kind exists"
check "winrm: the target was left alone" cmp -s "$W/src/one" "$SIM_SANDBOX/Temp/w/one"
run push --via winrm --force "${C[@]}" 127.0.0.1 "$W/one" 'C:\Temp\w\one'
expect "$rc" 0 "winrm: --force replaces it"
check "winrm: the target holds the new bytes" cmp -s "$W/one" "$SIM_SANDBOX/Temp/w/one"

run push --via winrm -r "${C[@]}" 127.0.0.1 "$W/tree" 'C:\Temp\r\'
expect "$rc" 0 "winrm: -r of a tree with Unicode names exits 0"
check "winrm: -r copied the deep Unicode file" \
  cmp -s "$W/tree/sub/$udir/$uni" "$SIM_SANDBOX/Temp/r/tree/sub/$udir/$uni"
check "winrm: -r copied the top file" cmp -s "$W/tree/top.txt" "$SIM_SANDBOX/Temp/r/tree/top.txt"

run push --via winrm "${C[@]}" 127.0.0.1 "$W/tree" 'C:\Temp\r\'
expect "$rc" 255 "winrm: a directory without -r exits 255"
expect "$(lines "$W/out")$(lines "$W/err")" 01 "winrm: only the error line"
run push --via winrm "${C[@]}" 127.0.0.1 "$W/tree" "$W/src/one" 'C:\Temp\r\'
expect "$rc$(lines "$W/out")$(lines "$W/err")" 25502 \
  "winrm: one of two failing: its line and the count, exit 255"
matches "$(tail -1 "$W/err")" "1 of 2 files failed" "  the count says 1 of 2"
matches "$(cat "$W/err")" "add -r" "winrm: and says to add -r"
run push --via winrm "${C[@]}" 127.0.0.1 "$W/src/one" "$W/src/zero" 'C:\Temp\nodir'
expect "$rc" 255 "winrm: several files to a missing non-directory exit 255"
matches "$(cat "$W/err")" "need a directory" "winrm: and say a directory is needed"
expect "$(lines "$W/err")" 1 "winrm: in one line"
run push --via winrm "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Temp\r'
expect "$rc" 0 "winrm: one file to an existing directory without '\\' exits 0"
check "winrm: it went inside under its name" cmp -s "$W/src/one" "$SIM_SANDBOX/Temp/r/one"

run pull --via winrm "${C[@]}" 127.0.0.1 'C:\Temp\w\mib1' "$W/back/"
expect "$rc" 0 "winrm: pull into a directory exits 0"
check "winrm: pulled intact" cmp -s "$W/src/mib1" "$W/back/mib1"
run pull --via winrm "${C[@]}" 127.0.0.1 "C:\\Temp\\r\\tree\\sub\\$udir\\$uni" "$W/back/u.txt"
expect "$rc" 0 "winrm: pull of a Unicode name to a file name exits 0"
check "winrm: Unicode file pulled intact" cmp -s "$W/tree/sub/$udir/$uni" "$W/back/u.txt"
expect "$(lines "$W/out")$(lines "$W/err")" 00 "winrm: pull prints nothing when not a terminal"
run pull --via winrm "${C[@]}" 127.0.0.1 'C:\Temp\w\one' "$W/back/u.txt"
expect "$rc" 255 "winrm: pull over an existing local file with other bytes exits 255"
matches "$(cat "$W/err")" "--force" "  naming --force"
run pull --via winrm --force "${C[@]}" 127.0.0.1 'C:\Temp\w\one' "$W/back/u.txt"
expect "$rc" 0 "winrm: pull --force replaces it"
check "winrm: the local file holds the host's bytes" cmp -s "$SIM_SANDBOX/Temp/w/one" "$W/back/u.txt"

# A name Windows cannot hold fails alone; the rest of the tree is copied.
mkdir -p "$W/odd"
echo a > "$W/odd/fine.txt"
echo b > "$W/odd/bad:name.txt"
run push --via winrm -r "${C[@]}" 127.0.0.1 "$W/odd" 'C:\Temp\odd\'
expect "$rc" 255 "winrm: a name with ':' makes the run exit 255"
matches "$(head -1 "$W/err")" "bad:name.txt.*cannot hold ':'" "  its line says why"
check "  and the other file was copied" cmp -s "$W/odd/fine.txt" "$SIM_SANDBOX/Temp/odd/odd/fine.txt"

run push --via winrm --json "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Denied\'
expect "$rc" 255 "winrm: an access-denied target exits 255"
expect "$(json 'd["files"][0]["error"]["kind"]')" denied "winrm: --json kind denied"
matches "$(cat "$W/err")" "nanosh: .*[Dd]enied" "winrm: the line says access is denied"

run push --via winrm --streams 4 --force "${C[@]}" 127.0.0.1 "$W/src/mib1" 'C:\Temp\st\'
expect "$rc" 0 "winrm: --streams 4 exits 0"
check "winrm: --streams 4 copy intact" cmp -s "$W/src/mib1" "$SIM_SANDBOX/Temp/st/mib1"
run push --via winrm "${C[@]}" 127.0.0.1 "$W/src/one" 'Temp\rel'
expect "$rc$(lines "$W/err")" 2551 "winrm: a relative remote path is refused in one line"
matches "$(cat "$W/err")" "not absolute" "  saying it is not absolute"

# Ctrl-C: the copy stops, the partial copy stays (never under the target's name), the
# line says to use --resume, and --resume completes it.
"$NANOSH" push --via winrm "${C[@]}" 127.0.0.1 "$W/src/mib64" 'C:\Temp\cc\' >"$W/out" 2>"$W/err" &
pid=$!
for i in $(seq 300); do
  ls "$SIM_SANDBOX/Temp/cc" 2>/dev/null | grep -q '\.part$' && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"; rc=$?
if [ -f "$SIM_SANDBOX/Temp/cc/mib64" ] && [ "$rc" = 0 ]; then
  skip "Ctrl-C: the copy finished before the signal"
else
  expect "$rc" 130 "Ctrl-C: exit status 130"
  matches "$(cat "$W/err")" "interrupted.*--resume" "Ctrl-C: the line says to use --resume"
  check "Ctrl-C: no file under the target's name" test ! -e "$SIM_SANDBOX/Temp/cc/mib64"
  check "Ctrl-C: the partial copy is kept" sh -c "ls '$SIM_SANDBOX/Temp/cc' | grep -q part"
fi
run push --via winrm --resume --json "${C[@]}" 127.0.0.1 "$W/src/mib64" 'C:\Temp\cc\'
expect "$rc" 0 "--resume completes it"
check "--resume: the file is intact" cmp -s "$W/src/mib64" "$SIM_SANDBOX/Temp/cc/mib64"
check "--resume: no partial copy is left" sh -c "! ls '$SIM_SANDBOX/Temp/cc' | grep -q part"

# On a terminal: the progress lines, redrawn at most about ten times a second.
cat > "$W/on_tty.py" <<'PY'
import os, pty, signal, subprocess, sys, time
signal.alarm(120)
m, s = pty.openpty()
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
out = b''
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
p.wait()
open(sys.argv[1], 'wb').write(out)
print(p.returncode, '%.3f' % (time.monotonic() - t0))
PY
set -- $("$PY" "$W/on_tty.py" "$W/tty" "$NANOSH" push --via winrm --force "${C[@]}" 127.0.0.1 \
  "$W/src/mib64" "$W/src/one" 'C:\Temp\tty\')
expect "${1:-}" 0 "terminal: the push exits 0"
tty_text=$(tr '\r\033' '\n#' < "$W/tty")
matches "$tty_text" "^#\[Kmib64 \(winrm\) .*%.*MiB/s.*ETA" "terminal: a file line with percent, rate and ETA"
matches "$tty_text" "^#\[Ktotal .*MiB.*ETA" "terminal: a total line with ETA"
matches "$tty_text" "^#\[Jmib64 \(winrm\)  64.0 MiB  copied" "terminal: the file's final line"
matches "$tty_text" "^#\[Jtotal  2 files  64.0 MiB" "terminal: the total's final line"
draws=$(grep -o $'\r\033\[K' "$W/tty" | wc -l)
check "terminal: at most ~10 redraws a second ($draws in ${2:-?} s)" \
  "$PY" -c "import sys; sys.exit(not ($draws >= 2 and $draws <= 10 * float(sys.argv[1]) * 2 + 12))" "${2:-0}"

# --- auto, SMB unreachable ----------------------------------------------------------
run push --json --smb-port "$CLOSED_PORT" "${C[@]}" 127.0.0.1 "$W/src/mib1" 'C:\Temp\auto\'
expect "$rc" 0 "auto: with SMB unreachable the push exits 0"
check "auto: the file arrived over WinRM" cmp -s "$W/src/mib1" "$SIM_SANDBOX/Temp/auto/mib1"
expect "$(lines "$W/err")" 1 "auto: one line on stderr says it fell back"
matches "$(cat "$W/err")" "SMB not used.*WinRM.*File and Printer Sharing" \
  "auto: the line says why, with the firewall hint"
expect "$(json 'd["transport"], d["files"][0]["transport"], d["fallback"] is not None')" \
  "winrm winrm True" "auto: --json names winrm and the fallback"

# --- errors on the command line -----------------------------------------------------
run push "${C[@]}" 127.0.0.1 "$W/src/one"
expect "$rc" 255 "push with no remote target exits 255"
expect "$(lines "$W/err")" 1 "  in one line"
matches "$(cat "$W/err")" "push needs local files and a remote target" "  saying what is missing"
run push --streams 0 "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Temp\'
expect "$rc$(lines "$W/err")" 2551 "--streams 0 is refused in one line"
run push --via ftp "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Temp\'
expect "$rc" 255 "--via ftp is refused"
run push --via winrm "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Temp\..\Windows\'
expect "$rc" 255 "a remote '..' is refused"
matches "$(cat "$W/err")" "'\.\.'" "  saying so"
run pull --via winrm --share x "${C[@]}" 127.0.0.1 'a' "$W/back"
expect "$rc" 255 "--share with --via winrm is refused"
run "${C[@]}" --force 127.0.0.1 -c 'hostname'
expect "$rc" 255 "--force outside push and pull is refused"

# --- SMB ------------------------------------------------------------------------------
if ! command -v smbd >/dev/null || [ "$(id -u)" != 0 ]; then
  skip "SMB part: smbd missing or not root"
  tap_done; exit
fi
# The share is the test server's C:\, so what SMB writes WinRM sees (samba.sh).
SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start
[ -n "${SMB_PORT:-}" ] || { fail "smbd started"; tap_done; exit; }
S=(--smb-port "$SMB_PORT")
before=$(sim_state_field 's["http_requests"]')
run push --via smb "${S[@]}" "${C[@]}" 127.0.0.1 "$W/src/zero" "$W/src/one" "$W/src/mib1" \
    "$W/src/mib64" 'C:\Temp\s\'
expect "$rc" 0 "smb: four files exit 0"
expect "$(sim_state_field 's["http_requests"]')" "$before" "smb: --via smb sends nothing over WinRM"
for f in zero one mib1 mib64; do
  check "smb: $f arrived intact" cmp -s "$W/src/$f" "$SMB_SHARE_DIR/Temp/s/$f"
done
expect "$(lines "$W/out")$(lines "$W/err")" 00 "smb: nothing printed when not a terminal"
run push --via smb --json "${S[@]}" "${C[@]}" 127.0.0.1 "$W/src/mib1" 'C:\Temp\s\'
expect "$(json 'd["files"][0]["status"], d["transport"]')" "unchanged smb" "smb: unchanged the second time"
run push --via smb "${S[@]}" "${C[@]}" 127.0.0.1 "$W/one" 'C:\Temp\s\one'
expect "$rc" 255 "smb: an existing target with other bytes exits 255"
run push --via smb --force "${S[@]}" "${C[@]}" 127.0.0.1 "$W/one" 'C:\Temp\s\one'
expect "$rc" 0 "smb: --force replaces it"
check "smb: the new bytes are there" cmp -s "$W/one" "$SMB_SHARE_DIR/Temp/s/one"
run push --via smb -r "${S[@]}" "${C[@]}" 127.0.0.1 "$W/tree" 'C:\Temp\sr\'
expect "$rc" 0 "smb: -r of a tree with Unicode names exits 0"
check "smb: the deep Unicode file arrived" \
  cmp -s "$W/tree/sub/$udir/$uni" "$SMB_SHARE_DIR/Temp/sr/tree/sub/$udir/$uni"
run push --via smb --share share "${S[@]}" "${C[@]}" 127.0.0.1 "$W/src/one" 'Temp\named\'
expect "$rc" 0 "smb: --share with a path inside it exits 0"
check "smb: the file is in the named share" cmp -s "$W/src/one" "$SMB_SHARE_DIR/Temp/named/one"
rm -f "$W/back/mib1"
run pull --via smb "${S[@]}" "${C[@]}" 127.0.0.1 'C:\Temp\s\mib1' "$W/back/"
expect "$rc" 0 "smb: pull exits 0"
check "smb: pulled intact" cmp -s "$W/src/mib1" "$W/back/mib1"
run push --via smb --json --smb-port "$CLOSED_PORT" "${C[@]}" 127.0.0.1 "$W/src/one" 'C:\Temp\s\'
expect "$rc" 255 "smb: --via smb with SMB unreachable exits 255 (no fallback)"
matches "$(cat "$W/err")" "File and Printer Sharing" "  with the firewall hint"
expect "$(json 'd["status"], d["error"]["kind"], len(d["files"])')" "failed unreachable 0" \
  "  --json: kind unreachable, no files"
NANOSH_NT_HASH=$(sim_nt_hash "$SMB_PW") NANOSH_PASSWORD= \
  run push --via smb "${S[@]}" "${C[@]}" 127.0.0.1 "$W/src/mib1" 'C:\Temp\pth\'
expect "$rc" 0 "smb: pass-the-hash (NANOSH_NT_HASH) exits 0"
check "smb: pass-the-hash copy intact" cmp -s "$W/src/mib1" "$SMB_SHARE_DIR/Temp/pth/mib1"
# The test server knows admin, Samba does not: the share refuses the logon, and auto
# goes over WinRM, saying why (with the remote-UAC hint).
NANOSH_PASSWORD=Secr3t-pass run push --json "${S[@]}" --port "$SIM_PORT" -a ntlm -u admin \
  127.0.0.1 "$W/src/one" 'C:\Temp\uac\'
expect "$rc" 0 "auto: a refused SMB logon falls back to WinRM, exit 0"
matches "$(cat "$W/err")" "SMB not used.*refused.*LocalAccountTokenFilterPolicy" \
  "auto: the line says the logon was refused, with the remote-UAC hint"
expect "$(json 'd["transport"]')" winrm "auto: --json names winrm"
check "auto: the file arrived over WinRM" cmp -s "$W/src/one" "$SIM_SANDBOX/Temp/uac/one"

# auto with the share up: SMB carries the bytes, and the server's SHA-256 of the copy is
# asked over WinRM (snippet 9 on the partial file) instead of reading the copy back.
commands() { sim_state_field 's["wsman_actions"].get("Command", 0)'; }
before=$(commands)
run push --json "${S[@]}" "${C[@]}" 127.0.0.1 "$W/src/mib1" "$W/src/one" 'C:\Temp\a2\'
expect "$rc" 0 "auto: with SMB reachable exits 0"
after=$(commands)
check "auto: the host's hash was asked over WinRM, one command or more a file ($before -> $after)" \
  test "$after" -ge $((before + 2))
expect "$(json 'd["transport"], d["fallback"], d["files"][0]["transport"]')" "smb None smb" \
  "auto: SMB used, no fallback"
check "auto: arrived intact" cmp -s "$W/src/mib1" "$SIM_SANDBOX/Temp/a2/mib1"
expect "$(lines "$W/err")" 0 "auto: nothing on stderr"
run pull --json "${S[@]}" "${C[@]}" 127.0.0.1 'C:\Temp\a2\one' "$W/back/a2one"
expect "$rc" 0 "auto: pull over SMB exits 0"
check "auto: pulled intact" cmp -s "$W/src/one" "$W/back/a2one"
tap_done
