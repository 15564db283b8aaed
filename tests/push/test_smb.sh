#!/bin/bash
# SMB copies against a private smbd on loopback (tests/lib/samba.sh): the C program
# tests/push/test_smb drives shell/push/smb_copy and writes its own TAP.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/samba.sh"
[ -x "$TOP_BUILDDIR/tests/push/test_smb" ] || skip_all "tests/push/test_smb not built"
samba_start || { echo "1..1"; echo "not ok 1 - smbd started"; exit 1; }
# A suppression names a frame inside libsmbclient, whose libraries have no frame pointers:
# only the slow unwinder sees it (tests/push/lsan.supp says what it is).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP_SRCDIR/tests/push/lsan.supp:print_suppressions=0" \
SMB_CLOSED_PORT=$(samba_free_port) "$TOP_BUILDDIR/tests/push/test_smb"
rc=$?
samba_stop
exit "$rc"
