"""Python's xmlrpc.client against the Rust Server, for tests/interop.rs.

Usage: client.py URL SCENARIO [ARG]. Prints one line per check, `ok NAME` or
`FAIL NAME: why`; the Rust test lists the names it expects, so a check that did not run
is noticed too.
"""

import datetime
import faulthandler
import socket
import struct
import sys
import xmlrpc.client as xc

# Never outlive the test, whatever happens to the server.
faulthandler.dump_traceback_later(25, exit=True)
socket.setdefaulttimeout(10)

D = datetime.datetime


def same(a, b):
    """Equal, with the same types all the way down, doubles bit for bit."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(p, q) for p, q in zip(a, b))
    return a == b


def brief(value):
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def report(name, ok, why=""):
    print("ok " + name if ok else "FAIL %s: %s" % (name, why), flush=True)


def check(name, call, want):
    try:
        got = call()
    except Exception as error:
        report(name, False, "raised %r" % (error,))
    else:
        report(name, same(got, want), "got %s, want %s" % (brief(got), brief(want)))


def check_fault(name, call, code, text, prefix=False):
    try:
        got = call()
    except xc.Fault as fault:
        matches = fault.faultString.startswith(text) if prefix else fault.faultString == text
        report(
            name,
            fault.faultCode == code and matches,
            "fault %d %r, want %d %r" % (fault.faultCode, fault.faultString, code, text),
        )
    except Exception as error:
        report(name, False, "raised %r" % (error,))
    else:
        report(name, False, "no fault, got %s" % brief(got))


def types(url):
    p = xc.ServerProxy(url, use_builtin_types=True)
    values = [
        ("int", 42),
        ("int zero", 0),
        ("int max32", 2**31 - 1),
        ("int min32", -(2**31)),
        ("true", True),
        ("false", False),
        ("string", "hello"),
        ("unicode", "snow\u2603man \U0001f600 e\u0301 \u00e9"),
        ("empty string", ""),
        ("markup", "a & b < c > d ]]> \"q\" 'a' &amp;"),
        ("whitespace", "  \tpadded\n "),
        ("double", 0.1),
        ("negative zero", -0.0),
        ("huge double", 1e300),
        ("tiny double", 5e-324),
        ("whole double", 1e22),
        ("datetime", D(1998, 7, 17, 14, 8, 55)),
        ("old datetime", D(1900, 1, 1, 0, 0, 0)),
        ("bytes", bytes(range(256))),
        ("empty bytes", b""),
        ("struct order", {"z": 1, "a": 2, "m": 3}),
        ("array", [1, "two", 3.0, True, b"4", D(2024, 2, 29, 0, 0, 0)]),
        ("nested", {"list": [1, [2, [3, {"deep": b"x"}]]], "empty": {}, "more": [{}, [], ""]}),
        ("empty array", []),
        ("empty struct", {}),
        ("empties", [[], {}, "", b"", [[]]]),
        ("large array", list(range(10000))),
        ("large struct", {"k%05d" % i: i for i in range(2000)}),
    ]
    for name, value in values:
        check("echo " + name, lambda: p.echo(value), value)
    check("parameters in order", lambda: p.echo_all(1, "b", [3.5]), [1, "b", [3.5]])
    # Beyond 32 bits the server writes <i8>, which Python reads...
    check("i8 from the server", p.big, [2**40, 2**63 - 1, -(2**63), -(2**33)])
    # ...though Python refuses to send such numbers.
    try:
        p.echo(2**40)
        report("python refuses to send i8", False, "it sent it")
    except OverflowError:
        report("python refuses to send i8", True)
    # The server escapes carriage returns, so they arrive; Python writes them raw, and
    # XML reads a raw one as a line feed.
    check("carriage returns from the server", p.cr, "line\r\nend\r")
    check("carriage return from python", lambda: p.echo("a\rb\r\n"), "a\nb\n")
    check("struct order from the server", lambda: list(p.ordered().items()),
          [("zeta", 1), ("alpha", 2), ("mu", 3)])
    check("large array from the server", lambda: p.count_to(10000), list(range(10000)))
    # Without use_builtin_types, the wrappers come back as wrappers.
    q = xc.ServerProxy(url)
    binary = q.echo(xc.Binary(b"\x00\xffdata"))
    report("Binary", isinstance(binary, xc.Binary) and binary.data == b"\x00\xffdata",
           repr(binary))
    when = q.echo(xc.DateTime(D(2024, 2, 29, 23, 59, 59)))
    report("DateTime", isinstance(when, xc.DateTime) and when.value == "20240229T23:59:59",
           repr(when))


def expect(url):
    """What Python sends, as the server reads it: the server compares."""
    p = xc.ServerProxy(url, use_builtin_types=True, allow_none=True)
    sent = [
        ("int", 7),
        ("min32", -(2**31)),
        ("true", True),
        ("string", "snow\u2603 & <tags>"),
        ("cr", "a\rb"),
        ("double", 0.1),
        ("exponent", 1e300),
        ("datetime", D(2024, 2, 29, 23, 59, 59)),
        ("bytes", bytes([0, 1, 254, 255])),
        ("Binary", xc.Binary(b"\x00data")),
        ("struct", {"z": 1, "a": []}),
        ("array", [1, "x", []]),
        ("empty string", ""),
        ("nil", None),
        ("large", list(range(10000))),
    ]
    for name, value in sent:
        check("expect " + name, lambda: p.expect(name, value), True)


def nil(url):
    p = xc.ServerProxy(url, allow_none=True)
    check("echo None", lambda: p.echo(None), None)
    check("None from the server", p.nothing, None)
    check("None inside", lambda: p.echo([None, {"a": None}]), [None, {"a": None}])


def nil_refused(url):
    p = xc.ServerProxy(url, allow_none=True)
    check_fault("None refused", p.nothing, 8002, "Can't serialize output", prefix=True)
    check_fault("None inside refused", lambda: p.echo([1, None]), 8002,
                "Can't serialize output", prefix=True)
    check("still serving", lambda: p.echo(1), 1)


def faults(url):
    p = xc.ServerProxy(url)
    check_fault("fault kept", p.fault, 42, "the answer & <more>")
    check_fault("unknown method", p.no.such.method, 8001, "procedure no.such.method not found")
    check_fault("other failure", p.broken, 8002, "error")
    check_fault("wrong parameters", lambda: p.multiply("six", 7), 8002,
                "bad parameters for multiply", prefix=True)
    check("still serving", lambda: p.multiply(6, 7), 42)


def introspection(url, methods):
    p = xc.ServerProxy(url)
    check("listMethods", p.system.listMethods, methods.split(","))
    check("methodHelp", lambda: p.system.methodHelp("multiply"), "Multiplies two integers.")
    check("methodSignature", lambda: p.system.methodSignature("multiply"),
          [["int", "int", "int"]])
    check("no help", lambda: p.system.methodHelp("echo"), "")
    check("no signature", lambda: p.system.methodSignature("echo"), "")
    check("sub-handler help", lambda: p.system.methodHelp("math.add"), "Adds two integers.")
    check("sub-handler call", lambda: p.math.add(2, 3), 5)
    check_fault("help for an unknown method", lambda: p.system.methodHelp("nope"), 8001,
                "procedure nope not found")


def multicall(url):
    p = xc.ServerProxy(url)
    m = xc.MultiCall(p)
    m.multiply(6, 7)
    m.echo({"k": [1, "2"]})
    m.fault()
    m.missing()
    m.math.add(1, 2)
    m.system.methodHelp("multiply")
    results = m()
    check("multicall size", lambda: len(results.results), 6)
    check("multicall result", lambda: results[0], 42)
    check("multicall struct", lambda: results[1], {"k": [1, "2"]})
    check_fault("multicall fault", lambda: results[2], 42, "the answer & <more>")
    check_fault("multicall unknown", lambda: results[3], 8001, "procedure missing not found")
    check("multicall sub-handler", lambda: results[4], 3)
    check("multicall introspection", lambda: results[5], "Multiplies two integers.")
    m = xc.MultiCall(p)
    for i in range(500):
        m.multiply(i, 2)
    check("multicall of 500", lambda: list(m()), [i * 2 for i in range(500)])
    nested = p.system.multicall([{"methodName": "system.multicall", "params": [[]]}])
    check("multicall within multicall refused", lambda: nested[0]["faultCode"], 8002)


scenarios = {
    "types": types,
    "expect": expect,
    "nil": nil,
    "nil_refused": nil_refused,
    "faults": faults,
    "introspection": introspection,
    "multicall": multicall,
}
scenarios[sys.argv[2]](sys.argv[1], *sys.argv[3:])
