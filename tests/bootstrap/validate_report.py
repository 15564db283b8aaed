#!/usr/bin/env python3
"""Validates nanosh bootstrap reports against docs/bootstrap-report.schema.json.

    validate_report.py SCHEMA FILE...

Exit 0 when every file is one JSON document the schema accepts; 1 with the reasons on
stdout when one is not; 3 when the jsonschema module (Debian python3-jsonschema) is
missing, so that the calling test can say SKIP instead of passing."""
import json
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    print('python3-jsonschema is not installed')
    sys.exit(3)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding='utf-8') as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        try:
            with open(path, encoding='utf-8') as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print('%s: not one JSON document: %s' % (path, e))
            bad += 1
            continue
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            print('%s: at /%s: %s' % (path, '/'.join(str(p) for p in err.path), err.message))
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
