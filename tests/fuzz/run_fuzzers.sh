#!/bin/bash
# Bounded libFuzzer runs of the code that reads what a server sends (tests/fuzz/fuzz_*.c).
# Builds every target with clang -fsanitize=fuzzer,address,undefined into
# $TOP_BUILDDIR/tests/fuzz/ (the library sources are compiled in with clang; the project's
# own build may use another compiler), then runs each for FUZZ_SECONDS (default 10) on a
# copy of its seeds (tests/fuzz/seeds/TARGET/, plus matching files of $NANOSH_CORPUS when
# present) in a temporary directory. One TAP line per target: not ok when the run ended in
# a crash, leak, timeout or sanitizer report; the input that did it is kept under
# $TOP_BUILDDIR/tests/fuzz/crashes/. Skips when clang with libFuzzer is not available.
#   FUZZ_SECONDS  seconds per target (default 10)
#   FUZZ_JOBS     targets run at once (default: number of CPUs, at most 2)
#   FUZZ_CC       the compiler (default clang)
set -u
srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${TOP_BUILDDIR:-$(pwd)}
. "$srcdir/tests/lib/tap.sh"

targets="reply encrypted ntlm_challenge www_authenticate clixml config targets"
seconds=${FUZZ_SECONDS:-10}
cc=${FUZZ_CC:-clang}
cpus=$(nproc 2>/dev/null || echo 1)
jobs=${FUZZ_JOBS:-$((cpus < 2 ? 1 : 2))}
out=$builddir/tests/fuzz
pkgs="libxml-2.0 libcurl libssl libcrypto krb5-gssapi"

case $seconds in ''|*[!0-9]*|0) echo "Bail out! FUZZ_SECONDS must be a positive number"; exit 1 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-fuzz.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
declare -A pid rc   # per target: the fuzzer's process id, its exit status
queue=()            # targets started and not yet waited for
cleanup() {
  # Only the fuzzers this script started and has not reaped yet.
  for t in "${queue[@]}"; do kill "${pid[$t]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- can clang build and run a libFuzzer program here? ----
command -v "$cc" >/dev/null 2>&1 || skip_all "clang/libFuzzer not available ($cc not found)"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cat > "$tmp/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
if ! "$cc" $san -fsanitize=fuzzer "$tmp/probe.c" -o "$tmp/probe" >"$tmp/probe.log" 2>&1 ||
   ! "$tmp/probe" -runs=1 >>"$tmp/probe.log" 2>&1; then
  diag "$(head -5 "$tmp/probe.log")"
  skip_all "clang/libFuzzer not available"
fi
pkgcflags=$(pkg-config --cflags $pkgs 2>/dev/null) && pkglibs=$(pkg-config --libs $pkgs 2>/dev/null) ||
  skip_all "pkg-config does not know $pkgs"

# ---- build (skipped when nothing changed since the last build) ----
cflags="-std=c11 -g -O1 -D_GNU_SOURCE -DPACKAGE_VERSION=\"fuzz\" -I$srcdir $pkgcflags $san"
libsrc="$(ls "$srcdir"/base/*.c "$srcdir"/wsman/*.c "$srcdir"/auth/*.c) $srcdir/shell/ps/clixml.c $srcdir/shell/cli/config.c
  $srcdir/shell/cli/options.c $srcdir/shell/cli/target.c $srcdir/shell/cli/errors.c $srcdir/shell/push/smb_path.c"
mkdir -p "$out/obj" || { echo "Bail out! cannot create $out"; exit 1; }
stamp=$out/build.stamp
want="$cc $cflags $pkglibs"
stale=1
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  stale=0
  for t in $targets; do [ -x "$out/fuzz_$t" ] || stale=1; done
  [ -n "$(find "$srcdir/wsman" "$srcdir/auth" "$srcdir/shell" "$srcdir/tests/fuzz" \
              -name '*.[ch]' -newer "$stamp" 2>/dev/null | head -1)" ] && stale=1
fi
build_failed=""
if [ $stale = 1 ]; then
  rm -f "$stamp" "$out"/obj/*.o "$out"/libfuzz.a
  start=$SECONDS
  running=0
  for f in $libsrc; do
    o=$out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o
    # shellcheck disable=SC2086
    { "$cc" $cflags -fsanitize=fuzzer-no-link -c "$f" -o "$o" >"$o.log" 2>&1 || echo "$f" >>"$out/obj/failed"; } &
    running=$((running + 1))
    if [ $running -ge "$cpus" ]; then wait -n; running=$((running - 1)); fi
  done
  wait
  if [ -s "$out/obj/failed" ]; then
    f=$(head -1 "$out/obj/failed")
    build_failed="compiling $f: $(head -5 "$out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o.log")"
    rm -f "$out/obj/failed"
  elif ! ar cr "$out/libfuzz.a" "$out"/obj/*.o 2>"$out/obj/ar.log"; then
    build_failed="ar: $(head -3 "$out/obj/ar.log")"
  else
    for t in $targets; do
      # shellcheck disable=SC2086
      "$cc" $cflags -fsanitize=fuzzer "$srcdir/tests/fuzz/fuzz_$t.c" "$out/libfuzz.a" $pkglibs \
        -o "$out/fuzz_$t" >"$out/fuzz_$t.build.log" 2>&1 || build_failed="linking fuzz_$t: $(head -5 "$out/fuzz_$t.build.log")"
    done
  fi
  [ -z "$build_failed" ] && printf '%s\n' "$want" > "$stamp"
  diag "built the fuzz targets in $((SECONDS - start)) s"
fi
if [ -n "$build_failed" ]; then
  for t in $targets; do fail "fuzz_$t: not built"; done
  diag "$build_failed"
  tap_done
  exit 1
fi

# ---- seeds: a copy of ours, and what the shared corpus has for each target ----
corpus=${NANOSH_CORPUS:-}
for t in $targets; do
  mkdir -p "$tmp/$t/corpus" "$tmp/$t/tmp"
  cp "$srcdir/tests/fuzz/seeds/$t/"* "$tmp/$t/corpus/" 2>/dev/null
done
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
  n=0
  # Single replies and whole exchanges in XML, up to 64 KiB each.
  while IFS= read -r f; do
    n=$((n + 1)); cp "$f" "$tmp/reply/corpus/corpus-$n.xml"
  done < <(find "$corpus" -type f -name '*.xml' -size -65536c 2>/dev/null | sort)
  while IFS= read -r f; do
    n=$((n + 1)); base64 -d "$f" > "$tmp/ntlm_challenge/corpus/corpus-$n.bin" 2>/dev/null
  done < <(find "$corpus" -type f -name '*challenge*.b64' 2>/dev/null | sort)
fi

# ---- run, at most $jobs at once ----
# Sanitizer reports go to the run's log (an inherited log_path would hide them from it).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=stderr:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=stderr:print_stacktrace=1:halt_on_error=1"
start=$SECONDS
for t in $targets; do
  if [ ${#queue[@]} -ge "$jobs" ]; then
    first=${queue[0]}; queue=("${queue[@]:1}")
    wait "${pid[$first]}"; rc[$first]=$?
  fi
  (cd "$tmp/$t" && TMPDIR="$tmp/$t/tmp" exec "$out/fuzz_$t" -max_total_time="$seconds" \
     -rss_limit_mb=512 -timeout=5 -close_fd_mask=3 -print_final_stats=1 \
     -artifact_prefix="$tmp/$t/" corpus >"$tmp/$t/log" 2>&1) &
  pid[$t]=$!
  queue+=("$t")
done
while [ ${#queue[@]} -gt 0 ]; do
  first=${queue[0]}; queue=("${queue[@]:1}")
  wait "${pid[$first]}"; rc[$first]=$?
done
diag "fuzzed ${seconds} s per target, $jobs at a time, in $((SECONDS - start)) s"

for t in $targets; do
  log=$tmp/$t/log
  status=${rc[$t]:-?}
  runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log" | tail -1)
  if [ "$status" = 0 ] && [ -n "$runs" ] &&
     ! grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^SUMMARY: ' "$log"; then
    ok "fuzz_$t: $runs runs in $seconds s, $(ls "$tmp/$t/corpus" | wc -l) inputs in the corpus"
    continue
  fi
  fail "fuzz_$t: exit status $status"
  for a in "$tmp/$t"/crash-* "$tmp/$t"/leak-* "$tmp/$t"/timeout-* "$tmp/$t"/oom-*; do
    [ -e "$a" ] || continue
    mkdir -p "$out/crashes"
    cp "$a" "$out/crashes/fuzz_$t-$(basename "$a")"
    diag "input: $out/crashes/fuzz_$t-$(basename "$a")"
    diag "reproduce: $out/fuzz_$t $out/crashes/fuzz_$t-$(basename "$a")"
  done
  first=$(grep -nE 'ERROR: |runtime error:|==[0-9]+==' "$log" | head -1 | cut -d: -f1)
  if [ -n "$first" ]; then
    sed -n "${first},$((first + 24))p" "$log" | while IFS= read -r l; do diag "$l"; done
  else
    tail -15 "$log" | while IFS= read -r l; do diag "$l"; done
  fi
done
tap_done
