#!/bin/bash
# Report merge (tests/fleet/test_merge.c), then its merged report validated against
# docs/bootstrap-report.schema.json by tests/bootstrap/validate_report.py.
. "$TOP_SRCDIR/tests/lib/tap.sh"
prog="$TOP_BUILDDIR/tests/fleet/test_merge"
[ -x "$prog" ] || skip_all "tests/fleet/test_merge not built"
dir=$(mktemp -d) || skip_all "no temporary directory"
trap 'rm -rf -- "$dir"' EXIT
out=$("$prog" "$dir" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
is "merge: exit status" "$rc" 0
like "merge: every check ran" "$out" '1\.\.[0-9][0-9]'
check "merge: no failed check" eval '! printf "%s\n" "$out" | grep -q "^not ok"'
v=$("${PYTHON3:-python3}" "$TOP_SRCDIR/tests/bootstrap/validate_report.py" \
    "$TOP_SRCDIR/docs/bootstrap-report.schema.json" "$dir/merged.json" 2>&1); vrc=$?
if [ "$vrc" = 3 ]; then
  skip "the merged report against the schema: $v"
else
  printf '%s\n' "$v" | sed 's/^/# /'
  is "the merged report validates against docs/bootstrap-report.schema.json" "$vrc" 0
fi
tap_done
