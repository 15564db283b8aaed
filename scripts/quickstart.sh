#!/bin/bash
# From a fresh clone: install dependencies (apt-get), build nanosh, start the bundled
# WinRM test server on loopback (HTTPS, throw-away CA) and run one command through it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
[ -x configure ] || autoreconf -fi >/dev/null
# NANOSH_BUILD_DIR: an existing or new build directory (the test suite passes its own).
builddir=${NANOSH_BUILD_DIR:-$root/build/release}
mkdir -p "$builddir"
(cd "$builddir" && { [ -f Makefile ] || "$root/configure" -q; } && make -s -j"$(nproc 2>/dev/null || echo 2)")
echo "built: $builddir/nanosh"

export TOP_SRCDIR=$root PYTHON3=${PYTHON3:-/usr/bin/python3}
. "$root/tests/lib/sim.sh"
sim_start --https --ntlm   # negotiate picks NTLM, as against a stock Windows host
cmd=("$builddir/nanosh" -u "$SIM_USER" -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo hi & exit 3')
printf '$ NANOSH_PASSWORD=...'; printf ' %q' "${cmd[@]}"; printf '\n'
set +e
NANOSH_PASSWORD=$SIM_PASSWORD "${cmd[@]}"
rc=$?
set -e
echo "(exit status $rc)"
sim_stop
[ "$rc" = 3 ]
