#!/usr/bin/python3
"""Searches files for secrets in every form nanosh could leak them in.

usage: scan.py SECRETS_FILE PATH...

SECRETS_FILE holds one secret a line as KIND:VALUE, KIND one of
  password  the text; also searched as UTF-16LE (NTLM hashes it so), as base64 alone and
            inside base64("user:password") for every user:USER line (HTTP Basic, RFC 7617)
  user      a user name, used only to build the Basic forms
  hex       hex digits (an NT hash, a Kerberos key); searched in both cases and as raw bytes
PATHs are files or directories (walked). Prints one line per hit, "PATH: KIND form", and
exits 1 when anything was found, 0 when nothing was, 2 when nothing could be read.
"""
import base64
import os
import sys


def forms(secrets):
    users = [v for k, v in secrets if k == "user"]
    out = []
    for kind, value in secrets:
        if kind == "password":
            raw = value.encode()
            out.append(("password text", raw))
            out.append(("password UTF-16LE", value.encode("utf-16-le")))
            out.append(("password base64", base64.b64encode(raw).rstrip(b"=")))
            for u in users:
                basic = base64.b64encode(("%s:%s" % (u, value)).encode())
                out.append(("Basic credentials of %s" % u, basic.rstrip(b"=")))
        elif kind == "hex":
            out.append(("hex lower", value.lower().encode()))
            out.append(("hex upper", value.upper().encode()))
            out.append(("raw bytes", bytes.fromhex(value)))
    return out


def files(paths):
    for p in paths:
        if os.path.isdir(p) and not os.path.islink(p):
            for root, _dirs, names in os.walk(p):
                for n in names:
                    yield os.path.join(root, n)
        elif os.path.lexists(p):
            yield p


def main():
    secrets = []
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                kind, _, value = line.partition(":")
                secrets.append((kind, value))
    patterns = forms(secrets)
    read = hits = 0
    for path in files(sys.argv[2:]):
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        read += 1
        for name, pat in patterns:
            if pat and pat in data:
                print("%s: %s" % (path, name))
                hits += 1
    if read == 0:
        print("nothing to scan")
        return 2
    print("# %d files scanned, %d forms each" % (read, len(patterns)))
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
