#!/usr/bin/python3
"""Replies of the simulator against recorded Windows replies in the corpus.

Shapes are compared, not volatile values: element and attribute names with
their prefixes, namespace declarations, element order, fault codes and texts,
stream layout.  GUIDs, host names, addresses and stream payloads are masked;
runs of identical siblings (output chunks) count as one.  p:ActivityId, a
diagnostic header only some hosts add, is ignored."""
import difflib
import os
import sys
import time
import xml.dom.minidom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import (Sim, Tap, command_req, create_req, delete_req, find, parse_receive,  # noqa: E402
                    receive_req, request, send_req, signal_req, skip_all)

CORPUS = os.environ.get('NANOSH_CORPUS') or '/work/shared/corpus'
if not os.path.isdir(os.path.join(CORPUS, 'pypsrp', 'responses')):
    skip_all('corpus not found at %s (set NANOSH_CORPUS)' % CORPUS)

KEEP_TEXT = {'a:Action', 'a:To', 's:Value', 's:Text', 'f:Message', 'f:ProviderFault', 'w:FaultDetail',
             'w:ResourceURI', 'rsp:ResourceUri', 'rsp:InputStreams', 'rsp:OutputStreams', 'rsp:IdleTimeOut',
             'rsp:ShellRunTime', 'rsp:ShellInactivity', 'rsp:WorkingDirectory', 'rsp:Variable'}
VOLATILE_ATTRS = {'CommandId', 'Machine'}
IGNORED = {'p:ActivityId'}


def shape(node, texts=True):
    attrs = []
    for k, v in sorted(node.attributes.items()):
        volatile = (k in VOLATILE_ATTRS or (node.tagName == 'rsp:Variable' and k == 'Name')
                    or (not texts and k == 'Code'))
        attrs.append('%s=%s' % (k, '*' if volatile else v))
    text = ''.join(c.data for c in node.childNodes if c.nodeType == c.TEXT_NODE).strip()
    if texts and (node.tagName in KEEP_TEXT or node.tagName.startswith('p:')):
        shown = text
    else:
        shown = '<text>' if text else ''
    kids = []
    for c in node.childNodes:
        if c.nodeType == c.ELEMENT_NODE and c.tagName not in IGNORED:
            s = shape(c, texts)
            if not kids or kids[-1] != s:
                kids.append(s)
    return (node.tagName, tuple(attrs), shown, tuple(kids))


def render(s, depth=0):
    tag, attrs, text, kids = s
    lines = ['%s<%s%s>%s' % ('  ' * depth, tag, ''.join(' ' + a for a in attrs), text)]
    for k in kids:
        lines += render(k, depth + 1)
    return lines


def root_of(data, part=None):
    doc = xml.dom.minidom.parseString(data)
    node = doc.documentElement
    if part:
        node = node.getElementsByTagName(part)[0]
    return node


def corpus(path):
    with open(os.path.join(CORPUS, path), 'rb') as f:
        return f.read()


def exchange(name, index):
    import yaml
    with open(os.path.join(CORPUS, 'pypsrp', 'exchanges', name + '.exchange.yml')) as f:
        return yaml.safe_load(f)['messages'][index]


def same_shape(t, got, want, name, part=None, texts=True):
    g = render(shape(root_of(got, part), texts))
    w = render(shape(root_of(want, part), texts))
    return t.ok(g == w, name, *list(difflib.unified_diff(w, g, 'recorded', 'simulator', lineterm=''))[:60])


t = Tap()
sim = Sim()
c = sim.client()

# --- HTTP level -----------------------------------------------------------------------------
status, headers, body = c.post(create_req(), auth=False)
t.ok(status == 401 and body == b'' and headers.get('www-authenticate') == 'Basic realm="WSMAN"'
     and headers.get('server') == 'Microsoft-HTTPAPI/2.0', '401 without credentials: empty, Basic realm="WSMAN"',
     (status, headers, body))
bad = simlib.Client(sim, simlib.USER, 'wrong', False)
t.eq(bad.post(create_req())[0], 401, 'wrong password: 401')
alice = simlib.Client(sim, 'alice', simlib.PASSWORD2, False)
t.eq(alice.post(create_req())[0], 200, 'DOM\\alice logs on as "alice" too (no domain, any case)')
alice2 = simlib.Client(sim, 'dom\\ALICE', simlib.PASSWORD2, False)
t.eq(alice2.post(create_req())[0], 200, '... and as "dom\\ALICE"')

# --- Create --------------------------------------------------------------------------------
status, headers, body = c.post(create_req())
t.eq((status, headers.get('content-type')), (200, 'application/soap+xml;charset=UTF-8'),
     'Create: 200 application/soap+xml;charset=UTF-8')
same_shape(t, body, corpus('pypsrp/responses/shell_create_response_cmd.xml'), 'Create reply')
shell_id = find(body, 'ShellId')
t.ok(shell_id and shell_id == shell_id.upper() and len(shell_id) == 36, 'ShellId is an upper-case GUID', shell_id)

extra = ('<rsp:IdleTimeOut>PT60S</rsp:IdleTimeOut><rsp:Lifetime>PT60S</rsp:Lifetime><rsp:Name>shell 1</rsp:Name>'
         '<rsp:WorkingDirectory>C:\\Windows</rsp:WorkingDirectory>')
status, _, body = c.post(create_req(extra))
same_shape(t, body, corpus('pypsrp/responses/shell_create_response_with_working_dir_idle_timeout.xml'),
           'Create with WorkingDirectory and IdleTimeOut PT60S')
c.post(delete_req(find(body, 'ShellId')))

rec = exchange('winrs_environment', 0)
status, _, body = c.post(rec['request'].encode())
same_shape(t, body, rec['response'].encode(), 'Create with Environment (recorded request replayed)')
c.post(delete_req(find(body, 'ShellId')))

# --- Command, Receive, Signal --------------------------------------------------------------
status, _, body = c.post(command_req(shell_id, 'cmd.exe', '/c', 'echo', 'hi'))
same_shape(t, body, corpus('pypsrp/responses/command_response.xml'), 'Command reply')
cid = find(body, 'CommandId')
status, _, body = c.post(receive_req(shell_id, cid))
same_shape(t, body, corpus('pypsrp/responses/receive_stdout_done_exit0.xml'), 'Receive reply, Done')
want = parse_receive(corpus('pypsrp/responses/receive_stdout_done_exit0.xml'))
t.eq(parse_receive(body), want, 'cmd.exe /c echo hi: same bytes and exit code as recorded')
status, _, body = c.post(signal_req(shell_id, cid, 'terminate'))
same_shape(t, body, corpus('pypsrp/responses/signal_terminate_response.xml'), 'Signal reply')

rec = exchange('winrs_stderr_rc', 1)
cid = c.post(rec['request'].replace('44AF9A2C-624E-4975-AB20-CEB406E440B9', shell_id).encode())
cid = find(cid[2], 'CommandId')
status, _, body = c.post(receive_req(shell_id, cid))
recorded = corpus('pypsrp/responses/receive_stdout_stderr_done_exit1.xml')
same_shape(t, body, recorded, 'Receive with stdout and stderr, exit 1')
t.eq(parse_receive(body), parse_receive(recorded), 'cmd.exe /c echo out && echo err>&2 && exit 1: recorded bytes')
c.post(signal_req(shell_id, cid))

cid = find(c.post(command_req(shell_id, 'printf hi; sleep 2; printf again'))[2], 'CommandId')
status, _, body = c.post(receive_req(shell_id, cid))
same_shape(t, body, corpus('pypsrp/responses/receive_running_partial_stdout.xml'), 'Receive reply, Running')
status, _, body = c.post(command_req(shell_id, 'echo', 'too', 'early'))
t.ok(status == 500 and b'w:InvalidParameter' in body,
     'a second Command before the first one\'s final state is refused', body[:300])
t0 = time.monotonic()
while time.monotonic() - t0 < 10:
    status, _, body = c.post(receive_req(shell_id, cid))
    if status == 200 and parse_receive(body)[2] == 'Done':
        break
c.post(signal_req(shell_id, cid))

# --- Send ----------------------------------------------------------------------------------
cid = find(c.post(command_req(shell_id, 'cat'))[2], 'CommandId')
status, _, body = c.post(send_req(shell_id, cid, b'line 1\n', end=False))
same_shape(t, body, corpus('pypsrp/responses/send_response.xml'), 'Send reply')
c.post(send_req(shell_id, cid, b'line 2\n', end=True).replace(b'End="True"', b'End="true"'))
out = b''
while True:
    status, _, body = c.post(receive_req(shell_id, cid))
    o, _, state, code = parse_receive(body)
    out += o
    if state == 'Done':
        break
t.eq((out, code), (b'line 1\nline 2\n', 0), 'Send data then End reach cat; End="true" in either case')
c.post(signal_req(shell_id, cid))

# --- faults ---------------------------------------------------------------------------------
cid = find(c.post(command_req(shell_id, 'sleep 4'))[2], 'CommandId')
t0 = time.monotonic()
status, _, body = c.post(receive_req(shell_id, cid, timeout='PT1S'))
elapsed = time.monotonic() - t0
t.eq(status, 500, 'TimedOut: HTTP 500')
same_shape(t, body, corpus('pypsrp/responses/fault_timed_out_receive.xml'), 'TimedOut fault')
t.ok(0.9 <= elapsed < 3, 'TimedOut after OperationTimeout PT1S (%.2fs)' % elapsed)
status, _, body = c.post(receive_req(shell_id, cid, timeout='PT120S'), headers={})
t.ok(status == 200, 'OperationTimeout above MaxTimeoutms is capped, the command finishes')
c.post(signal_req(shell_id, cid))

status, _, body = c.post(receive_req(shell_id, '87E77BEB-6761-4C48-9D70-A00266B8459A'))
t.eq(status, 500, 'unknown CommandId: HTTP 500')
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_selectors_unknown_command_id.xml'),
           'InvalidSelectors fault for an unknown CommandId')
status, _, body = c.post(receive_req('0D6FCA9D-2D40-44C3-B691-E665BE7AA687', cid))
t.eq(status, 500, 'unknown ShellId: HTTP 500')
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_selectors_nested_shell_provider.xml'),
           'InvalidSelectors fault for an unknown ShellId')
status, _, body = c.post(receive_req(shell_id, None))
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_parameter_winrscmd_provider.xml'),
           'Receive without CommandId: InvalidParameter from the cmd plugin')
status, _, body = c.post(receive_req(shell_id, cid, timeout='PT-1S'))
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_message_information_header_timeout.xml'),
           'OperationTimeout PT-1S: InvalidMessageInformationHeader')

status, _, body = c.post(receive_req(shell_id, cid, max_env='4096'))
t.ok(status == 500 and find(body, 'Value') == 's:Sender' and b'<s:Value>w:EncodingLimit</s:Value>' in body
     and b'Code="2150858805"' in body, 'MaxEnvelopeSize 4096 (< 8192): EncodingLimit fault', body[:400])
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_selectors_unknown_command_id.xml'),
           'EncodingLimit fault has the recorded fault layout', texts=False)

huge = request(simlib.S + 'Send', '<rsp:Send><rsp:Stream Name="stdin" CommandId="%s">%s</rsp:Stream></rsp:Send>'
               % (cid, 'A' * 600000), selectors={'ShellId': shell_id})
status, _, body = c.post(huge)
t.ok(status == 413 and body == b'', 'a request over MaxEnvelopeSizekb (512000 bytes): HTTP 413, not processed',
     (status, body[:200]))
t.eq(c.post(receive_req(shell_id, '87E77BEB-6761-4C48-9D70-A00266B8459A'))[0], 500,
     '... and the connection stays usable')

status, _, body = c.post(request(simlib.S + 'Frobnicate', '', selectors={'ShellId': shell_id}))
t.ok(status == 500 and b'a:ActionNotSupported' in body and b'Code="2150858771"' in body,
     'unknown action: a:ActionNotSupported', body[:400])
same_shape(t, body, corpus('pypsrp/responses/fault_invalid_message_information_header_timeout.xml'),
           'ActionNotSupported has the recorded addressing-fault layout', texts=False)
status, _, body = c.post(create_req().replace(simlib.CMD_URI.encode(), b'http://example.com/nothing'))
t.ok(status == 500 and b'a:DestinationUnreachable' in body and b'Code="2150858811"' in body
     and b'The resource URI (http://example.com/nothing) was not found in the WS-Management catalog' in body,
     'unknown resource URI: a:DestinationUnreachable, 2150858811', body[:600])

# Output larger than the client's MaxEnvelopeSize is split over several Receives.
cid = find(c.post(command_req(shell_id, 'seq 1 20000'))[2], 'CommandId')
out, sizes = b'', []
while True:
    status, _, body = c.post(receive_req(shell_id, cid, max_env='8192'))
    sizes.append(len(body))
    o, _, state, code = parse_receive(body)
    out += o
    if state == 'Done':
        break
t.ok(out == b''.join(b'%d\n' % i for i in range(1, 20001)) and max(sizes) <= 8192 and len(sizes) > 10,
     'output over MaxEnvelopeSize 8192 is split: %d Receives, largest %d bytes' % (len(sizes), max(sizes)))
c.post(signal_req(shell_id, cid))

# --- Delete ----------------------------------------------------------------------------------
status, _, body = c.post(delete_req(shell_id))
same_shape(t, body, corpus('pypsrp/responses/delete_shell_response.xml'), 'Delete reply')
t.eq(c.post(delete_req(shell_id))[0], 500, 'a deleted shell is gone')

# --- MaxShellsPerUser -------------------------------------------------------------------------
q = simlib.Client(sim, simlib.USER2, simlib.PASSWORD2, False)
opened = 2   # the two alice shells above
while opened < 30:
    if q.post(create_req())[0] != 200:
        break
    opened += 1
status, _, body = q.post(create_req())
t.eq((opened, status), (30, 500), '30 shells per user, the 31st fails with HTTP 500')
same_shape(t, body, corpus('winrb_winrm/fault_quota_limit_max_shells_msft_wmierror.xml'),
           'QuotaLimit fault body (MSFT_WmiError) as recorded', part='s:Body')
t.eq(c.post(create_req())[0], 200, 'the quota is per user')

# --- Identify (MS-WSMV 3.1.4.1.23; no recording in the corpus) ---------------------------------
IDENT = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
         b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
         b'<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>')


def identify_children(body):
    node = root_of(body).getElementsByTagName('wsmid:IdentifyResponse')[0]
    return [(n.tagName, ''.join(x.data for x in n.childNodes if x.nodeType == x.TEXT_NODE))
            for n in node.childNodes if n.nodeType == n.ELEMENT_NODE]


status, _, body = c.post(IDENT)
kids = identify_children(body) if status == 200 else []
t.eq(kids[:3], [('wsmid:ProtocolVersion', 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'),
                ('wsmid:ProductVendor', 'Microsoft Corporation'),
                ('wsmid:ProductVersion', 'OS: 10.0.14393 SP: 0.0 Stack: 3.0')], 'Identify, authenticated')
t.ok(len(kids) == 4 and kids[3][0] == 'wsmid:SecurityProfiles', '... with SecurityProfiles', kids)
status, _, body = c.post(IDENT, headers={'WSMANIDENTIFY': 'unauthenticated'}, auth=False)
t.eq(identify_children(body) if status == 200 else status,
     [('wsmid:ProtocolVersion', 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'),
      ('wsmid:ProductVendor', 'Microsoft Corporation')],
     'Identify, unauthenticated: no ProductVersion, no SecurityProfiles')
t.eq(c.post(IDENT, auth=False)[0], 401, 'Identify without credentials and without WSMANIDENTIFY: 401')

state = sim.state()
t.ok(state['http_requests'] > 50 and state['http_requests_by_scheme'].get('none', 0) >= 3
     and state['http_requests_by_scheme'].get('Basic', 0) > 40, 'the state file counts requests per scheme',
     state['http_requests_by_scheme'])
sim.stop()
t.done()
