//! Twisted's `XMLRPCTests` (a real server and proxy over TCP), and
//! `XMLRPCProxyWithoutSlashTests`, the same tests with a proxy URL that has no path.
//!
//! Each test that goes through the proxy is written once, over the URL form, and run
//! with both forms.

use std::cell::{Cell, RefCell};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use deferreds::testing::ReportCapture;
use deferreds::{CancelledError, Deferred, Failure, Resolver, gather_results};
use deferreds_xmlrpc::{
    DateTime, Fault, MethodCall, MethodResponse, Proxy, ProxyError, Struct, Value,
};

use crate::support::{
    FAILURE, NOT_FOUND, SNOWMAN, TestRuntimeError, TestValueError, UrlForm, canned_server, complex,
    fault_of, listen, reactor, request, run, send, test_methods, wait_until, with_slash,
    without_slash,
};

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_results
#[test]
fn results() {
    check_results(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_results
#[test]
fn results_without_slash() {
    check_results(without_slash);
}

fn check_results(url: UrlForm) {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let mut map = Struct::new();
    map.insert("a", 1);
    let cases = [
        ("add", vec![Value::Int(2), Value::Int(3)], Value::Int(5)),
        ("defer", vec![Value::from("a")], Value::from("a")),
        ("dict", vec![Value::Struct(map), Value::from("a")], Value::Int(1)),
        (
            "pair",
            vec![Value::from("a"), Value::Int(1)],
            Value::from_iter([Value::from("a"), 1.into()]),
        ),
        ("snowman", vec![Value::from(SNOWMAN)], Value::from(SNOWMAN)),
        ("complex", vec![], complex()),
    ];
    // A new proxy for each call, as Twisted's test makes one.
    let calls = cases.iter().map(|(method, params, _)| {
        Proxy::new(&reactor, &url(server.local_addr())).unwrap().call_remote(method, params.clone())
    });
    let results = run(&reactor, gather_results(calls.collect::<Vec<_>>())).unwrap();
    let expected: Vec<Value> = cases.into_iter().map(|(_, _, result)| result).collect();
    assert_eq!(results, expected);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_headers
// DIFFERENCE: the proxy names this crate in User-Agent and sends `Content-Type: text/xml`
// as Python's client does (the body is UTF-8, XML's default); Twisted's lengths 129 and
// 155 are its own formatting, so the lengths are checked against the bodies sent.
#[test]
fn headers() {
    check_headers(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_headers
// DIFFERENCE: as in `headers`; a URL without a path posts to `/`, as Twisted's does.
#[test]
fn headers_without_slash() {
    check_headers(without_slash);
}

fn check_headers(url: UrlForm) {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let call = MethodCall::new("snowman", vec![Value::from(SNOWMAN)]).to_xml().unwrap();

    // What the server sends back.
    let reply = send(&reactor, server.local_addr(), request("POST", server.local_addr(), &call));

    // What the proxy sends, seen by an HTTP server that answers as ours would.
    let answer = MethodResponse::Success(Value::from(SNOWMAN)).to_xml().unwrap();
    let (peer, received) = canned_server(&reactor, 200, "text/xml", answer);
    let proxy = Proxy::new(&reactor, &url(peer)).unwrap();
    let result = proxy.call_remote("snowman", vec![Value::from(SNOWMAN)]);

    let (reply, result) = run(&reactor, deferreds::gather2(reply, result)).unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "text/xml; charset=utf-8");
    assert_eq!(reply.headers["content-length"], reply.body.len().to_string());
    let response = MethodResponse::from_xml(&reply.body).unwrap();
    assert_eq!(response, MethodResponse::Success(Value::from(SNOWMAN)));

    assert_eq!(result, Value::from(SNOWMAN));
    let received = received.borrow();
    let [sent] = received.as_slice() else { panic!("one request, got {received:?}") };
    assert_eq!(sent.path, "/");
    let agent = sent.headers["user-agent"].to_str().unwrap();
    assert!(agent.starts_with("deferreds-xmlrpc/"), "{agent}");
    assert_eq!(sent.headers["content-type"], "text/xml");
    assert_eq!(sent.headers["content-length"], call.len().to_string());
    assert_eq!(sent.body, call.as_bytes());
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_errors
// DIFFERENCE: there is no hook to look a method up by a rule of one's own (Twisted's
// `lookupProcedure` override that answers fault 42 for any name starting with SESSION),
// so SESSION_TEST is an unknown method like any other (23).
// DIFFERENCE: parameters that do not fit a typed method get the failure code with a
// message that says so, and are not logged; Twisted logs the TypeError and says "error".
#[test]
fn errors() {
    check_errors(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_errors
// DIFFERENCE: as in `errors`.
#[test]
fn errors_without_slash() {
    check_errors(without_slash);
}

fn check_errors(url: UrlForm) {
    let capture = ReportCapture::start();
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let addr = server.local_addr();
    let cases = [
        (FAILURE, "fail", vec![]),
        (FAILURE, "deferFail", vec![]),
        (12, "fault", vec![]),
        (NOT_FOUND, "noSuchMethod", vec![]),
        (17, "deferFault", vec![]),
        (NOT_FOUND, "SESSION_TEST", vec![]),
        (FAILURE, "pair", vec![Value::from("a")]),
    ];
    // Through the proxy: the call fails with the fault.
    let faults = cases.iter().map(|(_, method, params)| {
        fault_of(Proxy::new(&reactor, &url(addr)).unwrap().call_remote(method, params.clone()))
    });
    // Over plain HTTP: every fault comes as XML, with its content type.
    let replies = cases.iter().map(|(_, method, params)| {
        let body = MethodCall::new(*method, params.clone()).to_xml().unwrap();
        send(&reactor, addr, request("POST", addr, &body))
    });
    let both = deferreds::gather2(
        gather_results(faults.collect::<Vec<_>>()),
        gather_results(replies.collect::<Vec<_>>()),
    );
    let (faults, replies) = run(&reactor, both).unwrap();

    let codes: Vec<i32> = faults.iter().map(|fault| fault.code).collect();
    let expected: Vec<i32> = cases.iter().map(|(code, _, _)| *code).collect();
    assert_eq!(codes, expected);
    assert_eq!(faults[0].string, "error", "the cause stays on the server");
    assert_eq!(faults[2], Fault::new(12, "hello"));
    assert_eq!(faults[3].string, "procedure noSuchMethod not found");
    assert!(faults[6].string.starts_with("bad parameters for pair: "), "{}", faults[6].string);
    for (reply, fault) in replies.iter().zip(&faults) {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["content-type"], "text/xml; charset=utf-8");
        let response = MethodResponse::from_xml(&reply.body).unwrap();
        assert_eq!(response, MethodResponse::Fault(fault.clone()));
    }

    // `fail` and `deferFail` are logged on the server, once per call: two routes each.
    assert_eq!(capture.flush::<TestRuntimeError>().len(), 2);
    assert_eq!(capture.flush::<TestValueError>().len(), 2);
    assert!(capture.take().is_empty());
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_cancel
// DIFFERENCE: Twisted cancels before the connection is made; here a call is cancelled
// both before it starts and while the server works on it, and in the second case the
// server sees its connection close.
#[test]
fn cancel() {
    check_cancel(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_cancel
// DIFFERENCE: as in `cancel`.
#[test]
fn cancel_without_slash() {
    check_cancel(without_slash);
}

fn check_cancel(url: UrlForm) {
    let capture = ReportCapture::start();
    let reactor = reactor();
    let started = Rc::new(Cell::new(false));
    // The method's Deferred is kept pending: a dropped resolver would fail it.
    let resolvers = Rc::new(RefCell::new(Vec::<Resolver<Value>>::new()));
    let mut methods = test_methods();
    let (flag, kept) = (Rc::clone(&started), Rc::clone(&resolvers));
    methods.add_raw("pending", move |_| {
        flag.set(true);
        let (deferred, resolver) = Deferred::new();
        kept.borrow_mut().push(resolver);
        Ok(deferred)
    });
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &url(server.local_addr())).unwrap();

    let at_once = proxy.call_remote("add", vec![Value::Int(2), Value::Int(3)]);
    at_once.cancel();
    let at_once = deferreds::testing::failure_result_of(at_once);
    assert!(at_once.check::<CancelledError>(), "{at_once}");

    let in_flight = proxy.call_remote("pending", vec![]);
    let server_side = server.clone();
    let called = Rc::clone(&started);
    let observer = reactor.clone();
    let done = wait_until(&reactor, move || called.get() && server_side.connections() == 1)
        .add_callback(move |()| {
            in_flight.cancel();
            let outcome = deferreds::testing::failure_result_of(in_flight);
            assert!(outcome.check::<CancelledError>(), "{outcome}");
            wait_until(&observer, move || server.connections() == 0)
        });
    run(&reactor, done).unwrap();
    assert_eq!(resolvers.borrow().len(), 1, "the pending method was called once");
    assert!(capture.take().is_empty(), "a cancelled call is not a server error");
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_errorGet
#[test]
fn error_get() {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let reply =
        run(&reactor, send(&reactor, server.local_addr(), request("GET", server.local_addr(), "")))
            .unwrap();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_errorXMLContent
#[test]
fn error_xml_content() {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let addr = server.local_addr();
    let reply = run(&reactor, send(&reactor, addr, request("POST", addr, "foo"))).unwrap();
    assert_eq!(reply.status, 200);
    let fault = MethodResponse::from_xml(&reply.body).unwrap().into_result().unwrap_err();
    assert_eq!(fault.code, FAILURE);
    assert!(fault.string.starts_with("Can't deserialize input: "), "{}", fault.string);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_datetimeRoundtrip
// DIFFERENCE: a fixed time stands in for "now": `DateTime` has no clock.
#[test]
fn datetime_roundtrip() {
    check_datetime_roundtrip(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_datetimeRoundtrip
// DIFFERENCE: as in `datetime_roundtrip`.
#[test]
fn datetime_roundtrip_without_slash() {
    check_datetime_roundtrip(without_slash);
}

fn check_datetime_roundtrip(url: UrlForm) {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let when = DateTime::new(2024, 10, 18, 21, 7, 28).unwrap();
    let proxy = Proxy::new(&reactor, &url(server.local_addr())).unwrap();
    let echoed = run(&reactor, proxy.call::<DateTime, _>("echo", &(when,))).unwrap();
    assert_eq!(echoed, when);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_doubleEncodingError
// DIFFERENCE: Twisted breaks its encoder and checks that the error is logged and the
// request finished with no body. Here nothing is logged: a result that cannot be
// encoded, and a fault whose own text cannot be, are answered with the failure code
// and "Can't serialize output", a fault that always encodes.
#[test]
fn double_encoding_error() {
    check_double_encoding_error(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_doubleEncodingError
// DIFFERENCE: as in `double_encoding_error`.
#[test]
fn double_encoding_error_without_slash() {
    check_double_encoding_error(without_slash);
}

fn check_double_encoding_error(url: UrlForm) {
    let capture = ReportCapture::start();
    let reactor = reactor();
    let mut methods = test_methods();
    methods.add("notANumber", |()| Ok::<_, Failure>(f64::NAN));
    methods.add("bellFault", |()| Err::<Value, _>(Failure::new(Fault::new(5, "bell\u{7}"))));
    let server = listen(&reactor, methods);
    let proxy = Proxy::new(&reactor, &url(server.local_addr())).unwrap();
    let calls =
        ["notANumber", "bellFault"].map(|method| fault_of(proxy.call_remote(method, vec![])));
    let faults = run(&reactor, gather_results(calls)).unwrap();
    for fault in faults {
        assert_eq!(fault.code, FAILURE);
        assert!(fault.string.starts_with("Can't serialize output: "), "{}", fault.string);
    }
    assert!(capture.take().is_empty());
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_closeConnectionAfterRequest
// DIFFERENCE: Twisted closes the connection after each call (HTTP/1.0); here it stays
// open, the next call reuses it, and the server closes it when it stops listening.
#[test]
fn close_connection_after_request() {
    check_close_connection_after_request(with_slash);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCProxyWithoutSlashTests.test_closeConnectionAfterRequest
// DIFFERENCE: as in `close_connection_after_request`.
#[test]
fn close_connection_after_request_without_slash() {
    check_close_connection_after_request(without_slash);
}

fn check_close_connection_after_request(url: UrlForm) {
    let reactor = reactor();
    let server = listen(&reactor, test_methods());
    let proxy = Proxy::new(&reactor, &url(server.local_addr())).unwrap();
    let (again, stopping) = (proxy.clone(), server.clone());
    let done = proxy.call_remote("echo", vec![Value::from("")]).add_callback(move |_| {
        assert_eq!(stopping.connections(), 1);
        again.call_remote("echo", vec![Value::from("")]).add_callback(move |_| {
            assert_eq!(stopping.connections(), 1, "the second call reused the connection");
            stopping.stop_listening().add_callback(move |()| {
                assert_eq!(stopping.connections(), 0);
                Ok(())
            })
        })
    });
    run(&reactor, done).unwrap();
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_tcpTimeout
// DIFFERENCE: Twisted checks the value handed to a fake reactor; here the timeout is
// seen to act: a listener whose backlog is full lets connection attempts hang (Linux
// drops the SYN), and the call fails with `ConnectTimeout` after the time given.
#[test]
fn tcp_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _backlog = fill_backlog(addr);
    let reactor = reactor();
    let timeout = Duration::from_millis(200);
    let proxy = Proxy::new(&reactor, &with_slash(addr)).unwrap().with_connect_timeout(timeout);
    let failure = run(&reactor, proxy.call_remote("someMethod", vec![])).unwrap_err();
    match failure.downcast_ref::<ProxyError>() {
        Some(ProxyError::ConnectTimeout(after)) => assert_eq!(*after, timeout),
        _ => panic!("expected a connect timeout, got {failure}"),
    }
    drop(listener);
}

/// Connects to `addr`, never accepted, until attempts time out: three in a row, so one
/// slow attempt on a busy machine is not taken for a full backlog.
fn fill_backlog(addr: SocketAddr) -> Vec<TcpStream> {
    let mut held = Vec::new();
    let mut timed_out = 0;
    while held.len() < 10_000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => {
                held.push(stream);
                timed_out = 0;
            }
            Err(_) if timed_out == 2 => return held,
            Err(_) => timed_out += 1,
        }
    }
    panic!("the listener's backlog never filled");
}
