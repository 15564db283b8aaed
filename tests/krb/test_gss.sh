#!/bin/sh
# The GSSAPI mechanism against a throw-away MIT KDC on loopback and a python3-gssapi
# acceptor: starts the KDC, prepares ticket caches and certificates, runs test_gss (TAP),
# and stops the KDC by its PID.
: "${TOP_SRCDIR:?run through make check}" "${TOP_BUILDDIR:?run through make check}"
PYTHON3=${PYTHON3:-/usr/bin/python3}; export PYTHON3
PATH=$PATH:/usr/sbin:/sbin
"$PYTHON3" -c 'import gssapi' 2>/dev/null || { echo "1..0 # SKIP python3-gssapi is not installed"; exit 0; }
for tool in kinit klist openssl; do
    command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-krb.XXXXXX") || exit 1
cleanup() { "$TOP_SRCDIR/tests/krb/kdc_stop" "$dir/kdc"; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

"$TOP_SRCDIR/tests/krb/kdc.sh" "$dir/kdc" >"$dir/kdc.out" 2>&1
case $? in
    0) ;;
    77) echo "1..0 # SKIP $(cat "$dir/kdc.out")"; exit 0 ;;
    *) echo "Bail out! the test KDC did not start"; sed 's/^/# /' "$dir/kdc.out"; exit 1 ;;
esac
. "$dir/kdc/env.sh"
NANOSH_KRB_DIR=$dir; export NANOSH_KRB_DIR

# A ticket that runs out in a second; made first so that it has expired when used.
echo "$KDC_ALICE_PW" | KRB5CCNAME="FILE:$dir/cc.expired" kinit -l 1s "alice@$KDC_REALM" >/dev/null \
    || { echo "Bail out! kinit failed"; exit 1; }
echo "$KDC_ALICE_PW" | KRB5CCNAME="FILE:$dir/cc.valid" kinit -f "alice@$KDC_REALM" >/dev/null \
    || { echo "Bail out! kinit failed"; exit 1; }
for n in 1 2; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -days 1 \
        -subj /CN=localhost -keyout "$dir/key$n.pem" -outform DER -out "$dir/cert$n.der" 2>/dev/null \
        || { echo "Bail out! openssl req failed"; exit 1; }
done
# The same realm with its KDC on a port where nothing listens.
closed=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/127\.0\.0\.1:$KDC_PORT/127.0.0.1:$closed/" "$KRB5_CONFIG" > "$dir/unreach.conf"
# RC4-HMAC contexts (RFC 4757): a cached service ticket with an RC4 session key, used by
# a client that permits only RC4, so that the context's subkey is RC4 too.
echo "$KDC_ALICE_PW" | KRB5CCNAME="FILE:$dir/cc.rc4" kinit "alice@$KDC_REALM" >/dev/null \
    && KRB5CCNAME="FILE:$dir/cc.rc4" kvno "HTTP/rc4.localhost@$KDC_REALM" >/dev/null \
    || { echo "Bail out! no RC4 service ticket"; exit 1; }
sed "s/permitted_enctypes = .*/permitted_enctypes = arcfour-hmac/" "$KRB5_CONFIG" > "$dir/rc4.conf"

i=0
while KRB5CCNAME="FILE:$dir/cc.expired" klist -s && [ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done

"$TOP_BUILDDIR/tests/krb/test_gss"
