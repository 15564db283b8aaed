#!/usr/bin/python3
"""The fleet file of the test server (tests/server/fleet.py load): a range of hosts with
per-host overrides by address or by name, hosts outside the range, profiles by name or
path, and the mistakes it refuses with their reason.  No server runs."""
import atexit
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'sim'))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))
from simlib import Tap  # noqa: E402
from fleet import FleetError, load  # noqa: E402

t = Tap()
tmp = tempfile.mkdtemp(prefix='nanosh-fleet-file.')
atexit.register(shutil.rmtree, tmp, True)


def write(data, name='fleet.json'):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    return path


def error_of(data):
    try:
        load(write(data))
    except FleetError as e:
        return str(e)
    return None


write({'services': {}}, 'mine.json')
hosts, port = load(write({
    'count': 4, 'first_address': '127.0.1.254', 'name_format': 'n%02d', 'default_profile': 'fresh', 'port': 5985,
    'hosts': [{'address': '127.0.1.255', 'profile': 'no-containers', 'down': True},
              {'name': 'N04', 'flaky_connects': 3},
              {'address': '127.0.9.9', 'name': 'extra', 'profile': 'mine.json', 'wrong_password': True}]}))
t.eq([(h['address'], h['name']) for h in hosts],
     [('127.0.1.254', 'n01'), ('127.0.1.255', 'n02'), ('127.0.2.0', 'n03'), ('127.0.2.1', 'n04'),
      ('127.0.9.9', 'extra')], 'a range counts addresses up past .255; an extra host comes in address order')
t.eq(port, 5985, 'the port of the file')
t.eq([h['profile_name'] for h in hosts], ['fresh', 'no-containers', 'fresh', 'fresh', 'mine.json'],
     'default and per-host profiles')
t.eq(['vmcompute' in h['profile']['services'] for h in hosts], [True, False, True, True, False],
     'the profiles are loaded: fresh has vmcompute, no-containers and mine.json none')
t.eq([h['down'] for h in hosts], [False, True, False, False, False], 'down by address')
t.eq([h['flaky_connects'] for h in hosts], [0, 0, 0, 3, 0], 'flaky_connects by name, any letter case')
t.eq([h['wrong_password'] for h in hosts], [False] * 4 + [True], 'wrong_password on the extra host')
hosts[0]['profile']['services']['docker'] = {}
t.ok('docker' not in hosts[2]['profile']['services'], 'hosts of one profile do not share its state')
t.eq(load(write({'hosts': []}), 7)[1], 7, 'the port defaults to the one given (--port)')

for data, reason, name in [
        ({'count': 1, 'first_address': '10.0.0.1'}, 'not a loopback address', 'a non-loopback address'),
        ({'hosts': [{'address': '127.0.1.1', 'name': 'a'}, {'address': '127.0.1.2', 'name': 'A'}]},
         'given twice', 'a name twice (any case)'),
        ({'count': 1, 'name_format': 'this-name-is-too-long-%d'}, 'not 1 to 15', 'a name over 15 characters'),
        ({'count': 2, 'hosts': [{'address': '127.0.1.5'}]}, 'lacks address or name', 'an entry outside the range without a name'),
        ({'count': 1, 'colour': 'red'}, 'unknown fleet keys: colour', 'an unknown key'),
        ({'count': 1, 'hosts': [{'name': 'nano001', 'flaky': 1}]}, 'unknown keys flaky', 'an unknown host knob'),
        ({'count': 1, 'hosts': [{'name': 'nano001', 'flaky_connects': -1}]}, 'flaky_connects', 'a negative count'),
        ({'count': 1, 'hosts': [{'name': 'nano001', 'unavailable_requests': True}]}, 'unavailable_requests',
         'a count that is true'),
        ({'count': 1, 'default_profile': 'no-such-profile'}, 'no-such-profile', 'a missing profile'),
        ('{"count": 1,', 'fleet.json', 'a file that is not JSON')]:
    got = error_of(data)
    t.ok(got is not None and reason in got, 'refused: %s' % name, 'got: %r' % got)
t.done()
