//! What the ported tests share: a reactor with a time limit, Twisted's test server (its
//! `Test` resource, as methods here), and small HTTP peers that show what travels on the
//! wire.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use deferreds::{Deferred, Failure, Time};
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, FaultCodes, Server, ServerConfig, Struct, Value, XmlRpc};
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

/// How long one test may wait for its outcome before it fails.
const LIMIT: Duration = Duration::from_secs(10);

pub(crate) fn reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().unwrap()
}

/// Runs `reactor` until `deferred` fires, failing with a `TimeoutError` after [`LIMIT`].
/// A shutdown that never ends (a call under way that never finishes) aborts the test
/// binary after twice the limit, so no test hangs.
pub(crate) fn run<T: 'static>(reactor: &Reactor, deferred: Deferred<T>) -> Result<T, Failure> {
    let watchdog = Watchdog::start(2 * LIMIT);
    let outcome = reactor.run_until(deferred.add_timeout(LIMIT, reactor));
    drop(watchdog);
    outcome
}

struct Watchdog {
    done: mpsc::Sender<()>,
}

impl Watchdog {
    fn start(limit: Duration) -> Watchdog {
        let (done, wait) = mpsc::channel::<()>();
        let name = std::thread::current().name().unwrap_or("a test").to_owned();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
                eprintln!("{name}: the reactor did not stop within {limit:?}; aborting");
                std::process::abort();
            }
        });
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.done.send(());
    }
}

/// Fires once `ready()` holds, checking every few milliseconds of real time.
pub(crate) fn wait_until(reactor: &Reactor, ready: impl Fn() -> bool + 'static) -> Deferred<()> {
    let (deferred, resolver) = Deferred::new();
    poll(reactor.clone(), Rc::new(ready), resolver);
    deferred
}

fn poll(reactor: Reactor, ready: Rc<dyn Fn() -> bool>, resolver: deferreds::Resolver<()>) {
    if ready() {
        resolver.callback(());
        return;
    }
    let again = reactor.clone();
    reactor.call_later(Duration::from_millis(5), move || poll(again, ready, resolver));
}

/// Serves `methods` on a free port of 127.0.0.1.
pub(crate) fn listen(reactor: &Reactor, methods: XmlRpc) -> Server {
    Server::listen(reactor, "127.0.0.1:0", methods, ServerConfig::default()).unwrap()
}

/// How a test writes the server's URL for its proxy.
pub(crate) type UrlForm = fn(SocketAddr) -> String;

/// The URL as Twisted's `XMLRPCTests.proxy` writes it, `http://127.0.0.1:PORT/`.
pub(crate) fn with_slash(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

/// The URL as `XMLRPCProxyWithoutSlashTests.proxy` writes it: no path at all.
pub(crate) fn without_slash(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The fault a call failed with; a call that succeeds, or fails otherwise, fails this.
pub(crate) fn fault_of(call: Deferred<Value>) -> Deferred<Fault> {
    call.add_callbacks(
        |value| Err(Failure::msg(format!("expected a fault, got {value:?}"))),
        |failure| failure.trap::<Fault>().cloned(),
    )
}

/// The error Twisted's `xmlrpc_fail` raises.
#[derive(Debug)]
pub(crate) struct TestRuntimeError;

impl fmt::Display for TestRuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a runtime error the test raised")
    }
}

impl Error for TestRuntimeError {}

/// The error Twisted's `xmlrpc_deferFail` fails with.
#[derive(Debug)]
pub(crate) struct TestValueError;

impl fmt::Display for TestValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value error the test raised")
    }
}

impl Error for TestValueError {}

/// Twisted's test resource `Test` answers unknown methods with 23 and failures with 666.
pub(crate) const NOT_FOUND: i32 = 23;
pub(crate) const FAILURE: i32 = 666;

pub(crate) const SNOWMAN: &str = "\u{2603}";

/// The struct `xmlrpc_complex` returns: `{"a": ["b", "c", 12, []], "D": "foo"}`.
pub(crate) fn complex() -> Value {
    let list = vec![Value::from("b"), Value::from("c"), Value::Int(12), Value::Array(vec![])];
    let mut members = Struct::new();
    members.insert("a", Value::Array(list));
    members.insert("D", "foo");
    Value::Struct(members)
}

/// The methods of Twisted's `Test` resource (`test_xmlrpc.py`), with its fault codes and
/// its help texts and signatures. `withRequest` has no counterpart: methods here do not
/// see the HTTP request.
pub(crate) fn test_methods() -> XmlRpc {
    let mut methods = XmlRpc::new();
    methods.fault_codes(FaultCodes { not_found: NOT_FOUND, failure: FAILURE });
    methods.add("echo", |(arg,): (Value,)| Ok::<_, Failure>(arg));
    methods
        .add_raw("add", |params| {
            let sum = match params.as_slice() {
                [Value::Int(a), Value::Int(b)] => Value::Int(a + b),
                [a, b] => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) => Value::Double(a + b),
                    _ => return Err(Failure::new(TestRuntimeError)),
                },
                _ => return Err(Failure::new(TestRuntimeError)),
            };
            Ok(deferreds::succeed(sum))
        })
        .help("This function add two numbers.")
        .signature(&["int", "int", "int"])
        .signature(&["double", "double", "double"]);
    methods
        .add("pair", |(string, num): (String, i64)| Ok::<_, Failure>((string, num)))
        .help("This function puts the two arguments in an array.")
        .signature(&["array", "string", "int"]);
    methods.add("defer", |(x,): (Value,)| deferreds::succeed(x)).help("Help for defer.");
    methods.add("deferFail", |()| deferreds::fail::<Value>(TestValueError));
    methods.add("fail", |()| Err::<Value, _>(Failure::new(TestRuntimeError)));
    methods.add("fault", |()| Err::<Value, _>(Failure::new(Fault::new(12, "hello"))));
    methods.add("deferFault", |()| deferreds::fail::<Value>(Fault::new(17, "hi")));
    methods
        .add("snowman", |(payload,): (String,)| {
            if payload != SNOWMAN {
                return Err(Failure::new(Fault::new(13, "Payload not unicode snowman")));
            }
            Ok(payload)
        })
        .help("Used to test that we can pass Unicode.");
    methods.add("complex", |()| Ok::<_, Failure>(complex()));
    methods
        .add("dict", |(map, key): (BTreeMap<String, Value>, String)| {
            map.get(&key).cloned().ok_or_else(|| Failure::new(TestRuntimeError))
        })
        .help("Help for dict.");
    methods
}

/// An HTTP response as a client saw it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Sends one request over a new connection to `addr`, as a plain HTTP client would.
pub(crate) fn send(
    reactor: &Reactor,
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Deferred<Reply> {
    let (deferred, resolver) = Deferred::new();
    let spawner = reactor.clone();
    reactor.spawn_local(async move {
        resolver.resolve(exchange(&spawner, addr, request).await);
    });
    deferred
}

async fn exchange(
    reactor: &Reactor,
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<Reply, Failure> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    reactor.spawn_local(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Reply { status, headers, body })
}

/// A request built for [`send`].
pub(crate) fn request(method: &str, addr: SocketAddr, body: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri("/")
        .header("host", addr.to_string())
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

/// A request as a [`canned_server`] received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

pub(crate) type Log = Rc<RefCell<Vec<Received>>>;

/// An HTTP server (not an XML-RPC one) that answers every request with the same
/// status, content type and body, and keeps what it received. It lives as long as the
/// reactor runs.
pub(crate) fn canned_server(
    reactor: &Reactor,
    status: u16,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> (SocketAddr, Log) {
    let body: Bytes = body.into();
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = reactor.enter(|| TcpListener::from_std(listener)).unwrap();
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let (spawner, received) = (reactor.clone(), Rc::clone(&log));
    reactor.spawn_local(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (received, body) = (Rc::clone(&received), body.clone());
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let (received, body) = (Rc::clone(&received), body.clone());
                async move {
                    let path = request.uri().path().to_owned();
                    let headers = request.headers().clone();
                    let received_body = request.into_body().collect().await?.to_bytes();
                    received.borrow_mut().push(Received { path, headers, body: received_body });
                    let mut response = Response::new(Full::new(body));
                    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                    Ok::<_, hyper::Error>(response)
                }
            });
            spawner.spawn_local(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let _ = connection.await;
            });
        }
    });
    (addr, log)
}
