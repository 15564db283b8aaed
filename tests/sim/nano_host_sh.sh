#!/bin/bash
# tests/lib/sim.sh for the bootstrap tests: sim_start --profile/--account/--computer-name,
# SIM_HOST_STATE, sim_docker_zip and sim_install_docker.
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/sim.sh"

command -v curl >/dev/null || skip_all 'curl not installed'

CV=http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2
get_service() {   # get_service NAME -> the reply to a Get of Win32_Service NAME, as Administrator
  curl -s --max-time 10 -u 'Administrator:Adm1n-pw' -H 'Content-Type: application/soap+xml;charset=UTF-8' \
    --data-binary "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action><a:MessageID>uuid:11111111-2222-3333-4444-555555555555</a:MessageID><w:ResourceURI>$CV/Win32_Service</w:ResourceURI><w:SelectorSet><w:Selector Name=\"Name\">$1</w:Selector></w:SelectorSet></s:Header><s:Body/></s:Envelope>" \
    "$SIM_URL"
}

sim_start --profile configured --account 'Administrator:Adm1n-pw' --computer-name NANO01 ||
  { echo 'Bail out! sim_start --profile configured failed'; exit 1; }
is 'SIM_COMPUTER_NAME follows --computer-name' "$SIM_COMPUTER_NAME" NANO01
check 'SIM_HOST_STATE is written' test -s "$SIM_HOST_STATE"
like 'the host state is the profile: TrustedHosts *' "$(cat "$SIM_HOST_STATE")" '"trusted_hosts": "\*"'
like 'the extra account logs on, and the profile has docker Running' "$(get_service docker)" '<p:State>Running</p:State>'
like 'Win32_Service SystemName is the computer name' "$(get_service docker)" '<p:SystemName>NANO01</p:SystemName>'
check 'the profile made C:\Share' test -d "$SIM_SANDBOX/Share"
sim_install_docker
like 'sim_install_docker: dockerd.exe is the 17.06.2-ee-16 stand-in' \
  "$(head -1 "$SIM_SANDBOX/Windows/System32/dockerd.exe")" '^nanosh-standin-docker 17.06.2-ee-16$'
check 'sim_install_docker: docker.exe too' test -s "$SIM_SANDBOX/Windows/System32/docker.exe"
want=$(sha256sum "$SIM_SANDBOX/Windows/System32/dockerd.exe" | cut -c1-64 | tr a-f A-F)
like 'SIM_HOST_STATE has dockerd.exe and its SHA-256 once settled' "$(cat "$SIM_HOST_STATE")" "\"sha256\": \"$want\""
cp "$SIM_HOST_STATE" "$SIM_DIR/before.json"
get_service vmcompute >/dev/null; get_service docker >/dev/null
check 'reads leave SIM_HOST_STATE byte-identical' cmp -s "$SIM_HOST_STATE" "$SIM_DIR/before.json"
rm "$SIM_SANDBOX/Windows/System32/docker.exe"
check 'a removed file shows after sim_host_state_settle' sim_host_state_settle
like '... as null' "$(cat "$SIM_HOST_STATE")" '"C:\\\\Windows\\\\System32\\\\docker.exe": null'
zip=$(sim_docker_zip "$SIM_DIR/zips" --too-new)
like 'sim_docker_zip --too-new' "$zip" 'docker-23\.0\.1\.zip$'
sim_stop

sim_start --profile no-containers || { echo 'Bail out! sim_start --profile no-containers failed'; exit 1; }
like 'a profile by name: no vmcompute' "$(curl -s --max-time 10 -u "$SIM_USER:$SIM_PASSWORD" \
  -H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action><a:MessageID>uuid:11111111-2222-3333-4444-555555555556</a:MessageID><w:ResourceURI>$CV/Win32_Service</w:ResourceURI><w:SelectorSet><w:Selector Name=\"Name\">vmcompute</w:Selector></w:SelectorSet></s:Header><s:Body/></s:Envelope>" "$SIM_URL")" \
  'DestinationUnreachable'
sim_stop

# Logons the host refuses after authentication: remote UAC, a disabled account.
IDENTIFY='<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
logon() {   # logon USER:PASSWORD -> HTTP status of an authenticated Identify
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$1" -H 'Content-Type: application/soap+xml;charset=UTF-8' \
    --data-binary "$IDENTIFY" "$SIM_URL"
}
for case in 'nonbuiltin-admin deploy 200 LocalAccountTokenFilterPolicy=1 lets a non-built-in admin in' \
            'remote-uac deploy 401 without LocalAccountTokenFilterPolicy remote UAC refuses it' \
            'remote-uac Administrator 200 the built-in Administrator is not filtered' \
            'admin-disabled Administrator 401 a disabled Administrator cannot log on' \
            'admin-disabled deploy 200 deploy can' \
            'nonadmin-account operator 200 a non-administrator is not filtered'; do
  set -- $case
  profile=$1 user=$2 want=$3; shift 3
  sim_start --profile "$profile" --account 'Administrator:Adm1n-pw' --account "deploy:Depl0y-pw" \
    --account 'operator:0per-pw' || { echo "Bail out! sim_start --profile $profile failed"; exit 1; }
  pw=Adm1n-pw; [ "$user" = deploy ] && pw=Depl0y-pw; [ "$user" = operator ] && pw=0per-pw
  is "$profile, $user: $want ($*)" "$(logon "$user:$pw")" "$want"
  sim_stop
done

# A bad profile is refused at start.
tmp=$(mktemp -d); printf 'admin:x\n' > "$tmp/acc"; printf '{"bogus": 1}\n' > "$tmp/p.json"
"$SIM_PYTHON" "$SIM_SERVER" --port 0 --accounts "$tmp/acc" --sandbox "$tmp/c" --host-profile "$tmp/p.json" 2>"$tmp/err"
is 'an unknown profile key: exit 2' "$?" 2
like '... naming it' "$(cat "$tmp/err")" 'unknown profile keys: bogus'
rm -rf "$tmp"
tap_done
