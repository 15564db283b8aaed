"""Test hook --inject STEP:KIND[:N]: misbehave at one chosen WS-Management request.

STEP names the request by its action (identify, create, command, send, receive, signal,
delete, enumerate, pull, invoke, get, put); N counts the requests of that step the server
received, from 1 (default 1), over the whole run.  The Nth one gets KIND:

  close-before       the request is not processed; the connection is reset (SO_LINGER 0)
  close-after        the request is processed and answered; the connection is reset when
                     the client's next request on it arrives (at most NEXT_REQUEST_WAIT s later):
                     the worst case of a keep-alive close racing the next request, made certain
  500-garbage        not processed; HTTP 500 with bytes that are not XML
  500-unknown-fault  not processed; a SOAP fault whose subcode and code no client knows
  slow               processed; the reply's body leaves at one byte a second
  huge               not processed; a 200 whose body is 1 GiB, generated while it is sent
  wrong-relatesto    processed; the reply's wsa:RelatesTo names another message
  tamper-encrypted   processed; one byte of the sealed reply's ciphertext is flipped
                     (needs a sealing context: NTLM or Kerberos, HTTP, AllowUnencrypted=false)
  repeat-sequence    processed; the reply sent is the connection's previous reply, byte
                     for byte: sealed, it carries the previous sealing sequence number
                     (MS-NLMP 3.4.4 SeqNum, RFC 4121 SND_SEQ): a replay; plain, it is an
                     earlier answer (its RelatesTo names the previous request).  WinRS has
                     no sequence number of its own for cmd shells (rsp:Receive SequenceId
                     is for PowerShell's robust connections, MS-WSMV 3.1.4.14), so the
                     sealing sequence and the reply stream are what can repeat.  Fires only
                     where the connection already carried a reply.
  timedout-forever   receive only: this and every later Receive waits its OperationTimeout
                     and answers w:TimedOut (MS-WSMV 3.1.4.14), the command never ending
  kill-mid-stream    receive only: the command's shell is killed and removed (its
                     processes die, a later request finds no shell) and this Receive's
                     reply stops halfway through its body; the connection is reset

The state file's "fault_injection" lists the rules and how often each fired.
"""
import os
import re
import select
import socket
import struct
import threading
import time
import uuid

STEPS = ('identify', 'create', 'command', 'send', 'receive', 'signal', 'delete',
         'enumerate', 'pull', 'invoke', 'get', 'put')
KINDS = ('close-before', 'close-after', '500-garbage', '500-unknown-fault', 'slow', 'huge',
         'wrong-relatesto', 'tamper-encrypted', 'repeat-sequence', 'timedout-forever',
         'kill-mid-stream')
RECEIVE_ONLY = ('timedout-forever', 'kill-mid-stream')
NOT_PROCESSED = ('close-before', '500-garbage', '500-unknown-fault', 'huge')

HUGE_BYTES = 1 << 30
HUGE_CHUNK = 1 << 20
SLOW_INTERVAL = 1.0          # seconds per byte
NEXT_REQUEST_WAIT = 2.0      # close-after: how long to wait for the next request
MAX_TIMEDOUT_WAIT = 60.0     # a TimedOut answer waits at most this long

_ACTION_STEPS = (
    ('/windows/shell/command', 'command'), ('/windows/shell/send', 'send'),
    ('/windows/shell/receive', 'receive'), ('/windows/shell/signal', 'signal'),
    ('/transfer/create', 'create'), ('/transfer/delete', 'delete'),
    ('/transfer/get', 'get'), ('/transfer/put', 'put'),
    ('/enumeration/enumerate', 'enumerate'), ('/enumeration/pull', 'pull'),
)


class InjectError(ValueError):
    pass


def parse_rule(spec):
    """'STEP:KIND[:N]' -> (step, kind, n); InjectError when malformed."""
    parts = spec.split(':')
    if len(parts) not in (2, 3):
        raise InjectError('%r: expected STEP:KIND[:N]' % spec)
    step, kind = parts[0].lower(), parts[1].lower()
    if step not in STEPS:
        raise InjectError('%r: unknown step %r (known: %s)' % (spec, step, ', '.join(STEPS)))
    if kind not in KINDS:
        raise InjectError('%r: unknown kind %r (known: %s)' % (spec, kind, ', '.join(KINDS)))
    if kind in RECEIVE_ONLY and step != 'receive':
        raise InjectError('%r: %s applies to receive only' % (spec, kind))
    try:
        n = int(parts[2]) if len(parts) == 3 else 1
    except ValueError:
        n = 0
    if n < 1:
        raise InjectError('%r: N is a count from 1' % spec)
    return step, kind, n


def step_of(req):
    """The step a parsed request is, by its wsa:Action (any other action: a method, invoke)."""
    if req.is_identify():
        return 'identify'
    action = (req.action or '').lower()
    for suffix, step in _ACTION_STEPS:
        if action.endswith(suffix):
            return step
    return 'invoke' if action else None


class Injector:
    def __init__(self, specs, log):
        self.rules = [dict(step=s, kind=k, n=n, fired=0) for s, k, n in map(parse_rule, specs or [])]
        self.seen = {}
        self.log = log
        self.lock = threading.Lock()

    def take(self, step):
        """The kind to inject into this request of step, or None; counts the request."""
        if not self.rules or step is None:
            return None
        with self.lock:
            count = self.seen[step] = self.seen.get(step, 0) + 1
            for r in self.rules:
                if r['step'] != step:
                    continue
                if count == r['n'] or (r['kind'] == 'timedout-forever' and count > r['n']):
                    r['fired'] += 1
                    self.log('fault injection: %s #%d gets %s' % (step, count, r['kind']))
                    return r['kind']
        return None

    def state(self):
        with self.lock:
            return {'rules': [dict(r) for r in self.rules], 'requests': dict(self.seen)}


def unknown_fault(relates_to):
    """A well-formed SOAP fault with a subcode and a WSManFault code no client knows."""
    return ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header>'
            '<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>'
            '<a:MessageID>uuid:%s</a:MessageID><a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body>'
            '<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:NoSuchFaultAnywhere'
            '</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">An injected fault '
            'that no client knows. </s:Text></s:Reason><s:Detail><f:WSManFault '
            'xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="4276215469" '
            'Machine="SIMHOST"><f:Message>An injected fault. </f:Message></f:WSManFault></s:Detail>'
            '</s:Fault></s:Body></s:Envelope>'
            % (str(uuid.uuid4()).upper(), relates_to or '')).encode()


def wrong_relates_to(body):
    return re.sub(rb'(<a:RelatesTo>)[^<]*(</a:RelatesTo>)',
                  lambda m: m.group(1) + b'uuid:' + str(uuid.uuid4()).upper().encode() + m.group(2),
                  body, count=1)


def tamper_ciphertext(sealed):
    """Flip one byte of the ciphertext of a multipart/encrypted body (MS-WSMV 2.2.9.1.1.2)."""
    end = sealed.rfind(b'--Encrypted Boundary--')
    if end < 16:
        return sealed
    i = end - 8
    return sealed[:i] + bytes([sealed[i] ^ 0x5A]) + sealed[i + 1:]


def reset(handler):
    """Close the connection as a network drop looks: RST, no reply."""
    try:
        handler.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    except OSError:
        pass
    handler.close_connection = True


def _headers(handler, status, ctype, length, extra):
    handler.send_response(status)
    for k, v in extra:
        handler.send_header(k, v)
    if ctype:
        handler.send_header('Content-Type', ctype)
    handler.send_header('Content-Length', str(length))
    handler.end_headers()
    handler.wfile.flush()


def send_reply(handler, kind, status, body, ctype, extra, sealed=False):
    """Send one SOAP reply, applying kind (None: as is).  Remembers it as the connection's
    previous reply for repeat-sequence."""
    previous = getattr(handler, 'fi_previous', None)
    handler.fi_previous = (status, body, ctype)
    sim = handler.server.sim
    try:
        if kind == 'close-after':
            handler.reply(status, body, ctype, extra)
            t0 = time.monotonic()
            ready = select.select([handler.request], [], [], NEXT_REQUEST_WAIT)[0]
            sim.log('fault injection: close-after: next request %s after %.3f s; resetting'
                    % ('arrived' if ready else 'did not come', time.monotonic() - t0))
            reset(handler)
        elif kind == '500-garbage':
            handler.reply(500, b'\x00\xff<<garbage>> not XML \xfe' + os.urandom(64), 'text/html', extra)
        elif kind == 'slow':
            _headers(handler, status, ctype, len(body), extra)
            for i in range(len(body)):
                if sim.stopping.wait(SLOW_INTERVAL):
                    break
                handler.wfile.write(body[i:i + 1])
                handler.wfile.flush()
        elif kind == 'huge':
            _send_huge(handler, extra)
        elif kind == 'tamper-encrypted' and sealed:
            handler.reply(status, tamper_ciphertext(body), ctype, extra)
        elif kind == 'repeat-sequence' and previous is not None:
            handler.reply(previous[0], previous[1], previous[2], extra)
        elif kind == 'kill-mid-stream':
            _headers(handler, status, ctype, len(body), extra)
            handler.wfile.write(body[:len(body) // 2])
            handler.wfile.flush()
            reset(handler)
        else:
            if kind in ('tamper-encrypted', 'repeat-sequence'):
                sim.log('fault injection: %s has nothing to act on here (%s); answered as is'
                        % (kind, 'not sealed' if kind == 'tamper-encrypted' else 'no earlier reply'))
            handler.reply(status, body, ctype, extra)
    except OSError as e:
        sim.log('fault injection: %s: the client went away (%s)' % (kind, e))
        handler.close_connection = True       # the client gave up: what the fault is for


def _send_huge(handler, extra):
    """A 200 with a 1 GiB SOAP-looking body, one reused 1 MiB block at a time."""
    head = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body><!--')
    tail = b'--></s:Body></s:Envelope>'
    _headers(handler, 200, 'application/soap+xml;charset=UTF-8', HUGE_BYTES, extra)
    handler.wfile.write(head)
    left = HUGE_BYTES - len(head) - len(tail)
    block = b'x' * HUGE_CHUNK
    stopping = handler.server.sim.stopping
    while left > 0 and not stopping.is_set():
        n = min(left, HUGE_CHUNK)
        handler.wfile.write(block if n == HUGE_CHUNK else block[:n])
        left -= n
    handler.wfile.write(tail)
    handler.wfile.flush()


def timed_out_wait(seconds):
    time.sleep(min(seconds, MAX_TIMEDOUT_WAIT))
