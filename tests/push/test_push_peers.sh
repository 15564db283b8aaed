#!/bin/bash
# nanosh push and pull over SMB to the reference peers' smbd (../shared/peers/samba.sh:
# 127.0.0.1:1445, share "share" and ADMIN$ on one directory, user smbtest, SMB2/3 with
# signing), a server set up by a script that is not ours. Skips when the peers are absent.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built"
[ -f "$NANOSH_PEERS/samba.sh" ] || skip_all "reference peers absent ($NANOSH_PEERS)"
[ "$(id -u)" = 0 ] || skip_all "smbd needs root to switch to its user"
command -v smbd >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v smbd >/dev/null || skip_all "smbd not found (samba)"
(exec 3<>/dev/tcp/127.0.0.1/1445) 2>/dev/null && skip_all "port 1445 busy: reference peers already running"

PEERS=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-peer-smb.XXXXXX")
chmod 755 "$PEERS"        # smbd runs as the share's user, who must reach it
cleanup() {
  [ -s "$PEERS/smb/smbd.pid" ] && kill "$(cat "$PEERS/smb/smbd.pid")" 2>/dev/null
  for _ in $(seq 50); do [ -s "$PEERS/smb/smbd.pid" ] && kill -0 "$(cat "$PEERS/smb/smbd.pid")" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$PEERS"
}
trap cleanup EXIT
SMB_PORT=1445 timeout 60 bash "$NANOSH_PEERS/samba.sh" "$PEERS/smb" >"$PEERS/samba.log" 2>&1 ||
  { sed 's/^/# /' "$PEERS/samba.log"; skip_all "the peers' smbd did not start"; }
share=$PEERS/smb/share
. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"

# nanosh as a script would run it: no terminal, the password from the environment
np() { NANOSH_PASSWORD='Passw0rd!' setsid -w "$NANOSH" "$@" </dev/null; }
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$PEERS/payload.bin"
sum=$(sha256sum <"$PEERS/payload.bin")

np push --via smb --share share -u smbtest 127.0.0.1 --smb-port 1445 "$PEERS/payload.bin" 'peer\a.bin' \
  >"$PEERS/o" 2>"$PEERS/e"
is "push --share to the peers' smbd: exit status" "$?" 0
is "... the file on the server's disk is the same" "$(sha256sum <"$share/peer/a.bin" 2>/dev/null)" "$sum"
is "... nothing printed without a terminal" "$(cat "$PEERS/o" "$PEERS/e")" ""

np push --via smb -u smbtest 127.0.0.1 --smb-port 1445 "$PEERS/payload.bin" 'C:\Windows\b.bin' 2>"$PEERS/e"
is "push to C:\\Windows\\ through the peers' ADMIN\$: exit status" "$?" 0
is "... the same bytes" "$(sha256sum <"$share/b.bin" 2>/dev/null)" "$sum"

np push --via smb --share share -u smbtest 127.0.0.1 --smb-port 1445 --json "$PEERS/payload.bin" \
  'peer\a.bin' >"$PEERS/j" 2>"$PEERS/e"
is "the same push again: exit status" "$?" 0
is "... reported unchanged" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["files"][0]["status"], d["totals"]["moved"])' "$PEERS/j" 2>&1)" "unchanged 0"

np pull --via smb --share share -u smbtest 127.0.0.1 --smb-port 1445 'peer\a.bin' "$PEERS/back.bin" 2>"$PEERS/e"
is "pull from the peers' smbd: exit status" "$?" 0
is "... the same bytes" "$(sha256sum <"$PEERS/back.bin" 2>/dev/null)" "$sum"

NANOSH_PASSWORD=wrong setsid -w "$NANOSH" push --via smb --share share -u smbtest 127.0.0.1 \
  --smb-port 1445 "$PEERS/payload.bin" 'peer\c.bin' </dev/null 2>"$PEERS/e"
is "a wrong password: exit status 255" "$?" 255
like "... says the logon was refused" "$(cat "$PEERS/e")" 'refused'
check "... and nothing was written" test ! -e "$share/peer/c.bin"
is "no partial copy is left on the server" "$(find "$share" -name '*.nanosh-*' | wc -l)" 0
tap_done
