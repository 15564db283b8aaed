#!/usr/bin/python3
"""Client side of the fleet server's tests (test_sim_fleet*.sh): raw WS-Management
requests and pywinrm against hosts of a simulated fleet (tests/server/fleet.py).
Each subcommand prints plain lines the shell test compares; nothing here judges.

  connect ADDR PORT              one unauthenticated Identify: "ok STATUS", "refused" or "reset"
  identify PORT THREADS ADDR...  an Identify on each address from THREADS threads at once:
                                 "ADDR STATUS" or "ADDR refused|reset|error ..." lines, in order
  run ADDR PORT USER PASSWORD CMD  pywinrm (Basic) runs CMD: its stdout, stripped; "rc N" last
  wql ADDR PORT USER PASSWORD WQL PROPERTY  an enumeration: PROPERTY of every item, one a line,
                                 or "status N"
  load PORT THREADS USER PASSWORD ADDR=NAME...  on every host from THREADS threads: an Identify
                                 and `echo %COMPUTERNAME%` through pywinrm; one line each:
                                 "ADDR ok NAME-SEEN" or "ADDR error WHY"; then "seconds S"
"""
import base64
import concurrent.futures
import http.client
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'sim'))
from wmi_resources import enumerate_req  # noqa: E402

IDENTIFY = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
            b'<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>')
SOAP = 'application/soap+xml;charset=UTF-8'


def post(addr, port, body, headers, timeout=30):
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    try:
        conn.request('POST', '/wsman', body=body, headers=dict({'Content-Type': SOAP}, **headers))
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def identify(addr, port):
    try:
        status, body = post(addr, port, IDENTIFY, {'WSMANIDENTIFY': 'unauthenticated'})
    except ConnectionRefusedError:
        return 'refused'
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
        return 'reset'
    except OSError as e:
        return 'error %s' % e
    return '%d' % status if b'ProductVendor' in body else '%d no-vendor' % status


def session(addr, port, user, password):
    import winrm
    return winrm.Protocol(endpoint='http://%s:%d/wsman' % (addr, port), transport='basic', username=user,
                          password=password, message_encryption='never', operation_timeout_sec=10,
                          read_timeout_sec=20)


def run(addr, port, user, password, command):
    p = session(addr, port, user, password)
    shell = p.open_shell()
    cid = p.run_command(shell, command)
    out, _, rc = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
    p.close_shell(shell)
    return out.decode('utf-8', 'replace').strip(), rc


def main(argv):
    cmd = argv[0]
    if cmd == 'connect':
        r = identify(argv[1], int(argv[2]))
        print(r if r in ('refused', 'reset') or r.startswith('error') else 'ok ' + r)
    elif cmd == 'identify':
        port, threads, addrs = int(argv[1]), int(argv[2]), argv[3:]
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            for addr, r in zip(addrs, pool.map(lambda a: identify(a, port), addrs)):
                print(addr, r)
    elif cmd == 'run':
        out, rc = run(argv[1], int(argv[2]), argv[3], argv[4], argv[5])
        print(out)
        print('rc', rc)
    elif cmd == 'wql':
        auth = 'Basic ' + base64.b64encode(('%s:%s' % (argv[3], argv[4])).encode()).decode()
        status, body = post(argv[1], int(argv[2]), enumerate_req(argv[5]), {'Authorization': auth})
        if status != 200:
            print('status', status)
        for value in re.findall(r'<(?:\w+:)?%s(?:\s[^>]*)?>([^<]*)<' % re.escape(argv[6]), body.decode()):
            print(value.strip())
    elif cmd == 'load':
        port, threads, user, password = int(argv[1]), int(argv[2]), argv[3], argv[4]
        hosts = [a.split('=', 1) for a in argv[5:]]

        def one(host):
            addr = host[0]
            r = identify(addr, port)
            if r != '200':
                return 'error identify %s' % r
            try:
                out, rc = run(addr, port, user, password, 'echo %COMPUTERNAME%')
            except Exception as e:          # any failure is this host's line, not the run's end
                return 'error run %s' % (str(e).splitlines() or [type(e).__name__])[0]
            return 'ok %s' % out if rc == 0 else 'error rc %d' % rc
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(one, hosts))
        for (addr, _), r in zip(hosts, results):
            print(addr, r)
        print('seconds %.2f' % (time.monotonic() - start))
    else:
        sys.exit('unknown subcommand %s' % cmd)


if __name__ == '__main__':
    main(sys.argv[1:])
