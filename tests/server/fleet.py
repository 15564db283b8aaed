"""A fleet: one winrm_sim process that plays many hosts (issue 13 item 5), for the
fleet runner's tests and benchmark (docs/fleet.md).

Each host has its own loopback address (127.0.1.1, 127.0.1.2, ...; on Linux all of
127.0.0.0/8 reaches lo, in a test's `unshare --net` namespace too), all on one port.
A host is a whole simulator of its own (winrm_sim.Simulator): its computer name, host
profile, sandbox C:\\ (SANDBOX/NAME), shells, and state files (STATE_DIR/NAME.json
and STATE_DIR/NAME.host.json).  The listening socket a connection arrived on, that is
the connection's local address, picks the host.  One thread accepts on every listener
(epoll), each connection then runs on its own thread as in single-host mode, and one
thread reaps idle shells of all hosts: no process, and no idle thread, per host.

  winrm_sim.py --fleet FLEET.json --port 0 --port-file F --accounts ACCOUNTS
               --sandbox ROOT --state-file SUMMARY.json --fleet-state-dir DIR [--auth ...]

The fleet file is one JSON object; every key is optional:

  "count"           N hosts made from a range (default 0) ...
  "first_address"   ... the first at this address, the next ones counting up
                    (default "127.0.1.1"; on lo every 127.x.y.z is a host, .0 and .255 too)
  "name_format"     ... host i (1..N) named name_format % i (default "nano%03d")
  "default_profile" the host profile of every host that names none: a NAME of
                    tests/bootstrap/profiles/NAME.json or a path (relative to the fleet
                    file); default: the default host of host_profile.py
  "port"            the port on every address (default: --port)
  "hosts"           per-host entries: one with the "address" of a host of the range, or
                    without an address and with the "name" of one (any letter case),
                    changes that host; any other adds a host (then both are needed).
                    Keys of an entry:
      "address", "name"      as above; a name is a NetBIOS name (1 to 15 of A-Z a-z 0-9 -)
      "profile"              this host's profile (as default_profile)
      "down": true           no listener on this address: a connection is refused (RST)
      "flaky_connects": N    the first N connections are accepted and reset at once
                             (SO_LINGER 0, before any byte is read), a transient network
                             error to the client; from the N+1th the host works
      "unavailable_requests": N  the first N HTTP requests are answered 503 Service
                             Unavailable (body read, then Connection: close), as HTTP.sys
                             does while the WinRM service starts: transient too
      "wrong_password": true the host's accounts have other passwords than the accounts
                             file's: every logon fails as a wrong password does (401).
                             With Basic only: NTLM's user file is one per process.
      "accounts": FILE       this host's accounts file instead of --accounts
      "inject": ["STEP:KIND[:N]", ...]  this host's --inject rules (fault_injection.py),
                             instead of the command line's: one host misbehaves, the others not

Every host takes the same --auth mechanisms.  NTLM's user file and NetBIOS names are one
per process (auth_ntlm.prepare_environment): with --auth negotiate,ntlm every host takes
the accounts file's passwords and names itself after the first host in NTLM's CHALLENGE;
wrong_password and per-host accounts hold for Basic only.  HTTPS is not offered in a fleet.

The summary state file (--state-file) lists every host: name, address, profile, down,
flaky_connects, resets (connections reset so far), unavailable_requests, unavailable (503s
so far), sandbox and state file paths; it is
rewritten when a reset happens.  Every key order and list order is deterministic.
"""
import copy
import ipaddress
import json
import os
import re
import resource
import selectors
import socket
import struct
import threading

from host_profile import ProfileError
from host_profile import load as load_profile
from fault_injection import InjectError, parse_rule
from http_server import Handler, Server

PROFILE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'bootstrap', 'profiles')
FLEET_KEYS = {'description', 'count', 'first_address', 'name_format', 'default_profile', 'port', 'hosts'}
HOST_KEYS = {'address', 'name', 'profile', 'down', 'flaky_connects', 'unavailable_requests', 'wrong_password',
             'accounts', 'inject'}
NAME_RE = re.compile(r'^[A-Za-z0-9-]{1,15}$')
LISTEN_BACKLOG = 256         # per address; -j 64 clients may all connect to one host at once
MAX_UNAVAILABLE_BODY = 1 << 20
REAP_INTERVAL = 2.0          # idle shells, and files changed behind the server's back, of every host
WRONG_PASSWORD_SUFFIX = '-not-this-host'


class FleetError(Exception):
    """The fleet file is not a valid fleet."""


def load(path, default_port=0):
    """The fleet's hosts in address order: dicts with address, name, profile (normalized),
    profile_name, down, flaky_connects, wrong_password, accounts; and the port."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise FleetError('%s: %s' % (path, e))
    if not isinstance(data, dict):
        raise FleetError('a fleet file is a JSON object')
    unknown = set(data) - FLEET_KEYS
    if unknown:
        raise FleetError('unknown fleet keys: %s' % ', '.join(sorted(unknown)))
    base = os.path.dirname(os.path.abspath(path))
    count = data.get('count', 0)
    if not isinstance(count, int) or count < 0 or count > 4096:
        raise FleetError('count is a number of hosts from 0 to 4096')
    first = _address(data.get('first_address', '127.0.1.1'))
    fmt = data.get('name_format', 'nano%03d')
    hosts = []
    for i in range(1, count + 1):
        try:
            name = fmt % i
        except (TypeError, ValueError) as e:
            raise FleetError('name_format %r: %s' % (fmt, e))
        hosts.append({'address': str(_address(str(first + (i - 1)))), 'name': name})
    for entry in data.get('hosts', []):
        if not isinstance(entry, dict):
            raise FleetError('hosts: every entry is a JSON object')
        bad = set(entry) - HOST_KEYS
        if bad:
            raise FleetError('hosts: unknown keys %s' % ', '.join(sorted(bad)))
        if 'address' in entry:             # by address: the entry may rename the host
            match = [h for h in hosts if h['address'] == str(_address(entry['address']))]
        else:                              # by name (any case): the host keeps its name
            match = [h for h in hosts if h['name'].lower() == str(entry.get('name', '')).lower()]
        if match:
            match[0].update({k: v for k, v in entry.items() if k != 'name' or 'address' in entry})
        elif 'address' in entry and 'name' in entry:
            hosts.append(dict(entry))
        else:
            raise FleetError('hosts: %r is no host of the range and lacks address or name' % (entry,))
    profiles = {}
    seen_addr, seen_name = set(), set()
    out = []
    for h in hosts:
        addr = str(_address(h['address']))
        name = str(h['name'])
        if not NAME_RE.match(name):
            raise FleetError('host %s: the name %r is not 1 to 15 letters, digits or -' % (addr, name))
        if addr in seen_addr or name.lower() in seen_name:
            raise FleetError('host %s (%s): address or name given twice' % (addr, name))
        seen_addr.add(addr)
        seen_name.add(name.lower())
        flaky, unavailable = h.get('flaky_connects', 0), h.get('unavailable_requests', 0)
        for key, value in (('flaky_connects', flaky), ('unavailable_requests', unavailable)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise FleetError('host %s: %s is a count >= 0' % (name, key))
        pname = h.get('profile', data.get('default_profile'))
        if pname not in profiles:
            profiles[pname] = _load_profile(pname, base)
        inject = h.get('inject')
        if inject is not None:
            if not isinstance(inject, list) or not all(isinstance(r, str) for r in inject):
                raise FleetError('host %s: inject is a list of "STEP:KIND[:N]"' % name)
            try:
                for rule in inject:
                    parse_rule(rule)
            except InjectError as e:
                raise FleetError('host %s: inject %s' % (name, e))
        accounts = h.get('accounts')
        if accounts is not None:
            accounts = os.path.join(base, accounts)
        out.append({'address': addr, 'name': name, 'profile_name': pname or '',
                    'profile': copy.deepcopy(profiles[pname]), 'down': bool(h.get('down', False)),
                    'flaky_connects': flaky, 'unavailable_requests': unavailable, 'wrong_password': bool(h.get('wrong_password', False)),
                    'accounts': accounts, 'inject': inject})
    out.sort(key=lambda h: ipaddress.ip_address(h['address']))
    port = data.get('port', default_port)
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise FleetError('port is a number from 0 to 65535')
    return out, port


def _address(text):
    try:
        a = ipaddress.IPv4Address(text)
    except ValueError:
        raise FleetError('%r is not an IPv4 address' % (text,))
    if not a.is_loopback:
        raise FleetError('%s is not a loopback address (127.0.0.0/8)' % a)
    return a


def _load_profile(name, base):
    if not name:
        return load_profile(None)
    if '/' in name or name.endswith('.json'):
        path = os.path.join(base, name)
    else:
        path = os.path.join(PROFILE_DIR, name + '.json')
    try:
        return load_profile(path)
    except ProfileError as e:
        raise FleetError('profile %s: %s' % (name, e))


class FleetHandler(Handler):
    """A host's connections: 503 to its first unavailable_requests requests."""

    def do_POST(self):
        fleet, host = self.server.fleet, self.server.host
        with fleet.lock:
            busy = host['unavailable'] < host['unavailable_requests']
            if busy:
                host['unavailable'] += 1
        if not busy:
            return super().do_POST()
        self.read_body(MAX_UNAVAILABLE_BODY)
        self.server.sim.log('%s host not yet available: request %d of %d answered 503' % (
            self.client_address[0], host['unavailable'], host['unavailable_requests']))
        self.close_connection = True
        self.reply(503, headers=[('Connection', 'close')])
        fleet.write_summary()


class FleetListener(Server):
    """One host's listener; resets its first flaky_connects connections."""
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address, sim, fleet, host):
        self.fleet, self.host = fleet, host
        super().__init__(address, sim)
        self.RequestHandlerClass = FleetHandler

    def verify_request(self, request, client_address):
        with self.fleet.lock:
            if self.host['resets'] >= self.host['flaky_connects']:
                return True
            self.host['resets'] += 1
        self.sim.log('%s flaky host: connection %d of %d reset' % (
            client_address[0], self.host['resets'], self.host['flaky_connects']))
        # A reset, not a FIN: to the client a network failure, as a host that is coming up.
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        request.close()
        self.fleet.write_summary()
        return False

    def shutdown_request(self, request):
        if request.fileno() < 0:          # reset above
            return
        super().shutdown_request(request)


class PrefixLog:
    """The fleet's one request log, each line naming its host."""

    def __init__(self, f, name):
        self.f, self.prefix = f, name + ' '

    def write(self, text):
        # Simulator.log writes '%.3f text\n': the host goes after the time.
        stamp, _, rest = text.partition(' ')
        self.f.write('%s %s%s' % (stamp, self.prefix, rest))


class Fleet:
    def __init__(self, config, make_simulator, accounts_class):
        self.config = config
        self.hosts, self.port = load(config.fleet, config.port)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.log_file = open(config.log, 'a', buffering=1) if config.log else None
        os.makedirs(config.fleet_state_dir, exist_ok=True)
        os.makedirs(config.sandbox, exist_ok=True)
        default_accounts = accounts_class(config.accounts)
        self.sims, self.listeners = [], []
        for h in self.hosts:
            hc = copy.copy(config)
            hc.fleet = None
            hc.computer_name = h['name']
            hc.host_profile = h['profile']
            hc.sandbox = os.path.abspath(os.path.join(config.sandbox, h['name']))
            hc.state_file = os.path.abspath(os.path.join(config.fleet_state_dir, h['name'] + '.json'))
            hc.host_state_file = os.path.abspath(os.path.join(config.fleet_state_dir, h['name'] + '.host.json'))
            hc.log = None
            hc.state_indent = None            # compact: see Simulator.write_state
            if h['accounts']:
                hc.accounts = h['accounts']
            if h['inject'] is not None:
                hc.inject = list(h['inject'])
            accounts = accounts_class(hc.accounts) if h['accounts'] else copy.copy(default_accounts)
            if h['wrong_password']:
                accounts.entries = [(u, p + WRONG_PASSWORD_SUFFIX) for u, p in accounts.entries]
            h.update(sandbox=hc.sandbox, state_file=hc.state_file, host_state_file=hc.host_state_file,
                     resets=0, unavailable=0)
            sim = make_simulator(hc, accounts)
            if self.log_file:
                sim.log_file = PrefixLog(self.log_file, h['name'])
            self.sims.append(sim)

    def listen(self):
        """Opens a listener on every address that is not down, all on one port."""
        raise_fd_limit(len(self.hosts) * 2 + 1024)
        port = self.port
        for h, sim in zip(self.hosts, self.sims):
            if h['down']:
                continue
            srv = FleetListener((h['address'], port), sim, self, h)
            port = srv.server_address[1]
            self.listeners.append(srv)
        self.port = port
        if not self.listeners and port == 0:
            # Every host is down: a port no one listens on, still the same for all.
            s = socket.socket()
            s.bind((self.hosts[0]['address'] if self.hosts else '127.0.0.1', 0))
            self.port = s.getsockname()[1]
            s.close()

    def accept_loop(self):
        sel = selectors.DefaultSelector()
        for srv in self.listeners:
            sel.register(srv, selectors.EVENT_READ, srv)
        while not self.stopping.is_set():
            for key, _ in sel.select(0.2):
                key.data._handle_request_noblock()
        sel.close()

    def reap_loop(self):
        while not self.stopping.wait(REAP_INTERVAL):
            for sim in self.sims:
                if sim.registry.reap_idle():
                    sim.write_state()
                else:
                    sim.write_host_state()

    def write_summary(self):
        if not self.config.state_file:
            return
        with self.lock:
            state = {'pid': os.getpid(), 'port': self.port,
                     'hosts': [{k: h[k] for k in ('name', 'address', 'profile_name', 'down', 'flaky_connects',
                                                  'resets', 'unavailable_requests', 'unavailable',
                                                  'wrong_password', 'sandbox', 'state_file',
                                                  'host_state_file')} for h in self.hosts]}
            tmp = '%s.%d.tmp' % (self.config.state_file, os.getpid())
            with open(tmp, 'w') as f:
                json.dump(state, f, indent=1, sort_keys=True)
            os.replace(tmp, self.config.state_file)

    def close(self):
        for srv in self.listeners:
            srv.server_close()
        for sim in self.sims:
            sim.registry.close_all()
            sim.write_state()


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
