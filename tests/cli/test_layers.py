#!/usr/bin/python3
"""The layers hold: no C file includes a header from a layer above its own, and only
the front end (shell/cli, shell/repl) prints.

Layers, bottom up (a room may include its own layer and the ones below):
  base < auth < wsman < lib < shell/localfs < shell/run < shell/ps < shell/push < shell/bootstrap < shell/fleet
  < the front end: shell/cli and shell/repl (one layer: main dispatches to the shell,
    the shell uses the command line's options and error lines).
"Prints" means naming stdout or stderr (or their descriptors) or calling printf, puts,
putchar or perror: a lower layer writes only to a sink or FILE* its caller hands it.

KNOWN lists violations that are still allowed. It is empty: every room below the
front end returns errors as values. A new violation fails, and so would a listed one
that is gone, so the list could only shrink."""
import os
import re
import sys

ROOT = os.environ.get('TOP_SRCDIR') or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LAYERS = ['base', 'auth', 'wsman', 'lib', 'shell/localfs', 'shell/run', 'shell/ps',
          'shell/push', 'shell/bootstrap', 'shell/fleet',
          'shell/front']
FRONT = ('shell/cli', 'shell/repl')

KNOWN = set([
    # (file, rule): rule is "includes ROOM" or "prints". Calling the front end's fail()
    # shows up as including it.
])

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PRINTS = re.compile(r'\b(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)\b|'
                    r'(?<![\w.>])(printf|puts|putchar|perror)\s*\(')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.S)


def room(path):
    """The layer name of a source path, or None outside the layered rooms."""
    if path.startswith(FRONT):
        return 'shell/front'
    for layer in LAYERS:
        if path.startswith(layer + '/'):
            return layer
    return None


def sources():
    for top in ('base', 'auth', 'wsman', 'lib', 'shell'):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in sorted(names):
                if n.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(dirpath, n), ROOT)


def violations(path):
    own = room(path)
    if own is None:
        return set()
    text = open(os.path.join(ROOT, path), encoding='utf-8').read()
    found = set()
    for inc in INCLUDE.findall(text):
        other = room(inc)
        if other is not None and LAYERS.index(other) > LAYERS.index(own):
            found.add((path, 'includes ' + other))
    if own != 'shell/front' and PRINTS.search(COMMENT.sub('', text)):
        found.add((path, 'prints'))
    return found


def main():
    n = 0
    failed = 0

    def check(ok, name):
        nonlocal n, failed
        n += 1
        failed += not ok
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))

    # The checker itself: it must see an upward include and a print.
    check(room('shell/repl/repl.c') == 'shell/front' and room('wsman/shell.c') == 'wsman',
          'rooms are recognised')
    check(INCLUDE.findall('#include "shell/cli/errors.h"\n') == ['shell/cli/errors.h'],
          'an include is recognised')
    check(bool(PRINTS.search(COMMENT.sub('', 'fprintf(stderr, "x");'))) and
          not PRINTS.search(COMMENT.sub('', 'snprintf(b, n, "stderr"); /* printf( */')),
          'printing is told from formatting, comments and strings')

    files = list(sources())
    check(len(files) > 50, 'the tree has its sources (%d files)' % len(files))
    found = set()
    for f in files:
        found |= violations(f)
    for v in sorted(found - KNOWN):
        check(False, '%s %s (a layer above its own, or printing outside the front end)' % v)
    for v in sorted(KNOWN - found):
        check(False, '%s no longer %s: remove it from KNOWN in tests/cli/test_layers.py' % v)
    check(found <= KNOWN, 'no new layering violation (%d known ones remain)' % len(found & KNOWN))
    check(KNOWN <= found, 'every known violation is still real')
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
