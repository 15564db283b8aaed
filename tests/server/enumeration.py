"""WS-Enumeration Enumerate/Pull/Release over a list of items (DSP0226 8,
MS-WSMV 3.1.4.1.13), shaped as recorded (corpus txwinrm server_2008):

- with wsman:OptimizeEnumeration the EnumerateResponse already carries the
  first items in w:Items; without it, only the context;
- each reply that leaves items behind carries a fresh EnumerationContext (the
  previous one is spent); the last PullResponse has n:Items and
  n:EndOfSequence and no context; an optimized Enumerate that holds everything
  has an empty n:EnumerationContext, w:Items and w:EndOfSequence;
- a reply holds at most min(MaxElements, MaxBatchItems) items, and no more than
  fit the envelope size, but always at least one.

With stuck=True (winrm_sim.py --stuck-enumeration) it plays a broken server: every
Pull answers a fresh context with empty n:Items and no EndOfSequence, forever.
"""
import threading
import time

import faults
from soap import envelope, new_message_id, q

ENUMERATION = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/'
DECLS_ENUM = ('s', 'a', 'n', 'w')
ENUMERATION_TIMEOUT = 240.0        # EnumerationTimeoutms in the recorded config
ENVELOPE_OVERHEAD = 2048


class Enumerations:
    def __init__(self, max_batch_items, stuck=False):
        self.max_batch_items = max_batch_items
        self.stuck = stuck
        self.contexts = {}             # id -> (items left, deadline)
        self.lock = threading.Lock()

    def open_count(self):
        with self.lock:
            return len(self.contexts)

    @staticmethod
    def request(req):
        """(optimize, max elements, filter element or None) of an Enumerate body."""
        body = req.body_child()
        if body is None or body.tag != q('n', 'Enumerate'):
            raise faults.invalid_body()
        optimize = body.find(q('w', 'OptimizeEnumeration')) is not None
        max_el = _int(body.find(q('w', 'MaxElements')))
        return optimize, max_el, body.find(q('w', 'Filter'))

    def enumerate(self, req, items):
        optimize, max_el, _ = self.request(req)
        items = list(items)
        if not optimize:
            ctx = self._store(items)
            body = '<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext></n:EnumerateResponse>' % ctx
            return envelope(ENUMERATION + 'EnumerateResponse', req.message_id, body, DECLS_ENUM)
        batch, rest = self._batch(items, max_el, req.max_envelope)
        ctx = self._store(rest) if rest else ''
        end = '' if rest else '<w:EndOfSequence/>'
        body = ('<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext><w:Items>%s</w:Items>%s'
                '</n:EnumerateResponse>' % (ctx, ''.join(batch), end))
        return envelope(ENUMERATION + 'EnumerateResponse', req.message_id, body, DECLS_ENUM)

    def pull(self, req):
        body = req.body_child()
        if body is None or body.tag != q('n', 'Pull'):
            raise faults.invalid_body()
        items = self._take(_text(body.find(q('n', 'EnumerationContext'))))
        if self.stuck:
            xml = ('<n:PullResponse><n:EnumerationContext>%s</n:EnumerationContext><n:Items></n:Items>'
                   '</n:PullResponse>' % self._store(items))
            return envelope(ENUMERATION + 'PullResponse', req.message_id, xml, DECLS_ENUM)
        batch, rest = self._batch(items, _int(body.find(q('n', 'MaxElements'))) or 1, req.max_envelope)
        if rest:
            head = '<n:EnumerationContext>%s</n:EnumerationContext>' % self._store(rest)
            tail = ''
        else:
            head, tail = '', '<n:EndOfSequence/>'
        xml = '<n:PullResponse>%s<n:Items>%s</n:Items>%s</n:PullResponse>' % (head, ''.join(batch), tail)
        return envelope(ENUMERATION + 'PullResponse', req.message_id, xml, DECLS_ENUM)

    def release(self, req):
        body = req.body_child()
        if body is None or body.tag != q('n', 'Release'):
            raise faults.invalid_body()
        self._take(_text(body.find(q('n', 'EnumerationContext'))))
        return envelope(ENUMERATION + 'ReleaseResponse', req.message_id, '', DECLS_ENUM)

    def _batch(self, items, max_el, max_envelope):
        limit = min(max_el or 1, self.max_batch_items)
        budget = max_envelope - ENVELOPE_OVERHEAD
        n = size = 0
        while n < len(items) and n < limit:
            size += len(items[n].encode('utf-8'))
            if n and size > budget:
                break
            n += 1
        return items[:n], items[n:]

    def _store(self, items):
        ctx = new_message_id()
        with self.lock:
            self._expire()
            self.contexts[ctx] = (items, time.monotonic() + ENUMERATION_TIMEOUT)
        return ctx

    def _take(self, ctx):
        with self.lock:
            self._expire()
            entry = self.contexts.pop(ctx, None)
        if entry is None:
            raise faults.invalid_enumeration_context()
        return entry[0]

    def _expire(self):
        now = time.monotonic()
        for k in [k for k, (_, deadline) in self.contexts.items() if deadline < now]:
            del self.contexts[k]


def _text(el):
    return (el.text or '').strip() if el is not None else ''


def _int(el):
    try:
        return int(_text(el))
    except ValueError:
        return 0

