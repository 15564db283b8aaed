#!/bin/bash
# Samba shares the WinRM test server's C:\ (tests/lib/samba.sh SAMBA_SHARE_DIR, sim.sh
# SIM_UMASK): what one side writes the other reads, overwrites and renames over, and a
# directory made 0555 still refuses the SMB user.
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
command -v smbd >/dev/null && command -v smbclient >/dev/null || skip_all "smbd or smbclient missing"
[ "$(id -u)" = 0 ] || skip_all "smbd needs root to switch to the test user"

SIM_UMASK=000 sim_start || { echo "1..1"; echo "not ok 1 - the simulator started"; exit 1; }
SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start || { echo "1..1"; echo "not ok 1 - smbd started"; exit 1; }
trap 'samba_stop; sim_stop' EXIT
W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-share.XXXXXX")
trap 'samba_stop; sim_stop; rm -rf "$W"' EXIT

# winrs SNIPPET ARGS... [< stdin]: runs one of snippets 9-12 through the simulator's
# WinRS (python, tests/sim/snippet_texts.py); prints its stdout, exits with its status.
cat > "$W/winrs.py" <<'PY'
import os, sys
sys.path.insert(0, os.environ['TOP_SRCDIR'] + '/tests/sim')
from simlib import Client, Shell, send_req
import snippet_texts as s

class Where:
    bind, port = '127.0.0.1', int(os.environ['SIM_PORT'])

kind, args = sys.argv[1], sys.argv[2:]
text = {'stat': lambda: s.stat_text(args[0], args[1], int(args[2])),
        'write': lambda: s.write_text(args[0], int(args[1]), args[2] == 'create'),
        'finish': lambda: s.finish_text(args[0], args[1], int(args[2]), args[3], args[4] == 'force'),
        'read': lambda: s.read_text(args[0], int(args[1]), int(args[2]))}[kind]()
sh = Shell(Client(Where, os.environ['SIM_USER'], os.environ['SIM_PASSWORD'], False))
data = sys.stdin.buffer.read() if kind == 'write' else None
out, err, code, _ = sh.run(*s.encoded_command(text), stdin=data)
sys.stdout.buffer.write(out)
sys.stderr.buffer.write(err)
sh.delete()
sys.exit(code)
PY
winrs() { "$SIM_PYTHON" "$W/winrs.py" "$@"; }

smb() { smbclient -s "$SMB_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PW" '//127.0.0.1/C$' -c "$1" 2>&1; }
sha() { sha256sum "$1" | cut -d' ' -f1 | tr a-f A-F; }

# WinRM writes (as root, into a directory it makes); SMB reads, overwrites, adds.
head -c 200000 /dev/urandom > "$W/a.bin"
out=$(winrs write 'C:\Up\a.bin.nanosh-1.part' 0 create < "$W/a.bin")
is "snippet 10 writes into the sandbox" "$out" $'W 200000\r'
out=$(winrs finish 'C:\Up\a.bin.nanosh-1.part' 'C:\Up\a.bin' 200000 "$(sha "$W/a.bin")" noforce)
like "snippet 11 renames it" "$out" '^K '
smb 'get Up\a.bin '"$W/a.smb" >/dev/null
check "SMB reads the file WinRM wrote" cmp -s "$W/a.bin" "$W/a.smb"
head -c 3000 /dev/urandom > "$W/b.bin"
out=$(smb 'put '"$W/b.bin"' Up\a.bin')
check "SMB overwrites a file the simulator made (as root)" cmp -s "$W/b.bin" "$SIM_SANDBOX/Up/a.bin" ||
  diag "$out"
out=$(smb 'mkdir Up\fromsmb; put '"$W/b.bin"' Up\fromsmb\s.bin')
check "SMB makes a directory and a file in a directory the simulator made" \
  cmp -s "$W/b.bin" "$SIM_SANDBOX/Up/fromsmb/s.bin" || diag "$out"

# SMB's files through WinRM: stat and hash, resume into one, rename over one.
out=$(winrs stat 'C:\up\FROMSMB\s.bin' 'C:\Up\fromsmb\s.bin.nanosh-2.part' -1 | tr -d '\r' | tr '\n' ' ')
is "snippet 9 sees SMB's file, any letter case" "$out" "F 3000 N $(sha "$W/b.bin") "
cp "$W/b.bin" "$W/c.bin" && head -c 5000 /dev/urandom >> "$W/c.bin"
smb 'put '"$W/b.bin"' Up\fromsmb\c.part' >/dev/null
out=$(tail -c 5000 "$W/c.bin" | winrs write 'C:\Up\fromsmb\c.part' 3000 resume)
is "snippet 10 continues a part file SMB wrote" "$out" $'W 8000\r'
out=$(winrs finish 'C:\Up\fromsmb\c.part' 'C:\Up\fromsmb\s.bin' 8000 "$(sha "$W/c.bin")" force)
like "snippet 11 --force replaces SMB's file" "$out" '^K '
smb 'get Up\fromsmb\s.bin '"$W/c.smb" >/dev/null
check "SMB reads the replaced file" cmp -s "$W/c.bin" "$W/c.smb"
out=$(smb 'del Up\fromsmb\s.bin')
check "SMB deletes a file the simulator renamed into place" test ! -e "$SIM_SANDBOX/Up/fromsmb/s.bin" ||
  diag "$out"

# Access denied over SMB still works in the shared directory.
mkdir "$SIM_SANDBOX/Locked" && chmod 0555 "$SIM_SANDBOX/Locked"
out=$(smb 'put '"$W/b.bin"' Locked\x.bin')
like "a 0555 directory refuses the SMB user" "$out" 'NT_STATUS_ACCESS_DENIED'
check "... and nothing was written" test ! -e "$SIM_SANDBOX/Locked/x.bin"

tap_done
