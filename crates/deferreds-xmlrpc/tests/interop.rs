//! Interoperability over HTTP with Python's standard library, both ways: Python's
//! `xmlrpc.client.ServerProxy` against our [`Server`] (`tests/python/client.py`), and our
//! [`Proxy`] against Python's `SimpleXMLRPCServer` (`tests/python/server.py`).

mod common;

use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::process::Output;
use std::rc::Rc;
use std::time::Duration;

use deferreds::{CancelledError, Deferred, Failure, ensure_deferred};
use deferreds_xmlrpc::{
    DateTime, Fault, Proxy, ProxyError, Server, ServerConfig, Struct, Value, XmlRpc,
};

use common::PythonServer;

fn members(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(pairs.into_iter().collect::<Struct>())
}

fn date(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Value {
    Value::DateTime(DateTime::new(y, mo, d, h, mi, s).unwrap())
}

/// Equality that tells -0.0 from 0.0: doubles must arrive bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|((m, p), (n, q))| m == n && same(p, q))
        }
        _ => a == b,
    }
}

fn fault_of(failure: &Failure) -> &Fault {
    failure.downcast_ref::<Fault>().unwrap_or_else(|| panic!("not a fault: {failure}"))
}

fn proxy_error_of(failure: &Failure) -> &ProxyError {
    failure.downcast_ref::<ProxyError>().unwrap_or_else(|| panic!("not a ProxyError: {failure}"))
}

// ---------------------------------------------------------------------------------------
// Python's client, our server.
// ---------------------------------------------------------------------------------------

/// What `client.py expect` sends under each name, as the server must read it.
fn sent_by_python(name: &str) -> Option<Value> {
    Some(match name {
        "int" => Value::Int(7),
        "min32" => Value::Int(i64::from(i32::MIN)),
        "true" => Value::Boolean(true),
        "string" => Value::from("snow\u{2603} & <tags>"),
        // Python writes the carriage return raw, and XML reads it as a line feed.
        "cr" => Value::from("a\nb"),
        "double" => Value::Double(0.1),
        "exponent" => Value::Double(1e300),
        "datetime" => date(2024, 2, 29, 23, 59, 59),
        "bytes" => Value::Base64(vec![0, 1, 254, 255]),
        "Binary" => Value::Base64(b"\x00data".to_vec()),
        "struct" => members(vec![("z", Value::Int(1)), ("a", Value::Array(vec![]))]),
        "array" => Value::Array(vec![Value::Int(1), Value::from("x"), Value::Array(vec![])]),
        "empty string" => Value::from(""),
        "nil" => Value::Nil,
        "large" => Value::Array((0..10_000).map(Value::Int).collect()),
        _ => return None,
    })
}

/// The methods Python's client calls.
fn methods(allow_none: bool) -> XmlRpc {
    let mut methods = XmlRpc::new();
    methods.allow_none(allow_none);
    methods.add_raw("echo", |mut params| match params.len() {
        1 => Ok(deferreds::succeed(params.remove(0))),
        n => Err(Failure::new(Fault::new(1, format!("echo takes 1 parameter, not {n}")))),
    });
    methods.add_raw("echo_all", |params| Ok(deferreds::succeed(Value::Array(params))));
    methods.add("big", |(): ()| Ok::<_, Failure>([1_i64 << 40, i64::MAX, i64::MIN, -(1 << 33)]));
    methods.add("cr", |(): ()| Ok::<_, Failure>("line\r\nend\r"));
    methods.add_raw("ordered", |_| {
        let zam = [("zeta", 1), ("alpha", 2), ("mu", 3)];
        Ok(deferreds::succeed(Value::Struct(zam.into_iter().collect())))
    });
    methods.add("count_to", |(n,): (i64,)| Ok::<_, Failure>((0..n).collect::<Vec<_>>()));
    methods.add_raw("expect", |params| {
        let [Value::String(name), got] = params.as_slice() else {
            return Err(Failure::new(Fault::new(1, "expect takes a name and a value")));
        };
        let want = sent_by_python(name)
            .ok_or_else(|| Failure::new(Fault::new(1, format!("nothing expected as {name}"))))?;
        if !same(got, &want) {
            let text = format!("{name}: got {got:?}, want {want:?}");
            return Err(Failure::new(Fault::new(1, text)));
        }
        Ok(deferreds::succeed(Value::Boolean(true)))
    });
    methods
        .add("fault", |(): ()| Err::<i64, _>(Failure::new(Fault::new(42, "the answer & <more>"))));
    methods.add("broken", |(): ()| Err::<i64, _>(Failure::msg("a detail the client must not see")));
    methods.add("nothing", |(): ()| Ok::<_, Failure>(()));
    methods
        .add("multiply", |(a, b): (i64, i64)| Ok::<_, Failure>(a * b))
        .help("Multiplies two integers.")
        .signature(&["int", "int", "int"]);
    let mut math = XmlRpc::new();
    math.add("add", |(a, b): (i64, i64)| Ok::<_, Failure>(a + b)).help("Adds two integers.");
    methods.put_sub_handler("math", math);
    methods
}

/// Serves `methods` while `client.py URL SCENARIO ARGS…` runs against them.
fn python_client(methods: XmlRpc, scenario: &str, args: &[&str]) -> Output {
    let reactor = common::reactor(Duration::from_secs(40));
    let server = Server::listen(&reactor, "127.0.0.1:0", methods, ServerConfig::default()).unwrap();
    let mut argv = vec![server.url(), scenario.to_owned()];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    let output = common::in_thread(&reactor, move || {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        common::run_python("client.py", &argv)
    });
    reactor.run_until(output).expect("the Python client finished in time")
}

#[test]
fn python_client_gets_back_every_type_it_sends() {
    let output = python_client(methods(false), "types", &[]);
    common::assert_checks(
        &output,
        &[
            "echo int",
            "echo int zero",
            "echo int max32",
            "echo int min32",
            "echo true",
            "echo false",
            "echo string",
            "echo unicode",
            "echo empty string",
            "echo markup",
            "echo whitespace",
            "echo double",
            "echo negative zero",
            "echo huge double",
            "echo tiny double",
            "echo whole double",
            "echo datetime",
            "echo old datetime",
            "echo bytes",
            "echo empty bytes",
            "echo struct order",
            "echo array",
            "echo nested",
            "echo empty array",
            "echo empty struct",
            "echo empties",
            "echo large array",
            "echo large struct",
            "parameters in order",
            "i8 from the server",
            "python refuses to send i8",
            "carriage returns from the server",
            "carriage return from python",
            "struct order from the server",
            "large array from the server",
            "Binary",
            "DateTime",
        ],
    );
}

#[test]
fn the_server_reads_exactly_what_python_sends() {
    let output = python_client(methods(true), "expect", &[]);
    common::assert_checks(
        &output,
        &[
            "expect int",
            "expect min32",
            "expect true",
            "expect string",
            "expect cr",
            "expect double",
            "expect exponent",
            "expect datetime",
            "expect bytes",
            "expect Binary",
            "expect struct",
            "expect array",
            "expect empty string",
            "expect nil",
            "expect large",
        ],
    );
}

#[test]
fn python_client_gets_nil_when_allowed() {
    let output = python_client(methods(true), "nil", &[]);
    common::assert_checks(&output, &["echo None", "None from the server", "None inside"]);
}

#[test]
fn a_nil_result_is_fault_8002_unless_allowed() {
    let output = python_client(methods(false), "nil_refused", &[]);
    common::assert_checks(&output, &["None refused", "None inside refused", "still serving"]);
}

#[test]
fn python_client_sees_faults_as_twisted_sends_them() {
    let output = python_client(methods(false), "faults", &[]);
    common::assert_checks(
        &output,
        &["fault kept", "unknown method", "other failure", "wrong parameters", "still serving"],
    );
}

#[test]
fn python_client_introspects() {
    let listed = [
        "big",
        "broken",
        "count_to",
        "cr",
        "echo",
        "echo_all",
        "expect",
        "fault",
        "math.add",
        "multiply",
        "nothing",
        "ordered",
        "system.listMethods",
        "system.methodHelp",
        "system.methodSignature",
        "system.multicall",
    ];
    let output = python_client(methods(false), "introspection", &[&listed.join(",")]);
    common::assert_checks(
        &output,
        &[
            "listMethods",
            "methodHelp",
            "methodSignature",
            "no help",
            "no signature",
            "sub-handler help",
            "sub-handler call",
            "help for an unknown method",
        ],
    );
}

#[test]
fn python_multicall_runs_each_call() {
    let output = python_client(methods(false), "multicall", &[]);
    common::assert_checks(
        &output,
        &[
            "multicall size",
            "multicall result",
            "multicall struct",
            "multicall fault",
            "multicall unknown",
            "multicall sub-handler",
            "multicall introspection",
            "multicall of 500",
            "multicall within multicall refused",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Our proxy, Python's server.
// ---------------------------------------------------------------------------------------

/// A reactor bounded in time, a Python server and a proxy for it.
fn python_server(args: &[&str]) -> (deferreds_reactor::Reactor, PythonServer, Proxy) {
    let reactor = common::reactor(Duration::from_secs(20));
    let server = PythonServer::start(args);
    let proxy = Proxy::new(&reactor, &server.url()).unwrap();
    (reactor, server, proxy)
}

/// Values Python sends back unchanged.
fn echoed_values() -> Vec<Value> {
    vec![
        Value::Int(0),
        Value::Int(-1),
        Value::Int(i64::from(i32::MAX)),
        Value::Int(i64::from(i32::MIN)),
        Value::Boolean(true),
        Value::Boolean(false),
        Value::from(""),
        Value::from("hello"),
        Value::from("snow\u{2603}man \u{1f600} e\u{301}"),
        Value::from("a&b<c>d]]>e \"q\" 'a' &amp;"),
        Value::from("\ttab\nfeed  "),
        Value::Double(0.0),
        Value::Double(-0.0),
        Value::Double(0.1),
        Value::Double(-2.5),
        Value::Double(1e300),
        Value::Double(5e-324),
        Value::Double(1e22),
        Value::Double(f64::MAX),
        date(1998, 7, 17, 14, 8, 55),
        date(1900, 1, 1, 0, 0, 0),
        Value::Base64(Vec::new()),
        Value::Base64((0..=255).collect()),
        members(vec![("zeta", Value::Int(1)), ("alpha", Value::Int(2)), ("mu", Value::Int(3))]),
        Value::Array(vec![Value::Int(1), Value::from("two"), Value::Double(3.0), Value::Nil]),
        members(vec![
            (
                "list",
                Value::Array(vec![
                    Value::Int(1),
                    Value::Array(vec![members(vec![("deep", Value::Base64(b"x".to_vec()))])]),
                ]),
            ),
            ("empty", members(vec![])),
            ("none", Value::Nil),
        ]),
        Value::Array(vec![]),
        members(vec![]),
        Value::Array(vec![Value::Array(vec![]), members(vec![]), Value::from("")]),
        Value::Nil,
        Value::Array((0..10_000).map(Value::Int).collect()),
    ]
}

#[test]
fn python_server_echoes_every_type() {
    let (reactor, _server, proxy) = python_server(&[]);
    let values = echoed_values();
    let sent = values.clone();
    let echoed = ensure_deferred(async move {
        let mut echoed = Vec::new();
        for value in sent {
            echoed.push(proxy.call_remote("echo", vec![value]).await?);
        }
        Ok::<_, Failure>(echoed)
    });
    let echoed = reactor.run_until(echoed).unwrap();
    assert_eq!(echoed.len(), values.len());
    for (sent, back) in values.iter().zip(&echoed) {
        assert!(same(sent, back), "sent {sent:?}, got back {back:?}");
    }
}

#[test]
fn python_server_reads_what_we_send_as_python_values() {
    let (reactor, _server, proxy) = python_server(&[]);
    let cases = vec![
        (Value::Int(1 << 40), "int 1099511627776"),
        (Value::Int(i64::MIN), "int -9223372036854775808"),
        (Value::Boolean(true), "bool True"),
        (Value::from("a\r\nb\rc"), r"str 'a\r\nb\rc'"),
        (Value::Double(1e22), "float 1e+22"),
        (Value::Double(-0.0), "float -0.0"),
        (Value::Base64(vec![0, 255]), r"bytes b'\x00\xff'"),
        (date(2024, 2, 29, 23, 59, 59), "datetime datetime.datetime(2024, 2, 29, 23, 59, 59)"),
        (
            members(vec![("zeta", Value::Int(1)), ("alpha", Value::Nil)]),
            "dict {'zeta': 1, 'alpha': None}",
        ),
        (Value::Array(vec![]), "list []"),
        (Value::Nil, "NoneType None"),
    ];
    let sent: Vec<Value> = cases.iter().map(|(value, _)| value.clone()).collect();
    let described = ensure_deferred(async move {
        let mut described = Vec::new();
        for value in sent {
            described.push(proxy.call::<String, _>("describe", &(value,)).await?);
        }
        Ok::<_, Failure>(described)
    });
    let described = reactor.run_until(described).unwrap();
    for ((value, want), got) in cases.iter().zip(&described) {
        assert_eq!(got, want, "{value:?}");
    }
}

#[test]
fn what_python_cannot_send_back() {
    let (reactor, _server, proxy) = python_server(&[]);
    let outcomes = ensure_deferred(async move {
        // Python writes a carriage return raw; XML reads it as a line feed.
        let cr = proxy.call_remote("echo", vec![Value::from("a\rb\r\n")]).await;
        // Python reads <i8> but refuses to write a number beyond 32 bits.
        let big = proxy.call_remote("echo", vec![Value::Int(1 << 40)]).await;
        Ok::<_, Failure>((cr, big))
    });
    let (cr, big) = reactor.run_until(outcomes).unwrap();
    assert_eq!(cr.unwrap(), Value::from("a\nb\n"));
    let big = big.unwrap_err();
    let fault = fault_of(&big);
    assert_eq!(fault.code, 1);
    assert_eq!(fault.string, "<class 'OverflowError'>:int exceeds XML-RPC limits");
}

#[test]
fn typed_calls_to_python() {
    let (reactor, _server, proxy) = python_server(&[]);
    let product = proxy.call::<i64, _>("multiply", &(6, 7));
    assert_eq!(reactor.run_until(product).unwrap(), 42);
}

#[test]
fn a_python_fault_arrives_as_a_fault() {
    let (reactor, _server, proxy) = python_server(&[]);
    let outcomes = ensure_deferred(async move {
        let fault = proxy.call_remote("fail", vec![7.into(), "seven & <eight>".into()]).await;
        let crash = proxy.call_remote("crash", vec![]).await;
        let unknown = proxy.call_remote("nope", vec![]).await;
        Ok::<_, Failure>([fault, crash, unknown])
    });
    let [fault, crash, unknown] = reactor.run_until(outcomes).unwrap();

    let fault = fault.unwrap_err();
    let trapped = fault.trap::<Fault>().expect("traps to Fault");
    assert_eq!((trapped.code, trapped.string.as_str()), (7, "seven & <eight>"));

    let crash = crash.unwrap_err();
    assert_eq!(fault_of(&crash).code, 1);
    assert_eq!(fault_of(&crash).string, "<class 'ValueError'>:bad input");

    let unknown = unknown.unwrap_err();
    assert_eq!(fault_of(&unknown).code, 1);
    assert_eq!(fault_of(&unknown).string, "<class 'Exception'>:method \"nope\" is not supported");
}

#[test]
fn multicall_through_call_remote() {
    let (reactor, _server, proxy) = python_server(&[]);
    let call = |method: &str, params: Vec<Value>| {
        members(vec![("methodName", Value::from(method)), ("params", Value::Array(params))])
    };
    let calls = Value::Array(vec![
        call("multiply", vec![6.into(), 7.into()]),
        call("fail", vec![7.into(), "seven".into()]),
        call("echo", vec![Value::Array(vec!["x".into(), Value::Nil])]),
    ]);
    let answers = reactor.run_until(proxy.call_remote("system.multicall", vec![calls])).unwrap();
    assert_eq!(
        answers,
        Value::Array(vec![
            Value::Array(vec![Value::Int(42)]),
            Fault::new(7, "seven").to_value(),
            Value::Array(vec![Value::Array(vec!["x".into(), Value::Nil])]),
        ])
    );
}

#[test]
fn python_introspection_through_the_proxy() {
    let (reactor, _server, proxy) = python_server(&[]);
    let listed = proxy.call::<Vec<String>, _>("system.listMethods", &());
    let listed = reactor.run_until(listed).unwrap();
    for name in ["echo", "multiply", "system.listMethods", "system.multicall"] {
        assert!(listed.iter().any(|listed| listed == name), "{name} not in {listed:?}");
    }
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let (reactor, _server, proxy) = python_server(&[]);
    let seen = ensure_deferred(async move {
        let mut ports = Vec::new();
        for _ in 0..5 {
            ports.push(proxy.call::<u16, _>("peer", &()).await?);
        }
        let connections = proxy.call::<u32, _>("connection_count", &()).await?;
        Ok::<_, Failure>((ports, connections))
    });
    let (ports, connections) = reactor.run_until(seen).unwrap();
    assert!(ports.iter().all(|port| *port == ports[0]), "client ports {ports:?}");
    assert_eq!(connections, 1);
}

#[test]
fn basic_auth_in_the_url_reaches_the_server() {
    let reactor = common::reactor(Duration::from_secs(20));
    let server = PythonServer::start(&["--auth", "alice:s3cret"]);
    let url = |userinfo: &str| format!("http://{userinfo}127.0.0.1:{}/RPC2", server.port);
    let allowed = Proxy::new(&reactor, &url("alice:s3cret@")).unwrap();
    let wrong = Proxy::new(&reactor, &url("alice:guess@")).unwrap();
    let anonymous = Proxy::new(&reactor, &url("")).unwrap();
    let outcomes = ensure_deferred(async move {
        let allowed = allowed.call::<String, _>("whoami", &()).await;
        let wrong = wrong.call::<String, _>("whoami", &()).await;
        let anonymous = anonymous.call::<String, _>("whoami", &()).await;
        Ok::<_, Failure>((allowed, wrong, anonymous))
    });
    let (allowed, wrong, anonymous) = reactor.run_until(outcomes).unwrap();
    assert_eq!(allowed.unwrap(), "alice");
    for refused in [wrong.unwrap_err(), anonymous.unwrap_err()] {
        assert!(matches!(proxy_error_of(&refused), ProxyError::Status(401)), "{refused}");
    }
}

#[test]
fn a_path_the_server_does_not_serve_is_status_404() {
    let reactor = common::reactor(Duration::from_secs(20));
    let server = PythonServer::start(&[]);
    let url = format!("http://127.0.0.1:{}/nowhere", server.port);
    let proxy = Proxy::new(&reactor, &url).unwrap();
    let failure = reactor.run_until(proxy.call_remote("echo", vec![1.into()])).unwrap_err();
    assert!(matches!(proxy_error_of(&failure), ProxyError::Status(404)), "{failure}");
}

#[test]
fn a_slow_response_times_out_and_the_proxy_goes_on() {
    let (reactor, _server, proxy) = python_server(&[]);
    let timeout = Duration::from_millis(100);
    let proxy = proxy.with_response_timeout(timeout);
    let outcomes = ensure_deferred(async move {
        let slow = proxy.call_remote("sleep", vec![Value::Double(1.0)]).await;
        let next = proxy.call_remote("echo", vec!["next".into()]).await;
        Ok::<_, Failure>((slow, next))
    });
    let (slow, next) = reactor.run_until(outcomes).unwrap();
    let slow = slow.unwrap_err();
    assert!(
        matches!(proxy_error_of(&slow), ProxyError::ResponseTimeout(after) if *after == timeout),
        "{slow}"
    );
    assert_eq!(next.unwrap(), Value::from("next"));
}

#[test]
fn connecting_to_a_closed_port_fails() {
    let reactor = common::reactor(Duration::from_secs(10));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/RPC2");
    let proxy = Proxy::new(&reactor, &url).unwrap().with_connect_timeout(Duration::from_secs(2));
    let failure = reactor.run_until(proxy.call_remote("echo", vec![1.into()])).unwrap_err();
    let error = failure.downcast_ref::<std::io::Error>().unwrap_or_else(|| panic!("{failure}"));
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn cancelling_a_call_in_flight_fails_it_with_cancelled_error() {
    let (reactor, _server, proxy) = python_server(&[]);
    let slow_outcome: Rc<RefCell<Option<Result<Value, Failure>>>> = Rc::default();
    let stored = Rc::clone(&slow_outcome);
    let slow = proxy.call_remote("sleep", vec![Value::Double(2.0)]).add_both(move |outcome| {
        *stored.borrow_mut() = Some(outcome);
        Ok::<_, Failure>(())
    });
    // The slow call holds its connection, so this one opens another; by its answer the
    // slow one is on its way.
    let after = proxy.clone();
    let done = proxy.call_remote("echo", vec![1.into()]).add_callback(move |_| {
        slow.cancel();
        let cancelled = slow_outcome.borrow_mut().take().expect("fired by cancel");
        after
            .call_remote("echo", vec!["after".into()])
            .add_callback(move |after| Ok::<_, Failure>((cancelled, after)))
    });
    let (cancelled, after) = reactor.run_until(done).unwrap();
    let cancelled = cancelled.unwrap_err();
    assert!(cancelled.check::<CancelledError>(), "{cancelled}");
    assert_eq!(after, Value::from("after"));
}

#[test]
fn cancelling_a_call_before_it_starts() {
    let (reactor, _server, proxy) = python_server(&[]);
    let call: Deferred<Value> = proxy.call_remote("echo", vec![1.into()]);
    call.cancel();
    let failure = reactor.run_until(call).unwrap_err();
    assert!(failure.check::<CancelledError>(), "{failure}");
}
