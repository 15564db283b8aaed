"""A small, strict subset of WQL, the query language of WMI enumerations:

    SELECT * | prop[, prop...] FROM class [WHERE prop = 'value' [AND prop = 'value'...]]

Keywords are case-insensitive, as are class and property names and string
comparison (WMI compares strings without regard to case).  Values are quoted
with ' or ", or are bare numbers and TRUE/FALSE.  Anything else (OR, LIKE, <,
functions, ASSOCIATORS OF...) is a WqlError, which the service answers with the
CannotProcessFilter fault."""
import re


class WqlError(Exception):
    """The text is not a query of the supported subset."""


class Query:
    def __init__(self, props, class_name, conditions):
        self.props = props                  # None for SELECT *
        self.class_name = class_name
        self.conditions = conditions        # [(property, value text)]

    def matches(self, instance):
        """instance: {property name: value}; names compared case-insensitively."""
        lower = {k.lower(): v for k, v in instance.items()}
        for prop, want in self.conditions:
            got = lower.get(prop.lower())
            if got is None or str(got).lower() != want.lower():
                return False
        return True


_TOKEN = re.compile(r"\s*(?:(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>[*,=])|(?P<bad>\S))")


def _tokens(text):
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind == 'bad':
            raise WqlError('unexpected %r' % m.group(kind))
        value = m.group(kind)
        if kind == 'str':
            value = value[1:-1]
        out.append((kind, value))
    return out


def parse(text):
    toks = _tokens(text or '')
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else (None, None)

    def take(kind=None, word=None):
        k, v = peek()
        if k is None or (kind and k != kind) or (word and (k != 'name' or v.upper() != word)):
            raise WqlError('expected %s' % (word or kind))
        pos[0] += 1
        return v

    take(word='SELECT')
    if peek() == ('op', '*'):
        take()
        props = None
    else:
        props = [take('name')]
        while peek() == ('op', ','):
            take()
            props.append(take('name'))
    take(word='FROM')
    class_name = take('name')
    conditions = []
    if peek()[0] is not None:
        take(word='WHERE')
        while True:
            prop = take('name')
            if take('op') != '=':
                raise WqlError('only = comparisons are supported')
            k, v = peek()
            if k in ('str', 'num') or (k == 'name' and v.upper() in ('TRUE', 'FALSE')):
                pos[0] += 1
                conditions.append((prop, v.lower() if k == 'name' else v))
            else:
                raise WqlError('expected a value')
            if peek()[0] is None:
                break
            take(word='AND')
    return Query(props, class_name, conditions)
