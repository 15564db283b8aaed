#!/bin/bash
# nanosh neither links libsmbclient nor loads it when no transfer uses SMB: linking it
# would map about 110 libraries on every start (DESIGN.md, "Performance").
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ -x "$NANOSH" ] || skip_all "nanosh not built"
command -v objdump >/dev/null || skip_all "objdump missing (binutils)"
needed=$(objdump -p "$NANOSH" | awk '$1 == "NEEDED" { print $2 }')
like "nanosh has NEEDED entries (objdump reads it)" "$needed" 'libc\.so'
if printf '%s\n' "$needed" | grep -q smbclient; then fail "libsmbclient is not NEEDED"; diag "$needed"
else ok "libsmbclient is not NEEDED"; fi
# --help stands for a start that uses no SMB; --version loads it on purpose, to report it.
loaded=$(LD_DEBUG=files "$NANOSH" --help 2>&1 >/dev/null)
like "LD_DEBUG=files lists what nanosh --help loads" "$loaded" 'file=libc\.so'
if printf '%s\n' "$loaded" | grep -q 'smbclient'; then fail "nanosh --help loads no libsmbclient"
else ok "nanosh --help loads no libsmbclient"; fi
loaded=$(LD_DEBUG=files "$NANOSH" --version 2>&1 >/dev/null)
like "nanosh --version loads libsmbclient, to say whether SMB is available" "$loaded" 'smbclient'
tap_done
