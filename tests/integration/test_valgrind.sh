#!/bin/bash
# The unsanitized build under valgrind memcheck: no invalid access, no definite leak,
# over HTTPS one-shot, stdin, a fault path and identify.
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "${NANOSH_PLAIN:-}" ] || skip_all "no plain build (NANOSH_PLAIN unset; scripts/test.sh provides it)"
command -v valgrind >/dev/null || skip_all "valgrind not installed"
NANOSH=$NANOSH_PLAIN
. "$TOP_SRCDIR/tests/integration/common.sh"
sim_start --https
tmp=$SIM_DIR/vg; mkdir -p "$tmp"

vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
         --log-file="$tmp/vg.%p" "$@"; }
vg_clean() { ! grep -qs 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]' "$tmp"/vg.*; }

out=$(printf 'piped\n' | NANOSH_PASSWORD=$SIM_PASSWORD vg "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" -c 'cat & exit 4'); rc=$?
is "valgrind: one-shot with stdin, exit status" "$rc" 4
like "valgrind: one-shot output" "$out" 'piped'
NANOSH_PASSWORD=wrong vg "$NANOSH" -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" -c 'echo x' >/dev/null 2>&1
is "valgrind: wrong password path exits 255" "$?" 255
NANOSH_PASSWORD=$SIM_PASSWORD vg "$NANOSH" wsman -a basic -u "$SIM_USER" -s --cacert "$SIM_CA" \
      "127.0.0.1:$SIM_HTTPS_PORT" identify >/dev/null
is "valgrind: identify" "$?" 0
# the test server's stand-in powershell.exe runs each input with /bin/sh
out=$(printf 'X=42\necho "ps:$X"\n:cmd\necho cmd-mode\n' | NANOSH_PASSWORD=$SIM_PASSWORD vg "$NANOSH" -a basic -u "$SIM_USER" \
      -s --cacert "$SIM_CA" "127.0.0.1:$SIM_HTTPS_PORT"); rc=$?
is "valgrind: line-by-line shell (PowerShell, then cmd mode), exit status" "$rc" 0
like "valgrind: PowerShell state and cmd mode output" "$(printf '%s' "$out" | tr -d '\r' | tr '\n' ' ')" 'ps:42 .*cmd-mode'
check "valgrind: no memory errors or definite leaks" vg_clean
vg_clean || sed 's/^/# /' "$tmp"/vg.* | head -60
sim_stop
tap_done
