#!/usr/bin/python3
"""An upload the way Ansible's winrm connection plugin does `put_file`, with pywinrm's
Protocol API (Debian python3-winrm): the peer of bench/transfer.

usage: ansible_put.py [--sink powershell|cat] FILE REMOTE URL TRANSPORT ENCRYPTION USER CA

What Ansible does (lib/ansible/plugins/connection/winrm.py, put_file and
_put_file_stdin_iterator; lib/ansible/plugins/shell/powershell.py, _encode_script):
- one shell opened with codepage 65001;
- one command, `PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted
  -EncodedCommand B64`, where B64 is the UTF-16LE of a begin/process/end script whose
  process block decodes each base64 line of $input, feeds it to SHA-1 and writes it to
  a FileStream; the end block prints {"sha1":"..."};
- the file read 250000 bytes at a time, each piece sent as base64 + CRLF in one WinRS
  Send (which base64-encodes it again on the wire), End=true on the last one;
- then the output polled to the end, and the SHA-1 compared with the local file's.

--sink powershell (the default) is exactly that.  --sink cat sends the same stdin bytes,
in the same Sends, to `cat > REMOTE` instead: for a server whose stand-in PowerShell
cannot run the script.  The client's work and the bytes on the wire are the same; the
server then stores the base64 lines, which the caller checks by decoding them (not
here: that would count towards this client's CPU).  The password comes from
NANOSH_PASSWORD; CA may be '' for plain HTTP.  Prints the SHA-1 the host reported, or
with --sink cat the local file's."""
import argparse
import base64
import hashlib
import json
import os
import sys

import winrm
import xmltodict

CMD_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd'
SEND_ACTION = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send'
BUFFER_SIZE = 250000     # Ansible's _put_file_stdin_iterator default
COMMON_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Unrestricted']

# The receiving script, in the shape Ansible's put_file sends: PATH is a single-quoted
# PowerShell literal (quotes doubled).  One base64 line of $input per pipeline item.
RECEIVER = '''
begin {
    $path = 'PATH'
    $DebugPreference = "Continue"
    $ErrorActionPreference = "Stop"
    Set-StrictMode -Version 2
    $fd = [System.IO.File]::Create($path)
    $sha1 = [System.Security.Cryptography.SHA1CryptoServiceProvider]::Create()
    $bytes = @()
}
process {
    $bytes = [System.Convert]::FromBase64String($input)
    $sha1.TransformBlock($bytes, 0, $bytes.Length, $bytes, 0) | Out-Null
    $fd.Write($bytes, 0, $bytes.Length)
}
end {
    $sha1.TransformFinalBlock($bytes, 0, 0) | Out-Null
    $hash = [System.BitConverter]::ToString($sha1.Hash).Replace("-", "").ToLowerInvariant()
    $fd.Close()
    Write-Output "{""sha1"":""$hash""}"
}
'''


def receiver_script(remote):
    """The script text as _encode_script sends it: stripped non-empty lines joined by LF."""
    text = RECEIVER.replace('PATH', remote.replace("'", "''"))
    return '\n'.join(line.strip() for line in text.splitlines() if line.strip())


def encoded_command(remote):
    return base64.b64encode(receiver_script(remote).encode('utf-16-le')).decode()


def connect(url, transport, encryption, user, ca):
    kw = dict(endpoint=url, transport=transport, username=user, password=os.environ['NANOSH_PASSWORD'],
              message_encryption=encryption, operation_timeout_sec=20, read_timeout_sec=30)
    if url.startswith('https'):
        kw.update(server_cert_validation='validate', ca_trust_path=ca)
    return winrm.protocol.Protocol(**kw)


def send_input(proto, shell, command_id, data, eof):
    """Ansible's _winrm_send_input: one Send carrying a stdin chunk."""
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


def stdin_pieces(path):
    """Ansible's _put_file_stdin_iterator: (base64 line, last?) per 250000 bytes read."""
    size = os.path.getsize(path)
    sent = 0
    with open(path, 'rb') as f:
        for data in iter(lambda: f.read(BUFFER_SIZE), b''):
            sent += len(data)
            yield base64.b64encode(data) + b'\r\n', f.tell() == size
    if sent == 0:
        yield b'', True


def sha1_of(path):
    h = hashlib.sha1()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sink', choices=('powershell', 'cat'), default='powershell')
    ap.add_argument('file')
    ap.add_argument('remote')
    ap.add_argument('conn', nargs=5, metavar='URL TRANSPORT ENCRYPTION USER CA')
    a = ap.parse_args()
    proto = connect(*a.conn)
    shell = proto.open_shell(codepage=65001)
    if a.sink == 'powershell':
        cid = proto.run_command(shell, 'PowerShell', COMMON_ARGS + ['-EncodedCommand', encoded_command(a.remote)],
                                console_mode_stdin=False)
    else:
        cid = proto.run_command(shell, 'cat > %s' % a.remote, console_mode_stdin=False)
    for line, last in stdin_pieces(a.file):
        send_input(proto, shell, cid, line, last)
    out, err, rc = proto.get_command_output(shell, cid)
    proto.cleanup_command(shell, cid)
    proto.close_shell(shell)
    if rc != 0:
        sys.exit('ansible_put: the upload exited %d: %r' % (rc, err[-600:]))
    want = sha1_of(a.file)
    if a.sink == 'powershell':
        try:
            got = json.loads(out)['sha1']
        except (ValueError, KeyError, TypeError):
            sys.exit('ansible_put: the host did not report a SHA-1: %r %r' % (out[-300:], err[-300:]))
    else:
        got = want
    if got != want:
        sys.exit('ansible_put: SHA-1 %s on the host, %s here' % (got, want))
    print(got)


if __name__ == '__main__':
    main()
