#!/bin/bash
# Passwords typed at the prompt (issue 14, item 4): a wrong one gets two more tries, as in
# ssh, in every mode that connects; a password from a file or NANOSH_PASSWORD is never
# asked again; a --password-file others can read gets a one-line warning.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/integration/common.sh"
. "$TOP_SRCDIR/tests/pty/pty_lib.sh"
. "$TOP_SRCDIR/tests/lib/smb_lsan.sh"
sim_start --ntlm || skip_all "the test server did not start"
tmp=$SIM_DIR/pw; mkdir -p "$tmp/home"
trap 'pty_stop; sim_stop' EXIT
PROMPT="$SIM_USER@127\\.0\\.0\\.1's password: "
TARGET="127.0.0.1:$SIM_PORT"

# run_in_pty CMD...: nanosh in a fresh terminal; the shell around it prints its status.
# Each run has a tmux server of its own: a new one on a socket just killed may not start.
RUNS=0
run_in_pty() {
  pty_stop
  RUNS=$((RUNS + 1)); PTY_SOCK=nanosh-pty-$$-$RUNS
  pty_start env HOME="$tmp/home" TERM=xterm LANG=C.UTF-8 XDG_CONFIG_HOME="$tmp/home" \
    sh -c '"$@"; echo "exit=$?"' sh "$@"
}
# answer N PASSWORD: waits for the Nth prompt, then types PASSWORD.
answer() {
  pty_wait_count "$PROMPT" "$1" 15 || return 1
  pty_type "$2"; pty_keys Enter
}

# --- -c: wrong, wrong, right: the command runs ---
run_in_pty "$NANOSH" -u "$SIM_USER" "$TARGET" -c 'echo ran-after-retries'
answer 1 wrong-one && answer 2 wrong-two && answer 3 "$SIM_PASSWORD"
check "-c: wrong, wrong, right: the command runs" pty_wait '^ran-after-retries' 20
check "-c: exit status 0" pty_wait '^exit=0$' 10
is "-c: three prompts" "$(pty_count "$PROMPT")" 3
is "-c: each wrong password is answered once" "$(pty_count 'please try again')" 2
check "-c: the password never shows" bash -c "! tmux -L $PTY_SOCK capture-pane -p -t t -S -200 | grep -q 'wrong-one\|$SIM_PASSWORD'"

# --- three wrong: one error, exit 255, no fourth prompt ---
run_in_pty "$NANOSH" -u "$SIM_USER" "$TARGET" -c 'echo must-not-run'
answer 1 bad1 && answer 2 bad2 && answer 3 bad3
check "three wrong: exit status 255" pty_wait '^exit=255$' 20
is "three wrong: three prompts, no fourth" "$(pty_count "$PROMPT")" 3
is "three wrong: one error line naming the refusal" "$(pty_count '^nanosh: .*rejected the credentials')" 1
is "three wrong: the command did not run" "$(pty_count '^must-not-run')" 0

# --- the interactive shell: wrong, then right ---
run_in_pty "$NANOSH" -u "$SIM_USER" "$TARGET"
answer 1 typo && answer 2 "$SIM_PASSWORD"
check "shell: wrong, right: the shell's prompt comes" pty_wait '127\.0\.0\.1 PS C:\\Users\\admin> ' 20
is "shell: two prompts" "$(pty_count "$PROMPT")" 2
pty_type ':quit'; pty_keys Enter
check "shell: :quit ends it with status 0" pty_wait '^exit=0$' 10

# --- wsman: wrong, then right ---
run_in_pty "$NANOSH" wsman -u "$SIM_USER" "$TARGET" identify
answer 1 typo && answer 2 "$SIM_PASSWORD"
check "wsman: wrong, right: the Identify reply is printed" pty_wait '"product_vendor": "Microsoft Corporation"' 20
check "wsman: exit status 0" pty_wait '^exit=0$' 10
is "wsman: two prompts" "$(pty_count "$PROMPT")" 2

# --- push over WinRM: wrong, then right ---
printf 'pushed-through-retries\n' >"$tmp/up.txt"
run_in_pty "$NANOSH" push --via winrm -u "$SIM_USER" "$TARGET" "$tmp/up.txt" 'C:\Users\admin\up.txt'
answer 1 typo && answer 2 "$SIM_PASSWORD"
check "push: wrong, right: exit status 0" pty_wait '^exit=0$' 30
is "push: two prompts" "$(pty_count "$PROMPT")" 2
is "push: the file arrived" "$(cat "$SIM_SANDBOX/Users/admin/up.txt" 2>/dev/null)" pushed-through-retries

# --- push as users write it (SMB first, so the password is asked for SMB and WinRM both) ---
printf 'pushed-after-smb-prompt\n' >"$tmp/up2.txt"
run_in_pty "$NANOSH" push -u "$SIM_USER" "$TARGET" "$tmp/up2.txt" 'C:\Users\admin\up2.txt'
answer 1 typo && answer 2 "$SIM_PASSWORD"
check "push (SMB asked first): wrong, right: exit status 0" pty_wait '^exit=0$' 60
is "push (SMB asked first): two prompts" "$(pty_count "$PROMPT")" 2
is "push (SMB asked first): the file arrived" "$(cat "$SIM_SANDBOX/Users/admin/up2.txt" 2>/dev/null)" pushed-after-smb-prompt
# --- bootstrap: wrong, then right; the next host takes the right one without asking ---
run_in_pty "$NANOSH" bootstrap --plan --steps reach -u "$SIM_USER" "$TARGET" "localhost:$SIM_PORT"
answer 1 typo && answer 2 "$SIM_PASSWORD"
check "bootstrap: wrong, right: exit status 0" pty_wait '^exit=0$' 60
is "bootstrap: two prompts for two hosts" "$(pty_count "$PROMPT")" 2
is "bootstrap: the wrong one is answered once" "$(pty_count 'please try again')" 1
is "bootstrap: both hosts logged on" "$(pty_count ' reach +ok .*logged on as admin')" 2

# --- a password that was not typed is never asked again ---
printf 'not-the-password\n' >"$tmp/pwfile"; chmod 600 "$tmp/pwfile"
run_in_pty "$NANOSH" -u "$SIM_USER" --password-file "$tmp/pwfile" "$TARGET" -c 'echo x'
check "--password-file wrong: exit status 255" pty_wait '^exit=255$' 20
is "--password-file wrong: no prompt" "$(pty_count "$PROMPT")" 0
is "--password-file wrong: no retry" "$(pty_count 'please try again')" 0
run_in_pty env NANOSH_PASSWORD=not-the-password "$NANOSH" -u "$SIM_USER" "$TARGET" -c 'echo x'
check "NANOSH_PASSWORD wrong: exit status 255" pty_wait '^exit=255$' 20
is "NANOSH_PASSWORD wrong: no prompt" "$(pty_count "$PROMPT")" 0

# --- a password file others can read: one warning, and nanosh goes on ---
printf '%s\n' "$SIM_PASSWORD" >"$tmp/shared"; chmod 644 "$tmp/shared"
out=$("$NANOSH" -u "$SIM_USER" --password-file "$tmp/shared" "$TARGET" -c 'echo went-on' </dev/null 2>"$tmp/err"); rc=$?
is "mode 644: the command still runs" "$rc:${out%%[[:space:]]*}" 0:went-on
like "mode 644: the warning names the file and the fix" "$(cat "$tmp/err")" \
  "^nanosh: warning: password file $tmp/shared is readable by others \\(mode 0644\\): chmod 600"
is "mode 644: one line on stderr" "$(wc -l <"$tmp/err" | tr -d ' ')" 1
chmod 640 "$tmp/shared"
"$NANOSH" -u "$SIM_USER" --password-file "$tmp/shared" "$TARGET" -c 'echo x' </dev/null >/dev/null 2>"$tmp/err"
like "mode 640: readable by its group" "$(cat "$tmp/err")" 'readable by its group \(mode 0640\)'
chmod 600 "$tmp/shared"
"$NANOSH" -u "$SIM_USER" --password-file "$tmp/shared" "$TARGET" -c 'echo x' </dev/null >/dev/null 2>"$tmp/err"
is "mode 600: no warning" "$(cat "$tmp/err")" ""

tap_done
