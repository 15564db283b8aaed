#!/usr/bin/python3
"""The server floor: the requests of one `-c 'echo hi'` (Create, Command, Receive, Signal,
Delete, plus the authentication legs) replayed by a minimal client that is already
running, so that no process start-up, library loading or option parsing is counted.
Each run opens a fresh connection and authenticates from scratch, as a one-shot does.

usage: floor_client.py ntlm|basic-https PORT CA RUNS
Prints one JSON object: the wall and client CPU seconds of each run, after one
warm-up run that is not counted (it makes RUNS + 1 sets of requests)."""
import base64
import json
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests', 'sim'))
import simlib  # noqa: E402


def basic_https_run(port, ca):
    sim = type('Endpoint', (), {'bind': '127.0.0.1', 'https_port': port, 'ca': ca})()
    client = simlib.Client(sim, simlib.USER, simlib.PASSWORD, tls=True)
    shell = simlib.Shell(client)
    out, _, code, _ = shell.run('echo hi')
    shell.delete()
    client.close()
    return out, code


def ntlm_run(port, _ca):
    """NEGOTIATE on an empty POST, then AUTHENTICATE together with the sealed Create."""
    import gsslib
    creds = gsslib.ntlm_credentials(simlib.USER, simlib.PASSWORD)
    c = gsslib.GssClient('localhost', port, 'ntlm', 'Negotiate', creds=creds)
    token = c.ctx.step()
    status, headers, _ = c.raw_post(b'', {'Authorization': 'Negotiate ' + base64.b64encode(token).decode(),
                                          'Content-Type': 'application/soap+xml;charset=UTF-8'})
    challenge = next(v.split()[1] for k, v in headers if k.lower() == 'www-authenticate')
    token = c.ctx.step(base64.b64decode(challenge))
    status, headers, reply = c.raw_post(c.encrypted_body(simlib.create_req()), {
        'Authorization': 'Negotiate ' + base64.b64encode(token).decode(),
        'Content-Type': 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % c.protocol})
    if status != 200:
        raise RuntimeError('Create with AUTHENTICATE: HTTP %d' % status)
    shell_id = simlib.find(c.decrypt(reply)[0], 'ShellId')

    def post(body):
        status, _, plain, _ = c.post_encrypted(body)
        if status != 200:
            raise RuntimeError('HTTP %d: %r' % (status, plain[:300]))
        return plain
    command_id = simlib.find(post(simlib.command_req(shell_id, 'echo hi')), 'CommandId')
    out = b''
    while True:
        o, _, state, code = simlib.parse_receive(post(simlib.receive_req(shell_id, command_id)))
        out += o
        if state == 'Done':
            break
    post(simlib.signal_req(shell_id, command_id))
    post(simlib.delete_req(shell_id))
    c.close()
    return out, code


def main(argv):
    auth, port, ca, runs = argv[0], int(argv[1]), argv[2], int(argv[3])
    one_run = {'ntlm': ntlm_run, 'basic-https': basic_https_run}[auth]
    if auth == 'ntlm':
        import gsslib  # noqa: F401  (imported before timing)
    walls, cpus = [], []
    for i in range(runs + 1):          # the first run warms up and is not counted
        t0, c0 = time.monotonic(), time.process_time()
        out, code = one_run(port, ca)
        if i:
            walls.append(time.monotonic() - t0)
            cpus.append(time.process_time() - c0)
        if code != 0 or not out.startswith(b'hi'):
            sys.exit('floor_client: unexpected result %r, exit code %r' % (out, code))
    json.dump({'wall_s': walls, 'cpu_s': cpus}, sys.stdout)


if __name__ == '__main__':
    main(sys.argv[1:])
