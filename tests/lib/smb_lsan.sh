# Sourced by the tests whose nanosh loads libsmbclient: it keeps a talloc block at exit
# (tests/push/lsan.supp says which), and only the slow unwinder sees the frame the
# suppression names.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP_SRCDIR/tests/push/lsan.supp:print_suppressions=0"
