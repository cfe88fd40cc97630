//! What clients can do wrong, sent to a [`Server`] over raw TCP: each test checks the
//! answer, then that the server still serves.
//!
//! The server runs on the reactor of the test's thread; the client is a plain thread with
//! blocking sockets whose outcome comes back as a Deferred.

mod common;

use std::cell::{Cell, RefCell};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use deferreds::{Deferred, Failure, Resolver, gather2};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Limits, Server, ServerConfig, Value, XmlRpc};

use common::{IO_TIMEOUT, RawClient, RawResponse};

/// The body limit of the test servers, small enough to break by hand.
const BODY_LIMIT: usize = 4096;

/// What the methods saw, for the test to look at.
#[derive(Default)]
struct Seen {
    /// Calls of `record`.
    records: Cell<u32>,
    /// Fires when the Deferred of `hang` is cancelled.
    hang_cancelled: RefCell<Option<Resolver<()>>>,
    /// The producers of `hang`'s Deferreds, kept so that only cancelling fires them.
    hang_producers: RefCell<Vec<Resolver<Value>>>,
    server: RefCell<Option<Server>>,
}

struct Setup {
    reactor: Reactor,
    server: Server,
    seen: Rc<Seen>,
    /// A message each time `hang` is called.
    hang_called: mpsc::Receiver<()>,
}

impl Setup {
    fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Runs `client` on its own thread while the server serves; its result.
    fn client<T: Send + 'static>(&self, client: impl FnOnce() -> T + Send + 'static) -> T {
        let done = common::in_thread(&self.reactor, client);
        self.reactor.run_until(done).expect("the client finished in time")
    }
}

fn serve(config: ServerConfig) -> Setup {
    let reactor = common::reactor(Duration::from_secs(20));
    let seen = Rc::new(Seen::default());
    let (hang_called, hang_calls) = mpsc::channel();
    let mut methods = XmlRpc::new();
    methods.limits(Limits::new().with_max_body_size(BODY_LIMIT));
    methods.add_raw("echo", |params| Ok(deferreds::succeed(Value::Array(params))));
    methods.add("multiply", |(a, b): (i64, i64)| Ok::<_, Failure>(a * b));
    methods.add("panics", |(): ()| -> Result<i64, Failure> { panic!("a bug in a method") });
    methods.add_raw("panics_raw", |_| -> Result<Deferred<Value>, Failure> {
        panic!("a bug in a raw method")
    });
    let record = Rc::clone(&seen);
    methods.add("record", move |(): ()| {
        record.records.set(record.records.get() + 1);
        Ok::<_, Failure>(())
    });
    let records = Rc::clone(&seen);
    methods.add("records", move |(): ()| Ok::<_, Failure>(records.records.get()));
    let hang = Rc::clone(&seen);
    methods.add_raw("hang", move |_| {
        let _ = hang_called.send(());
        let cancelled = Rc::clone(&hang);
        let (deferred, producer) = Deferred::with_canceller(move |_| {
            if let Some(resolver) = cancelled.hang_cancelled.borrow_mut().take() {
                resolver.callback(());
            }
        });
        hang.hang_producers.borrow_mut().push(producer);
        Ok(deferred)
    });
    let server_of = Rc::clone(&seen);
    methods.add("connections", move |(): ()| {
        let server = server_of.server.borrow();
        Ok::<_, Failure>(server.as_ref().map_or(0, Server::connections))
    });
    methods.allow_none(true);
    let server = Server::listen(&reactor, "127.0.0.1:0", methods, config).unwrap();
    *seen.server.borrow_mut() = Some(server.clone());
    Setup { reactor, server, seen, hang_called: hang_calls }
}

fn serve_default() -> Setup {
    serve(ServerConfig::default())
}

/// The fault of a response that must be one.
fn fault(response: &RawResponse) -> Fault {
    response.xml_rpc().expect_err("a fault")
}

/// A good call, on `client`'s connection: the server still serves.
fn still_serves(client: &mut RawClient) {
    assert_eq!(client.call("multiply", vec![6.into(), 7.into()]), Ok(Value::Int(42)));
}

fn assert_deserialize_fault(fault: &Fault, mentions: &str) {
    assert_eq!(fault.code, 8002, "{fault:?}");
    assert!(fault.string.starts_with("Can't deserialize input: "), "{fault:?}");
    assert!(fault.string.contains(mentions), "{fault:?} does not mention {mentions:?}");
}

#[test]
fn malformed_xml_is_fault_8002_and_the_connection_goes_on() {
    let setup = serve_default();
    let addr = setup.addr();
    let faults = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let bodies: [&[u8]; 5] = [
            b"not xml at all",
            b"<methodCall><methodName>echo</methodName><params>",
            b"<methodCall><methodName>echo</wrong></methodCall>",
            b"<methodCall><methodName>\xff\xfe</methodName></methodCall>",
            b"",
        ];
        let faults: Vec<Fault> =
            bodies.iter().map(|body| fault(&client.post(body).unwrap())).collect();
        still_serves(&mut client);
        faults
    });
    assert_eq!(faults.len(), 5);
    for fault in &faults {
        assert_deserialize_fault(fault, "");
    }
    assert!(faults[1].string.contains("end of document"), "{:?}", faults[1]);
}

#[test]
fn unknown_elements_are_named_in_the_fault() {
    let setup = serve_default();
    let addr = setup.addr();
    let cases = [
        ("<methodRequest><methodName>echo</methodName></methodRequest>", "<methodRequest>"),
        (
            "<methodCall><methodName>echo</methodName><params><param><value><bogus>1</bogus>\
             </value></param></params></methodCall>",
            "<bogus>",
        ),
        ("<methodCall><methodName>echo</methodName><extra/></methodCall>", "<extra>"),
        (
            "<methodCall><methodName>echo</methodName><params><param><value><struct>\
             <member><label>a</label></member></struct></value></param></params></methodCall>",
            "<label>",
        ),
    ];
    let faults = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let faults: Vec<Fault> =
            cases.iter().map(|(body, _)| fault(&client.post(body.as_bytes()).unwrap())).collect();
        still_serves(&mut client);
        faults
    });
    for ((_, tag), fault) in cases.iter().zip(&faults) {
        assert_deserialize_fault(fault, tag);
    }
}

#[test]
fn wrong_parameter_types_get_a_fault_that_says_why() {
    let setup = serve_default();
    let addr = setup.addr();
    let faults = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let calls = [
            vec![Value::from("six"), Value::Int(7)],
            vec![Value::Int(6)],
            vec![Value::Double(1.5), Value::Int(2)],
            vec![Value::Array(vec![]), Value::Nil],
        ];
        let faults: Vec<Fault> = calls
            .into_iter()
            .map(|params| client.call("multiply", params).expect_err("a fault"))
            .collect();
        still_serves(&mut client);
        faults
    });
    for fault in &faults {
        assert_eq!(fault.code, 8002, "{fault:?}");
        assert!(fault.string.starts_with("bad parameters for multiply: "), "{fault:?}");
    }
    let why = [
        "invalid type: string \"six\", expected i64",
        "invalid length 1, expected a tuple of size 2",
        "invalid type: floating point `1.5`, expected i64",
        "invalid type: sequence, expected i64",
    ];
    for (fault, why) in faults.iter().zip(why) {
        assert!(fault.string.ends_with(why), "{fault:?}");
    }
}

#[test]
fn a_declared_length_over_the_limit_is_413_before_the_body() {
    let setup = serve_default();
    let addr = setup.addr();
    let status = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let head = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
            BODY_LIMIT + 1
        );
        // Only the head: the server answers without waiting for the body.
        client.send(head.as_bytes()).unwrap();
        let status = client.read_response().unwrap().status;
        still_serves(&mut RawClient::connect(addr));
        status
    });
    assert_eq!(status, 413);
}

#[test]
fn a_chunked_body_over_the_limit_is_413() {
    let setup = serve_default();
    let addr = setup.addr();
    let (status, records) = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let call = "<methodCall><methodName>record</methodName><params><param><value><string>";
        let mut request =
            b"POST /RPC2 HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        request.extend(format!("{:x}\r\n{call}\r\n", call.len()).as_bytes());
        for _ in 0..(BODY_LIMIT / 1000 + 1) {
            request.extend(format!("{:x}\r\n{}\r\n", 1000, "x".repeat(1000)).as_bytes());
        }
        request.extend(b"0\r\n\r\n");
        client.send(&request).unwrap();
        let status = client.read_response().unwrap().status;
        let mut fresh = RawClient::connect(addr);
        still_serves(&mut fresh);
        (status, fresh.call("records", vec![]))
    });
    assert_eq!(status, 413);
    assert_eq!(records, Ok(Value::Int(0)));
}

#[test]
fn nesting_beyond_the_limit_is_a_fault() {
    let setup = serve_default();
    let addr = setup.addr();
    let nested = |depth: usize| {
        let open = "<value><array><data>".repeat(depth);
        let close = "</data></array></value>".repeat(depth);
        format!(
            "<methodCall><methodName>echo</methodName><params><param>{open}{close}</param>\
             </params></methodCall>"
        )
    };
    let (deep, shallow) = (nested(Limits::DEFAULT_MAX_DEPTH + 1), nested(20));
    let (deep, shallow) = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let deep = fault(&client.post(deep.as_bytes()).unwrap());
        let shallow = client.post(shallow.as_bytes()).unwrap().xml_rpc();
        still_serves(&mut client);
        (deep, shallow)
    });
    let limit = Limits::DEFAULT_MAX_DEPTH;
    assert_deserialize_fault(&deep, &format!("values nested deeper than {limit}"));
    let mut depth = 0;
    let echoed = shallow.unwrap();
    let mut value = &echoed.as_array().unwrap()[0];
    while let Value::Array(inner) = value {
        depth += 1;
        match inner.first() {
            Some(next) => value = next,
            None => break,
        }
    }
    assert_eq!(depth, 20);
}

#[test]
fn other_methods_than_post_are_405_with_allow() {
    let setup = serve_default();
    let addr = setup.addr();
    let responses = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let mut responses = Vec::new();
        for method in ["GET", "DELETE"] {
            client
                .send(format!("{method} /RPC2 HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
                .unwrap();
            responses.push(client.read_response().unwrap());
        }
        still_serves(&mut client);
        responses
    });
    for response in responses {
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("POST"));
    }
}

#[test]
fn slow_headers_are_cut_off_by_the_header_timeout() {
    let header_timeout = Duration::from_millis(200);
    let setup = serve(ServerConfig { header_timeout, ..ServerConfig::default() });
    let addr = setup.addr();
    let (before_close, waited) = setup.client(move || {
        let mut client = RawClient::connect(addr);
        client.send(b"POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Le").unwrap();
        let start = Instant::now();
        // The server's own timeout is what is tested: wait for it to close.
        let before_close = client.read_to_close().expect("closed by the server in time");
        let waited = start.elapsed();
        still_serves(&mut RawClient::connect(addr));
        (before_close, waited)
    });
    let answered = String::from_utf8_lossy(&before_close);
    assert!(!answered.contains(" 200 "), "{answered}");
    assert!(waited >= header_timeout * 3 / 4, "closed after {waited:?}");
}

#[test]
fn a_client_gone_mid_body_leaves_the_server_serving() {
    let setup = serve_default();
    let addr = setup.addr();
    let records = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let body = "<methodCall><methodName>record</methodName><params></params></methodCall>";
        let head = "POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n";
        client.send(format!("{head}{body}").as_bytes()).unwrap();
        drop(client);
        let mut fresh = RawClient::connect(addr);
        still_serves(&mut fresh);
        fresh.call("records", vec![])
    });
    assert_eq!(records, Ok(Value::Int(0)), "an incomplete request was served");
}

#[test]
fn a_client_gone_while_its_method_is_pending_cancels_the_method() {
    let setup = serve_default();
    let addr = setup.addr();
    let (cancelled, resolver) = Deferred::new();
    *setup.seen.hang_cancelled.borrow_mut() = Some(resolver);
    let hang_called = setup.hang_called;
    let client = common::in_thread(&setup.reactor, move || {
        let mut client = RawClient::connect(addr);
        let body = "<methodCall><methodName>hang</methodName></methodCall>";
        let head =
            format!("POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n", body.len());
        client.send(format!("{head}{body}").as_bytes()).unwrap();
        hang_called.recv_timeout(IO_TIMEOUT).expect("hang was called");
        drop(client);
        still_serves(&mut RawClient::connect(addr));
    });
    let both = gather2(client, cancelled);
    setup.reactor.run_until(both).expect("the method's Deferred was cancelled");
    assert_eq!(setup.seen.hang_producers.borrow().len(), 1);
}

#[test]
fn a_method_that_panics_is_fault_8002_and_the_server_goes_on() {
    let setup = serve_default();
    let addr = setup.addr();
    let outcomes = setup.client(move || {
        let mut client = RawClient::connect(addr);
        let typed = client.call("panics", vec![]);
        still_serves(&mut client);
        let raw = client.call("panics_raw", vec![]);
        still_serves(&mut client);
        [typed, raw]
    });
    for outcome in outcomes {
        assert_eq!(outcome, Err(Fault::new(8002, "error")));
    }
}

#[test]
fn connections_beyond_the_maximum_wait_for_one_to_close() {
    let setup = serve(ServerConfig { max_connections: 2, ..ServerConfig::default() });
    let addr = setup.addr();
    let (waiting, counted, served) = setup.client(move || {
        let mut first = RawClient::connect(addr);
        let mut second = RawClient::connect(addr);
        still_serves(&mut first);
        still_serves(&mut second);
        // The kernel completes the third connection; the server does not take it.
        let mut third = RawClient::connect(addr);
        let body = "<methodCall><methodName>connections</methodName></methodCall>";
        let head =
            format!("POST /RPC2 HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n", body.len());
        third.send(format!("{head}{body}").as_bytes()).unwrap();
        // Proving a negative takes a wait: no answer within this bound.
        third.stream().set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let waiting = third.read_response().map(|response| response.status);
        let counted = first.call("connections", vec![]);
        drop(first);
        third.stream().set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let served = third.read_response().unwrap().xml_rpc();
        (waiting, counted, served)
    });
    let waiting = waiting.expect_err("the third connection was served at once");
    assert!(matches!(waiting.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{waiting}");
    assert_eq!(counted, Ok(Value::Int(2)));
    assert_eq!(served, Ok(Value::Int(2)), "served once the first closed, beside the second");
}
