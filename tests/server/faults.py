"""WS-Management faults shaped like the ones Windows returns (MS-WSMV 2.2.4.43).

Texts, codes and element layout come from recorded Windows replies in the
corpus; the ones that are not recorded use the wsmerror.h message text for
the same code.  Every fault goes out with HTTP 500 (MS-WSMV 3.1.5).
"""
from xml.sax.saxutils import escape, quoteattr

from soap import DECLS_FAULT, NS, envelope

WSMAN_FAULT_ACTION = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault'
ADDRESSING_FAULT_ACTION = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault'
FAULT_DETAIL = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/'
CMD_PLUGIN = ('Shell cmd plugin', r'%systemroot%\system32\winrscmd.dll')

ERROR_WSMAN_OPERATION_TIMEDOUT = 2150858793
ERROR_WSMAN_UNEXPECTED_SELECTORS = 2150858843
ERROR_WSMAN_QUOTA_MAX_SHELLS = 2150859173
ERROR_WSMAN_ENCODING_LIMIT = 2150858805
ERROR_WSMAN_ACTION_NOT_SUPPORTED = 2150858771
ERROR_WSMAN_INVALID_RESOURCE_URI = 2150858811
ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER = 2150858767
ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED = 2150858769
ERROR_WSMAN_INVALID_SOAP_BODY = 2150858791
ERROR_WSMAN_RESOURCE_NOT_FOUND = 2150858752
ERROR_WSMAN_INVALID_REPRESENTATION = 2150858773
ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER = 2150858778
ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT = 2150858779
ERROR_INVALID_PARAMETER = 87
HRESULT_DIRECTORY_INVALID = 2147942667   # HRESULT_FROM_WIN32(ERROR_DIRECTORY)
HRESULT_BROKEN_PIPE = 2147942509         # HRESULT_FROM_WIN32(ERROR_BROKEN_PIPE)


class WSManFault(Exception):
    """One fault reply.  message is plain text, or provider=(name, path) wraps it
    in f:ProviderFault as the shell plugins do; wmi_error switches the detail to
    the p:MSFT_WmiError form Windows uses for quota faults."""

    def __init__(self, code, subcode, reason, wsman_code, message=None, detail=None,
                 provider=None, action=WSMAN_FAULT_ACTION, wmi_error=False, nested=False, extended=''):
        super().__init__(reason)
        self.nested, self.extended = nested, extended
        self.code, self.subcode, self.reason = code, subcode, reason
        self.wsman_code, self.message = wsman_code, reason if message is None else message
        self.detail, self.provider, self.action, self.wmi_error = detail, provider, action, wmi_error

    def to_xml(self, relates_to, machine):
        fault_detail = ('<w:FaultDetail>%s%s</w:FaultDetail>' % (FAULT_DETAIL, self.detail)
                        if self.detail else '')
        if self.wmi_error:
            detail = _wmi_error(self.wsman_code, self.message)
        else:
            msg = escape(self.message)
            if self.nested:
                msg = ('<f:WSManFault xmlns:f="%s" Code="%d" Machine=%s><f:Message>%s</f:Message></f:WSManFault>%s'
                       % (NS['f'], self.wsman_code, quoteattr(machine), msg, self.extended))
            if self.provider:
                msg = '<f:ProviderFault provider=%s path=%s>%s</f:ProviderFault>' % (
                    quoteattr(self.provider[0]), quoteattr(self.provider[1]), msg)
            detail = ('%s<f:WSManFault xmlns:f="%s" Code="%d" Machine=%s><f:Message>%s</f:Message>'
                      '</f:WSManFault>' % (fault_detail, NS['f'], self.wsman_code, quoteattr(machine), msg))
        body = ('<s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode>'
                '</s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>'
                '<s:Detail>%s</s:Detail></s:Fault>' % (self.code, self.subcode, escape(self.reason), detail))
        return envelope(self.action, relates_to, body, DECLS_FAULT)


def _wmi_error(code, message):
    """p:MSFT_WmiError detail, element for element as recorded
    (corpus winrb_winrm/fault_quota_limit_max_shells_msft_wmierror.xml)."""
    text = escape(message)
    nil = lambda name: "<p:%s xsi:nil='true' xsi:type='cim:cimString'/>" % name
    val = lambda name, typ, v: "<p:%s xsi:type='cim:%s'>%s</p:%s>" % (name, typ, v, name)
    return ("<p:MSFT_WmiError b:IsCIM_Error='true' xmlns:b='http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd' "
            "xmlns:cim='http://schemas.dmtf.org/wbem/wscim/1/common' "
            "xmlns:p='http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError' "
            "xsi:type='p:MSFT_WmiError_Type' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>"
            + val('CIMStatusCode', 'cimUnsignedInt', 27) + nil('CIMStatusCodeDescription') + nil('ErrorSource')
            + val('ErrorSourceFormat', 'cimUnsignedShort', 0) + val('ErrorType', 'cimUnsignedShort', 0)
            + val('Message', 'cimString', text) + val('MessageID', 'cimString', 'HRESULT 0x%x' % code)
            + nil('OtherErrorSourceFormat') + nil('OtherErrorType') + nil('OwningEntity')
            + val('PerceivedSeverity', 'cimUnsignedShort', 0) + val('ProbableCause', 'cimUnsignedShort', 0)
            + nil('ProbableCauseDescription') + val('error_Category', 'cimUnsignedInt', 30)
            + val('error_Code', 'cimUnsignedInt', code) + val('error_Type', 'cimString', 'HRESULT')
            + val('error_WindowsErrorMessage', 'cimString', text) + '</p:MSFT_WmiError>')


# --- the faults the simulator raises -------------------------------------------------------

def timed_out():
    """MS-WSMV 3.1.4.14: Receive with no output within OperationTimeout (recorded, note two spaces)."""
    text = 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  '
    return WSManFault('s:Receiver', 'w:TimedOut', text, ERROR_WSMAN_OPERATION_TIMEDOUT)


_INVALID_SELECTORS = ('The WS-Management service cannot process the request because the request contained '
                      'invalid selectors for the resource. ')


def unknown_shell():
    """Recorded for a ShellId the service does not know (corpus
    pypsrp/responses/fault_invalid_selectors_nested_shell_provider.xml)."""
    return WSManFault('s:Sender', 'w:InvalidSelectors', _INVALID_SELECTORS, ERROR_WSMAN_UNEXPECTED_SELECTORS,
                      detail='UnexpectedSelectors', nested=True,
                      provider=('Shell provider', r'%systemroot%\system32\WsmSvc.dll'))


def unknown_command():
    """Recorded for a CommandId the shell does not know (winrs_bad_cmd_id)."""
    return WSManFault('s:Sender', 'w:InvalidSelectors', _INVALID_SELECTORS, ERROR_WSMAN_UNEXPECTED_SELECTORS,
                      message='The Windows Remote Shell received a request to perform an operation on a command '
                              'identifier that does not exist. Either the command has completed execution or the '
                              'client specified an invalid command identifier. ',
                      detail='UnexpectedSelectors')


def invalid_parameter():
    """The cmd plugin rejecting a request it cannot act on (winrs_fail_poll_process:
    Receive without CommandId)."""
    return WSManFault('s:Sender', 'w:InvalidParameter', 'The parameter is incorrect. ', ERROR_INVALID_PARAMETER,
                      detail='InvalidValue', provider=CMD_PLUGIN)


def pipe_ended():
    """A Send for a command whose process has exited: the cmd plugin cannot write its
    stdin.  Windows' text for ERROR_NO_DATA ("The pipe is being closed") and
    ERROR_BROKEN_PIPE ("The pipe has been ended", as Ansible users report it) is not
    recorded as a whole fault; the recorded InternalError shape of the cmd plugin stands in."""
    return WSManFault('s:Receiver', 'w:InternalError', 'The pipe has been ended. ', HRESULT_BROKEN_PIPE,
                      provider=CMD_PLUGIN)


def directory_invalid():
    """CreateProcess refusing a WorkingDirectory that does not exist, in the recorded
    InternalError shape of winrs_no_cmd_shell."""
    return WSManFault('s:Receiver', 'w:InternalError', 'The directory name is invalid. ', HRESULT_DIRECTORY_INVALID,
                      provider=CMD_PLUGIN)


def quota_max_shells(limit):
    """MS-WSMV 3.1.4.5.2.1 MaxShellsPerUser, in the recorded MSFT_WmiError form."""
    return WSManFault('s:Sender', 'w:QuotaLimit',
                      'The WS-Management service cannot process the request. The maximum number of concurrent '
                      'shells for this user has been exceeded. Close existing shells or raise the quota for this '
                      'user. ', ERROR_WSMAN_QUOTA_MAX_SHELLS,
                      message='The WS-Management service cannot process the request. This user is allowed a '
                              'maximum number of %d concurrent shells, which has been exceeded. Close existing '
                              'shells or raise the quota for this user. ' % limit,
                      wmi_error=True)


def encoding_limit_min_envelope():
    """MS-WSMV 3.1.4.1.7: a wsman:MaxEnvelopeSize below 8192 octets (DSP0226 detail MinimumEnvelopeLimit)."""
    return WSManFault('s:Sender', 'w:EncodingLimit',
                      'The WS-Management service cannot process the request because the encoding of the request '
                      'exceeds an internal encoding limit. Reconfigure the client to send messages which fit the '
                      'encoding limits of the service. ', ERROR_WSMAN_ENCODING_LIMIT, detail='MinimumEnvelopeLimit')


def action_not_supported(action):
    return WSManFault('s:Sender', 'a:ActionNotSupported',
                      'The WS-Management service does not support the action specified in the request. ',
                      ERROR_WSMAN_ACTION_NOT_SUPPORTED,
                      message='The WS-Management service does not support the action specified in the request. '
                              'Action: %s ' % action,
                      action=ADDRESSING_FAULT_ACTION)


def unknown_resource(uri):
    """Windows' reply for a resource URI outside its catalog (code 2150858811)."""
    text = ('The WS-Management service cannot process the request. The resource URI (%s) was not found in the '
            'WS-Management catalog. The catalog contains the metadata that describes resources, or logical '
            'endpoints. ' % uri)
    return WSManFault('s:Sender', 'a:DestinationUnreachable', text, ERROR_WSMAN_INVALID_RESOURCE_URI,
                      detail='InvalidResourceURI', action=ADDRESSING_FAULT_ACTION)


def invalid_timeout(value):
    """Recorded for OperationTimeout PT-1S (fault_invalid_message_information_header_timeout.xml)."""
    return WSManFault('s:Sender', 'a:InvalidMessageInformationHeader',
                      'The WS-Management service cannot process the request. The request contains one or more '
                      'invalid SOAP headers. ', ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER,
                      message='The WS-Management service cannot process the request. The XML contains an invalid '
                              'timeout field in the SOAP header: %s. ' % value,
                      action=ADDRESSING_FAULT_ACTION)


def header_required():
    """A request without a:MessageID or a:Action (MS-WSMV 3.1.4.1.5)."""
    text = ('The WS-Management service cannot process the request. The request does not have all the expected '
            'SOAP headers. ')
    return WSManFault('s:Sender', 'a:MessageInformationHeaderRequired', text,
                      ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED, action=ADDRESSING_FAULT_ACTION)


def invalid_body():
    text = ('The WS-Management service cannot process the request because the request packet does not have a '
            'valid SOAP body. ')
    return WSManFault('s:Sender', 'w:InvalidBody', text, ERROR_WSMAN_INVALID_SOAP_BODY)


# --- the WMI plug-in and the config and enumeration layers -------------------------------------

ENUMERATION_FAULT_ACTION = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault'
WMI_PLUGIN = ('WMI Provider', r'C:\Windows\system32\WsmWmiPl.dll')


def _extended_status(operation, parameter, provider_name, ns):
    """f:ExtendedError with the WMI __ExtendedStatus, element for element as recorded."""
    nil = lambda name, typ: '<p:%s xsi:nil="true" xsi:type="cim:%s"/>' % (name, typ)
    val = lambda name, v: '<p:%s xsi:type="cim:cimString">%s</p:%s>' % (name, escape(v), name)
    return ('<f:ExtendedError><p:__ExtendedStatus xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:p="%s" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" '
            'xsi:type="p:__ExtendedStatus_Type">%s%s%s%s%s</p:__ExtendedStatus></f:ExtendedError>'
            % (ns, nil('Description', 'cimString'), val('Operation', operation), val('ParameterInfo', parameter),
               val('ProviderName', provider_name), nil('StatusCode', 'cimUnsignedInt')))


def wmi_not_found(object_path, provider_name='CIMWin32'):
    """Get/Delete/Invoke of a WMI instance that does not exist.  Recorded from
    Windows Server 2012 R2 for Win32_Process.Handle="29" (quoted in microsoft/omi's
    WS-Management fault-parser tests): DestinationUnreachable, code 2150858752,
    the WMI plug-in's ProviderFault with a GetObject __ExtendedStatus."""
    text = ('The WS-Management service cannot process the request. The service cannot find the resource '
            'identified by the resource URI and selectors. ')
    return WSManFault('s:Sender', 'a:DestinationUnreachable', text, ERROR_WSMAN_RESOURCE_NOT_FOUND,
                      detail='InvalidResourceURI', nested=True, provider=WMI_PLUGIN,
                      action=ADDRESSING_FAULT_ACTION,
                      extended=_extended_status('GetObject', object_path, provider_name,
                                                'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/__ExtendedStatus'))


def invalid_selectors():
    """A selector set that does not name the class's key (the recorded InvalidSelectors
    reason and code; Windows' detail text for WMI classes is not recorded)."""
    return WSManFault('s:Sender', 'w:InvalidSelectors', _INVALID_SELECTORS, ERROR_WSMAN_UNEXPECTED_SELECTORS,
                      detail='UnexpectedSelectors')


_CANNOT_PROCESS_FILTER = ('The data source could not process the filter. The filter might be missing or it might '
                          'be invalid. Change the filter and try the request again.  ')
CLASS_NOT_FOUND = 'The specified class does not exist in the given namespace. '
# WMI's text for WBEM_E_INVALID_QUERY (0x80041017); the plug-in's wording for
# a WQL syntax error is not recorded.
INVALID_QUERY = 'Invalid query '


def cannot_process_filter(message, query):
    """Recorded for a WQL query on an unknown class (winrb_winrm
    fault_enumeration_cannot_process_filter_wmi_extended_status_2008r2.xml)."""
    return WSManFault('s:Sender', 'n:CannotProcessFilter', _CANNOT_PROCESS_FILTER,
                      ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER, message=message, nested=True,
                      provider=WMI_PLUGIN, action=ENUMERATION_FAULT_ACTION,
                      extended=_extended_status('ExecQuery', query, 'WinMgmt',
                                                'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/'
                                                '__ExtendedStatus'))


def invalid_enumeration_context():
    """wsmerror.h ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT: a Pull or Release
    with a context that is finished, released or unknown."""
    text = ('The WS-Enumeration context in the enumeration is not valid. Enumeration may have been completed '
            'or canceled. You cannot use this enumeration context anymore. Start a new enumeration. ')
    return WSManFault('s:Receiver', 'n:InvalidEnumerationContext', text,
                      ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT, action=ENUMERATION_FAULT_ACTION)


def invalid_representation():
    """wsmerror.h ERROR_WSMAN_INVALID_REPRESENTATION: a Put body that is not the resource's XML."""
    text = ('The WS-Management service cannot identify the format of the object passed to a Put or Create '
            'method. The input XML may not be appropriate for the resource or uses the wrong schema for the '
            'resource. Change the input XML in the request. ')
    return WSManFault('s:Sender', 'x:InvalidRepresentation', text, ERROR_WSMAN_INVALID_REPRESENTATION,
                      detail='InvalidValues')


ERROR_WMI_FAILED = 0x80041001          # WBEM_E_FAILED


def wmi_failed(message, operation, parameter, provider_name='FirewallAPI'):
    """A provider that fails a method (a host profile's firewall "enable": "fault"): the
    WMI plug-in's ProviderFault with the provider's message, shaped as wmi_not_found.
    The exact reply of WFasCim for a failing Enable is not recorded; the subcode is
    DSP0226's w:InternalError for a failure inside the service."""
    return WSManFault('s:Receiver', 'w:InternalError', message, ERROR_WMI_FAILED, nested=True,
                      provider=WMI_PLUGIN, action=WSMAN_FAULT_ACTION,
                      extended=_extended_status(operation, parameter, provider_name,
                                                'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/__ExtendedStatus'))
