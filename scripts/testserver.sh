#!/bin/bash
# Runs the bundled WinRM test server on loopback until Ctrl-C, and prints the nanosh
# command lines that reach it: HTTPS with its throw-away CA, and HTTP with NTLM and
# sealed messages, as a stock Windows host wants.
#
# It is a stand-in, not Windows. Its cmd.exe is a small emulation in Python, and its
# "PowerShell" runs each line with /bin/sh on this machine, as you; C:\ is a scratch
# directory that is removed when the server stops.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The test server needs Debian's python3 modules (scripts/install-deps.sh), which a
# python3 earlier on PATH (a virtualenv, pyenv) may lack.
export TOP_SRCDIR=$root PYTHON3=${PYTHON3:-/usr/bin/python3}

nanosh=${NANOSH:-}
if [ -z "$nanosh" ]; then
  if [ -x "$root/build/release/nanosh" ]; then nanosh=$root/build/release/nanosh
  elif command -v nanosh >/dev/null; then nanosh=nanosh
  else
    echo "testserver: no nanosh binary: run ./scripts/quickstart.sh (or make install) first," \
         "or give its path in NANOSH" >&2
    exit 1
  fi
fi

diag() { printf 'testserver: %s\n' "$@" >&2; }   # sim.sh reports through diag
. "$root/tests/lib/sim.sh"
sim_start --https --ntlm --require-encryption || exit 1

cat <<EOF
The WinRM test server runs on 127.0.0.1 (HTTP port $SIM_PORT, HTTPS port $SIM_HTTPS_PORT).
Accounts: $SIM_USER / $SIM_PASSWORD and $SIM_USER2 / $SIM_PASSWORD2 (test accounts, nothing else).

HTTPS, checked against the server's throw-away CA:
  NANOSH_PASSWORD='$SIM_PASSWORD' $nanosh -u $SIM_USER -s --cacert $SIM_CA 127.0.0.1:$SIM_HTTPS_PORT
HTTP, NTLM with every message sealed:
  NANOSH_PASSWORD='$SIM_PASSWORD' $nanosh -u $SIM_USER 127.0.0.1:$SIM_PORT -c 'dir C:\\'

It is a stand-in, not Windows: cmd.exe is a small emulation, and PowerShell lines run
with /bin/sh on this machine, as you. C:\\ is the scratch directory $SIM_SANDBOX.
Press Ctrl-C to stop the server; its directory is then removed.
EOF

# Ctrl-C or SIGTERM ends the wait; the EXIT trap that sim_start set stops the server.
trap 'exit 0' INT TERM
wait "$SIM_PID" || true
echo "testserver: the server stopped on its own:" >&2
tail -5 "$SIM_DIR/server.out" >&2
exit 1
