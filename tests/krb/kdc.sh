#!/bin/sh
# Starts a throw-away MIT Kerberos realm on loopback for the tests.
# usage: kdc.sh DIR    (DIR is created; all state stays in it; /etc is never read or written)
# Writes DIR/env.sh (KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME, KRB5_KTNAME, KDC_PID, ...).
# Principals: alice (password $KDC_ALICE_PW), svc (keytab DIR/svc.keytab),
# HTTP/localhost and HTTP/rc4.localhost (RC4 only), both in the acceptor keytab DIR/http.keytab. There is deliberately no HTTP/<ip>.
# Stop it with kdc_stop DIR.
set -eu
dir=${1:?usage: kdc.sh DIR}
realm=${KDC_REALM:-NANOSH.TEST}
alice_pw=${KDC_ALICE_PW:-Alice-Pw-1}
PATH=$PATH:/usr/sbin:/sbin
for tool in krb5kdc kdb5_util kadmin.local; do
    command -v "$tool" >/dev/null 2>&1 || { echo "kdc.sh: $tool not found (install krb5-kdc krb5-admin-server)" >&2; exit 77; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

free_port() {
    "${PYTHON3:-/usr/bin/python3}" -c 'import socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); print(p)'
}

write_conf() {
    cat > "$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 arcfour-hmac
    allow_rc4 = true
    kdc_timeout = 2000
    max_retries = 1
    default_ccache_name = FILE:$dir/ccache
    default_keytab_name = FILE:$dir/http.keytab
    default_client_keytab_name = FILE:$dir/no-client.keytab
[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }
[domain_realm]
    localhost = $realm
    .localhost = $realm
CONF
    cat > "$dir/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port
[realms]
    $realm = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 10h
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal arcfour-hmac:normal
    }
[logging]
    kdc = FILE:$dir/kdc.log
CONF
}

port=$(free_port)
write_conf
: > "$dir/kadm5.acl"
export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
# The admin tools chat on stderr ("No policy specified ..."): keep it in a log.
admin() {
    "$@" >>"$dir/admin.log" 2>&1 || { echo "kdc.sh: $* failed:" >&2; cat "$dir/admin.log" >&2; exit 1; }
}
admin kdb5_util -r "$realm" create -s -P "nanosh-master-$$"
admin kadmin.local -r "$realm" -q "addprinc -pw $alice_pw alice"
admin kadmin.local -r "$realm" -q "addprinc -randkey svc"
admin kadmin.local -r "$realm" -q "addprinc -randkey HTTP/localhost"
admin kadmin.local -r "$realm" -q "ktadd -k $dir/svc.keytab svc"
admin kadmin.local -r "$realm" -q "ktadd -k $dir/http.keytab HTTP/localhost"
# An RC4-HMAC service (RFC 4757), as older Windows accounts still have.
admin kadmin.local -r "$realm" -q "addprinc -randkey -e arcfour-hmac:normal HTTP/rc4.localhost"
admin kadmin.local -r "$realm" -q "setstr HTTP/rc4.localhost session_enctypes arcfour-hmac"
admin kadmin.local -r "$realm" -q "ktadd -e arcfour-hmac:normal -k $dir/http.keytab HTTP/rc4.localhost"

# The port may be taken between the probe and the bind: try a few.
tries=0
while :; do
    rm -f "$dir/krb5kdc.pid"
    if krb5kdc -r "$realm" -P "$dir/krb5kdc.pid" 2>>"$dir/kdc.err"; then
        i=0
        while [ ! -s "$dir/krb5kdc.pid" ] && [ $i -lt 50 ]; do sleep 0.02; i=$((i + 1)); done
        # Ready when the KDC answers an AS request (a bounded wait: 50 x 0.05 s).
        i=0
        while [ $i -lt 50 ]; do
            if echo "$alice_pw" | KRB5CCNAME="FILE:$dir/probe.ccache" kinit "alice@$realm" >/dev/null 2>&1; then
                rm -f "$dir/probe.ccache"; break 2
            fi
            sleep 0.05; i=$((i + 1))
        done
        [ -s "$dir/krb5kdc.pid" ] && kill "$(cat "$dir/krb5kdc.pid")" 2>/dev/null || true
    fi
    tries=$((tries + 1))
    [ $tries -lt 5 ] || { echo "kdc.sh: the KDC did not start; see $dir/kdc.log" >&2; exit 1; }
    port=$(free_port); write_conf
done

cat > "$dir/env.sh" <<ENV
KRB5_CONFIG='$dir/krb5.conf'; export KRB5_CONFIG
KRB5_KDC_PROFILE='$dir/kdc.conf'; export KRB5_KDC_PROFILE
KRB5CCNAME='FILE:$dir/ccache'; export KRB5CCNAME
KRB5_KTNAME='FILE:$dir/http.keytab'; export KRB5_KTNAME
KDC_REALM='$realm'; export KDC_REALM
KDC_PORT='$port'; export KDC_PORT
KDC_PID='$(cat "$dir/krb5kdc.pid")'; export KDC_PID
KDC_ALICE_PW='$alice_pw'; export KDC_ALICE_PW
KDC_SVC_KEYTAB='$dir/svc.keytab'; export KDC_SVC_KEYTAB
ENV
