#!/usr/bin/python3
"""The messages docs/troubleshooting.md and README.md quote are the ones nanosh prints
(issue 14, item 10): each quoted message, cut at its placeholders (HOST, USER, N, ...),
must have every fixed part in a string of the C sources (adjacent literals joined,
printf directives as holes). TAP output."""
import glob
import os
import re
import sys

TOP = os.environ.get('TOP_SRCDIR') or os.path.join(os.path.dirname(__file__), '..', '..')
SOURCES = ['base', 'auth', 'wsman', 'lib', 'shell']

# What a quote writes in place of a value nanosh fills in: names in capitals, "...",
# numbers, mechanism names (printed with %s) and the C library's strerror texts.
HOLES = re.compile(r'\.\.\.|\b(?:HOST(?::\d+)?|USER|NAME|URL|FILE|PORT|N|NTHASH|LMHASH)\b|\d+|'
                   r'\b(?:Negotiate|Kerberos|NTLM|Basic|WinRM)\b(?=[ ,;)])|C\$|Connection refused')
LITERALS = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
DIRECTIVE = re.compile(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXsScfgep]')


def code_strings():
    """Every run of adjacent string literals in the C sources, unescaped, with printf
    directives turned into NUL so no fixed part of a quote can match across one."""
    out = []
    for d in SOURCES:
        for path in glob.glob(os.path.join(TOP, d, '**', '*.c'), recursive=True):
            text = open(path, encoding='utf-8', errors='replace').read()
            text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
            pieces, last_end = [], None
            for m in LITERALS.finditer(text):
                body = m.group(1).replace('\\"', '"').replace('\\\\', '\\')
                if last_end is not None and text[last_end:m.start()].strip() == '':
                    pieces[-1] += body
                else:
                    pieces.append(body)
                last_end = m.end()
            out += [DIRECTIVE.sub('\0', p).replace('%%', '%') for p in pieces]
    return out


def found(part, strings):
    """Whether part is printed by the sources: whole inside one string, or as pieces that
    meet at holes (a format's %s filled from another literal, as in "is readable by %s"
    with "others")."""
    if any(part in s for s in strings):
        return True
    # reach[i]: part[:i] can be printed, its last piece ending at a hole or a string's end.
    reach = [False] * (len(part) + 1)
    reach[0] = True
    for i in range(len(part)):
        if not reach[i]:
            continue
        for j in range(len(part), i, -1):
            piece = part[i:j]
            if reach[j]:
                continue
            for s in strings:
                k = s.find(piece)
                while k >= 0:
                    starts_ok = i == 0 or k == 0 or s[k - 1] == '\0'
                    ends_ok = j == len(part) or k + len(piece) == len(s) or s[k + len(piece)] == '\0'
                    if starts_ok and ends_ok:
                        reach[j] = True
                        break
                    k = s.find(piece, k + 1)
                if reach[j]:
                    break
    return reach[len(part)]


def quoted_messages():
    """(file, message): the first column of troubleshooting.md's tables, and the bold
    items of README.md's Troubleshooting section."""
    found = []
    ts = open(os.path.join(TOP, 'docs', 'troubleshooting.md'), encoding='utf-8').read()
    for m in re.finditer(r'^\| `([^`]+)`', ts, re.M):
        found += [('troubleshooting.md', q) for q in m.group(1).split('` / `')]
    readme = open(os.path.join(TOP, 'README.md'), encoding='utf-8').read()
    section = readme.split('## Troubleshooting', 1)[-1].split('\n## ', 1)[0]
    for m in re.finditer(r'^- \*\*([^*]+)\*\*', section, re.M):
        found.append(('README.md', m.group(1)))
    for m in re.finditer(r'\*\*(--[^*]+)\*\*', section):
        found.append(('README.md', m.group(1)))
    return found


def main():
    strings = code_strings()
    quotes = quoted_messages()
    n = failed = 0
    if len(quotes) < 10:
        print('not ok 1 - found the quoted messages (only %d)' % len(quotes))
        print('1..1')
        return 1
    for where, quote in quotes:
        parts = [p.strip(' :;,()') for p in HOLES.split(quote)]
        parts = [p for p in parts if len(p) >= 6] or [quote]
        missing = [p for p in parts if not found(p, strings)]
        n += 1
        if parts and not missing:
            print('ok %d - %s: %s' % (n, where, quote))
        else:
            failed += 1
            print('not ok %d - %s: %s' % (n, where, quote))
            print('#   not in any message of the C sources: %r' % (missing or 'nothing to check'))
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
