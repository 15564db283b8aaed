# Start and stop the WinRM test server (tests/server/winrm_sim.py) from TAP shell tests.
# Source after tests/lib/tap.sh.
#
#   sim_start [--https] [--ntlm] [--kerberos KEYTAB] [--profile NAME|FILE] [--account USER:PASSWORD]...
#             [--computer-name NAME] [winrm_sim.py args...]
#       Starts the simulator on 127.0.0.1 (or the --bind address given) with a free port, a fresh temp dir,
#       accounts admin:Secr3t-pass and DOM\alice:Alice-pw1, and a sandbox for C:\.
#       --https also makes a throw-away CA and a server certificate for
#       localhost, 127.0.0.1 and ::1 and opens an HTTPS listener next to HTTP.
#       Without --ntlm/--kerberos the server accepts Basic only (--auth basic).
#       --ntlm accepts NTLM (gss-ntlmssp) under the Negotiate and NTLM schemes;
#       --kerberos KEYTAB accepts Kerberos (MIT krb5) under Negotiate and Kerberos
#       with that service keytab.  Add --require-encryption and --offer negotiate,kerberos
#       for a stock Windows host, and --cbt strict|relaxed|none, --tamper-reply-signature,
#       --drop-connection-after N as needed (see winrm_sim.py --help); for push/pull over WinRM,
#       --deny-path 'C:\Denied' (repeatable: the stand-in powershell.exe's file snippets
#       fail with access denied at and under that Windows path) and
#       --fault-drop-after-stdin-bytes N (once per run: the Send that brings a command's
#       stdin to N bytes kills that command, keeping its partial file, and closes the
#       connection without a reply; s["fault_stdin_drop"] in the state file tells whether
#       it fired, for which command id, after how many bytes).
#       --inject STEP:KIND[:N] (repeatable) makes the Nth request of STEP (create, command,
#       send, receive, signal, delete, enumerate, pull, invoke, get, put, identify) misbehave
#       as KIND (close-before, close-after, 500-garbage, 500-unknown-fault, slow, huge,
#       wrong-relatesto, tamper-encrypted, repeat-sequence, timedout-forever, kill-mid-stream;
#       tests/server/fault_injection.py); s["fault_injection"] counts what fired.
#       With SIM_UMASK set (e.g. SIM_UMASK=000) the server, and so every file and directory
#       the stand-in and cmd.exe make in the sandbox, runs under that umask: with 000 they
#       are writable by any user, which a Samba share of the sandbox needs (tests/lib/samba.sh).
#       Exports SIM_PORT SIM_DIR SIM_SANDBOX SIM_STATE SIM_LOG SIM_PID SIM_USER SIM_PASSWORD
#       SIM_USER2 SIM_PASSWORD2 SIM_HOST SIM_URL SIM_AUTH SIM_COMPUTER_NAME, with --https SIM_HTTPS_PORT
#       SIM_CA SIM_HTTPS_URL, with --ntlm SIM_NT_HASH and SIM_NT_HASH2 (32 hex digits, for
#       pass-the-hash), with --kerberos SIM_KEYTAB and SIM_NAMED_URL (http://localhost:PORT/wsman,
#       since the service principal is HTTP/localhost).
#       --profile plays a host profile (tests/server/host_profile.py): a NAME is
#       tests/bootstrap/profiles/NAME.json (fresh, configured, partial, no-containers, old-ubr,
#       not-nano, firewall-broken, ...).  --account adds a logon account (repeatable; e.g.
#       --account 'Administrator:Adm1n-pw' for `nanosh bootstrap -u Administrator`).
#       --computer-name sets COMPUTERNAME, the accounts' Domain and CSName (default SIMHOST).
#       The host model alone is in SIM_HOST_STATE (--host-state-file): deterministic JSON,
#       rewritten only when the host changes, for `cmp` before and after `bootstrap --plan`.
#       Installs an EXIT trap that stops the server (by PID) and removes the temp dir.
#   sim_docker_zip OUT_DIR [--too-new|--hostile|--version V|--size BYTES]
#       Builds a stand-in docker zip (tests/bootstrap/make_docker_zip.py); prints its path.
#   sim_install_docker [VERSION]
#       Puts stand-in docker.exe and dockerd.exe (default 17.06.2-ee-16) into the sandbox's
#       C:\Windows\System32, as a host whose files are already there (profile configured),
#       then waits for SIM_HOST_STATE to show them (sim_host_state_settle).
#   sim_host_state_settle
#       Waits (bounded) until the "files" of SIM_HOST_STATE match the sandbox, after a test
#       changed files behind the server's back; call it before taking a "before" copy for cmp.
#   sim_stop
#       Stops the server and removes its temp dir; safe to call twice.
#   sim_state_field EXPR
#       Evaluates a Python expression over the state file's JSON (bound to s),
#       e.g. sim_state_field 'len(s["shells"])', 's["http_requests_by_scheme"]',
#       's["handshakes_by_scheme"]' or 's["connections"][-1]["handshakes"]'.

SIM_PYTHON=${PYTHON3:-/usr/bin/python3}
SIM_TOP=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SIM_SERVER=$SIM_TOP/tests/server/winrm_sim.py
SIM_PROFILES=$SIM_TOP/tests/bootstrap/profiles

sim_make_certs() {
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=nanosh test CA' \
    -keyout "$d/ca.key" -out "$d/ca.pem" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    >/dev/null 2>&1 || return 1
  openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
    -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 || return 1
  printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1' \
    'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
    > "$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$d/server.ext" -out "$d/server.pem" >/dev/null 2>&1
}

sim_wait_file() {
  local f=$1 i
  for i in $(seq 1 100); do          # at most 10 s
    [ -s "$f" ] && return 0
    kill -0 "$SIM_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The NT hash (MD4 of the UTF-16LE password) for pass-the-hash tests, without OpenSSL's legacy provider.
sim_nt_hash() {
  "$SIM_PYTHON" -c 'import sys
from Cryptodome.Hash import MD4
print(MD4.new(sys.argv[1].encode("utf-16-le")).hexdigest())' "$1"
}

sim_start() {
  local https=0 ntlm=0 keytab= extra=() auth= prev= profile= accounts=() computer=SIMHOST
  while :; do
    case ${1:-} in
      --https) https=1; shift ;;
      --profile) profile=${2:?sim_start: --profile needs a name or file}; shift 2 ;;
      --account) accounts+=("${2:?sim_start: --account needs USER:PASSWORD}"); shift 2 ;;
      --computer-name) computer=${2:?sim_start: --computer-name needs a name}; shift 2 ;;
      --ntlm) ntlm=1; shift ;;
      --kerberos) keytab=${2:?sim_start: --kerberos needs a keytab}; shift 2 ;;
      *) break ;;
    esac
  done
  [ $ntlm = 1 ] && auth=negotiate,ntlm
  [ -n "$keytab" ] && auth=negotiate,kerberos${auth:+,ntlm}
  export SIM_AUTH=${auth:-basic} SIM_COMPUTER_NAME=$computer
  SIM_HOST=127.0.0.1
  for a in "$@"; do [ "$prev" = --bind ] && SIM_HOST=$a; prev=$a; done
  case $SIM_HOST in *:*) SIM_HOST="[$SIM_HOST]" ;; esac
  export SIM_HOST
  SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-sim.XXXXXX") || return 1
  export SIM_DIR SIM_SANDBOX="$SIM_DIR/c" SIM_STATE="$SIM_DIR/state.json" SIM_LOG="$SIM_DIR/server.log"
  export SIM_USER=admin SIM_PASSWORD=Secr3t-pass SIM_USER2='DOM\alice' SIM_PASSWORD2=Alice-pw1
  printf '# test accounts\n%s:%s\n%s:%s\n' "$SIM_USER" "$SIM_PASSWORD" "$SIM_USER2" "$SIM_PASSWORD2" \
    > "$SIM_DIR/accounts"
  [ ${#accounts[@]} -gt 0 ] && printf '%s\n' "${accounts[@]}" >> "$SIM_DIR/accounts"
  export SIM_HOST_STATE="$SIM_DIR/host.json"
  extra+=(--host-state-file "$SIM_HOST_STATE")
  if [ -n "$profile" ]; then
    case $profile in */*|*.json) ;; *) profile=$SIM_PROFILES/$profile.json ;; esac
    extra+=(--host-profile "$profile")
  fi
  if [ $https = 1 ]; then
    sim_make_certs "$SIM_DIR" || { diag 'sim_start: openssl failed'; return 1; }
    export SIM_CA="$SIM_DIR/ca.pem"
    extra+=(--https "$SIM_DIR/server.pem" "$SIM_DIR/server.key" --https-port 0
           --https-port-file "$SIM_DIR/https-port")
  fi
  extra+=(--auth "$SIM_AUTH" --computer-name "$SIM_COMPUTER_NAME")
  if [ $ntlm = 1 ]; then
    SIM_NT_HASH=$(sim_nt_hash "$SIM_PASSWORD") && SIM_NT_HASH2=$(sim_nt_hash "$SIM_PASSWORD2") ||
      { diag 'sim_start: cannot compute NT hashes (python3-pycryptodome)'; return 1; }
    export SIM_NT_HASH SIM_NT_HASH2
  fi
  if [ -n "$keytab" ]; then
    export SIM_KEYTAB=$keytab
    extra+=(--keytab "$keytab")
  fi
  # The subshell execs the server, so $! is the server's PID.
  ( if [ -n "${SIM_UMASK:-}" ]; then umask "$SIM_UMASK"; fi
    exec "$SIM_PYTHON" "$SIM_SERVER" --bind 127.0.0.1 --port 0 --port-file "$SIM_DIR/port" \
      --accounts "$SIM_DIR/accounts" --sandbox "$SIM_SANDBOX" --state-file "$SIM_STATE" \
      --log "$SIM_LOG" "${extra[@]}" "$@" ) \
    >"$SIM_DIR/server.out" 2>&1 &
  export SIM_PID=$!
  trap sim_stop EXIT
  if ! sim_wait_file "$SIM_DIR/port" || { [ $https = 1 ] && ! sim_wait_file "$SIM_DIR/https-port"; }; then
    diag 'sim_start: the simulator did not start:' "$(cat "$SIM_DIR/server.out" 2>/dev/null)"
    sim_stop
    return 1
  fi
  export SIM_PORT=$(cat "$SIM_DIR/port")
  export SIM_URL="http://$SIM_HOST:$SIM_PORT/wsman"
  [ -n "$keytab" ] && export SIM_NAMED_URL="http://localhost:$SIM_PORT/wsman"
  if [ $https = 1 ]; then
    export SIM_HTTPS_PORT=$(cat "$SIM_DIR/https-port")
    export SIM_HTTPS_URL="https://localhost:$SIM_HTTPS_PORT/wsman"
  fi
}

sim_stop() {
  local i
  if [ -n "${SIM_PID:-}" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill -TERM "$SIM_PID" 2>/dev/null
    for i in $(seq 1 50); do
      kill -0 "$SIM_PID" 2>/dev/null || break
      sleep 0.1
    done
    # Under `set -e` neither may fail: the server has usually exited already, and
    # wait returns its status (143 after the TERM).
    kill -KILL "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
  SIM_PID=
  [ -n "${SIM_DIR:-}" ] && [ -d "$SIM_DIR" ] && rm -rf "$SIM_DIR"
  SIM_DIR=
}

sim_docker_zip() {
  "$SIM_PYTHON" "$SIM_TOP/tests/bootstrap/make_docker_zip.py" "$@"
}

sim_install_docker() {
  local zip d
  d=$(mktemp -d "$SIM_DIR/zip.XXXXXX") || return 1
  zip=$(sim_docker_zip "$d" --version "${1:-17.06.2-ee-16}") || return 1
  mkdir -p "$SIM_SANDBOX/Windows/System32" &&
  "$SIM_PYTHON" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in ("docker.exe", "dockerd.exe"):
    open(sys.argv[2] + "/" + n, "wb").write(z.read("docker/" + n))' "$zip" "$SIM_SANDBOX/Windows/System32" &&
  sim_host_state_settle
}

# Waits (at most 5 s) until SIM_HOST_STATE shows what is in the sandbox now: the server
# looks at the files it watches once a second and on every request.
sim_host_state_settle() {
  local i
  for i in $(seq 1 50); do
    "$SIM_PYTHON" - "$SIM_HOST_STATE" "$SIM_SANDBOX" <<'PY' && return 0
import hashlib, json, os, sys
files = json.load(open(sys.argv[1]))["files"]
for win, want in files.items():
    p = os.path.join(sys.argv[2], *win[3:].split("\\")) if len(win) > 3 else sys.argv[2]
    if want is None:
        ok = not os.path.exists(p)
    elif want["type"] == "dir":
        ok = os.path.isdir(p)
    else:
        ok = os.path.isfile(p) and hashlib.sha256(open(p, "rb").read()).hexdigest().upper() == want["sha256"]
    if not ok:
        sys.exit(1)
PY
    sleep 0.1
  done
  return 1
}

sim_state_field() {
  "$SIM_PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$SIM_STATE" "$1"
}

# --- a fleet: one server playing many hosts (tests/server/fleet.py) -----------------------------
#
#   sim_fleet_start N [--profile NAME|FILE] [--host I KEY=VALUE[,KEY=VALUE]...]... [winrm_sim.py args...]
#       Starts one simulator that plays N hosts: host I (1..N) is nanoIII (nano001, ...) at
#       127.0.1.I (127.0.1.1 ... ; past .255 the count goes on in 127.0.2.x), all on one free port.
#       Inside `unshare --net` all of 127.0.0.0/8 reaches lo once lo is up: no setup.
#       --profile is every host's profile (as sim_start's; default: the default host).
#       --host I sets knobs of host I (repeatable): profile=NAME, down (no listener: refused),
#       flaky_connects=K (its first K connections are reset, then it works), unavailable_requests=K
#       (its first K requests get HTTP 503, as while WinRM starts), wrong_password
#       (every logon fails as with a wrong password; Basic only), name=NAME,
#       inject=STEP:KIND[:N] (this host's --inject rule, tests/server/fault_injection.py; repeatable).
#       Accounts, auth (Basic unless --auth ... is given) and the EXIT trap are as sim_start's.
#       Exports SIM_DIR SIM_PID SIM_LOG SIM_PORT SIM_USER SIM_PASSWORD SIM_USER2 SIM_PASSWORD2 SIM_AUTH
#       and
#         SIM_FLEET_COUNT      N
#         SIM_FLEET_FILE       the fleet file the server plays (format: tests/server/fleet.py)
#         SIM_FLEET_INVENTORY  an inventory (docs/fleet.md), one host a line in host order:
#                              `127.0.1.I port=SIM_PORT  # nanoIII`, down hosts included
#         SIM_FLEET_SANDBOX    the sandboxes' directory: host NAME's C:\ is $SIM_FLEET_SANDBOX/NAME
#         SIM_FLEET_STATE_DIR  host NAME's state file is NAME.json (as SIM_STATE), its host model
#                              NAME.host.json (as SIM_HOST_STATE)
#         SIM_FLEET_STATE      the summary: every host's name, address, knobs, and "resets" and
#                              "unavailable" (503s) so far
#   sim_fleet_address I / sim_fleet_name I
#       Host I's address (127.0.1.I) and computer name (nanoIII).
#   sim_fleet_state_field NAME EXPR
#       As sim_state_field, over host NAME's state file.
#   sim_fleet_stop
#       Stops the fleet and removes its temp dir (sim_stop); safe to call twice.

sim_fleet_address() {
  "$SIM_PYTHON" -c 'import ipaddress, sys; print(ipaddress.IPv4Address("127.0.1.1") + int(sys.argv[1]) - 1)' "$1"
}

sim_fleet_name() {
  printf 'nano%03d\n' "$1"
}

sim_fleet_start() {
  local n=${1:?sim_fleet_start: needs a host count} profile= knobs=() i prev=
  shift
  while :; do
    case ${1:-} in
      --profile) profile=${2:?sim_fleet_start: --profile needs a name or file}; shift 2 ;;
      --host) knobs+=("${2:?sim_fleet_start: --host needs I}" "${3:?sim_fleet_start: --host I needs KEY=VALUE}")
              shift 3 ;;
      *) break ;;
    esac
  done
  SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-fleet.XXXXXX") || return 1
  export SIM_DIR SIM_LOG="$SIM_DIR/server.log" SIM_FLEET_COUNT=$n SIM_FLEET_FILE="$SIM_DIR/fleet.json"
  export SIM_FLEET_SANDBOX="$SIM_DIR/c" SIM_FLEET_STATE_DIR="$SIM_DIR/hosts" SIM_FLEET_STATE="$SIM_DIR/fleet-state.json"
  export SIM_FLEET_INVENTORY="$SIM_DIR/inventory.txt" SIM_HOST=127.0.1.1 SIM_AUTH=basic
  export SIM_USER=admin SIM_PASSWORD=Secr3t-pass SIM_USER2='DOM\alice' SIM_PASSWORD2=Alice-pw1
  for i in "$@"; do [ "$prev" = --auth ] && SIM_AUTH=$i; prev=$i; done
  printf '# test accounts\n%s:%s\n%s:%s\n' "$SIM_USER" "$SIM_PASSWORD" "$SIM_USER2" "$SIM_PASSWORD2" \
    > "$SIM_DIR/accounts"
  case $profile in ''|*/*|*.json) ;; *) profile=$SIM_PROFILES/$profile.json ;; esac
  "$SIM_PYTHON" - "$SIM_FLEET_FILE" "$n" "$profile" "${knobs[@]}" <<'PY' || { diag 'sim_fleet_start: bad --host'; return 1; }
import ipaddress, json, sys
out, n, profile, knobs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
fleet = {"count": n, "first_address": "127.0.1.1", "name_format": "nano%03d", "hosts": []}
if profile:
    fleet["default_profile"] = profile
by_index = {}
for i in range(0, len(knobs), 2):
    index = int(knobs[i])
    if not 1 <= index <= n:
        sys.exit("--host %d: not a host from 1 to %d" % (index, n))
    address = str(ipaddress.IPv4Address("127.0.1.1") + index - 1)
    entry = by_index.setdefault(index, {"address": address})
    for kv in knobs[i + 1].split(","):
        k, eq, v = kv.partition("=")
        if k in ("flaky_connects", "unavailable_requests"):
            entry[k] = int(v)
        elif k in ("down", "wrong_password") and not eq:
            entry[k] = True
        elif k in ("profile", "name") and eq:
            entry[k] = v
        elif k == "inject" and eq:
            entry.setdefault("inject", []).append(v)
        else:
            sys.exit("--host %d: unknown knob %r" % (index, kv))
fleet["hosts"] = [by_index[i] for i in sorted(by_index)]
json.dump(fleet, open(out, "w"), indent=1, sort_keys=True)
PY
  ( if [ -n "${SIM_UMASK:-}" ]; then umask "$SIM_UMASK"; fi
    exec "$SIM_PYTHON" "$SIM_SERVER" --fleet "$SIM_FLEET_FILE" --fleet-state-dir "$SIM_FLEET_STATE_DIR" \
      --port 0 --port-file "$SIM_DIR/port" --accounts "$SIM_DIR/accounts" --sandbox "$SIM_FLEET_SANDBOX" \
      --state-file "$SIM_FLEET_STATE" --log "$SIM_LOG" "$@" ) \
    >"$SIM_DIR/server.out" 2>&1 &
  export SIM_PID=$!
  trap sim_stop EXIT
  for i in 1 2 3; do                 # 200 hosts take a few seconds to set up: at most 30 s
    sim_wait_file "$SIM_DIR/port" && break
    kill -0 "$SIM_PID" 2>/dev/null || break
  done
  if ! [ -s "$SIM_DIR/port" ]; then
    diag 'sim_fleet_start: the simulator did not start:' "$(cat "$SIM_DIR/server.out" 2>/dev/null)"
    sim_stop
    return 1
  fi
  export SIM_PORT=$(cat "$SIM_DIR/port")
  export SIM_URL="http://$SIM_HOST:$SIM_PORT/wsman"
  "$SIM_PYTHON" - "$SIM_FLEET_STATE" "$SIM_PORT" > "$SIM_FLEET_INVENTORY" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
print("# the simulated fleet: %d hosts, one server (tests/lib/sim.sh sim_fleet_start)" % len(state["hosts"]))
for h in state["hosts"]:
    print("%s port=%s  # %s" % (h["address"], sys.argv[2], h["name"]))
PY
}

sim_fleet_stop() {
  sim_stop
}

sim_fleet_state_field() {
  "$SIM_PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$SIM_FLEET_STATE_DIR/$1.json" "$2"
}
