#!/bin/bash
# bench/run --quick end to end: every row of the table is present with sane values.
# Not a timing test: no figure is compared with a goal here.
. "$TOP_SRCDIR/tests/lib/tap.sh"
PYTHON3=${PYTHON3:-/usr/bin/python3}

[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"
"$PYTHON3" -c 'import winrm' 2>/dev/null || skip_all "pywinrm (python3-winrm) is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-bench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

NANOSH=$NANOSH "$PYTHON3" "$TOP_SRCDIR/bench/run" --quick --output "$work/result.json" \
  --build-dir "$work/build" > "$work/out.txt" 2> "$work/err.txt"
rc=$?
is "bench/run --quick exits 0" "$rc" 0
[ "$rc" = 0 ] || diag "$(tail -n 20 "$work/out.txt" "$work/err.txt")"
check "it prints the table" grep -q '^| one-shot' "$work/out.txt"

# The JSON checks print "PASS name" or "FAIL name", one a line.
"$PYTHON3" - "$work/result.json" > "$work/checks.txt" <<'PY'
import json, sys
def check(cond, name):
    print('%s %s' % ('PASS' if cond else 'FAIL', name))
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    check(False, 'JSON result written (%s)' % e)
    sys.exit(0)
check(True, 'JSON result written')
check(r.get('failures') == [], 'no client failed: %s' % r.get('failures'))
one = r.get('oneshot') or {}
for c in ('nanosh', 'pywinrm'):
    s = one.get(c) or {}
    check(0 < (s.get('wall_s') or {}).get('median', 0) < 30, 'one-shot wall time of %s' % c)
    check(0 < (s.get('cpu_s') or {}).get('median', 0) < 30, 'one-shot CPU time of %s' % c)
    check(1024 < (s.get('maxrss_kib') or {}).get('median', 0) < 1 << 22, 'one-shot peak RSS of %s' % c)
    check(3 <= (s.get('requests') or {}).get('median', 0) <= 20, 'HTTP requests of a one-shot by %s' % c)
check(0 < ((r.get('floor') or {}).get('wall_s') or {}).get('median', 0) < 30, 'server floor wall time')
sess = r.get('session') or {}
for c in ('nanosh', 'pywinrm'):
    s = sess.get(c) or {}
    check((s.get('commands_per_s') or {}).get('median', 0) > 0, 'session commands/s of %s' % c)
    check(1 <= s.get('requests_per_command', 0) <= 10, 'requests per command in a session by %s' % c)
up = r.get('upload') or {}
for c in ('nanosh', 'pywinrm'):
    check(((up.get(c) or {}).get('mb_per_s') or {}).get('median', 0) > 0, 'upload MB/s of %s' % c)
seal = r.get('seal') or {}
check((seal.get('nanosh_mb_per_s') or {}).get('median', 0) > 0, 'seal+sign MB/s')
check((seal.get('openssl_combined_mb_per_s') or {}).get('median', 0) > 0, 'openssl speed RC4 + HMAC-MD5')
check(r.get('smb_upload') and r.get('fleet'), 'SMB upload and fleet rows say their state')
check(r.get('go') == 'available' or r.get('go', '').startswith('not available: '), 'Go peer: %s' % r.get('go'))
PY
while read -r verdict name; do
  if [ "$verdict" = PASS ]; then ok "$name"; else fail "$name"; fi
done < "$work/checks.txt"
tap_done
