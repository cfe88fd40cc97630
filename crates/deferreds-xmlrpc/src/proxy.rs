//! [`Proxy`]: the XML-RPC client (Twisted's `twisted.web.xmlrpc.Proxy`).
//!
//! A call is a tokio task on the reactor's thread that takes an idle keep-alive
//! connection (or opens one, within the connect timeout), posts the request and reads the
//! response (within the response timeout). Its Deferred fires on the reactor's thread;
//! cancelling it drops the task, and with it the request and its connection.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use deferreds::{Deferred, Failure};
use deferreds_reactor::Reactor;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio::task::AbortHandle;

use crate::{Limits, MethodCall, MethodResponse, Value, from_value};

/// What went wrong with a call, other than a [`Fault`](crate::Fault) from the server.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProxyError {
    /// The URL is not `http://[user:password@]host[:port][/path]`.
    BadUrl(String),
    /// No connection within the connect timeout.
    ConnectTimeout(Duration),
    /// No response within the response timeout.
    ResponseTimeout(Duration),
    /// The server answered with an HTTP status other than 200.
    Status(u16),
    /// The connection failed, or HTTP went wrong.
    Http(String),
    /// The response was not a well-formed XML-RPC response.
    Malformed(String),
    /// The call's parameters or its result could not be converted.
    Convert(String),
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::BadUrl(why) => write!(f, "bad XML-RPC URL: {why}"),
            ProxyError::ConnectTimeout(after) => write!(f, "could not connect within {after:?}"),
            ProxyError::ResponseTimeout(after) => write!(f, "no response within {after:?}"),
            ProxyError::Status(status) => write!(f, "the server answered HTTP {status}"),
            ProxyError::Http(why) => write!(f, "HTTP error: {why}"),
            ProxyError::Malformed(why) => write!(f, "malformed XML-RPC response: {why}"),
            ProxyError::Convert(why) => write!(f, "could not convert: {why}"),
        }
    }
}

impl Error for ProxyError {}

/// A client for one XML-RPC server URL.
///
/// [`call_remote`](Proxy::call_remote) returns a Deferred of the result [`Value`];
/// [`call`](Proxy::call) converts parameters and result through serde. A fault from
/// the server arrives as a failure that traps to [`Fault`](crate::Fault); HTTP errors,
/// malformed responses and conversion errors arrive as [`ProxyError`] failures. Nothing
/// fails synchronously, and nothing panics.
///
/// Connections are kept alive and reused. Clones share them.
///
/// # Example: a fault, trapped
///
/// ```
/// use deferreds::Failure;
/// use deferreds_reactor::Reactor;
/// use deferreds_xmlrpc::{Fault, Proxy, Server, Value, XmlRpc};
///
/// let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
/// let server = Server::listen(&reactor, "127.0.0.1:0", XmlRpc::new(), Default::default()).unwrap();
/// let proxy = Proxy::new(&reactor, &server.url()).unwrap();
/// let d = proxy.call_remote("nothing.here", vec![]).add_errback(|failure| {
///     let fault = failure.trap::<Fault>()?;
///     Ok(Value::Int(fault.code.into()))
/// });
/// assert_eq!(reactor.run_until(d).unwrap(), Value::Int(8001));
/// ```
#[derive(Clone)]
pub struct Proxy {
    inner: Rc<Inner>,
}

struct Inner {
    reactor: Reactor,
    host: String,
    port: u16,
    path: String,
    authorization: Option<HeaderValue>,
    connect_timeout: Duration,
    response_timeout: Option<Duration>,
    limits: Limits,
    idle: RefCell<Vec<SendRequest<Full<Bytes>>>>,
}

impl Proxy {
    /// A proxy for `url`, `http://[user:password@]host[:port][/path]`; the user and
    /// password go in an HTTP Basic `Authorization` header. Connect timeout 30 s, no
    /// response timeout (set one with [`with_response_timeout`](Proxy::with_response_timeout)).
    ///
    /// # Errors
    ///
    /// [`ProxyError::BadUrl`] for a URL of another form (`https` included: TLS is not
    /// supported yet).
    pub fn new(reactor: &Reactor, url: &str) -> Result<Proxy, ProxyError> {
        let url = parse_url(url)?;
        Ok(Proxy {
            inner: Rc::new(Inner {
                reactor: reactor.clone(),
                host: url.host,
                port: url.port,
                path: url.path,
                authorization: url.authorization,
                connect_timeout: Duration::from_secs(30),
                response_timeout: None,
                limits: Limits::default(),
                idle: RefCell::new(Vec::new()),
            }),
        })
    }

    /// This proxy with another connect timeout.
    pub fn with_connect_timeout(self, timeout: Duration) -> Proxy {
        self.with(|inner| inner.connect_timeout = timeout)
    }

    /// This proxy with a response timeout: from sending the request to the end of the
    /// response.
    pub fn with_response_timeout(self, timeout: Duration) -> Proxy {
        self.with(|inner| inner.response_timeout = Some(timeout))
    }

    /// This proxy with other bounds on the responses it reads.
    pub fn with_limits(self, limits: Limits) -> Proxy {
        self.with(|inner| inner.limits = limits)
    }

    fn with(self, change: impl FnOnce(&mut Inner)) -> Proxy {
        let mut inner = Rc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            reactor: shared.reactor.clone(),
            host: shared.host.clone(),
            port: shared.port,
            path: shared.path.clone(),
            authorization: shared.authorization.clone(),
            connect_timeout: shared.connect_timeout,
            response_timeout: shared.response_timeout,
            limits: shared.limits,
            idle: RefCell::new(Vec::new()),
        });
        change(&mut inner);
        Proxy { inner: Rc::new(inner) }
    }

    /// Calls `method` with `params` (Twisted's `callRemote`).
    pub fn call_remote(&self, method: &str, params: Vec<Value>) -> Deferred<Value> {
        match MethodCall::new(method, params).to_xml() {
            Ok(body) => self.post(body),
            Err(error) => deferreds::fail(ProxyError::Convert(error.to_string())),
        }
    }

    /// Calls `method` with parameters and result converted through serde: `params` is a
    /// tuple (`()` for none).
    pub fn call<R, P>(&self, method: &str, params: &P) -> Deferred<R>
    where
        R: DeserializeOwned + 'static,
        P: Serialize + ?Sized,
    {
        let call =
            MethodCall::typed(method, params).map_err(|e| ProxyError::Convert(e.to_string()));
        let body =
            call.and_then(|call| call.to_xml().map_err(|e| ProxyError::Convert(e.to_string())));
        match body {
            Ok(body) => self.post(body).add_callback(|value| {
                from_value::<R>(value).map_err(|e| Failure::new(ProxyError::Convert(e.to_string())))
            }),
            Err(error) => deferreds::fail(error),
        }
    }

    fn post(&self, body: String) -> Deferred<Value> {
        let task: Rc<RefCell<Option<AbortHandle>>> = Rc::new(RefCell::new(None));
        let abort = Rc::clone(&task);
        let (deferred, resolver) = Deferred::with_canceller(move |_| {
            if let Some(task) = abort.borrow_mut().take() {
                task.abort();
            }
        });
        let inner = Rc::clone(&self.inner);
        let handle = self.inner.reactor.spawn_local(async move {
            resolver.resolve(inner.round_trip(Bytes::from(body)).await);
        });
        *task.borrow_mut() = Some(handle.abort_handle());
        deferred
    }
}

impl Inner {
    async fn round_trip(&self, body: Bytes) -> Result<Value, Failure> {
        let mut sender = self.connection().await?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(&self.path)
            .header(HOST, format!("{}:{}", self.host, self.port))
            .header(CONTENT_TYPE, "text/xml")
            .header(USER_AGENT, concat!("deferreds-xmlrpc/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(body))
            .map_err(|e| Failure::new(ProxyError::Http(e.to_string())))?;
        if let Some(authorization) = &self.authorization {
            request.headers_mut().insert(AUTHORIZATION, authorization.clone());
        }
        let exchange = async {
            let response = sender.send_request(request).await.map_err(http_error)?;
            if response.status() != StatusCode::OK {
                return Err(Failure::new(ProxyError::Status(response.status().as_u16())));
            }
            let limit = self.limits.max_body_size();
            let body = Limited::new(response.into_body(), limit).collect().await;
            body.map(|body| body.to_bytes())
                .map_err(|e| Failure::new(ProxyError::Http(e.to_string())))
        };
        let body = match self.response_timeout {
            Some(timeout) => tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| Failure::new(ProxyError::ResponseTimeout(timeout)))??,
            None => exchange.await?,
        };
        self.idle.borrow_mut().push(sender);
        match MethodResponse::from_xml_with(&body, &self.limits) {
            Ok(MethodResponse::Success(value)) => Ok(value),
            Ok(MethodResponse::Fault(fault)) => Err(Failure::new(fault)),
            Err(error) => Err(Failure::new(ProxyError::Malformed(error.to_string()))),
        }
    }

    /// An idle connection that is still open, or a new one.
    async fn connection(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        loop {
            let Some(mut sender) = self.idle.borrow_mut().pop() else { break };
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let address = (self.host.as_str(), self.port);
        let stream = tokio::time::timeout(self.connect_timeout, TcpStream::connect(address))
            .await
            .map_err(|_| Failure::new(ProxyError::ConnectTimeout(self.connect_timeout)))?
            .map_err(Failure::new)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream)).await.map_err(http_error)?;
        self.reactor.spawn_local(async move {
            // Ends when the connection closes, which is not an error of any call.
            let _ = connection.await;
        });
        Ok(sender)
    }
}

fn http_error(error: hyper::Error) -> Failure {
    Failure::new(ProxyError::Http(error.to_string()))
}

struct Url {
    host: String,
    port: u16,
    path: String,
    authorization: Option<HeaderValue>,
}

fn parse_url(url: &str) -> Result<Url, ProxyError> {
    let bad = |why: &str| ProxyError::BadUrl(format!("{url}: {why}"));
    let rest = url.strip_prefix("http://").ok_or_else(|| bad("only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            (host, port.parse::<u16>().map_err(|_| bad("the port is not a number"))?)
        }
        _ => (hostport, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let authorization = match userinfo {
        Some(userinfo) => {
            let token = base64::engine::general_purpose::STANDARD.encode(userinfo);
            let value = HeaderValue::from_str(&format!("Basic {token}"))
                .map_err(|_| bad("the user or password cannot go in a header"))?;
            Some(value)
        }
        None => None,
    };
    Ok(Url { host: host.to_owned(), port, path: path.to_owned(), authorization })
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.inner.host)
            .field("port", &self.inner.port)
            .field("path", &self.inner.path)
            .field("idle_connections", &self.inner.idle.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_path_and_basic_auth() {
        let url = parse_url("http://alice:s3cret@localhost:8080/RPC2").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.path.as_str()), ("localhost", 8080, "/RPC2"));
        assert_eq!(url.authorization.unwrap(), "Basic YWxpY2U6czNjcmV0");
        let url = parse_url("http://[::1]:9/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 9));
        let url = parse_url("http://example.invalid").unwrap();
        assert_eq!((url.port, url.path.as_str(), url.authorization), (80, "/", None));
    }

    #[test]
    fn other_urls_are_refused_with_the_reason() {
        for (url, why) in [
            ("https://h/", "only http://"),
            ("http://h:port/", "not a number"),
            ("http:///x", "no host"),
        ] {
            let error = parse_url(url).err().unwrap().to_string();
            assert!(error.contains(why), "{url}: {error}");
        }
    }
}
