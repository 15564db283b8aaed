#!/bin/sh
# Runs the corpus replay with the Python configure found (it needs python3-yaml).
exec "${PYTHON3:-python3}" "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/replay/test_corpus_replay.py" "$@"
