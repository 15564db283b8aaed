#!/bin/bash
# bench/transfer with a 1 MiB payload, end to end: every part runs (the direct uploads,
# the wire count through tests/lib/relay.py, the slow link, start-up against a base
# build, here nanosh itself) and the JSON holds sane values.  Not a timing test: no
# figure is compared with a goal here.
. "$TOP_SRCDIR/tests/lib/tap.sh"
PYTHON3=${PYTHON3:-/usr/bin/python3}

[ -x "${NANOSH:-}" ] || skip_all "nanosh binary not built (NANOSH=${NANOSH:-unset})"
"$PYTHON3" -c 'import winrm' 2>/dev/null || skip_all "pywinrm (python3-winrm) is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-transfer-smoke.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

"$PYTHON3" "$TOP_SRCDIR/bench/transfer" --nanosh "$NANOSH" --base "$NANOSH" --base-label itself \
  --mib 1 --runs 1 --slow-runs 1 --startup-runs 1 --rtt-ms 2 --mbit 400 \
  --output "$work/result.json" --build-dir "$work/build" > "$work/out.txt" 2> "$work/err.txt"
rc=$?
is "bench/transfer exits 0" "$rc" 0
[ "$rc" = 0 ] || diag "$(tail -n 20 "$work/out.txt" "$work/err.txt")"
check "it prints the table" grep -q '^| upload 1 MiB, MB/s' "$work/out.txt"

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
check(r.get('ansible_sink') in ('powershell', 'cat'), 'the Ansible-style sink is named: %s' % r.get('ansible_sink'))
med = lambda s: (s or {}).get('median', 0)  # noqa: E731
for part in ('direct', 'slow'):
    p = r.get(part) or {}
    for c in ('nanosh', 'ansible'):
        s = p.get(c) or {}
        check(med(s.get('mb_per_s')) > 0, '%s: MB/s of %s' % (part, c))
        check(0 < med(s.get('cpu_s_per_mib')) < 60, '%s: CPU per MiB of %s' % (part, c))
        check(1024 < med(s.get('maxrss_kib')) < 1 << 22, '%s: peak RSS of %s' % (part, c))
if r.get('nanosh_has_push'):
    check(med(((r.get('slow') or {}).get('nanosh/4') or {}).get('mb_per_s')) > 0, 'slow: the --streams 4 row')
w = r.get('wire') or {}
# Base64 in the SOAP body alone makes 4/3; Ansible's base64 lines inside it make 16/9.
check(4 / 3. < (w.get('nanosh') or {}).get('per_payload_byte', 0) < 3, 'wire bytes per payload byte of nanosh')
check(16 / 9. < (w.get('ansible') or {}).get('per_payload_byte', 0) < 4, 'wire bytes per payload byte, Ansible-style')
st = r.get('startup') or {}
for b in ('current', 'base'):
    check(0 < med((st.get(b) or {}).get('cpu_s')) < 30, 'start-up CPU of %s' % b)
    check(1024 < med((st.get(b) or {}).get('maxrss_kib')) < 1 << 22, 'start-up peak RSS of %s' % b)
PY
n=0
while read -r verdict name; do
  n=$((n + 1))
  if [ "$verdict" = PASS ]; then ok "$name"; else fail "$name"; fi
done < "$work/checks.txt"
[ "$n" -ge 20 ] || fail "all JSON checks reported (got $n)"
tap_done
