#!/usr/bin/env python3
"""Replays every recorded WinRM response of the corpus through nanosh's parser.

For each response this script works out independently, with xml.etree and base64,
what a correct parser must find (fault codes, shell and command IDs, decoded streams,
exit codes, enumeration items, identity), runs tests/replay/replay_parse on it, and
prints one TAP line. Exchanges also pass the request's MessageID, so the RelatesTo
check is exercised on real traffic (one recording has a deliberate mismatch).

Environment: TOP_BUILDDIR (where replay_parse is), NANOSH_CORPUS (default
../shared/corpus next to the source tree); skips when the corpus is absent.
"""
import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "wmi": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError",
}
IDENTITY_NS = ("http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
               "http://schemas.dmtf.org/wbem/wsman/identify/1/wsmanidentity.xsd")
TIMED_OUT = 2150858793
# Faults nanosh explains in words instead of showing the code (PROTOCOL.md 3.2).
EXPLAINED_SUBCODES = {"TimedOut", "InvalidSelectors", "AccessDenied", "QuotaLimit", "EncodingLimit"}
EXPLAINED_CODES = {TIMED_OUT, 2150858843, 2147942405, 2150858790, 2150859173, 2150859174, 2150859180}


def q(prefix, name):
    return "{%s}%s" % (NS[prefix], name)


def text(el):
    return None if el is None else "".join(el.itertext()).strip()


def local(qname):
    return qname.rsplit(":", 1)[-1] if qname is not None else None


def one_line(s):
    return " ".join(s.split()) if s else s


def first_element(el):
    return next(iter(el), None) if el is not None else None


def u32(value):
    v = int(value)
    return v & 0xFFFFFFFF if v < 0 else v


# ---- expected values ------------------------------------------------------------

def expect_fault(fault):
    exp = {}
    code = fault.find(q("s", "Code"))
    if code is not None:
        exp["code"] = local(text(code.find(q("s", "Value"))))
        sub, subcode = code.find(q("s", "Subcode")), None
        while sub is not None:
            if sub.find(q("s", "Value")) is not None:
                subcode = local(text(sub.find(q("s", "Value"))))
            sub = sub.find(q("s", "Subcode"))
        exp["subcode"] = subcode
    detail = fault.find(q("s", "Detail"))
    wf = detail.find(q("f", "WSManFault")) if detail is not None else None
    wmi = detail.find(q("wmi", "MSFT_WmiError")) if detail is not None else None
    wsman_code, message, machine = None, None, None
    if wf is not None:
        if wf.get("Code"):
            wsman_code = u32(wf.get("Code").strip())
        machine = wf.get("Machine", "").strip()
        inner = wf
        while inner is not None:          # Message of the innermost WSManFault
            msg = inner.find(q("f", "Message"))
            if msg is None:
                break
            pf = msg.find(q("f", "ProviderFault"))
            if pf is None:
                message = text(msg)
                break
            nested = pf.find(q("f", "WSManFault"))
            if nested is None:
                message = text(pf)
                break
            if not machine:
                machine = nested.get("Machine", "").strip()
            inner = nested
    if wmi is not None:
        c = wmi.find(q("wmi", "error_Code"))
        if wsman_code is None and c is not None:
            wsman_code = u32(text(c))
        m = wmi.find(q("wmi", "Message"))
        if m is not None:
            message = text(m)
    exp["wsman_code"] = wsman_code
    exp["message"] = message
    exp["machine"] = machine
    return exp


def expect_streams(resp):
    streams, state, exit_code = {}, None, None
    for el in resp:
        if el.tag == q("rsp", "Stream"):
            data = base64.b64decode("".join((el.text or "").split()), validate=True)
            if data:
                s = streams.setdefault(el.get("Name").strip(), {"chunks": 0, "bytes": 0, "sha": hashlib.sha256()})
                s["chunks"] += 1
                s["bytes"] += len(data)
                s["sha"].update(data)
        elif el.tag == q("rsp", "CommandState"):
            state = el.get("State").strip()
            ec = el.find(q("rsp", "ExitCode"))
            if ec is not None:
                exit_code = u32(text(ec))
    return ({k: {"chunks": v["chunks"], "bytes": v["bytes"], "sha256": v["sha"].hexdigest()}
             for k, v in streams.items()}, state, exit_code)


def compare(got, exp, label, problems):
    if got != exp:
        problems.append("%s: got %r, want %r" % (label, got, exp))


def check(xml_bytes, message_id, out):
    """Returns a list of problems (empty when the C parser agrees)."""
    problems = []
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as e:
        if "parse_error" not in out:
            problems.append("ElementTree rejects it (%s) but nanosh accepted it" % e)
        return problems
    if root.tag != q("s", "Envelope"):
        if "parse_error" not in out:
            problems.append("not a SOAP envelope, yet nanosh accepted it")
        return problems
    header = root.find(q("s", "Header"))
    relates = text(header.find(q("a", "RelatesTo"))) if header is not None else None
    if message_id and relates and relates.lower() != message_id.lower():
        if "parse_error" not in out or "RelatesTo" not in out["parse_error"]["what"]:
            problems.append("RelatesTo %s does not match %s, nanosh did not notice" % (relates, message_id))
        return problems
    if "parse_error" in out:
        problems.append("nanosh refused a valid reply: %s" % out["parse_error"]["what"])
        return problems

    body = root.find(q("s", "Body"))
    payload = first_element(body)
    compare(out.get("payload"), payload.tag.split("}")[-1] if payload is not None else None, "payload", problems)
    compare(out.get("action"), text(header.find(q("a", "Action"))) if header is not None else None, "action", problems)
    if payload is None:
        return problems

    tag = payload.tag
    if tag == q("s", "Fault"):
        f = out.get("fault")
        if f is None:
            problems.append("fault not recognised: %r" % out.get("fault_error"))
            return problems
        exp = expect_fault(payload)
        for k in ("code", "subcode", "wsman_code"):
            compare(f.get(k), exp.get(k), "fault " + k, problems)
        if exp["machine"]:
            compare(f.get("machine"), exp["machine"], "fault machine", problems)
        compare(one_line(f.get("message")), one_line(exp["message"]), "fault message", problems)
        compare(f.get("timed_out"), exp["wsman_code"] == TIMED_OUT or exp.get("subcode") == "TimedOut",
                "fault timed_out", problems)
        if not f.get("what") or "\n" in f["what"]:
            problems.append("fault explanation is not one line: %r" % f.get("what"))
        explained = exp.get("subcode") in EXPLAINED_SUBCODES or exp["wsman_code"] in EXPLAINED_CODES
        if exp["wsman_code"] is not None and not explained and str(exp["wsman_code"]) not in f["what"]:
            problems.append("unrecognised fault does not show its code: %r" % f["what"])
    elif tag == q("x", "ResourceCreated"):
        ids = [text(s) for s in payload.iter(q("w", "Selector")) if (s.get("Name") or "").strip() == "ShellId"]
        compare(out.get("shell_id"), ids[0] if ids else None, "shell id", problems)
    elif tag == q("rsp", "Shell"):
        compare(out.get("shell_id"), text(payload.find(q("rsp", "ShellId"))), "shell id", problems)
    elif tag == q("rsp", "CommandResponse"):
        compare(out.get("command_id"), text(payload.find(q("rsp", "CommandId"))), "command id", problems)
    elif tag == q("rsp", "ReceiveResponse"):
        streams, state, exit_code = expect_streams(payload)
        if "receive_error" in out:
            problems.append("receive: %s" % out["receive_error"]["what"])
        compare(out.get("streams"), streams, "streams", problems)
        compare(out.get("state"), state, "command state", problems)
        compare(out.get("done"), bool(state) and state.lower().endswith("/commandstate/done"), "done", problems)
        compare(out.get("exit_code"), exit_code, "exit code", problems)
    elif tag in (q("n", "EnumerateResponse"), q("n", "PullResponse")):
        items = payload.find(q("w", "Items"))
        if items is None:
            items = payload.find(q("n", "Items"))
        end = payload.find(q("w", "EndOfSequence")) is not None or payload.find(q("n", "EndOfSequence")) is not None
        ctx = text(payload.find(q("n", "EnumerationContext"))) or None
        compare(out.get("enum"), {"items": len(list(items)) if items is not None else 0, "end": end, "context": ctx},
                "enumeration", problems)
    elif tag.split("}")[0][1:] in IDENTITY_NS and tag.endswith("}IdentifyResponse"):
        ns = tag.split("}")[0][1:]
        exp = {k: text(payload.find("{%s}%s" % (ns, n)))
               for k, n in (("protocol_version", "ProtocolVersion"), ("product_vendor", "ProductVendor"),
                            ("product_version", "ProductVersion"))}
        compare(out.get("identity"), exp, "identity", problems)
    return problems


# ---- corpus walk ----------------------------------------------------------------

def request_message_id(request):
    try:
        root = ET.fromstring(request.encode("utf-8"))
    except (ET.ParseError, AttributeError):
        return None
    return text(root.find("%s/%s" % (q("s", "Header"), q("a", "MessageID"))))


# Recorded exchanges (request and response pairs), by file pattern and reader.
EXCHANGE_FILES = (("*.exchange.yml", yaml.safe_load), ("*.exchange.json", json.load))


def responses(corpus):
    """Yields (label, xml bytes or None, message id or None)."""
    for pattern, load in EXCHANGE_FILES:
        for path in sorted(glob.glob(os.path.join(corpus, "**", pattern), recursive=True)):
            with open(path, encoding="utf-8") as fh:
                doc = load(fh)
            for i, m in enumerate(doc.get("messages") or []):
                resp = m.get("response")
                yield ("%s#%d" % (os.path.relpath(path, corpus), i),
                       resp.encode("utf-8") if isinstance(resp, str) else None, request_message_id(m.get("request")))
    for path in sorted(glob.glob(os.path.join(corpus, "**", "*.xml"), recursive=True)):
        with open(path, "rb") as fh:
            yield os.path.relpath(path, corpus), fh.read(), None


def main():
    top_src = os.environ.get("TOP_SRCDIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    corpus = os.environ.get("NANOSH_CORPUS") or os.path.join(top_src, "..", "shared", "corpus")
    builddir = os.environ.get("TOP_BUILDDIR", ".")
    prog = os.path.join(builddir, "tests", "replay", "replay_parse")
    if not os.path.isdir(corpus):
        print("1..0 # SKIP corpus absent (%s)" % corpus)
        return 0
    if not os.access(prog, os.X_OK):
        print("Bail out! %s is not built" % prog)
        return 1
    n = failed = 0
    for label, data, message_id in responses(corpus):
        n += 1
        if data is None:
            print("ok %d - %s # SKIP no response body recorded" % (n, label))
            continue
        args = [prog] + (["--message-id", message_id] if message_id else [])
        proc = subprocess.run(args, input=data, capture_output=True, timeout=60)
        problems = []
        if proc.returncode != 0:
            problems.append("replay_parse exited %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace")[-2000:]))
        elif proc.stderr:
            problems.append("replay_parse wrote to stderr: %s" % proc.stderr.decode(errors="replace")[-2000:])
        else:
            try:
                problems = check(data, message_id, json.loads(proc.stdout))
            except ValueError as e:
                problems.append("bad JSON from replay_parse: %s" % e)
        if problems:
            failed += 1
            print("not ok %d - %s" % (n, label))
            for p in problems:
                print("#   " + p.replace("\n", "\n#   "))
        else:
            print("ok %d - %s" % (n, label))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
