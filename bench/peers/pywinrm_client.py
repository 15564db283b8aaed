#!/usr/bin/python3
"""pywinrm (Debian python3-winrm) as the peer client of the benchmarks.
usage: pywinrm_client.py oneshot|loop N  URL TRANSPORT ENCRYPTION USER CA
The password comes from NANOSH_PASSWORD, as for nanosh. 'oneshot' runs `echo hi` in a
fresh shell like `nanosh -c`; 'loop N' runs N commands in one shell (run_cmd style)."""
import os
import sys

import winrm

mode = sys.argv[1]
args = sys.argv[2:]
count = 1
if mode == 'loop':
    count, args = int(args[0]), args[1:]
url, transport, encryption, user, ca = args
proto = winrm.protocol.Protocol(
    endpoint=url, transport=transport, username=user, password=os.environ['NANOSH_PASSWORD'],
    message_encryption=encryption, server_cert_validation='validate', ca_trust_path=ca,
    operation_timeout_sec=20, read_timeout_sec=30)
shell = proto.open_shell()
for i in range(count):
    cid = proto.run_command(shell, 'echo hi')
    out, err, rc = proto.get_command_output(shell, cid)
    proto.cleanup_command(shell, cid)
    if rc != 0 or not out.startswith(b'hi'):
        sys.exit('pywinrm: unexpected result %r %r %d' % (out, err, rc))
proto.close_shell(shell)
sys.stdout.write(out.decode())
