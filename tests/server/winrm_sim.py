#!/usr/bin/python3
"""winrm_sim: a WinRM (WS-Management) test server that answers like Windows
Server 2016, for nanosh's tests.  Loopback only.

  winrm_sim.py --bind 127.0.0.1 --port 0 --port-file F --accounts ACCOUNTS --sandbox DIR
               [--https CERT KEY [--https-port N] [--https-port-file F]]
               [--state-file F] [--max-shells-per-user N] [--max-envelope-size BYTES]
               [--max-timeout-ms N] [--max-batch-items N] [--require-encryption] [--computer-name NAME]
               [--auth basic,negotiate,kerberos,ntlm] [--offer Negotiate,Kerberos]
               [--keytab FILE] [--cbt strict|relaxed|none]
               [--tamper-reply-signature] [--drop-connection-after N] [--stuck-enumeration] [--fault-send-after-exit]
               [--fault-drop-after-stdin-bytes N] [--inject STEP:KIND[:N]]... [--deny-path WINPATH]...
               [--host-profile FILE.json] [--host-state-file F]
  winrm_sim.py --fleet FLEET.json --fleet-state-dir DIR --port 0 --port-file F --accounts ACCOUNTS
               --sandbox ROOT [--state-file SUMMARY.json] [--auth ...] [other single-host options]

With --https and no --https-port, the one listener on --port speaks HTTPS;
with --https-port, --port stays plain HTTP and a second listener speaks HTTPS.
Port 0 picks a free port; the chosen port is written to the port file once
the socket listens.

A stock Windows host is `--auth negotiate,kerberos --require-encryption`:
it offers Negotiate and Kerberos, and seals every message on plain HTTP.
NTLM is gss-ntlmssp and Kerberos is MIT krb5, both through python3-gssapi.

--host-profile sets the starting state of the host it plays (a Nano Server 2016
host for `nanosh bootstrap`; the format is in host_profile.py).  The state file
holds the whole host model under "host"; --host-state-file writes that part
alone, deterministically (sorted keys, no counters or clocks), and only when it
changes, so that a test can compare it byte for byte before and after a run.

--fleet plays many hosts in this one process, each on its own loopback address
(127.0.1.1, 127.0.1.2, ...) with its own computer name, profile, sandbox
(ROOT/NAME) and state files (DIR/NAME.json, DIR/NAME.host.json); --state-file
is then a summary of the fleet.  The fleet file's format is in fleet.py.
"""
import argparse
import ipaddress
import json
import os
import signal
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from auth import MECHANISMS, Accounts, Authenticator   # noqa: E402
from fault_injection import InjectError, parse_rule   # noqa: E402
from fleet import Fleet, FleetError                    # noqa: E402
from channel_binding import LEVELS, RELAXED            # noqa: E402
from host_profile import ProfileError                  # noqa: E402
from host_profile import load as load_profile          # noqa: E402
from http_server import Server                         # noqa: E402
from sandbox import Sandbox                            # noqa: E402
from winrs import ShellRegistry                        # noqa: E402
from wsman_service import Service                      # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser(description='WinRM test server that behaves like Windows Server 2016.')
    ap.add_argument('--bind', default='127.0.0.1', help='loopback address: 127.0.0.1 or ::1')
    ap.add_argument('--port', type=int, default=0, help='listening port; 0 picks a free one')
    ap.add_argument('--port-file', help='file to write the chosen --port to, once listening')
    ap.add_argument('--https', nargs=2, metavar=('CERT', 'KEY'), help='serve HTTPS with this PEM certificate and key')
    ap.add_argument('--https-port', type=int, help='with --https: a separate HTTPS listener (0 = free port)')
    ap.add_argument('--https-port-file', help='file to write the chosen --https-port to')
    ap.add_argument('--accounts', required=True, help='user:password lines; user may be DOMAIN\\name')
    ap.add_argument('--sandbox', required=True, help='directory that stands for C:\\')
    ap.add_argument('--state-file', help='JSON with open shells and request counts, rewritten on every change')
    ap.add_argument('--max-shells-per-user', type=int, default=30, help='MaxShellsPerUser (default 30)')
    ap.add_argument('--max-envelope-size', type=int, default=512000,
                    help='MaxEnvelopeSizekb x 1024 in bytes (default 512000, Server 2016)')
    ap.add_argument('--max-timeout-ms', type=int, default=60000, help='MaxTimeoutms (default 60000)')
    ap.add_argument('--max-batch-items', type=int, default=32000,
                    help='MaxBatchItems: most items in one Enumerate or Pull reply (default 32000)')
    ap.add_argument('--require-encryption', action='store_true',
                    help='AllowUnencrypted=false: refuse plaintext SOAP over HTTP')
    ap.add_argument('--auth', default='basic',
                    help='comma-separated mechanisms to accept: %s (default basic)' % ','.join(MECHANISMS))
    ap.add_argument('--offer', help='comma-separated schemes listed in a 401, in this order '
                    '(default: every --auth mechanism, in the order Windows uses)')
    ap.add_argument('--keytab', help='service keytab for Kerberos (default: KRB5_KTNAME)')
    ap.add_argument('--cbt', choices=LEVELS, default=RELAXED,
                    help='CbtHardeningLevel for HTTPS: strict, relaxed (default, as Windows) or none')
    ap.add_argument('--tamper-reply-signature', action='store_true',
                    help='test hook: corrupt the signature of every encrypted reply')
    ap.add_argument('--drop-connection-after', type=int, default=0, metavar='N',
                    help='test hook: close each TCP connection after N requests on it')
    ap.add_argument('--fault-send-after-exit', action='store_true',
                    help='test hook: a Send waits (up to 10 s) for its command to exit, then faults '
                    'with "The pipe has been ended", as Windows does for a Send that loses that race')
    ap.add_argument('--fault-drop-after-stdin-bytes', type=int, default=0, metavar='N',
                    help='test hook, once per run: the first Send that brings a command\'s stdin to N '
                    'bytes or more is not delivered; the command\'s processes are killed (a partial '
                    'file stays) and the TCP connection closes without a reply (tests/server/stdin_drop.py)')
    ap.add_argument('--inject', action='append', default=[], metavar='STEP:KIND[:N]',
                    help='test hook, repeatable: the Nth (default 1st) request of STEP misbehaves as KIND '
                    '(tests/server/fault_injection.py lists both)')
    ap.add_argument('--deny-path', action='append', default=[], metavar='WINPATH',
                    help='repeatable: the stand-in powershell.exe\'s file snippets fail with access '
                    'denied for this Windows path and all under it (any letter case), as an ACL would')
    ap.add_argument('--ignore-unauthenticated', action='store_true',
                    help='test hook: never answer a request without Authorization on a connection '
                    'not yet authenticated, as OMI does')
    ap.add_argument('--stuck-enumeration', action='store_true',
                    help='a broken server: every Pull answers a fresh context with no items and no '
                    'EndOfSequence')
    ap.add_argument('--computer-name', default='SIMHOST', help='COMPUTERNAME of the simulated host')
    ap.add_argument('--host-profile', metavar='FILE.json',
                    help='the starting state of the simulated host (tests/server/host_profile.py)')
    ap.add_argument('--host-state-file', metavar='F',
                    help='JSON of the host model alone, rewritten only when it changes')
    ap.add_argument('--log', help='append a request log to this file')
    ap.add_argument('--fleet', metavar='FLEET.json',
                    help='play many hosts, one per loopback address (tests/server/fleet.py); --sandbox '
                    'is then the directory of the hosts\' sandboxes and --state-file a summary')
    ap.add_argument('--fleet-state-dir', metavar='DIR',
                    help='with --fleet: where each host\'s NAME.json and NAME.host.json go')
    args = ap.parse_args(argv)
    try:
        if not ipaddress.ip_address(args.bind).is_loopback:
            ap.error('refusing to listen on non-loopback address %s' % args.bind)
    except ValueError:
        ap.error('--bind takes an IP address (127.0.0.1 or ::1)')
    args.auth = [a.strip().lower() for a in args.auth.split(',') if a.strip()]
    for a in args.auth:
        if a not in MECHANISMS:
            ap.error('unknown auth mechanism %r (known: %s)' % (a, ', '.join(MECHANISMS)))
    if args.offer is not None:
        args.offer = [a.strip().lower() for a in args.offer.split(',') if a.strip()]
        for a in args.offer:
            if a not in args.auth:
                ap.error('--offer %s: not among the --auth mechanisms' % a)
    if args.https_port is not None and not args.https:
        ap.error('--https-port needs --https CERT KEY')
    if args.max_batch_items < 1:
        ap.error('--max-batch-items takes a count >= 1')
    if args.drop_connection_after < 0:
        ap.error('--drop-connection-after takes a count >= 0')
    if args.fault_drop_after_stdin_bytes < 0:
        ap.error('--fault-drop-after-stdin-bytes takes a count >= 0')
    for spec in args.inject:
        try:
            parse_rule(spec)
        except InjectError as e:
            ap.error('--inject %s' % e)
    if args.fleet:
        if not args.fleet_state_dir:
            ap.error('--fleet needs --fleet-state-dir')
        for opt in ('host_profile', 'host_state_file', 'https'):
            if getattr(args, opt):
                ap.error('--fleet: --%s is per host (the fleet file), or not supported in a fleet'
                         % opt.replace('_', '-'))
        if args.computer_name != 'SIMHOST':
            ap.error('--fleet: the computer names are in the fleet file')
    elif args.fleet_state_dir:
        ap.error('--fleet-state-dir needs --fleet')
    try:
        args.host_profile = load_profile(args.host_profile)
    except ProfileError as e:
        ap.error('--host-profile: %s' % e)
    for d in args.deny_path:
        if not (len(d) >= 3 and d[1] == ':' and d[2] in '\\/' and d[0].upper() == 'C'):
            ap.error('--deny-path takes an absolute path on C:, like C:\\Denied')
    return args


class Simulator:
    def __init__(self, config, accounts=None):
        self.config = config
        self.sandbox = Sandbox(config.sandbox, config.deny_path)
        self.registry = ShellRegistry()
        accounts = accounts if accounts is not None else Accounts(config.accounts)
        self.authenticator = Authenticator(config.auth, accounts, config, config.offer)
        self.service = Service(config, self.sandbox, self.registry, self.write_state)
        self.counts = {'total': 0, 'by_scheme': {}, 'handshakes': {}}
        self.connections = []             # the most recent connections, oldest first
        self.next_connection = 1
        self.lock = threading.Lock()
        self.log_file = open(config.log, 'a', buffering=1) if config.log else None
        self.service.log_sink = self.log
        self.stopping = threading.Event()
        self.host_state_text = None
        self.host_state = None                # what host_state_text was made from

    def log(self, text):
        if self.log_file:
            self.log_file.write('%.3f %s\n' % (time.time(), text))

    def open_connection(self, client_ip, tls):
        """A record of one TCP connection: its requests and completed handshakes."""
        with self.lock:
            record = {'id': self.next_connection, 'client': client_ip, 'tls': tls, 'requests': 0,
                      'handshakes': 0, 'schemes': []}
            self.next_connection += 1
            self.connections.append(record)
            del self.connections[:-MAX_CONNECTION_RECORDS]
        return record

    def count_request(self, scheme, connection=None):
        key = scheme or 'none'
        with self.lock:
            self.counts['total'] += 1
            self.counts['by_scheme'][key] = self.counts['by_scheme'].get(key, 0) + 1
            if connection is not None:
                connection['requests'] += 1
        self.write_state()

    def count_handshake(self, connection, scheme):
        with self.lock:
            connection['handshakes'] += 1
            connection['schemes'].append(scheme)
            self.counts['handshakes'][scheme] = self.counts['handshakes'].get(scheme, 0) + 1
        self.write_state()

    def write_state(self):
        """Atomic (write, then rename) so a reader never sees half a file."""
        # The host model once for both files: it stats the watched files in the sandbox.
        host = self.service.host_state() if self.config.state_file and self.config.host_state_file else None
        self.write_host_state(host)
        if not self.config.state_file:
            return
        with self.lock:
            state = {'pid': os.getpid(), 'http_requests': self.counts['total'],
                     'http_requests_by_scheme': dict(self.counts['by_scheme']),
                     'handshakes_by_scheme': dict(self.counts['handshakes']),
                     'connections': [dict(c, schemes=list(c['schemes'])) for c in self.connections],
                     'shells': self.registry.summary()}
            state.update(self.service.state(host))
            tmp = '%s.%d.tmp' % (self.config.state_file, os.getpid())
            with open(tmp, 'w') as f:
                # A fleet's hosts write theirs compact: json's C encoder, ten times faster than
                # the indenting one, when every request of 200 hosts rewrites a state file.
                json.dump(state, f, indent=getattr(self.config, 'state_indent', 1), sort_keys=True)
            os.replace(tmp, self.config.state_file)

    def write_host_state(self, host=None):
        if not self.config.host_state_file:
            return
        with self.lock:
            if host is None:
                host = self.service.host_state()
            if host == self.host_state:       # as comparing the text, without making it
                return
            text = json.dumps(host, indent=1, sort_keys=True) + '\n'
            if text == self.host_state_text:
                self.host_state = json.loads(text)
                return
            tmp = '%s.%d.tmp' % (self.config.host_state_file, os.getpid())
            with open(tmp, 'w') as f:
                f.write(text)
            os.replace(tmp, self.config.host_state_file)
            # A copy from the text: host may share lists with the live model.
            self.host_state_text, self.host_state = text, json.loads(text)

    def reap_loop(self):
        while not self.stopping.wait(1.0):
            if self.registry.reap_idle():
                self.write_state()
            else:
                self.write_host_state()    # files changed outside any request (SMB, a test)


MAX_CONNECTION_RECORDS = 200


def write_port(path, port):
    if path:
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.replace(tmp, path)


def make_simulator(config, accounts=None):
    """A simulator over its sandbox, with the profile's directories and shares made."""
    os.makedirs(config.sandbox, exist_ok=True)
    sim = Simulator(config, accounts)
    profile = config.host_profile
    for win in profile['directories'] + [s['Path'] for s in profile['shares']]:
        os.makedirs(sim.sandbox.to_host(win), exist_ok=True)
    return sim


def install_stop_handlers(event):
    def stop(signum, frame):
        event.set()
    # Own handlers, not SIG_IGN: a background start leaves SIGINT ignored, and
    # ignored signals would be inherited by the commands we run.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, stop)


def main_fleet(config):
    try:
        fleet = Fleet(config, make_simulator, Accounts)
    except FleetError as e:
        print('winrm_sim.py: --fleet: %s' % e, file=sys.stderr)
        return 2
    fleet.listen()
    install_stop_handlers(fleet.stopping)
    threads = [threading.Thread(target=fleet.accept_loop, daemon=True),
               threading.Thread(target=fleet.reap_loop, daemon=True)]
    for t in threads:
        t.start()
    for sim in fleet.sims:
        sim.write_state()
    fleet.write_summary()
    write_port(config.port_file, fleet.port)
    while not fleet.stopping.wait(0.5):
        pass
    threads[0].join(2)
    fleet.close()
    return 0


def main(argv=None):
    config = parse_args(argv)
    if config.fleet:
        return main_fleet(config)
    sim = make_simulator(config)
    ssl_context = cert_der = None
    if config.https:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(*config.https)
        with open(config.https[0]) as f:
            cert_der = ssl.PEM_cert_to_DER_cert(f.read())     # the leaf: the first certificate
    servers = []
    main_tls = ssl_context if config.https and config.https_port is None else None
    servers.append((Server((config.bind, config.port), sim, main_tls, cert_der), config.port_file))
    if config.https_port is not None:
        servers.append((Server((config.bind, config.https_port), sim, ssl_context, cert_der),
                        config.https_port_file))

    install_stop_handlers(sim.stopping)

    threads = [threading.Thread(target=srv.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
               for srv, _ in servers]
    threads.append(threading.Thread(target=sim.reap_loop, daemon=True))
    for t in threads:
        t.start()
    sim.write_state()
    for srv, port_file in servers:
        write_port(port_file, srv.server_address[1])
    while not sim.stopping.wait(0.5):
        pass
    for srv, _ in servers:
        srv.shutdown()
        srv.server_close()
    sim.registry.close_all()
    sim.write_state()
    return 0


if __name__ == '__main__':
    sys.exit(main())
