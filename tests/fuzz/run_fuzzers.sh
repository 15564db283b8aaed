#!/bin/bash
# Bounded libFuzzer runs of the code that reads outside input: what a server or a host
# sends, and the files users and other runs give (tests/fuzz/fuzz_*.c).
# Builds every target with clang -fsanitize=fuzzer,address,undefined into
# $TOP_BUILDDIR/tests/fuzz/ (the library sources are compiled in with clang; the project's
# own build may use another compiler), then runs each for FUZZ_SECONDS (default 10) on a
# copy of its seeds (tests/fuzz/seeds/TARGET/ and the inputs that once crashed it,
# tests/fuzz/regressions/TARGET/, replayed first on every run; plus matching files of
# $NANOSH_CORPUS when present) in a temporary directory. One TAP line per target: not ok when the run ended in
# a crash, leak, timeout or sanitizer report; the input that did it is kept under
# $TOP_BUILDDIR/tests/fuzz/crashes/. Skips when clang with libFuzzer is not available.
#   FUZZ_SECONDS  seconds per target (default 4: make check; "make fuzz" gives 60)
#   FUZZ_TARGETS  the targets to run, space-separated names without fuzz_ (default: all)
#   FUZZ_JOBS     targets run at once (default: number of CPUs, at most 2)
#   FUZZ_CC       the compiler (default clang)
set -u
srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${TOP_BUILDDIR:-$(pwd)}
. "$srcdir/tests/lib/tap.sh"

all_targets="reply encrypted ntlm_challenge www_authenticate clixml config targets
  inventory report_merge zip bootstrap_text winrm_answers target_url xml_json ps_framing"
targets=${FUZZ_TARGETS:-$all_targets}
seconds=${FUZZ_SECONDS:-4}
cc=${FUZZ_CC:-clang}
cpus=$(nproc 2>/dev/null || echo 1)
jobs=${FUZZ_JOBS:-$((cpus < 2 ? 1 : 2))}
out=$builddir/tests/fuzz
pkgs="libxml-2.0 libcurl libssl libcrypto krb5-gssapi jansson libarchive"

case $seconds in ''|*[!0-9]*|0) echo "Bail out! FUZZ_SECONDS must be a positive number"; exit 1 ;; esac
for t in $targets; do
  case " $(echo $all_targets) " in *" $t "*) ;; *) echo "Bail out! FUZZ_TARGETS: no target $t"; exit 1 ;; esac
done

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
  $srcdir/shell/cli/options.c $srcdir/shell/cli/target.c $srcdir/shell/cli/errors.c $srcdir/shell/cli/xml_json.c
  $srcdir/shell/cli/json.c $srcdir/shell/push/xfer.c $srcdir/shell/push/smb_path.c $srcdir/tests/fuzz/fuzz_stub_version.c
  $srcdir/shell/push/remote_list.c
  $srcdir/shell/ps/ps_framing.c $srcdir/shell/ps/ps_snippets.c $srcdir/shell/ps/ps_quote.c
  $srcdir/shell/fleet/inventory.c $srcdir/shell/fleet/shard.c $srcdir/shell/fleet/report_merge.c
  $srcdir/shell/bootstrap/bs_zip.c $srcdir/shell/bootstrap/bs_text.c $srcdir/shell/bootstrap/bs_wmi.c
  $srcdir/shell/bootstrap/bs_local.c"
mkdir -p "$out/obj" || { echo "Bail out! cannot create $out"; exit 1; }
stamp=$out/build.stamp
want="$cc $cflags $pkglibs"
stale=1
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  stale=0
  for t in $all_targets; do [ -x "$out/fuzz_$t" ] || stale=1; done
  [ -n "$(find "$srcdir/base" "$srcdir/wsman" "$srcdir/auth" "$srcdir/shell" "$srcdir/tests/fuzz" \
              -name '*.[ch]' -newer "$stamp" 2>/dev/null | head -1)" ] && stale=1
  [ "$0" -nt "$stamp" ] && stale=1   # this script builds them
fi
build_failed=""
if [ $stale = 1 ]; then
  # An object is kept when it is newer than its source, every header and this script.
  newest=$(find "$srcdir/base" "$srcdir/wsman" "$srcdir/auth" "$srcdir/shell" -name '*.h' \
             -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-)
  rm -f "$stamp" "$out"/libfuzz.a "$out"/obj/failed
  [ -f "$out/obj/cflags" ] && [ "$(cat "$out/obj/cflags")" = "$want" ] || rm -f "$out"/obj/*.o
  printf '%s\n' "$want" > "$out/obj/cflags"
  start=$SECONDS
  running=0
  for f in $libsrc; do
    o=$out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o
    [ -f "$o" ] && [ "$o" -nt "$f" ] && [ "$o" -nt "$0" ] && { [ -z "$newest" ] || [ "$o" -nt "$newest" ]; } &&
      continue
    rm -f "$o"
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
  elif ! printf '%s\n' $libsrc | sed "s|.*/\([^/]*\)/\([^/]*\)\.c\$|$out/obj/\1_\2.o|" |
         xargs ar cr "$out/libfuzz.a" 2>"$out/obj/ar.log"; then
    build_failed="ar: $(head -3 "$out/obj/ar.log")"
  else
    running=0
    for t in $all_targets; do
      # shellcheck disable=SC2086
      { "$cc" $cflags -fsanitize=fuzzer "$srcdir/tests/fuzz/fuzz_$t.c" "$out/libfuzz.a" $pkglibs \
          -o "$out/fuzz_$t" >"$out/fuzz_$t.build.log" 2>&1 || echo "$t" >>"$out/obj/failed"; } &
      running=$((running + 1))
      if [ $running -ge "$cpus" ]; then wait -n; running=$((running - 1)); fi
    done
    wait
    for t in $(cat "$out/obj/failed" 2>/dev/null); do
      build_failed="${build_failed:+$build_failed; }linking fuzz_$t: $(grep -m3 -E 'error|undefined' "$out/fuzz_$t.build.log")"
    done
    rm -f "$out/obj/failed"
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
  for f in "$srcdir/tests/fuzz/regressions/$t/"*; do
    [ -f "$f" ] && cp "$f" "$tmp/$t/corpus/regression-$(basename "$f")"
  done
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

table=()   # per target: "| fuzz_T | runs | cov | ft | crashes |"
for t in $targets; do
  log=$tmp/$t/log
  status=${rc[$t]:-?}
  # libFuzzer's last lines: "#N DONE cov: C ft: F corp: ..." and "Done N runs in S second(s)";
  # with -print_final_stats=1, stat::number_of_executed_units when it stopped on a crash.
  runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log" | tail -1)
  units=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | sed 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/')
  set -- ${cov:-- -}
  crashes=$(ls "$tmp/$t" | grep -cE '^(crash|leak|timeout|oom)-')
  table+=("| fuzz_$t | ${runs:-${units:-?}} | $1 | $2 | $crashes |")
  if [ "$status" = 0 ] && [ -n "$runs" ] &&
     ! grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^SUMMARY: ' "$log"; then
    ok "fuzz_$t: $runs runs in $seconds s, cov $1 ft $2, 0 crashes, $(ls "$tmp/$t/corpus" | wc -l) inputs in the corpus"
    continue
  fi
  fail "fuzz_$t: exit status $status after ${units:-?} runs, $crashes crashing input(s)"
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
# The summary "make fuzz" shows (docs/reliability.md, "Fuzzing").
diag "| target | executions | cov | ft | crashes |"
diag "|---|---:|---:|---:|---:|"
for row in "${table[@]}"; do diag "$row"; done
tap_done
