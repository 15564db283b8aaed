"""WMI instances and method results as the WinRM WMI plug-in writes them.

Shapes follow recorded replies: a whole instance is <p:Class> in the class
namespace with xsi:type="p:Class_Type" (corpus txwinrm *_star_* items and
winrb_winrm enumerate_win32_process_2008r2.xml); a WQL query that names
properties returns <w:XmlFragment> items with unprefixed children
(txwinrm *_props_*); a method returns <p:Method_OUTPUT> (winrb_winrm
invoke_cim_datafile_delete_output.xml, openwsman invoke_stdregprov_*).
Null values are xsi:nil="true"; booleans are true/false; an array is its
element repeated once per value (none for an empty array).  A reference property
(Reference, e.g. Win32_GroupUser.PartComponent) and the EPR of an
EnumerateObjectAndEPR item are written as WS-Management writes an endpoint
reference (DSP0226 5.1, 8.7): a:Address (anonymous) and a:ReferenceParameters
with w:ResourceURI and w:SelectorSet, the a: and w: prefixes those of the reply
envelope.
"""
from xml.sax.saxutils import escape

WMI_PREFIX = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/'
CIMV2 = WMI_PREFIX + 'root/cimv2/'
XSI = 'http://www.w3.org/2001/XMLSchema-instance'
CIM = 'http://schemas.dmtf.org/wbem/wscim/1/common'
W = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'


def value_text(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return escape(str(v))


ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'


class Reference:
    """A reference to a WMI instance: its class's resource URI and key selectors."""

    def __init__(self, resource_uri, class_name, selectors):
        self.resource_uri, self.class_name, self.selectors = resource_uri, class_name, list(selectors)

    def __str__(self):
        """The object path WQL compares: Class.Key="v",... (keys sorted)."""
        return '%s.%s' % (self.class_name, ','.join('%s="%s"' % (k, v) for k, v in sorted(self.selectors)))

    def xml(self):
        sel = ''.join('<w:Selector Name="%s">%s</w:Selector>' % (escape(k), value_text(v)) for k, v in self.selectors)
        return ('<a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>'
                '<w:SelectorSet>%s</w:SelectorSet></a:ReferenceParameters>' % (ANONYMOUS, escape(self.resource_uri), sel))


def epr(ref):
    return '<a:EndpointReference>%s</a:EndpointReference>' % ref.xml()


def _props(pairs, prefix):
    out = []
    for name, v in pairs:
        tag = prefix + name
        if isinstance(v, list):
            out.append(''.join('<%s>%s</%s>' % (tag, value_text(x), tag) for x in v))
        elif isinstance(v, Reference):
            out.append('<%s>%s</%s>' % (tag, v.xml(), tag))
        elif v is None:
            out.append('<%s xsi:nil="true"/>' % tag)
        else:
            out.append('<%s>%s</%s>' % (tag, value_text(v), tag))
    return ''.join(out)


def instance(class_name, pairs, uri_prefix=CIMV2):
    """A whole instance; pairs are (property, value) in class order. Its namespace is the
    class's resource URI (uri_prefix + class)."""
    return ('<p:%s xmlns:xsi="%s" xmlns:p="%s%s" xmlns:cim="%s" xsi:type="p:%s_Type">%s</p:%s>'
            % (class_name, XSI, uri_prefix, class_name, CIM, class_name, _props(pairs, 'p:'), class_name))


def fragment(pairs):
    """The selected properties of an instance, for SELECT prop,... FROM ..."""
    return ('<w:XmlFragment xmlns:xsi="%s" xmlns:w="%s">%s</w:XmlFragment>' % (XSI, W, _props(pairs, '')))


def method_output(class_name, method, pairs, uri_prefix=CIMV2):
    return ('<p:%s_OUTPUT xmlns:xsi="%s" xmlns:p="%s%s" xmlns:cim="%s">%s</p:%s_OUTPUT>'
            % (method, XSI, uri_prefix, class_name, CIM, _props(pairs, 'p:'), method))
