#!/usr/bin/python3
"""GSSAPI acceptor for the Kerberos mechanism tests: MIT krb5 through python3-gssapi,
with the service keytab from KRB5_KTNAME. It speaks a line protocol on stdin/stdout,
payloads in base64:
  TOKEN b64     -> CONTINUE b64 | COMPLETE b64-or-- user mech delegated | ERROR text
  UNWRAP n b64  -> PLAIN b64 | ERROR text   n = signature length; gss_unwrap(sig || data)
                                            as the WinRM test server does
  WRAP b64      -> WRAPPED n b64            wrap_iov HEADER|DATA|PADDING, the SSPI layout
options: --cbt-sha256 FILE  require channel bindings "tls-server-end-point:" + SHA-256(FILE)
         --drop-final       leave out the final (mutual-authentication) token
"""
import base64
import hashlib
import sys

import gssapi
from gssapi.raw import IOV, IOVBufferType, wrap_iov

KRB5 = '1.2.840.113554.1.2.2'


def main():
    cb, drop_final = None, False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == '--cbt-sha256':
            with open(args.pop(0), 'rb') as f:
                der = f.read()
            cb = gssapi.raw.ChannelBindings(
                application_data=b'tls-server-end-point:' + hashlib.sha256(der).digest())
        elif a == '--drop-final':
            drop_final = True
        else:
            sys.exit('acceptor.py: unknown option ' + a)
    ctx = gssapi.SecurityContext(usage='accept', channel_bindings=cb)

    def reply(line):
        sys.stdout.write(line + '\n')
        sys.stdout.flush()

    for line in sys.stdin:
        word = line.split()
        try:
            if word[0] == 'TOKEN':
                out = ctx.step(base64.b64decode(word[1]))
                if not ctx.complete:
                    reply('CONTINUE ' + base64.b64encode(out or b'').decode())
                    continue
                tok = '-' if drop_final or not out else base64.b64encode(out).decode()
                mech = 'krb5' if ctx.mech.dotted_form == KRB5 else ctx.mech.dotted_form
                reply('COMPLETE %s %s %s %s' % (tok, ctx.initiator_name, mech,
                                                'delegated' if ctx.delegated_creds else 'none'))
            elif word[0] == 'UNWRAP':
                n, blob = int(word[1]), base64.b64decode(word[2])
                res = ctx.unwrap(blob[:n] + blob[n:])
                if not res.encrypted:
                    raise ValueError('message was not encrypted')
                reply('PLAIN ' + base64.b64encode(res.message).decode())
            elif word[0] == 'WRAP':
                iov = IOV(IOVBufferType.header, base64.b64decode(word[1]), IOVBufferType.padding,
                          std_layout=False)
                wrap_iov(ctx, iov, confidential=True)
                hdr, data = iov[0].value, iov[1].value + (iov[2].value or b'')
                reply('WRAPPED %d %s' % (len(hdr), base64.b64encode(hdr + data).decode()))
            else:
                reply('ERROR unknown command ' + word[0])
        except Exception as e:  # the driver checks failures; keep serving
            reply('ERROR ' + ' '.join(str(e).split()))


if __name__ == '__main__':
    main()
