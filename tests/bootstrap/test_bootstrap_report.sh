#!/bin/bash
# The bootstrap report's schema (docs/bootstrap-report.schema.json) against what the
# writer makes of reports built by hand (test_bootstrap_report --write: synthetic, not
# a run), and against documents the schema must refuse, so that its checks can fail.
. "$TOP_SRCDIR/tests/lib/tap.sh"
PY=${PYTHON3:-python3}
SCHEMA=$TOP_SRCDIR/docs/bootstrap-report.schema.json
VALIDATE=$TOP_SRCDIR/tests/bootstrap/validate_report.py
W=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-bsschema.XXXXXX")
trap 'rm -rf "$W"' EXIT

check "the writer wrote the synthetic reports" ./tests/bootstrap/test_bootstrap_report --write "$W"
check "the synthetic report is one JSON document" "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/synthetic.json"
# expect GOT WANT NAME (tap.sh's is, name last)
expect() { is "$3" "$1" "$2"; }
field() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$W/$1"; }
expect "$(field synthetic.json '[s["status"] for s in d["hosts"][0]["steps"]]')" \
  "['ok', 'ok', 'changed', 'would-change', 'skipped', 'changed', 'failed', 'skipped', 'skipped']" \
  "every step in order, with its status"
expect "$(field synthetic.json 'd["ok"], d["hosts"][0]["ok"], d["hosts"][1]["ok"], d["hosts"][1]["error"]')" \
  "False False False {'message': 'interrupted', 'fix': None}" "ok is false for the run and both hosts; an error without fix"
expect "$(field synthetic.json 'd["hosts"][0]["steps"][2]["facts"]["Caption"]')" \
  "$(printf 'NANO01\\Administrat\xc3\xb6r\t\x01 \xef\xbf\xbd end')" "facts keep host text, a stray byte as U+FFFD"
expect "$(field synthetic.json 'd["hosts"][0]["steps"][6]["kind"], d["hosts"][0]["steps"][6]["fix"], d["hosts"][0]["steps"][0]["kind"]')" \
  "mismatch run bootstrap again None" "kind and fix of a failed copy; null kind elsewhere"
expect "$(field no-steps.json 'd["plan"], d["hosts"][0]["steps"], d["hosts"][0]["host"]')" \
  "True [] [::1]" "a host that never ran: no steps, --plan recorded"

"$PY" "$VALIDATE" "$SCHEMA" "$W/synthetic.json" > "$W/why" 2>&1; rc=$?
if [ "$rc" = 3 ]; then
  skip "schema validation: $(cat "$W/why") (Debian python3-jsonschema)"
  skip "schema validation of a report without steps: no python3-jsonschema"
  skip "schema refuses a bad report: no python3-jsonschema"
else
  expect "$rc $(cat "$W/why")" "0 " "the synthetic report is valid against the schema"
  check "a report without steps is valid against the schema" "$PY" "$VALIDATE" "$SCHEMA" "$W/no-steps.json"
  # Each breaks one rule: an unknown status, a missing reason, a non-string fact, an
  # unknown step, an extra run-level field, a badly formed start time.
  n=0
  for edit in 'd["hosts"][0]["steps"][0]["status"]="fine"' \
              'del d["hosts"][0]["steps"][1]["reason"]' \
              'd["hosts"][0]["steps"][1]["facts"]["UBR"]=2430' \
              'd["hosts"][0]["steps"][1]["name"]="reboot"' \
              'd["extra"]=1' \
              'd["started"]="yesterday"'; do
    n=$((n + 1))
    "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); $edit; json.dump(d, open(sys.argv[2], 'w'))" \
      "$W/synthetic.json" "$W/bad$n.json"
    check "the schema refuses a report where $edit" sh -c "! '$PY' '$VALIDATE' '$SCHEMA' '$W/bad$n.json' >/dev/null"
  done
fi
tap_done
