#!/bin/bash
# The bootstrap steps (shell/bootstrap) against the test server playing Nano 2016 hosts
# (tests/bootstrap/profiles): tests/bootstrap/test_steps runs bootstrap once and checks
# each step's status; its TAP lines become comments here. A fresh host changes, then is
# ok; a plan changes nothing (the host state file byte for byte); each broken host fails
# the right step with its reason; the SMB way in (ADMIN$ refused, the share taken) with
# Samba on the server's C:\.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"
prog=$TOP_BUILDDIR/tests/bootstrap/test_steps
[ -x "$prog" ] || skip_all "tests/bootstrap/test_steps not built"
ADMIN_PW=Adm1n-pw
work=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-bs.XXXXXX") || exit 1
ZIP=$(sim_docker_zip "$work") || { echo "Bail out! no stand-in zip"; exit 1; }
mkdir "$work/new" && NEW_ZIP=$(sim_docker_zip "$work/new" --too-new) || { echo "Bail out! no 23.x zip"; exit 1; }
BS_ALL_OK=(reach=ok host=ok admin-account=ok trusted-hosts=ok firewall=ok share=ok docker-files=ok
           docker-service=ok verify=ok)

# bs NAME [test_steps args...]: one run as Administrator; it must pass every check.
bs() {
  local name=$1 out rc; shift
  out=$("$prog" --user Administrator --password "$ADMIN_PW" --label "$name" "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/# /'
  is "$name: exit status" "$rc" 0
  like "$name: checks ran" "$out" '1\.\.[1-9][0-9]*'
  check "$name: no failed check" eval '! printf "%s\n" "$out" | grep -q "^not ok"'
}

# start PROFILE: the server playing that host, with Administrator able to log on.
start() {
  sim_start --ntlm --profile "$1" --account "Administrator:$ADMIN_PW" "${@:2}"
}

# A fresh host: a plan changes nothing; then every step that can change, changes; then
# everything is ok.
if start fresh; then
  cp "$SIM_HOST_STATE" "$work/before.json"
  bs "fresh, plan" --plan --zip "$ZIP" reach=ok host=ok admin-account=ok \
    trusted-hosts=would-change firewall=would-change share=would-change \
    docker-files=would-change docker-service=would-change "verify=skipped~would change"
  check "fresh, plan: the host state is byte for byte the same" cmp -s "$work/before.json" "$SIM_HOST_STATE"
  bs "fresh, first run" --zip "$ZIP" reach=ok host=ok admin-account=ok \
    "trusted-hosts=changed~'' -> '*'" "firewall=changed~7 rules" "share=changed~C:\\Share" \
    "docker-files=changed~sha256 ok" "docker-service=changed~registered and started" \
    "verify=ok~17.06.2-ee-16"
  bs "fresh, second run" --zip "$ZIP" "${BS_ALL_OK[@]}"
  cp "$SIM_HOST_STATE" "$work/after.json"
  bs "fresh, plan after" --plan --zip "$ZIP" "${BS_ALL_OK[@]}"
  check "configured host, plan: the host state unchanged" cmp -s "$work/after.json" "$SIM_HOST_STATE"
  bs "--steps trusted-hosts with another entry" --steps trusted-hosts --trusted 'build01' \
    "trusted-hosts=ok~'*'" "reach=skipped~not selected" host=skipped
  sim_stop
else fail "server started (fresh)"; fi

# The files from --docker-dir, and --steps selecting part of the run.
if start partial; then
  mkdir "$work/dir" && "$SIM_PYTHON" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in ("docker.exe", "dockerd.exe"):
    open(sys.argv[2] + "/" + n, "wb").write(z.read("docker/" + n))' "$ZIP" "$work/dir" || fail "the stand-ins unpacked"
  bs "partial" --dir "$work/dir" reach=ok host=ok trusted-hosts=ok firewall=ok share=changed \
    docker-files=changed docker-service=changed verify=ok
  sim_stop
else fail "server started (partial)"; fi

if start configured && sim_install_docker; then
  bs "configured" --zip "$ZIP" "${BS_ALL_OK[@]}"
  bs "no docker binaries given" "docker-files=failed~--docker-zip" "host=ok~Nano Server 2016" \
    "docker-service=skipped~needs docker-files"
  bs "the share name taken by another path" --steps share --share-path 'C:\Other' \
    "share=failed~exists for C:\Share"
  bs "the share path with a trailing backslash" --steps share --share-path 'c:\share\' share=ok
  sim_stop
else fail "server started (configured)"; fi

# Hosts bootstrap cannot ready: the step that finds it fails, the steps that need it
# are skipped, the others still run.
if start no-containers; then
  bs "no Containers" --zip "$ZIP" "host=failed~vmcompute" "docker-files=skipped~needs host" \
    "docker-service=skipped" "verify=skipped~needs docker-service" trusted-hosts=changed
  sim_stop
else fail "server started (no-containers)"; fi

if start old-ubr; then
  bs "old UBR" --zip "$ZIP" "host=failed~KB3176936" docker-files=skipped
  sim_stop
else fail "server started (old-ubr)"; fi

if start not-nano; then
  bs "not Nano" --zip "$ZIP" "host=failed~not Nano Server" docker-files=skipped
  sim_stop
else fail "server started (not-nano)"; fi

if start fresh; then
  bs "engine 23.x zip" --zip "$NEW_ZIP" "host=failed~23.0.1" "docker-files=skipped~needs host"
  check "engine 23.x zip: nothing copied to System32" test ! -e "$SIM_SANDBOX/Windows/System32/dockerd.exe"
  sim_stop
else fail "server started (fresh, 23.x)"; fi

# A zip that is not safe to unpack fails docker-files, not host; nothing is copied.
mkdir "$work/hostile" && HOSTILE_ZIP=$(sim_docker_zip "$work/hostile" --hostile) || fail "a hostile zip made"
if start fresh; then
  bs "hostile zip" --zip "$HOSTILE_ZIP" host=ok "docker-files=failed~'..'" "docker-service=skipped~needs docker-files"
  check "hostile zip: nothing copied to System32" test ! -e "$SIM_SANDBOX/Windows/System32/docker.exe"
  sim_stop
else fail "server started (fresh, hostile zip)"; fi

# A push cut off midway (the connection dropped after 1 MiB of a file): docker-files
# fails saying so, and the next run copies the files.
mkdir "$work/big" && BIG_ZIP=$(sim_docker_zip "$work/big" --size 3000000) || fail "a 3 MB zip made"
if start fresh --fault-drop-after-stdin-bytes 1048576; then
  bs "push cut off" --zip "$BIG_ZIP" "docker-files=failed" "docker-service=skipped~needs docker-files"
  is "push cut off: the server dropped the connection" "$(sim_state_field 's["fault_stdin_drop"]["fired"]')" True
  bs "push cut off, run again" --zip "$BIG_ZIP" "docker-files=changed~sha256 ok" docker-service=changed verify=ok
  sim_stop
else fail "server started (fresh, drop)"; fi

if start firewall-broken; then
  bs "firewall broken" --zip "$ZIP" "firewall=failed~netsh" share=changed
  sim_stop
else fail "server started (firewall-broken)"; fi

if start firewall-enable-returns; then
  bs "Enable returns 5, netsh works" --zip "$ZIP" "firewall=changed~with netsh"
  sim_stop
else fail "server started (firewall-enable-returns)"; fi

if start firewall-netsh-only; then
  bs "no MSFT_NetFirewallRule, netsh works" --zip "$ZIP" "firewall=changed~netsh"
  bs "no MSFT_NetFirewallRule, plan" --plan --zip "$ZIP" "firewall=would-change~netsh would enable"
  sim_stop
else fail "server started (firewall-netsh-only)"; fi

if start service-wont-start; then
  bs "service won't start" --zip "$ZIP" "docker-service=failed~returned 8: unknown failure" \
    "verify=skipped~needs docker-service"
  sim_stop
else fail "server started (service-wont-start)"; fi

if start service-stays-stopped; then
  bs "service stays stopped" --zip "$ZIP" --wait 2 "docker-service=failed~did not reach Running" \
    verify=skipped
  sim_stop
else fail "server started (service-stays-stopped)"; fi

if start password-not-required; then
  bs "PasswordRequired false" --zip "$ZIP" --steps reach,admin-account "admin-account=changed~PasswordRequired set"
  bs "PasswordRequired now true" --steps reach,admin-account "admin-account=ok"
  sim_stop
else fail "server started (password-not-required)"; fi

if start nonadmin-account --account 'operator:0per-pw'; then
  bs "not in Administrators" --steps reach,admin-account --user operator --password 0per-pw \
    "admin-account=failed~not in the Administrators group"
  sim_stop
else fail "server started (nonadmin-account)"; fi

if start nonbuiltin-admin --account 'deploy:Depl0y-pw'; then
  bs "a second administrator" --steps reach,admin-account --user deploy --password Depl0y-pw \
    "admin-account=ok"
  sim_stop
else fail "server started (nonbuiltin-admin)"; fi

# A blank password is refused before any request; a wrong one is explained.
if start fresh; then
  n0=$(grep -c 'POST /wsman' "$SIM_LOG")
  bs "blank password" --password '' --expect-fail "reach=failed~blank password" host=skipped \
    "docker-service=skipped~needs host" "verify=skipped~needs docker-service"
  is "blank password: no request was sent" "$(grep -c 'POST /wsman' "$SIM_LOG")" "$n0"
  n0=$(grep -c 'POST /wsman' "$SIM_LOG")
  bs "cancelled" --cancelled
  bs "deadline passed" --expired
  is "cancelled, deadline passed: no request was sent" "$(grep -c 'POST /wsman' "$SIM_LOG")" "$n0"
  bs "wrong password" --password 'nope' --expect-fail "reach=failed~refused the logon" host=skipped
  sim_stop
else fail "server started (fresh, passwords)"; fi

# SMB: the test Samba has no ADMIN$ (the admin share refuses), so the files go into the
# share of step 6 (Samba's "share" is the server's C:\) and are moved over WinRM.
if [ "$(id -u)" = 0 ] && command -v smbd >/dev/null 2>&1 && [ -r "$TOP_SRCDIR/tests/lib/samba.sh" ]; then
  . "$TOP_SRCDIR/tests/lib/samba.sh"
  if SIM_UMASK=000 start fresh; then
    if SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start; then
      # Samba 4.17 leaks a log file name per context (tests/push/lsan.supp).
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
      LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP_SRCDIR/tests/push/lsan.supp:print_suppressions=0" \
      bs "SMB: ADMIN\$ refused, the share taken" --smb --zip "$ZIP" --share-name share --share-path 'C:\' \
        "docker-files=changed~SMB share share, moved over WinRM" docker-service=changed verify=ok
      check "SMB: nothing left in the share" test ! -e "$SIM_SANDBOX/docker.exe"
      samba_stop
    else skip "smbd did not start"; fi
    sim_stop
  else fail "server started (SMB)"; fi
else skip "SMB: needs root and smbd"; fi
rm -rf "$work"
tap_done
