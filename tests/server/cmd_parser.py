"""Parsing of cmd.exe command lines: %VAR% expansion, the & && || | operators,
^ escapes, double quotes, and > >> < 2> 2>&1 redirections.

cmd keeps the blanks in front of an operator or a redirection in the command's
text, which is why `echo hi & exit 3` prints "hi " with a trailing space.
"""
import re
from dataclasses import dataclass, field


@dataclass
class Redirect:
    fd: int            # 0 stdin, 1 stdout, 2 stderr
    mode: str          # 'r', 'w' or 'a'
    target: str        # a path, or '&1' / '&2' to duplicate a handle


@dataclass
class Stage:
    text: str
    redirects: list = field(default_factory=list)


@dataclass
class Pipeline:
    stages: list


@dataclass
class Link:
    op: str            # '' for the first pipeline, then '&', '&&' or '||'
    pipeline: Pipeline


def expand_vars(line, lookup):
    """%NAME% expansion as cmd does it at parse time; an undefined name stays as typed."""
    def repl(m):
        value = lookup(m.group(1))
        return m.group(0) if value is None else value
    return re.sub(r'%([^%\s=]+)%', repl, line)


def split_chain(line):
    """The line as a list of Links, each a pipeline of stages."""
    links, stages, buf, op = [], [], [], ''
    quoted, i = False, 0
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
            buf.append(c)
        elif quoted:
            buf.append(c)
        elif c == '^' and i + 1 < len(line):
            i += 1
            buf.append('\0' + line[i])    # escaped: never an operator or redirection
        elif c in '&|' and not _is_dup_redirect(buf):
            two = line[i:i + 2]
            stages.append(''.join(buf))
            buf = []
            if c == '|' and two != '||':
                i += 1
                continue
            links.append(Link(op, Pipeline([parse_stage(s) for s in stages])))
            stages = []
            op = two if two in ('&&', '||') else '&'
            i += len(op)
            continue
        else:
            buf.append(c)
        i += 1
    stages.append(''.join(buf))
    links.append(Link(op, Pipeline([parse_stage(s) for s in stages])))
    return [l for l in links if any(s.text.strip() or s.redirects for s in l.pipeline.stages)]


def _is_dup_redirect(buf):
    """True when '&' follows '>' (as in 2>&1): it belongs to the redirection."""
    text = ''.join(buf).rstrip()
    return text.endswith('>') and not text.endswith('\0>')


_REDIRECT = re.compile(r'(?<!\0)(?P<fd>[0-9])?(?P<op>>>|>|<)\s*(?P<target>&[0-9]|"[^"]*"|[^\s"<>]+)')


def parse_stage(text):
    """One command with its redirections taken out of its text."""
    redirects, out, pos = [], [], 0
    for m in _quote_aware_matches(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        op = m.group('op')
        fd = int(m.group('fd')) if m.group('fd') else (0 if op == '<' else 1)
        target = m.group('target').strip('"')
        redirects.append(Redirect(fd, 'r' if op == '<' else ('a' if op == '>>' else 'w'), target))
    out.append(text[pos:])
    return Stage(unescape(''.join(out)), redirects)


def _quote_aware_matches(text):
    quoted = [False] * (len(text) + 1)
    q = False
    for i, c in enumerate(text):
        quoted[i] = q
        if c == '"':
            q = not q
    return [m for m in _REDIRECT.finditer(text) if not quoted[m.start()]]


def unescape(text):
    return text.replace('\0', '')


WHOLE_WORD_NAMES = {'cmd.exe'}
_NAME_END = re.compile(r'[\s./\\(=;,+:]')


def split_command(text):
    """(name, rest) as cmd splits an internal command: `echo.` is echo with rest '.'."""
    text = text.lstrip(' \t;,=')
    if text.startswith('"'):
        end = text.find('"', 1)
        end = len(text) if end < 0 else end + 1
        return text[1:end - 1] if end > 1 else text[1:], text[end:]
    first = re.match(r'[^\s]*', text).group(0)
    if first.lower() in WHOLE_WORD_NAMES:
        return first, text[len(first):]
    m = _NAME_END.search(text)
    if not m:
        return text, ''
    return text[:m.start()], text[m.start():]
