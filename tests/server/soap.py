"""SOAP envelopes as a Windows WinRM service reads and writes them.

Requests are parsed namespace-aware (clients pick any prefixes).  Replies are
written with the exact prefixes, namespace declarations and header order that
recorded Windows Server 2016 replies use (corpus pypsrp/exchanges/winrs_*.yml).
"""
import re
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'a': 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
    'x': 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
    'e': 'http://schemas.xmlsoap.org/ws/2004/08/eventing',
    'n': 'http://schemas.xmlsoap.org/ws/2004/09/enumeration',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'p': 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
    'rsp': 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
    'f': 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault',
}
WSMID_NS = 'http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd'
# MS-WSMV 2.2.1 spells the identity namespace ".../identify/1/..."; accept both.
WSMID_NS_ALT = 'http://schemas.dmtf.org/wbem/wsman/identify/1/wsmanidentity.xsd'
ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'

# Namespace declarations on the reply Envelope, per reply kind, as recorded.
DECLS_TRANSFER = ('s', 'a', 'x', 'w', 'rsp', 'p')   # Create, Command, Send, Signal
DECLS_RECEIVE = ('s', 'a', 'w', 'rsp', 'p')
DECLS_DELETE = ('s', 'a', 'w', 'p')
DECLS_FAULT = ('s', 'a', 'x', 'e', 'n', 'w', 'p')


def q(prefix, local):
    """Clark notation for ElementTree lookups."""
    return '{%s}%s' % (NS[prefix], local)


class BadRequest(Exception):
    """The body is not a SOAP 1.2 envelope at all."""


class Request:
    """The parts of a WS-Management request the service acts on."""

    def __init__(self, root):
        self.root = root
        self.header = root.find(q('s', 'Header'))
        self.body = root.find(q('s', 'Body'))
        if self.body is None:
            raise BadRequest('no s:Body')
        h = self.header if self.header is not None else ET.Element('none')
        self.action = _text(h.find(q('a', 'Action')))
        self.message_id = _text(h.find(q('a', 'MessageID')))
        self.resource_uri = _text(h.find(q('w', 'ResourceURI')))
        self.operation_timeout = _text(h.find(q('w', 'OperationTimeout')))
        self.max_envelope_size = _text(h.find(q('w', 'MaxEnvelopeSize')))
        self.selectors = {}
        for sel in h.iter(q('w', 'Selector')):
            self.selectors[sel.get('Name', '')] = _text(sel)
        self.options = {}
        for opt in h.iter(q('w', 'Option')):
            self.options[opt.get('Name', '')] = _text(opt)

    def body_child(self):
        """The first element of s:Body, or None for an empty body."""
        return next(iter(self.body), None)

    def is_identify(self):
        child = self.body_child()
        return child is not None and child.tag in ('{%s}Identify' % WSMID_NS, '{%s}Identify' % WSMID_NS_ALT)


def _text(el):
    return (el.text or '').strip() if el is not None else ''


def parse_request(data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise BadRequest(str(e))
    if root.tag != q('s', 'Envelope'):
        raise BadRequest('not a SOAP 1.2 Envelope')
    return Request(root)


def new_message_id():
    return 'uuid:' + str(uuid.uuid4()).upper()


def envelope(action, relates_to, body, decls):
    """A reply envelope; header order Action, MessageID, To, RelatesTo as recorded."""
    ns = ' '.join('xmlns:%s="%s"' % (p, NS[p]) for p in decls)
    relates = '<a:RelatesTo>%s</a:RelatesTo>' % escape(relates_to) if relates_to else ''
    body_xml = '<s:Body>%s</s:Body>' % body
    return ('<s:Envelope xml:lang="en-US" %s><s:Header><a:Action>%s</a:Action>'
            '<a:MessageID>%s</a:MessageID><a:To>%s</a:To>%s</s:Header>%s</s:Envelope>'
            % (ns, escape(action), new_message_id(), ANONYMOUS, relates, body_xml)).encode('utf-8')


def text_el(tag, value, attrs=None):
    a = ''.join(' %s=%s' % (k, quoteattr(str(v))) for k, v in (attrs or {}).items())
    return '<%s%s>%s</%s>' % (tag, a, escape(str(value)), tag)


_DURATION = re.compile(r'^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?$')


def parse_duration(text):
    """xs:duration (days and time part only, as WS-Management uses it) in seconds, or None."""
    m = _DURATION.match(text or '')
    if not m or text in ('P', 'PT') or text.endswith('T'):
        return None
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def format_seconds(seconds):
    """PT7200.000S, the form Windows writes IdleTimeOut in."""
    return 'PT%.3fS' % seconds


def format_elapsed(seconds):
    """P0DT0H0M0S, the form Windows writes ShellRunTime and ShellInactivity in."""
    s = int(seconds)
    return 'P%dDT%dH%dM%dS' % (s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60)
