#!/bin/bash
# Kerberos end to end: a throw-away MIT KDC on loopback (tests/krb/kdc.sh), the test
# server accepting Kerberos with the HTTP/localhost keytab and refusing unencrypted
# messages, and nanosh with a ticket cache, a password, a keytab, and the failure cases.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
command -v kinit >/dev/null || skip_all "kinit not found (krb5-user)"

K=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-krb.XXXXXX")
cleanup() { sim_stop; sh "$TOP_SRCDIR/tests/krb/kdc_stop" "$K/kdc"; rm -rf "$K"; }
trap cleanup EXIT
sh "$TOP_SRCDIR/tests/krb/kdc.sh" "$K/kdc" >"$K/kdc.out" 2>&1; rc=$?
[ $rc = 77 ] && skip_all "$(cat "$K/kdc.out")"
[ $rc = 0 ] || { sed 's/^/# /' "$K/kdc.out"; fail "the KDC started"; tap_done; exit 1; }
. "$K/kdc/env.sh"
export KRB5CCNAME="FILE:$K/ccache"
REALM=$KDC_REALM

# Kerberos and NTLM under Negotiate (as a domain member offers them), encryption required,
# CbtHardeningLevel=Strict on HTTPS.
sim_start --https --kerberos "$K/kdc/http.keytab" --ntlm --require-encryption --cbt strict ||
  skip_all "the test server did not start with Kerberos (python3-gssapi)"
trap cleanup EXIT
tmp=$SIM_DIR/krb; mkdir -p "$tmp"
H=localhost:$SIM_PORT

# nanosh without a controlling terminal, so that it can never stop at a password prompt
nk() { setsid -w "$NANOSH" --timeout 30 "$@"; }
get_ticket() { echo "$KDC_ALICE_PW" | kinit "$@" "alice@$REALM" >/dev/null; }
# authenticated NAME: the server's log names the account of the latest handshake
last_user() { grep -o 'authenticated: [^ ]*' "$SIM_LOG" | tail -n 1 | cut -d' ' -f2; }

# --- the three ways to credentials ---
get_ticket
out=$(nk -a kerberos "$H" -c 'echo from-ccache' </dev/null); rc=$?
is "ticket cache (-a kerberos): status $rc, output" "$rc:${out%%[[:space:]]*}" 0:from-ccache
like "ticket cache: the server saw alice" "$(last_user)" 'alice'
out=$(nk -v "$H" -c 'echo negotiated' </dev/null 2>"$tmp/trace"); rc=$?
is "ticket cache with the default negotiate: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:negotiated
check "the default negotiate used Kerberos, not NTLM (no NTLMSSP token)" \
  sh -c "grep -q '^< WWW-Authenticate: Negotiate .' '$tmp/trace' && ! grep -q 'TlRMTVNT' '$tmp/trace'"
is "-v names the mechanism used: Kerberos" "$(grep '^\* authentication:' "$tmp/trace" | sort -u)" \
  '* authentication: Kerberos under the Negotiate scheme'

kdestroy >/dev/null 2>&1
out=$(NANOSH_PASSWORD=$KDC_ALICE_PW nk -u "alice@$REALM" -a kerberos "$H" -c 'echo from-password' </dev/null); rc=$?
is "password without kinit: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:from-password
check "password: nanosh left no ticket cache behind" [ ! -e "$K/ccache" ]

out=$(nk --keytab "$KDC_SVC_KEYTAB" -u "svc@$REALM" -a kerberos "$H" -c 'echo from-keytab' </dev/null); rc=$?
is "keytab (svc): status $rc, output" "$rc:${out%%[[:space:]]*}" 0:from-keytab
like "keytab: the server saw svc" "$(last_user)" 'svc'

# --- encryption both ways across a multi-message session: stdin in, output back ---
get_ticket
base64 -w 76 </dev/urandom | head -c 200000 >"$tmp/in"
got=$(nk -a kerberos -v "$H" -c cat <"$tmp/in" 2>"$tmp/trace" | sha256sum)
is "200 kB of stdin through cat, sealed with Kerberos, intact" "$got" "$(sha256sum <"$tmp/in")"
bodies=$(grep -c '^> Content-Length: [1-9]' "$tmp/trace")
sealed_out=$(grep -c '^> Content-Type: multipart/encrypted' "$tmp/trace")
sealed_in=$(grep -c '^< Content-Type: multipart/encrypted' "$tmp/trace")
check "several sealed requests ($sealed_out)" [ "$sealed_out" -ge 5 ]
is "every request with a body was sealed" "$sealed_out" "$bodies"
check "several sealed replies ($sealed_in), none in plaintext" \
  sh -c "[ $sealed_in -ge 5 ] && ! grep -q '^< Content-Type: application/soap' '$tmp/trace'"
is "one Kerberos handshake for the whole session" "$(sim_state_field 's["connections"][-1]["handshakes"]')" 1

# --- HTTPS with channel binding ---
out=$(nk -a kerberos -s --cacert "$SIM_CA" "localhost:$SIM_HTTPS_PORT" -c 'echo over-tls' </dev/null); rc=$?
is "HTTPS with channel binding (strict): status $rc, output" "$rc:${out%%[[:space:]]*}" 0:over-tls

# --- an IP address: the SPN HTTP/127.0.0.1 does not exist ---
expect_fail "IP address with -a kerberos" 'not found in Kerberos database.*DNS name, not an IP, or pass --spn' \
  nk -a kerberos "127.0.0.1:$SIM_PORT" -c 'echo x'
out=$(nk -a kerberos --spn "HTTP/localhost@$REALM" "127.0.0.1:$SIM_PORT" -c 'echo with-spn' </dev/null); rc=$?
is "IP address with --spn HTTP/localhost@$REALM: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:with-spn
out=$(NANOSH_PASSWORD=$SIM_PASSWORD nk -u "$SIM_USER" -v "127.0.0.1:$SIM_PORT" -c 'echo fell-back' </dev/null 2>"$tmp/trace"); rc=$?
is "IP address with the default negotiate falls back to NTLM: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:fell-back
like "the fallback was NTLM (an NTLMSSP challenge)" "$(grep '^< WWW-Authenticate' "$tmp/trace")" 'Negotiate TlRMTVNT'
like "-v names NTLM and why Kerberos was skipped" "$(grep '^\* authentication:' "$tmp/trace")" \
  '^\* authentication: NTLM under the Negotiate scheme \(Kerberos skipped: 127\.0\.0\.1 is an IP address: connect by the host.s DNS name, or pass --spn\)$'
expect_fail "IP address, wrong password: the error says why Kerberos was not used" \
  'rejected the credentials.*\(Kerberos was not used: 127\.0\.0\.1 is an IP address: connect by the host.s DNS name, or pass --spn\)' \
  env NANOSH_PASSWORD=not-the-password setsid -w "$NANOSH" -u "$SIM_USER" "127.0.0.1:$SIM_PORT" -c 'echo x'

# --- failures (a ticket in the cache comes first, so none there for the password) ---
kdestroy >/dev/null 2>&1
# A host name but no ticket, and a user without a realm: NTLM, and -v says why
out=$(NANOSH_PASSWORD=$SIM_PASSWORD nk -u "$SIM_USER" -v "$H" -c 'echo no-ticket' </dev/null 2>"$tmp/trace"); rc=$?
is "no ticket, default negotiate: NTLM works: status $rc, output" "$rc:${out%%[[:space:]]*}" 0:no-ticket
like "no ticket: -v names NTLM and why Kerberos was skipped" "$(grep '^\* authentication:' "$tmp/trace")" \
  '^\* authentication: NTLM under the Negotiate scheme \(Kerberos skipped: no Kerberos ticket for this user.*\)$'
expect_fail "wrong password" 'wrong password' \
  env NANOSH_PASSWORD=not-the-password setsid -w "$NANOSH" -u "alice@$REALM" -a kerberos "$H" -c 'echo x'
: >"$K/empty"
expect_fail "absent ticket (empty ticket cache)" 'no Kerberos ticket.*kinit' \
  env KRB5CCNAME="FILE:$K/empty" setsid -w "$NANOSH" -a kerberos "$H" -c 'echo x'
printf 'not a ticket cache' >"$K/garbage"
expect_fail "damaged ticket cache" 'no Kerberos ticket.*empty or damaged.*kinit' \
  env KRB5CCNAME="$K/garbage" setsid -w "$NANOSH" -a kerberos "$H" -c 'echo x'
expect_fail "absent ticket (no ticket cache)" 'no Kerberos ticket.*kinit' \
  nk -a kerberos "$H" -c 'echo x'
get_ticket -l 1s
sleep 2
expect_fail "expired ticket" 'ticket has expired.*kinit' nk -a kerberos "$H" -c 'echo x'

is "no shell left open on the server" "$(sim_open_shells)" 0
tap_done
