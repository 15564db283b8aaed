#!/bin/bash
# The interactive shell keeps no process-global mutable state: its caches, history and
# readline's results live in the REPL's context (shell/repl/repl_state.h). In the
# compiled objects, every named variable is read-only (.rodata, .data.rel.ro*) or
# thread-local (the pointers readline's callbacks use, which carry no user data).
. "$TOP_SRCDIR/tests/lib/tap.sh"
command -v readelf >/dev/null || skip_all "readelf not installed"

# writable OBJECT: prints "file symbol section" for each named variable in a writable,
# not relocation-read-only section (.data, .bss, .data.rel.local, ...).
writable_objects() {
  local o=$1
  readelf -SW "$o" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) .*/\1 \2/p' >"$tmp/sections"
  readelf -sW "$o" | awk -v f="${o##*/}" 'NR == FNR { name[$1] = $2; next }
    $4 == "OBJECT" && $8 != "" {
      s = name[$7]
      if (s ~ /^\.(data|bss)/ && s !~ /^\.data\.rel\.ro/) print f, $8, s
    }' "$tmp/sections" -
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
objects=("$TOP_BUILDDIR"/shell/repl/*.o)
check "the shell/repl objects are built (found ${#objects[@]})" [ -e "${objects[0]}" ]
for o in "${objects[@]}"; do
  [ -e "$o" ] || continue
  found=$(writable_objects "$o")
  is "${o##*/}: no writable variable outside a context" "$found" ""
done
tap_done
