//! Twisted's `XMLRPCPublicLookupProcedureTests`: procedures that are not `xmlrpc_`
//! methods, and the list introspection gives of them.
//!
//! Twisted needs overrides of `lookupProcedure` and `listProcedures` for this; here
//! every method is published under the name it is given, so the same outcomes come from
//! publishing the methods, and introspection lists exactly those.

use deferreds::Failure;
use deferreds_xmlrpc::{Proxy, Value, XmlRpc};

use crate::support::{fault_of, listen, reactor, run, without_slash};

// Source: twisted/web/test/test_xmlrpc.py XMLRPCPublicLookupProcedureTests.test_lookupProcedure
// DIFFERENCE: no `lookupProcedure` to override; `echo` is a closure published by name.
#[test]
fn lookup_procedure() {
    let reactor = reactor();
    let mut methods = XmlRpc::new();
    methods.add("echo", |(x,): (Value,)| Ok::<_, Failure>(x));
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &without_slash(server.local_addr())).unwrap();
    let echoed = run(&reactor, proxy.call_remote("echo", vec![Value::from("hello")])).unwrap();
    assert_eq!(echoed, Value::from("hello"));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCPublicLookupProcedureTests.test_errors
#[test]
fn lookup_errors() {
    let reactor = reactor();
    let mut methods = XmlRpc::new();
    methods.add("echo", |(x,): (Value,)| Ok::<_, Failure>(x));
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &without_slash(server.local_addr())).unwrap();
    let fault = run(&reactor, fault_of(proxy.call_remote("xxxx", vec![Value::from("hello")])));
    let fault = fault.unwrap();
    assert_eq!((fault.code, fault.string.as_str()), (8001, "procedure xxxx not found"));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCPublicLookupProcedureTests.test_listMethods
// DIFFERENCE: no `listProcedures` to override; the list is what is published (`foo`),
// and introspection is always there.
#[test]
fn lookup_list_methods() {
    let reactor = reactor();
    let mut methods = XmlRpc::new();
    methods.add("foo", |()| Ok::<_, Failure>(()));
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &without_slash(server.local_addr())).unwrap();
    let listed = run(&reactor, proxy.call::<Vec<String>, _>("system.listMethods", &())).unwrap();
    assert!(listed.iter().any(|name| name == "foo"), "{listed:?}");
}
