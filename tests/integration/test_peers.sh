#!/bin/bash
# nanosh against the independent reference WinRM peers in ../shared/peers: Basic and NTLM
# on 15985, impacket's NTLM with encryption required on 15986, HTTPS with NTLM channel
# binding on 15987, and Negotiate/Kerberos with encryption required on 15988.
# Only the WinRM peers and their KDC are started (not start.sh, whose smbd is not needed
# here and cannot run everywhere), each by PID.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built"
[ -f "$NANOSH_PEERS/winrm_peer.py" ] && [ -f "$NANOSH_PEERS/kdc.sh" ] ||
  skip_all "reference peers absent ($NANOSH_PEERS)"
command -v krb5kdc >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v krb5kdc >/dev/null || skip_all "krb5kdc not found (krb5-kdc)"
for port in 15985 15986 15987 15988 18888; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && skip_all "port $port busy: reference peers already running"
done

PEERS=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-peers.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  [ -s "$PEERS/krb5/krb5kdc.pid" ] && kill "$(cat "$PEERS/krb5/krb5kdc.pid")" 2>/dev/null
  rm -rf "$PEERS"
}
trap cleanup EXIT

# The peers' own set-up, as start.sh does it: accounts, certificate, realm TEST.LOCAL.
printf 'TESTDOM:testuser:Passw0rd!\n' >"$PEERS/ntlm_users"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PEERS/key.pem" -out "$PEERS/cert.pem" -days 2 \
  -subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' >/dev/null 2>&1 ||
  skip_all "openssl cannot make a certificate"
printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'providers = provider_sect' \
  '[provider_sect]' 'default = default_sect' 'legacy = legacy_sect' \
  '[default_sect]' 'activate = 1' '[legacy_sect]' 'activate = 1' >"$PEERS/legacy.cnf"
timeout 30 bash "$NANOSH_PEERS/kdc.sh" "$PEERS/krb5" >"$PEERS/kdc.log" 2>&1 ||
  { sed 's/^/# /' "$PEERS/kdc.log"; skip_all "the peers' KDC did not start"; }
. "$PEERS/krb5/env.sh"     # KRB5_CONFIG, KRB5CCNAME (testuser's ticket), KRB5_KTNAME
export PEER_CA=$PEERS/cert.pem

peer_start() {
  local name=$1; shift
  OPENSSL_CONF=$PEERS/legacy.cnf NTLM_USER_FILE=$PEERS/ntlm_users \
    NETBIOS_DOMAIN_NAME=TESTDOM NETBIOS_COMPUTER_NAME=WINRMPEER \
    /usr/bin/python3 "$NANOSH_PEERS/winrm_peer.py" "$@" >"$PEERS/$name.log" 2>&1 &
  pids+=($!)
}
peer_start gss      --port 15985 --auth gss --offer Negotiate,NTLM,Kerberos --basic 'basicuser:Passw0rd!'
peer_start impacket --port 15986 --auth impacket --users "$PEERS/ntlm_users" --offer Negotiate --require-encryption
peer_start https    --port 15987 --auth gss --https "$PEERS/cert.pem" "$PEERS/key.pem" --cbt
peer_start strict   --port 15988 --auth gss --offer Negotiate,Kerberos --require-encryption
for port in 15985 15986 15987 15988; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
for p in "${pids[@]}"; do
  kill -0 "$p" 2>/dev/null || { tail -n 5 "$PEERS"/*.log | sed 's/^/# /'; skip_all "a reference peer did not start"; }
done

# nanosh with no controlling terminal (never a password prompt) and a bound
nk() { setsid -w "$NANOSH" --timeout 30 "$@"; }
ntlm_user='TESTDOM\testuser'
pw='Passw0rd!'

# --- 15985: Basic (plaintext, as asked) and NTLM (encrypted by default) ---
peer() { NANOSH_PASSWORD=$pw nk -a basic -u basicuser --allow-unencrypted 127.0.0.1:15985 "$@"; }
out=$(peer -c 'echo hello from peer; echo err >&2; exit 3' 2>"$PEERS/err"); rc=$?
is "peer 15985 Basic: exit status" "$rc" 3
is "peer 15985 Basic: stdout" "$out" "hello from peer"
is "peer 15985 Basic: stderr" "$(cat "$PEERS/err")" "err"
got=$(printf 'abc\n' | peer -c cat)
is "peer 15985 Basic: stdin" "$got" "abc"

out=$(NANOSH_PASSWORD=$pw nk -a ntlm -u "$ntlm_user" -v 127.0.0.1:15985 -c 'echo ntlm-gss; exit 4' \
  </dev/null 2>"$PEERS/trace"); rc=$?
is "peer 15985 NTLM: status $rc, output" "$rc:$out" "4:ntlm-gss"
check "peer 15985 NTLM: the requests were sealed" grep -q '^> Content-Type: multipart/encrypted' "$PEERS/trace"

# --- 15986: impacket NTLM, only Negotiate offered, plaintext refused ---
got=$(printf 'line1\nline2\n' | NANOSH_PASSWORD=$pw nk -u "$ntlm_user" 127.0.0.1:15986 -c cat); rc=$?
is "peer 15986 impacket NTLM (negotiate, encrypted): status" "$rc" 0
is "peer 15986 impacket NTLM: stdin round-trips" "$got" "$(printf 'line1\nline2')"
want=$(head -c 300000 /dev/zero | tr '\0' x | sha256sum)
got=$(NANOSH_PASSWORD=$pw nk -u "$ntlm_user" -n 127.0.0.1:15986 -c "head -c 300000 /dev/zero | tr '\\0' x" | sha256sum)
is "peer 15986 impacket NTLM: 300 kB of output intact" "$got" "$want"
NANOSH_PASSWORD=wrong nk -u "$ntlm_user" 127.0.0.1:15986 -c 'echo x' </dev/null >/dev/null 2>"$PEERS/err"; rc=$?
is "peer 15986: a wrong password exits 255" "$rc" 255
like "peer 15986: a wrong password is named" "$(cat "$PEERS/err")" 'rejected the credentials'

# --- 15987: HTTPS, NTLM with channel binding checked ---
out=$(NANOSH_PASSWORD=$pw nk -a ntlm -u "$ntlm_user" -s --cacert "$PEER_CA" 127.0.0.1:15987 -c 'echo cbt' </dev/null); rc=$?
is "peer 15987 HTTPS NTLM with channel binding: status $rc, output" "$rc:$out" "0:cbt"
out=$(NANOSH_PASSWORD=$pw nk -u "$ntlm_user" -s --cacert "$PEER_CA" localhost:15987 -c 'echo cbt-name' </dev/null); rc=$?
is "peer 15987 HTTPS with the default negotiate, by name: status $rc, output" "$rc:$out" "0:cbt-name"

# --- 15988: Negotiate,Kerberos offered, encryption required ---
out=$(nk -a kerberos localhost:15988 -c 'echo krb-ccache' </dev/null); rc=$?
is "peer 15988 Kerberos from the ticket cache: status $rc, output" "$rc:$out" "0:krb-ccache"
out=$(KRB5CCNAME=FILE:$PEERS/none NANOSH_PASSWORD=$pw nk -a kerberos -u "testuser@TEST.LOCAL" localhost:15988 \
  -c 'echo krb-password' </dev/null); rc=$?
is "peer 15988 Kerberos with a password (testuser@TEST.LOCAL): status $rc, output" "$rc:$out" "0:krb-password"
out=$(nk localhost:15988 -v -c 'echo krb-negotiate' </dev/null 2>"$PEERS/trace"); rc=$?
is "peer 15988 default negotiate with a ticket: status $rc, output" "$rc:$out" "0:krb-negotiate"
check "peer 15988: the requests were sealed" grep -q '^> Content-Type: multipart/encrypted' "$PEERS/trace"
out=$(KRB5CCNAME=FILE:$PEERS/none NANOSH_PASSWORD=$pw nk -u "$ntlm_user" 127.0.0.1:15988 -c 'echo ntlm-strict' </dev/null); rc=$?
is "peer 15988 NTLM under Negotiate ($ntlm_user): status $rc, output" "$rc:$out" "0:ntlm-strict"
tap_done
