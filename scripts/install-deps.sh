#!/bin/bash
# Install, with apt-get, everything nanosh needs to build and to run its test suite
# on Debian 12: the C build dependencies and the real test peers (MIT KDC, gss-ntlmssp,
# impacket, Samba, pywinrm). Idempotent: packages already present are skipped.
set -euo pipefail

BUILD_PKGS="gcc libc6-dev make autoconf automake pkg-config
  libcurl4-openssl-dev libxml2-dev libkrb5-dev libssl-dev libreadline-dev libsmbclient-dev libarchive-dev
  libjansson-dev"
TEST_PKGS="python3 python3-yaml python3-winrm python3-requests-ntlm python3-requests-kerberos
  python3-kerberos python3-gssapi gss-ntlmssp python3-impacket python3-pycryptodome
  krb5-kdc krb5-admin-server krb5-user samba smbclient libarchive13 python3-jsonschema
  openssl curl ca-certificates procps iproute2 tmux valgrind hyperfine time
  golang-go golang-github-masterzen-winrm-dev clang libclang-rt-14-dev"

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: run this script as root (or with sudo) to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Package scripts for samba and krb5-kdc would start system daemons listening on every
# interface; a policy-rc.d that answers 101 forbids that (invoke-rc.d(8)). Ours is removed
# again afterwards, so a machine that had none is left as it was.
ours_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  ours_policy=1
fi
trap '[ $ours_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT

apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
echo "install-deps: installed$missing"
