#!/usr/bin/python3
"""pywinrm (Debian python3-winrm) as the peer client of the benchmarks.

usage: pywinrm_client.py oneshot            URL TRANSPORT ENCRYPTION USER CA
       pywinrm_client.py loop N             URL TRANSPORT ENCRYPTION USER CA
       pywinrm_client.py upload FILE REMOTE URL TRANSPORT ENCRYPTION USER CA

The password comes from NANOSH_PASSWORD, as for nanosh; CA may be '' for plain HTTP.
'oneshot' runs `echo hi` in a fresh shell like `nanosh -c`; 'loop N' runs N commands in
one shell, run_cmd style; 'upload' sends FILE to `cat > REMOTE` as stdin in 250000-byte
Send chunks, the way Ansible's winrm connection plugin feeds put_file."""
import base64
import os
import sys

import winrm
import xmltodict

CMD_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd'
SEND_ACTION = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send'
CHUNK = 250000


def connect(url, transport, encryption, user, ca):
    kw = dict(endpoint=url, transport=transport, username=user, password=os.environ['NANOSH_PASSWORD'],
              message_encryption=encryption, operation_timeout_sec=20, read_timeout_sec=30)
    if url.startswith('https'):
        kw.update(server_cert_validation='validate', ca_trust_path=ca)
    return winrm.protocol.Protocol(**kw)


def run(proto, shell, command):
    cid = proto.run_command(shell, command)
    out, err, rc = proto.get_command_output(shell, cid)
    proto.cleanup_command(shell, cid)
    if rc != 0:
        sys.exit('pywinrm: %r exited %d: %r %r' % (command, rc, out, err))
    return out


def send_input(proto, shell, command_id, data, eof):
    """Ansible's _winrm_send_input: one Send with a base64 stdin chunk."""
    envelope = {'env:Envelope': proto._get_soap_header(resource_uri=CMD_URI, action=SEND_ACTION,
                                                       shell_id=shell)}
    stream = envelope['env:Envelope'].setdefault('env:Body', {}).setdefault('rsp:Send', {}) \
        .setdefault('rsp:Stream', {})
    stream['@Name'] = 'stdin'
    stream['@CommandId'] = command_id
    stream['#text'] = base64.b64encode(data).decode()
    if eof:
        stream['@End'] = 'true'
    proto.send_message(xmltodict.unparse(envelope))


def upload(proto, shell, path, remote):
    cid = proto.run_command(shell, 'cat > %s' % remote, console_mode_stdin=False)
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        sent = 0
        while True:
            data = f.read(CHUNK)
            sent += len(data)
            send_input(proto, shell, cid, data, sent >= size)
            if sent >= size:
                break
    out, err, rc = proto.get_command_output(shell, cid)
    proto.cleanup_command(shell, cid)
    if rc != 0:
        sys.exit('pywinrm: upload exited %d: %r' % (rc, err))


def main(argv):
    mode, args = argv[0], argv[1:]
    count, path, remote = 1, None, None
    if mode == 'loop':
        count, args = int(args[0]), args[1:]
    elif mode == 'upload':
        path, remote, args = args[0], args[1], args[2:]
    elif mode != 'oneshot':
        sys.exit(__doc__)
    proto = connect(*args)
    shell = proto.open_shell()
    out = b''
    if mode == 'upload':
        upload(proto, shell, path, remote)
    else:
        for _ in range(count):
            out = run(proto, shell, 'echo hi')
            if not out.startswith(b'hi'):
                sys.exit('pywinrm: unexpected output %r' % out)
    proto.close_shell(shell)
    sys.stdout.write(out.decode())


if __name__ == '__main__':
    main(sys.argv[1:])
