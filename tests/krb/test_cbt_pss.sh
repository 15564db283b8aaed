#!/bin/bash
# Channel bindings for RSA-PSS certificates made by the openssl command: the hash comes
# from the PSS parameters (RFC 5929 4.1), and Kerberos (auth/cbt.c) and NTLM's
# MsvAvChannelBindings (auth/ntlm_msg.c) must agree with what openssl computes.
. "$TOP_SRCDIR/tests/lib/tap.sh"
command -v openssl >/dev/null || skip_all "openssl not found"
PRINT=$TOP_BUILDDIR/tests/krb/cbt_print
d=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-cbt.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT

# gss_channel_bindings_struct with empty addresses (RFC 2744 3.11): 16 zero bytes, the
# little-endian length of the application data, the data; then MD5 (MS-NLMP 2.2.2.1).
bindings_md5() {
  local n
  n=$(wc -c <"$1")
  { head -c 16 /dev/zero
    printf "$(printf '\\%03o\\%03o\\000\\000' $((n & 255)) $((n >> 8)))"
    cat "$1"; } | openssl dgst -md5 -r | cut -d' ' -f1
}

# check NAME HASH openssl-req-options...: a self-signed certificate signed that way
check_cert() {
  local name=$1 hash=$2; shift 2
  if ! openssl req -x509 -nodes -days 1 -subj "/CN=$name" -keyout "$d/$name.key" \
       -out "$d/$name.pem" "$@" >"$d/$name.log" 2>&1; then
    fail "$name: openssl made the certificate"; sed 's/^/# /' "$d/$name.log"; return
  fi
  like "$name: openssl signed it with $hash" \
    "$(openssl x509 -in "$d/$name.pem" -noout -text | grep -A1 'Signature Algorithm' | head -2 | tr '\n' ' ')" \
    "Hash Algorithm: $hash"
  openssl x509 -in "$d/$name.pem" -outform der -out "$d/$name.der"
  { printf 'tls-server-end-point:'
    openssl x509 -in "$d/$name.pem" -outform der | openssl dgst -"$hash" -binary; } >"$d/$name.app"
  local got
  got=$("$PRINT" "$d/$name.der" 2>&1)
  is "$name: Kerberos channel-binding data is tls-server-end-point:$hash(cert)" \
    "$(echo "$got" | sed -n 1p)" "$(od -An -v -tx1 "$d/$name.app" | tr -d ' \n')"
  is "$name: NTLM MsvAvChannelBindings is the MD5 of the same data" \
    "$(echo "$got" | sed -n 2p)" "$(bindings_md5 "$d/$name.app")"
}

check_cert rsa-pss-sha384 sha384 -newkey rsa:2048 -sha384 \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1
check_cert rsa-pss-key-sha512 sha512 -newkey rsa-pss -pkeyopt rsa_keygen_bits:2048 -sha512
check_cert rsa-pss-sha256 sha256 -newkey rsa:2048 -sha256 -sigopt rsa_padding_mode:pss
tap_done
