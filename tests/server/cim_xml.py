"""WMI instances and method results as the WinRM WMI plug-in writes them.

Shapes follow recorded replies: a whole instance is <p:Class> in the class
namespace with xsi:type="p:Class_Type" (corpus txwinrm *_star_* items and
winrb_winrm enumerate_win32_process_2008r2.xml); a WQL query that names
properties returns <w:XmlFragment> items with unprefixed children
(txwinrm *_props_*); a method returns <p:Method_OUTPUT> (winrb_winrm
invoke_cim_datafile_delete_output.xml, openwsman invoke_stdregprov_*).
Null values are xsi:nil="true"; booleans are true/false.
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


def _props(pairs, prefix):
    out = []
    for name, v in pairs:
        tag = prefix + name
        if v is None:
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


def method_output(class_name, method, pairs):
    return ('<p:%s_OUTPUT xmlns:xsi="%s" xmlns:p="%s%s" xmlns:cim="%s">%s</p:%s_OUTPUT>'
            % (method, XSI, CIMV2, class_name, CIM, _props(pairs, 'p:'), method))
