#!/bin/bash
# libnanosh is installable: `make install` into a staging directory (DESTDIR) puts the
# library, its header, nanosh.pc, the program, the man page, the example and the bash
# completion in place; the example builds against the *installed* library with
# `pkg-config --cflags --libs nanosh` and runs Identify and one command against the test
# server; the library exports only the functions of nanosh.h, under its SONAME; and
# `make uninstall` removes every file again.
#
# Under --enable-sanitizers the library is built with ASan and UBSan, and a program that
# loads it must have the ASan runtime first: the example is compiled with the same
# $SAN_CFLAGS (empty in a plain build), so it is checked under the sanitizers too.
# Everything is written under $TMPDIR, so the test also runs in `make distcheck`.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"

[ -n "${MAKE:-}" ] && [ -n "${CC:-}" ] || skip_all "MAKE and CC come from make check"
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
command -v "$PKG_CONFIG" >/dev/null || skip_all "pkg-config is not installed"

stage=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-install.XXXXXX") || exit 1
cleanup() { sim_stop; rm -rf "$stage"; }
trap cleanup EXIT
root=$stage/root

# The install itself: a make of its own, outside the jobserver of the make check.
env -u MAKEFLAGS -u MFLAGS $MAKE -C "$TOP_BUILDDIR" install DESTDIR="$root" >"$stage/install.log" 2>&1
rc=$?
is "make install DESTDIR=... succeeds" "$rc" 0
[ "$rc" = 0 ] || { diag "$(tail -20 "$stage/install.log")"; tap_done; exit; }

installed() { find "$root" -path "*/$1" \( -type f -o -type l \) | head -1; }
for f in bin/nanosh man1/nanosh.1 include/nanosh.h pkgconfig/nanosh.pc libnanosh.so \
         libnanosh.so.0 libnanosh.so.0.0.0 bash-completion/completions/nanosh \
         examples/identify_and_run.c; do
  check "installed: $f" [ -n "$(installed "$f")" ]
done

# pkg-config, with the configured prefix moved into the staging directory.
pcdir=$(dirname "$(installed pkgconfig/nanosh.pc)")
export PKG_CONFIG_PATH=$pcdir
prefix=$("$PKG_CONFIG" --variable=prefix nanosh)
pc() { "$PKG_CONFIG" --define-variable=prefix="$root$prefix" "$@" nanosh; }
libdir=$(pc --variable=libdir)
check "pkg-config's libdir is the staged one ($libdir)" [ -e "$libdir/libnanosh.so.0" ]
like "pkg-config --libs names -lnanosh" "$(pc --libs)" "-L$root.* -lnanosh"
like "pkg-config --cflags names the staged include dir" "$(pc --cflags)" "-I$root"
like "Requires.private lists what the library links" \
  "$("$PKG_CONFIG" --print-requires-private nanosh | tr '\n' ' ')" \
  'libxml-2.0.*libcurl.*libssl.*libcrypto.*krb5-gssapi'

# The header stands alone: it includes only standard headers and compiles as strict C99.
header=$(installed include/nanosh.h)
is "nanosh.h includes only standard headers" \
  "$(grep -o '#include <[^>]*>\|#include "[^"]*"' "$header" | tr '\n' ' ')" \
  "#include <stddef.h> #include <stdio.h> "
printf '#include <nanosh.h>\nnanosh_options o = NANOSH_OPTIONS_INIT;\n' >"$stage/alone.c"
check "nanosh.h compiles on its own (-std=c99 -pedantic)" \
  $CC -std=c99 -pedantic -Wall -Wextra -Werror $(pc --cflags) -c "$stage/alone.c" -o "$stage/alone.o"

# The example, built from its installed copy against the installed library.
example=$stage/identify_and_run
$CC $SAN_CFLAGS -Wall -Wextra -Werror -o "$example" "$(installed examples/identify_and_run.c)" \
  $(pc --cflags --libs) >"$stage/cc.log" 2>&1
rc=$?
is "the example builds with pkg-config --cflags --libs nanosh" "$rc" 0
[ "$rc" = 0 ] || diag "$(cat "$stage/cc.log")"
export LD_LIBRARY_PATH=$libdir
like "the example loads the installed library" "$(ldd "$example" | grep libnanosh)" \
  "libnanosh\.so\.0 => $libdir/libnanosh\.so\.0 "

# Exports: the functions nanosh.h declares, nothing else, under the SONAME.
lib=$libdir/libnanosh.so.0.0.0
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort)
declared=$(sed -n 's/^[a-z].*[ *]\(nanosh_[a-z_]*\)(.*/\1/p' "$header" | sort)
is "nm -D: the library exports exactly the functions of nanosh.h" "$exported" "$declared"
check "nm -D: every export is nanosh_*" [ -z "$(grep -v '^nanosh_' <<<"$exported")" ]
like "objdump -p: SONAME libnanosh.so.0" "$(objdump -p "$lib" | grep SONAME)" 'SONAME +libnanosh\.so\.0$'

# The example against the test server: HTTPS, Basic, Identify and one command.
sim_start --https || { fail "the test server starts"; tap_done; exit; }
out=$(NANOSH_PASSWORD=$SIM_PASSWORD "$example" 127.0.0.1 "$SIM_HTTPS_PORT" "$SIM_USER" "$SIM_CA" \
      'echo hi & echo oops 1>&2 & exit 3' 2>"$stage/err")
rc=$?
is "example: exits 0" "$rc" 0
is "example: Identify, the command's output and its exit code" "$(tr -d '\r' <<<"$out" | sed 's/ *$//')" \
  "$(printf 'Microsoft Corporation, %s\nhi\nexit code 3' \
     "$(sed -n 's/^PRODUCT_VERSION = .\(.*\).$/\1/p' "$TOP_SRCDIR/tests/server/wsman_service.py")")"
is "example: the command's stderr" "$(tr -d '\r' <"$stage/err" | sed 's/ *$//')" oops
is "example: the shell was deleted" "$(sim_state_field 'len(s["shells"])')" 0
# A wrong password: the error value's message and fix, nothing on stdout.
out=$(NANOSH_PASSWORD=wrong "$example" 127.0.0.1 "$SIM_HTTPS_PORT" "$SIM_USER" "$SIM_CA" 'ver' 2>"$stage/err")
rc=$?
is "example, wrong password: exits 255" "$rc" 255
like "example, wrong password: the error says what and what to do" "$(cat "$stage/err")" \
  '^.*401.*\(.+\)$'
is "example, wrong password: nothing on stdout" "$out" ""
sim_stop

# The bash completion loads, and knows every long option of the program.
completion=$(installed bash-completion/completions/nanosh)
is "bash completion registers for nanosh" \
  "$(bash -c 'source "$1" && complete -p nanosh' _ "$completion")" "complete -F _nanosh nanosh"
missing=
for opt in $(sed -n 's/^ *{"\([a-z-]*\)", *[a-z_]*_argument.*/\1/p' "$TOP_SRCDIR/shell/cli/options.c"); do
  grep -q -- "--$opt\b" "$completion" || missing="$missing --$opt"
done
is "bash completion covers every long option of shell/cli/options.c" "$missing" ""
is "bash completion completes --ca" \
  "$(bash -c 'source "$1"; COMP_WORDS=(nanosh --ca); COMP_CWORD=1; _nanosh; echo "${COMPREPLY[*]}"' _ "$completion")" \
  --cacert

# Uninstall removes every file it installed.
env -u MAKEFLAGS -u MFLAGS $MAKE -C "$TOP_BUILDDIR" uninstall DESTDIR="$root" >"$stage/uninstall.log" 2>&1
is "make uninstall succeeds" "$?" 0
is "make uninstall leaves no file behind" "$(find "$root" \( -type f -o -type l \) | sed "s|^$root||")" ""
tap_done
