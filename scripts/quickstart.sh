#!/bin/bash
# From a fresh clone: install dependencies (apt-get), build nanosh, start the bundled
# WinRM test server on loopback (HTTPS, throw-away CA) and run one command through it;
# then the main job: the test server plays a fresh Nano Server 2016 host and
# `nanosh bootstrap` readies it for containers (twice: the second run changes nothing).
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

# The test server as a fresh Nano 2016 host (tests/bootstrap/profiles/fresh.json) and a
# zip of stand-in docker binaries (tests/bootstrap/make_docker_zip.py). No smbd listens
# here, so the docker files go over WinRM, and nanosh says why.
pw=Quick-start-pw1
sim_start --ntlm --profile fresh --account "Administrator:$pw"
zip=$(sim_docker_zip "$SIM_DIR" --version 17.06.2-ee-16)
boot=("$builddir/nanosh" bootstrap -a ntlm -u Administrator --port "$SIM_PORT" --docker-zip "$zip" 127.0.0.1)
for run in first second; do
  printf '$ NANOSH_PASSWORD=...'; printf ' %q' "${boot[@]}"; printf '    # %s run\n' "$run"
  set +e
  NANOSH_PASSWORD=$pw "${boot[@]}"
  rc=$?
  set -e
  echo "(exit status $rc)"
  [ "$rc" = 0 ] || break
done
sim_stop
[ "$rc" = 0 ]
