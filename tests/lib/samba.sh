# A private Samba server for tests (after /work/shared/peers/samba.sh). Source this file.
#   samba_start   Starts smbd on 127.0.0.1 with a free port and a fresh temp dir; nothing
#                 under /etc/samba is used. Shares: "share" and "C$" (the same directory,
#                 writable), "ro" (read only = yes) and "enc" (SMB3 encryption required),
#                 all the same directory. One user with a
#                 password set by smbpasswd -a -s. Exports SMB_PORT SMB_DIR SMB_SHARE_DIR
#                 SMB_USER SMB_PW SMB_CONF SMB_PID. Works inside `unshare --net` with lo up.
#                 Skips the whole test (skip_all from tests/lib/tap.sh) when smbd is missing
#                 or not root: smbd must switch to the test user.
#                 With SAMBA_SHARE_DIR preset, the shares are that directory instead, e.g. the
#                 WinRM test server's C:\ so that a file pushed over SMB is what remote commands see:
#                   SIM_UMASK=000 sim_start; SAMBA_SHARE_DIR=$SIM_SANDBOX samba_start
#                 Both sides then read and write each other's files: smbd works as the test user
#                 and makes files 0664 owned by it, which root (the simulator) may do anything
#                 with; the simulator runs as root, so samba_start makes what is already in the
#                 directory writable by all (chmod -R a+rwX) and every ancestor searchable
#                 (o+x), and SIM_UMASK=000 makes what the simulator creates later 0666/0777.
#                 A directory a test chmods itself (0555) still refuses the test user, so
#                 access-denied over SMB still works. samba_stop leaves that directory alone.
#   samba_stop    Stops that smbd by its PID and removes the temp dir.
SMB_USER=${SMB_USER:-nanosh_smbt}
SMB_PW=${SMB_PW:-Smb-Passw0rd!}

samba_free_port() {
  "${PYTHON3:-python3}" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

samba_conf() {
  cat <<CONF
[global]
    server role = standalone server
    workgroup = TESTDOM
    netbios name = NANOSHSMB
    smb ports = $SMB_PORT
    interfaces = lo
    bind interfaces only = yes
    disable netbios = yes
    private dir = $SMB_DIR/private
    lock directory = $SMB_DIR/lock
    state directory = $SMB_DIR/state
    cache directory = $SMB_DIR/cache
    pid directory = $SMB_DIR/pid
    ncalrpc dir = $SMB_DIR/ncalrpc
    log file = $SMB_DIR/log/log.%m
    log level = 1
    passdb backend = tdbsam:$SMB_DIR/private/passdb.tdb
    load printers = no
    printcap name = /dev/null
    disable spoolss = yes
    server min protocol = SMB2_10
    ntlm auth = ntlmv2-only
    map to guest = never
[share]
    path = $SMB_SHARE_DIR
    read only = no
    valid users = $SMB_USER
    create mask = 0664
[C\$]
    path = $SMB_SHARE_DIR
    read only = no
    valid users = $SMB_USER
    create mask = 0664
[ro]
    path = $SMB_SHARE_DIR
    read only = yes
    valid users = $SMB_USER
[enc]
    path = $SMB_SHARE_DIR
    read only = no
    valid users = $SMB_USER
    server smb encrypt = required
CONF
}

# Adds o+x to every ancestor of $1 that lacks it, so the test user can reach $1
# (mktemp -d makes 0700 directories).
samba_searchable() {
  local d=$1
  while d=$(dirname "$d") && [ "$d" != / ]; do
    [ -n "$(find "$d" -maxdepth 0 -perm -o+x)" ] || chmod o+x "$d"
  done
}

# Waits (bounded: 10 s) until smbd takes a logon; 1 when it exited or never did.
samba_wait() {
  local i
  for i in $(seq 100); do
    kill -0 "$SMB_PID" 2>/dev/null || return 1
    smbclient -s "$SMB_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PW" //127.0.0.1/share \
      -c 'ls' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

samba_start() {
  command -v smbd >/dev/null && command -v smbpasswd >/dev/null && command -v smbclient >/dev/null \
    || skip_all "smbd, smbpasswd or smbclient missing (apt-get install samba smbclient)"
  [ "$(id -u)" = 0 ] || skip_all "smbd needs root to switch to the test user"
  id "$SMB_USER" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$SMB_USER" \
    || skip_all "cannot add the test user $SMB_USER"
  SMB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nanosh-smb.XXXXXX")
  chmod 0755 "$SMB_DIR"   # the test user walks to its share
  mkdir -p "$SMB_DIR"/{private,lock,state,cache,pid,log,ncalrpc}
  SMB_CONF=$SMB_DIR/smb.conf
  if [ -n "${SAMBA_SHARE_DIR:-}" ]; then
    SMB_SHARE_DIR=$(cd "$SAMBA_SHARE_DIR" 2>/dev/null && pwd -P) ||
      { echo "# samba_start: SAMBA_SHARE_DIR=$SAMBA_SHARE_DIR is not a directory"; rm -rf "$SMB_DIR"; return 1; }
    chmod -R a+rwX "$SMB_SHARE_DIR"
    samba_searchable "$SMB_SHARE_DIR"
  else
    SMB_SHARE_DIR=$SMB_DIR/share
    mkdir "$SMB_SHARE_DIR"
    chown "$SMB_USER" "$SMB_SHARE_DIR"; chmod 0775 "$SMB_SHARE_DIR"
  fi
  export SMB_DIR SMB_SHARE_DIR SMB_CONF SMB_USER SMB_PW
  local try
  for try in 1 2 3; do   # a free port can be taken between the probe and smbd's bind
    SMB_PORT=$(samba_free_port)
    samba_conf > "$SMB_CONF"
    printf '%s\n%s\n' "$SMB_PW" "$SMB_PW" | smbpasswd -c "$SMB_CONF" -s -a "$SMB_USER" >/dev/null 2>&1
    # Without --no-process-group smbd leads its own process group, so its exit
    # signals nothing of ours.
    smbd --foreground -s "$SMB_CONF" --debug-stdout -d 1 </dev/null >"$SMB_DIR/log/smbd.out" 2>&1 &
    SMB_PID=$!
    export SMB_PORT SMB_PID
    samba_wait && return 0
    kill "$SMB_PID" 2>/dev/null; wait "$SMB_PID" 2>/dev/null
  done
  echo "# smbd did not come up:"; tail -5 "$SMB_DIR/log/smbd.out" | sed 's/^/# /'
  rm -rf "$SMB_DIR"
  return 1
}

samba_stop() {
  if [ -n "${SMB_PID:-}" ]; then
    kill "$SMB_PID" 2>/dev/null
    local i
    for i in $(seq 50); do kill -0 "$SMB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SMB_PID" 2>/dev/null
    wait "$SMB_PID" 2>/dev/null
  fi
  [ -n "${SMB_DIR:-}" ] && rm -rf "$SMB_DIR"
  SMB_PID= SMB_DIR=
}
