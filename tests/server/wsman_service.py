"""The WS-Management service: Identify, the WinRS cmd shell, and the config and
WMI resources (config_provider, wmi_provider), answering the
way Windows Server 2016 does (replies shaped after the corpus recordings)."""
import base64
import os
import threading
import time

import fault_injection
import faults
import host_profile
from cmd_layer import Environment
from config_provider import ConfigProvider
from enumeration import Enumerations
from host_model import HostModel
from stdin_drop import DropConnection, StdinDrop
from soap import (DECLS_DELETE, DECLS_RECEIVE, DECLS_TRANSFER, NS, WSMID_NS, BadRequest, envelope,
                  format_elapsed, format_seconds, parse_duration, parse_request, q, text_el)
from winrs import Command, Shell, apply_create_options
from wmi_provider import WmiProvider

SHELL_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
CMD_URI = SHELL_URI + '/cmd'
TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
STATE_DONE = SHELL_URI + '/CommandState/Done'
STATE_RUNNING = SHELL_URI + '/CommandState/Running'
MIN_ENVELOPE = 8192                 # MS-WSMV 3.1.4.1.7
DEFAULT_IDLE_TIMEOUT = 7200.0       # what recorded Create replies report
SEND_RACE_WAIT = 10.0              # --fault-send-after-exit: seconds a Send waits for the exit
PRODUCT_VERSION = 'OS: 10.0.14393 SP: 0.0 Stack: 3.0'


class Context:
    """Who sent a request and how: filled in by the HTTP layer."""

    def __init__(self, user, client_ip, machine, endpoint, authenticated, security_profiles):
        self.user, self.client_ip, self.machine, self.endpoint = user, client_ip, machine, endpoint
        self.authenticated, self.security_profiles = authenticated, security_profiles
        self.fault = None                 # --inject: the kind this request gets (fault_injection.py)


class Service:
    def __init__(self, config, sandbox, registry, on_change):
        self.config, self.sandbox, self.registry, self.on_change = config, sandbox, registry, on_change
        self.enumerations = Enumerations(config.max_batch_items, config.stuck_enumeration)
        profile = getattr(config, 'host_profile', None) or host_profile.load(None)
        self.host = HostModel(profile, config.computer_name, sandbox)
        sandbox.host = self.host              # the cmd layer's docker, dockerd and netsh (host_programs.py)
        self.config_provider = ConfigProvider(config, on_change, profile['trusted_hosts'])
        self.wmi = WmiProvider(config, sandbox, self.enumerations, self.process_environment, on_change,
                               self.host, profile['shares'])
        self.providers = (self.config_provider, self.wmi)
        self.action_counts = {}
        self.log_sink = None                 # the simulator's request log, when it keeps one
        self.stdin_drop = StdinDrop(getattr(config, 'fault_drop_after_stdin_bytes', 0), self.log)
        self.injector = fault_injection.Injector(getattr(config, 'inject', None), self.log)
        self.count_lock = threading.Lock()
        self.actions = {
            TRANSFER + 'create': self.create,
            TRANSFER + 'delete': self.delete,
            SHELL_URI.lower() + '/command': self.command,
            SHELL_URI.lower() + '/send': self.send,
            SHELL_URI.lower() + '/receive': self.receive,
            SHELL_URI.lower() + '/signal': self.signal,
        }

    def handle(self, data, ctx):
        """(HTTP status, reply bytes) for one SOAP request."""
        try:
            req = parse_request(data)
        except BadRequest:
            return 500, faults.invalid_body().to_xml(None, ctx.machine)
        if req.is_identify() or ctx.authenticated:
            ctx.fault = self.injector.take(fault_injection.step_of(req))
            if ctx.fault:
                self.on_change()              # the state file's "fault_injection" counts it
        if ctx.fault == 'close-before':
            raise DropConnection()
        if ctx.fault == '500-unknown-fault':
            return 500, fault_injection.unknown_fault(req.message_id)
        if ctx.fault in fault_injection.NOT_PROCESSED:
            return 200, b''                   # the HTTP layer sends what the fault sends
        status, reply = self.answer(req, ctx)
        if ctx.fault == 'wrong-relatesto' and reply:
            reply = fault_injection.wrong_relates_to(reply)
        return status, reply

    def answer(self, req, ctx):
        if req.is_identify():
            return 200, identify_response(ctx)
        if not ctx.authenticated:
            return None, None
        try:
            return 200, self.dispatch(req, ctx)
        except faults.WSManFault as f:
            return 500, f.to_xml(req.message_id, ctx.machine)

    def dispatch(self, req, ctx):
        if not req.message_id or not req.action:
            raise faults.header_required()
        req.max_envelope = self.max_envelope(req)
        req.timeout = self.operation_timeout(req)
        self.count_action(req.action)
        for provider in self.providers:
            if provider.handles(req.resource_uri):
                try:
                    return provider.handle(req, ctx)
                finally:
                    self.on_change()
        handler = self.actions.get(req.action.lower())
        if req.resource_uri.lower() != CMD_URI:
            raise faults.unknown_resource(req.resource_uri)
        if handler is None:
            raise faults.action_not_supported(req.action)
        if handler == self.create:
            return handler(req, ctx)
        shell = self.registry.get(req.selectors.get('ShellId'))
        if shell is None:
            raise faults.unknown_shell()
        shell.begin()
        try:
            return handler(req, ctx, shell)
        finally:
            shell.end()

    def log(self, text):
        if self.log_sink:
            self.log_sink(text)

    def count_action(self, action):
        """Requests per action, by the action's last segment (Get, Pull, Create...)."""
        name = action.rstrip('/').rsplit('/', 1)[-1]
        with self.count_lock:
            self.action_counts[name] = self.action_counts.get(name, 0) + 1
        self.on_change()

    def state(self, host=None):
        """The resource state for the --state-file JSON; host: host_state(), when the caller has it."""
        with self.count_lock:
            counts = dict(self.action_counts)
        out = {'wsman_actions': counts, 'config_client': self.config_provider.state(),
               'enumerations_open': self.enumerations.open_count(),
               'fault_stdin_drop': self.stdin_drop.state(), 'fault_injection': self.injector.state()}
        out.update(self.wmi.state())
        out['host'] = host if host is not None else self.host_state()
        return out

    def host_state(self):
        """The whole host model: what bootstrap reads and changes (docs/bootstrap.md), for a
        byte-for-byte comparison before and after `--plan`; no counters, no clocks.  Of the
        sandbox's files, those bootstrap makes: docker.exe and dockerd.exe in System32, C:\\Share
        and the disk shares' directories (host_model.files)."""
        out = self.host.state()
        out['shares'] = self.wmi.shares.state()
        out['files'] = self.host.files(s['Path'] for s in out['shares'] if s['Type'] == 0 and s['Path'])
        out['trusted_hosts'] = self.config_provider.state().get('TrustedHosts', '')
        return out

    def process_environment(self, user):
        """The environment of a process started for user outside a shell (Win32_Process.Create)."""
        return default_environment(user, 'C:\\Users\\' + user.split('\\')[-1], self.config.computer_name)

    def max_envelope(self, req):
        """Client's MaxEnvelopeSize clamped to the service's (MS-WSMV 3.1.4.1.7)."""
        limit = self.config.max_envelope_size
        if req.max_envelope_size:
            try:
                wanted = int(req.max_envelope_size)
            except ValueError:
                raise faults.encoding_limit_min_envelope()
            if wanted < MIN_ENVELOPE:
                raise faults.encoding_limit_min_envelope()
            limit = min(limit, wanted)
        return limit

    def operation_timeout(self, req):
        """min(OperationTimeout, MaxTimeoutms) in seconds (MS-WSMV 3.1.4.1.6)."""
        cap = self.config.max_timeout_ms / 1000.0
        if not req.operation_timeout:
            return cap
        seconds = parse_duration(req.operation_timeout)
        if seconds is None or seconds <= 0:
            raise faults.invalid_timeout(req.operation_timeout)
        return min(seconds, cap)

    # --- Create / Delete ----------------------------------------------------------------------
    def create(self, req, ctx):
        spec = req.body_child()
        if spec is None or spec.tag != q('rsp', 'Shell'):
            raise faults.invalid_body()
        if self.registry.count_for(ctx.user) >= self.config.max_shells_per_user:
            raise faults.quota_max_shells(self.config.max_shells_per_user)
        inputs = _child_text(spec, 'InputStreams') or 'stdin'
        outputs = ' '.join((_child_text(spec, 'OutputStreams') or 'stdout stderr').split())
        idle = parse_duration(_child_text(spec, 'IdleTimeOut')) or DEFAULT_IDLE_TIMEOUT
        env_pairs = [(v.get('Name', ''), v.text or '') for v in spec.iter(q('rsp', 'Variable'))]
        requested_dir = _child_text(spec, 'WorkingDirectory')
        name = ctx.user.split('\\')[-1]
        profile = 'C:\\Users\\' + name
        os.makedirs(self.sandbox.to_host(profile), exist_ok=True)
        env = default_environment(ctx.user, profile, self.config.computer_name)
        for k, v in env_pairs:
            env.set(k, v)
        shell = Shell(ctx.user, ctx.client_ip, self.sandbox, env, requested_dir or profile, idle, CMD_URI,
                      inputs, outputs, env_pairs, requested_dir)
        apply_create_options(shell, req.options)
        self.registry.add(shell)
        self.on_change()
        body = ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters>'
                '<w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector>'
                '</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>%s'
                % (ctx.endpoint, CMD_URI, shell.id, shell_element(shell)))
        return envelope(TRANSFER + 'CreateResponse', req.message_id, body, DECLS_TRANSFER)

    def delete(self, req, ctx, shell):
        self.registry.remove(shell.id)
        self.on_change()
        return envelope(TRANSFER + 'DeleteResponse', req.message_id, '', DECLS_DELETE)

    # --- Command / Send / Receive / Signal ---------------------------------------------------
    def command(self, req, ctx, shell):
        line_el = req.body_child()
        if line_el is None or line_el.tag != q('rsp', 'CommandLine'):
            raise faults.invalid_body()
        program = _child_text(line_el, 'Command')
        args = [a.text or '' for a in line_el.findall(q('rsp', 'Arguments'))]
        # Windows rejects a new Command until the previous one's final CommandState
        # was received (MS-WSMV 3.1.4.11, <121>).  The fault it uses for this is not
        # recorded; the cmd plugin's recorded InvalidParameter shape stands in.
        if shell.busy_command():
            raise faults.invalid_parameter()
        try:
            workdir = self.sandbox.to_host(shell.working_dir)
        except Exception:
            raise faults.directory_invalid()
        if not os.path.isdir(workdir):
            raise faults.directory_invalid()
        cmd = Command(shell, ' '.join([program] + args), self.on_change)
        if line_el.get('CommandId'):
            cmd.id = line_el.get('CommandId').upper()
        with shell.lock:
            shell.commands[cmd.id] = cmd
        cmd.start()
        self.on_change()
        body = '<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>' % cmd.id
        return envelope(SHELL_URI + '/CommandResponse', req.message_id, body, DECLS_TRANSFER)

    def find_command(self, shell, command_id):
        if not command_id:
            raise faults.invalid_parameter()
        with shell.lock:
            cmd = shell.commands.get(command_id.upper())
        if cmd is None:
            raise faults.unknown_command()
        return cmd

    def send(self, req, ctx, shell):
        send = req.body_child()
        if send is None or send.tag != q('rsp', 'Send'):
            raise faults.invalid_body()
        for stream in send.findall(q('rsp', 'Stream')):
            cmd = self.find_command(shell, stream.get('CommandId'))
            if self.config.fault_send_after_exit and cmd.wait_exit(SEND_RACE_WAIT):
                raise faults.pipe_ended()
            try:
                data = base64.b64decode(stream.text or '', validate=False)
            except ValueError:
                raise faults.invalid_parameter()
            try:
                self.stdin_drop.check(cmd, len(data))       # test hook: may drop the connection
            except DropConnection:
                self.on_change()
                raise
            cmd.send(data, (stream.get('End') or '').lower() == 'true')
        return envelope(SHELL_URI + '/SendResponse', req.message_id, '<rsp:SendResponse/>', DECLS_TRANSFER)

    def signal(self, req, ctx, shell):
        sig = req.body_child()
        if sig is None or sig.tag != q('rsp', 'Signal'):
            raise faults.invalid_body()
        cmd = self.find_command(shell, sig.get('CommandId'))
        if not cmd.signal(_child_text(sig, 'Code')):
            raise faults.invalid_parameter()
        if cmd.terminated:
            with shell.lock:
                shell.commands.pop(cmd.id, None)
        self.on_change()
        return envelope(SHELL_URI + '/SignalResponse', req.message_id, '<rsp:SignalResponse/>', DECLS_TRANSFER)

    def receive(self, req, ctx, shell):
        recv = req.body_child()
        desired = recv.find(q('rsp', 'DesiredStream')) if recv is not None else None
        if desired is None:
            raise faults.invalid_body()
        cmd = self.find_command(shell, desired.get('CommandId'))
        streams = (desired.text or 'stdout stderr').split()
        if ctx.fault == 'timedout-forever':
            fault_injection.timed_out_wait(req.timeout)
            raise faults.timed_out()
        if not cmd.wait_output(req.timeout):
            raise faults.timed_out()
        reply = ReceiveReply(cmd, streams, req.message_id, req.max_envelope)
        data = reply.render()
        if ctx.fault == 'kill-mid-stream':
            self.registry.remove(shell.id)    # the shell and its processes vanish
            self.on_change()
        if reply.final:
            cmd.done_delivered = True
            self.on_change()
        return data


class ReceiveReply:
    """A ReceiveResponse that fits the client's MaxEnvelopeSize: output that
    does not fit stays queued for the next Receive, as Windows splits it."""

    def __init__(self, cmd, streams, relates_to, max_envelope):
        self.cmd, self.streams, self.relates_to = cmd, streams, relates_to
        base = len(self.build([], final=True, exit_code=0xFFFFFFFF))
        per_chunk = len(self.stream_el(streams[0] if streams else 'stdout', b''))
        chunks, drained = cmd.take(max_envelope - base, per_chunk)
        self.chunks = [(s, d) for s, d in chunks if s in streams]
        self.final = drained

    def stream_el(self, name, data, end=False):
        end_attr = ' End="true"' if end else ''
        return '<rsp:Stream Name="%s" CommandId="%s"%s>%s</rsp:Stream>' % (
            name, self.cmd.id, end_attr, base64.b64encode(data).decode('ascii'))

    def build(self, chunks, final, exit_code=None):
        parts = [self.stream_el(s, d) for s, d in chunks]
        if final:
            parts += [self.stream_el(s, b'', end=True) for s in self.streams]
            parts.append('<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                         '</rsp:CommandState>' % (self.cmd.id, STATE_DONE, exit_code))
        else:
            parts.append('<rsp:CommandState CommandId="%s" State="%s"></rsp:CommandState>'
                         % (self.cmd.id, STATE_RUNNING))
        body = '<rsp:ReceiveResponse>%s</rsp:ReceiveResponse>' % ''.join(parts)
        return envelope(SHELL_URI + '/ReceiveResponse', self.relates_to, body, DECLS_RECEIVE)

    def render(self):
        return self.build(self.chunks, self.final, self.cmd.exit_code)


def shell_element(shell):
    """rsp:Shell in a Create reply, children in the recorded order."""
    parts = [text_el('rsp:ShellId', shell.id), text_el('rsp:ResourceUri', shell.resource_uri),
             text_el('rsp:Owner', shell.owner), text_el('rsp:ClientIP', shell.client_ip)]
    if shell.env_pairs:
        parts.append('<rsp:Environment>%s</rsp:Environment>' % ''.join(
            text_el('rsp:Variable', v, {'Name': k}) for k, v in shell.env_pairs))
    if shell.requested_dir:
        parts.append(text_el('rsp:WorkingDirectory', shell.requested_dir))
    elapsed = time.monotonic() - shell.created
    parts += [text_el('rsp:IdleTimeOut', format_seconds(shell.idle_timeout)),
              text_el('rsp:InputStreams', shell.input_streams), text_el('rsp:OutputStreams', shell.output_streams),
              text_el('rsp:ShellRunTime', format_elapsed(elapsed)),
              text_el('rsp:ShellInactivity', format_elapsed(0))]
    return '<rsp:Shell xmlns:rsp="%s">%s</rsp:Shell>' % (NS['rsp'], ''.join(parts))


def default_environment(user, profile, computer):
    name = user.split('\\')[-1]
    domain = user.split('\\')[0] if '\\' in user else computer
    return Environment([
        ('ALLUSERSPROFILE', 'C:\\ProgramData'), ('APPDATA', profile + '\\AppData\\Roaming'),
        ('COMPUTERNAME', computer), ('ComSpec', 'C:\\Windows\\system32\\cmd.exe'),
        ('LOCALAPPDATA', profile + '\\AppData\\Local'), ('NUMBER_OF_PROCESSORS', str(os.cpu_count() or 1)),
        ('OS', 'Windows_NT'), ('PATHEXT', '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC'),
        ('PROCESSOR_ARCHITECTURE', 'AMD64'), ('ProgramData', 'C:\\ProgramData'),
        ('ProgramFiles', 'C:\\Program Files'), ('PROMPT', '$P$G'), ('PUBLIC', 'C:\\Users\\Public'),
        ('SystemDrive', 'C:'), ('SystemRoot', 'C:\\Windows'), ('TEMP', profile + '\\AppData\\Local\\Temp'),
        ('TMP', profile + '\\AppData\\Local\\Temp'), ('USERDOMAIN', domain), ('USERNAME', name),
        ('USERPROFILE', profile), ('windir', 'C:\\Windows'),
    ])


def identify_response(ctx):
    """MS-WSMV 3.1.4.1.23 / DSP0226 Identify; unauthenticated replies leave out
    ProductVersion and SecurityProfiles, as Windows does."""
    parts = ['<wsmid:ProtocolVersion>%s</wsmid:ProtocolVersion>' % NS['w'],
             '<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>']
    if ctx.authenticated:
        parts.append('<wsmid:ProductVersion>%s</wsmid:ProductVersion>' % PRODUCT_VERSION)
        parts.append('<wsmid:SecurityProfiles>%s</wsmid:SecurityProfiles>' % ''.join(
            '<wsmid:SecurityProfileName>%s</wsmid:SecurityProfileName>' % p for p in ctx.security_profiles))
    return ('<s:Envelope xml:lang="en-US" xmlns:s="%s"><s:Header/><s:Body>'
            '<wsmid:IdentifyResponse xmlns:wsmid="%s">%s</wsmid:IdentifyResponse></s:Body></s:Envelope>'
            % (NS['s'], WSMID_NS, ''.join(parts))).encode('utf-8')


def _child_text(el, local):
    child = el.find(q('rsp', local))
    return (child.text or '').strip() if child is not None else ''
