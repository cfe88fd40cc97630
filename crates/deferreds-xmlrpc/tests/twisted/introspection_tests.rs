//! Twisted's `XMLRPCIntrospectionTests`: `system.listMethods`, `system.methodHelp` and
//! `system.methodSignature` on the test server.

use deferreds::gather_results;
use deferreds_xmlrpc::{Proxy, Value};

use crate::support::{listen, reactor, run, test_methods, with_slash};

// Source: twisted/web/test/test_xmlrpc.py XMLRPCIntrospectionTests.test_listMethods
// DIFFERENCE: `system.multicall` is listed (Twisted has none), and `withRequest` is not
// (methods here do not see the HTTP request, so the test server has no such method).
#[test]
fn list_methods() {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let proxy = Proxy::new(&reactor, &with_slash(server.local_addr())).unwrap();
    let mut listed =
        run(&reactor, proxy.call::<Vec<String>, _>("system.listMethods", &())).unwrap();
    listed.sort();
    assert_eq!(
        listed,
        [
            "add",
            "complex",
            "defer",
            "deferFail",
            "deferFault",
            "dict",
            "echo",
            "fail",
            "fault",
            "pair",
            "snowman",
            "system.listMethods",
            "system.methodHelp",
            "system.methodSignature",
            "system.multicall",
        ]
    );
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCIntrospectionTests.test_methodHelp
// DIFFERENCE: help is set with `Procedure::help` (Rust closures have no docstring); a
// method without it answers "", as `fail` does in Twisted.
#[test]
fn method_help() {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let cases = [("defer", "Help for defer."), ("fail", ""), ("dict", "Help for dict.")];
    let calls = cases.map(|(method, _)| {
        let proxy = Proxy::new(&reactor, &with_slash(server.local_addr())).unwrap();
        proxy.call::<String, _>("system.methodHelp", &(method,))
    });
    let helps = run(&reactor, gather_results(calls)).unwrap();
    assert_eq!(helps, cases.map(|(_, help)| help));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCIntrospectionTests.test_methodSignature
#[test]
fn method_signature() {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let strings = |names: &[&str]| Value::from_iter(names.iter().map(|name| Value::from(*name)));
    let cases = [
        ("defer", Value::from("")),
        (
            "add",
            Value::from_iter([
                strings(&["int", "int", "int"]),
                strings(&["double", "double", "double"]),
            ]),
        ),
        ("pair", Value::from_iter([strings(&["array", "string", "int"])])),
    ];
    let calls = cases.iter().map(|(method, _)| {
        let proxy = Proxy::new(&reactor, &with_slash(server.local_addr())).unwrap();
        proxy.call_remote("system.methodSignature", vec![Value::from(*method)])
    });
    let signatures = run(&reactor, gather_results(calls.collect::<Vec<_>>())).unwrap();
    let expected: Vec<Value> = cases.into_iter().map(|(_, signature)| signature).collect();
    assert_eq!(signatures, expected);
}
