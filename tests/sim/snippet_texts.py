"""Snippets 9-12 and 15 as nanosh makes them: the format strings are read from
shell/ps/ps_snippets.c and filled as printf and ps_append_text fill them, so a test
built on these fails when the C texts change and the stand-in does not follow."""
import base64
import hashlib
import os
import re

from simlib import TOP


def c_strings(path):
    """name -> value of every `static const char name[] = "..." "...";` in a C file."""
    src = open(path, encoding='utf-8').read()
    out = {}
    for m in re.finditer(r'static const char (\w+)\[\]\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;', src):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
        # The snippet texts escape only quotes and backslashes (no \n in a one-line command).
        out[m.group(1)] = re.sub(r'\\(.)', r'\1', ''.join(parts))
    return out


C = c_strings(os.path.join(TOP, 'shell', 'ps', 'ps_snippets.c'))
HEAD, TAIL = C['stream_head'], C['stream_tail']


def printf(fmt, *args):
    return re.sub(r'%ll[du]', '%d', fmt) % args


def dec(path):
    """ps_append_text: the expression that yields path on the host."""
    return ("([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s')))"
            % base64.b64encode(path.encode('utf-8')).decode())


def stat_text(path, part, hash_if):
    return printf(C['stream_stat_fmt'], HEAD, dec(path), dec(part), hash_if, TAIL)


def write_text(part, offset, create):
    return printf(C['stream_write_fmt'], HEAD, dec(part), 'Create' if create else 'OpenOrCreate', offset, TAIL)


def finish_text(part, path, size, digest, force):
    return printf(C['stream_finish_fmt'], HEAD, dec(part), dec(path), size, digest,
                  '$true' if force else '$false', TAIL)


def read_text(src, offset, length):
    return printf(C['stream_read_fmt'], HEAD, dec(src), offset, length, TAIL)


def list_text(directory):
    return printf(C['list_dir_fmt'], HEAD, dec(directory), TAIL)


def sha(data):
    return hashlib.sha256(data).hexdigest().upper()


def encoded_command(text):
    """The command line nanosh runs a snippet with (docs/powershell-snippets.md)."""
    return ['powershell.exe', '-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass',
            '-EncodedCommand', base64.b64encode(text.encode('utf-16-le')).decode()]
