//! Twisted's `SerializationConfigMixin`, run as `XMLRPCAllowNoneTests` (nil) and
//! `XMLRPCUseDateTimeTests` (dates): a value and a struct holding it go to the server's
//! `defer` method and come back equal.
//!
//! The codec's half of the same tests is in `tests/codec.rs`.

use deferreds_xmlrpc::{DateTime, Proxy, Struct, Value};

use crate::support::{FAILURE, fault_of, listen, reactor, run, test_methods, with_slash};

/// Sends `value` to `defer` on the test server and returns what comes back.
fn round_trip(allow_none: bool, value: Value) -> Result<Value, deferreds::Failure> {
    let reactor = reactor();
    let mut methods = test_methods();
    methods.allow_none(allow_none);
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &with_slash(server.local_addr())).unwrap();
    run(&reactor, proxy.call_remote("defer", vec![value]))
}

fn in_struct(value: Value) -> Value {
    let mut members = Struct::new();
    members.insert("a", value);
    Value::Struct(members)
}

fn when() -> Value {
    Value::DateTime(DateTime::new(2000, 12, 28, 3, 45, 59).unwrap())
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAllowNoneTests.test_roundtripValue
// DIFFERENCE: the proxy sends nil without being asked to (Python's client needs
// `allow_none`); the server answers nil only with `allow_none`, as Twisted's does.
#[test]
fn allow_none_roundtrip_value() {
    assert_eq!(round_trip(true, Value::Nil).unwrap(), Value::Nil);
    let refused = fault_of(deferreds::fail(round_trip(false, Value::Nil).unwrap_err()));
    let fault = deferreds::testing::success_result_of(refused);
    assert_eq!(fault.code, FAILURE);
    assert!(fault.string.starts_with("Can't serialize output: "), "{}", fault.string);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAllowNoneTests.test_roundtripNestedValue
#[test]
fn allow_none_roundtrip_nested_value() {
    assert_eq!(round_trip(true, in_struct(Value::Nil)).unwrap(), in_struct(Value::Nil));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCUseDateTimeTests.test_roundtripValue
// DIFFERENCE: no `useDateTime` flag: a `dateTime.iso8601` is always a `DateTime`.
#[test]
fn use_datetime_roundtrip_value() {
    assert_eq!(round_trip(false, when()).unwrap(), when());
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCUseDateTimeTests.test_roundtripNestedValue
// DIFFERENCE: as in `use_datetime_roundtrip_value`.
#[test]
fn use_datetime_roundtrip_nested_value() {
    assert_eq!(round_trip(false, in_struct(when())).unwrap(), in_struct(when()));
}
