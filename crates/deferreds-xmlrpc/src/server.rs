//! [`Server`]: XML-RPC over HTTP/1.1 (hyper), on the reactor.
//!
//! Each connection is a tokio task on the reactor's thread. A request is read whole,
//! within the body limit, handed to the [`XmlRpc`] methods, and answered when the
//! method's Deferred fires. If the client goes away first, hyper drops the request's
//! future, and dropping it cancels the Deferred.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deferreds::{Deferred, Failure, Resolver};
use deferreds_reactor::{Phase, Reactor, SystemEvent, TriggerId};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::XmlRpc;
use crate::cancel_on_drop::cancel_on_drop;
use crate::resource::Outcome;
use crate::stop_signal::StopSignal;

/// How a [`Server`] treats its connections.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Connections served at once; more wait to be accepted. 1,024 by default.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long an idle
    /// keep-alive connection stays open. 30 s by default, hyper's own.
    pub header_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig { max_connections: 1024, header_timeout: Duration::from_secs(30) }
    }
}

/// An XML-RPC server listening on a TCP port.
///
/// It answers `POST` on any path (others get 405), bodies up to the methods' body limit
/// (larger ones get 413), with keep-alive. When the reactor shuts down it stops
/// accepting, lets the calls under way finish, and closes its connections; so does
/// [`stop_listening`](Server::stop_listening).
///
/// # Example
///
/// ```
/// use deferreds::Failure;
/// use deferreds_reactor::Reactor;
/// use deferreds_xmlrpc::{Proxy, Server, XmlRpc};
///
/// let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
/// let mut methods = XmlRpc::new();
/// methods.add("multiply", |(a, b): (i64, i64)| Ok::<_, Failure>(a * b));
/// let server = Server::listen(&reactor, "127.0.0.1:0", methods, Default::default()).unwrap();
///
/// let proxy = Proxy::new(&reactor, &server.url()).unwrap();
/// let product = proxy.call::<i64, _>("multiply", &(6, 7));
/// assert_eq!(reactor.run_until(product).unwrap(), 42);
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Rc<Inner>,
}

struct Inner {
    methods: Rc<XmlRpc>,
    config: ServerConfig,
    local_addr: SocketAddr,
    connections: Cell<usize>,
    /// `true` once the server stops: the accept loop ends, connections close when idle.
    stopping: Rc<StopSignal>,
    /// Fired when the server has stopped and its last connection has closed.
    closed: RefCell<Vec<Resolver<()>>>,
    accepting: Cell<bool>,
    /// Until the accept loop has ended.
    listening: Cell<bool>,
    trigger: Cell<Option<TriggerId>>,
    reactor: Reactor,
}

impl Server {
    /// Listens on `addr` and serves `methods` while the reactor runs. Bind to
    /// `127.0.0.1:0` for a free port; [`url`](Server::url) says which.
    ///
    /// # Errors
    ///
    /// If the address cannot be bound.
    pub fn listen(
        reactor: &Reactor,
        addr: impl ToSocketAddrs,
        methods: XmlRpc,
        config: ServerConfig,
    ) -> io::Result<Server> {
        let listener = StdListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let listener = reactor.enter(|| TcpListener::from_std(listener))?;
        let server = Server {
            inner: Rc::new(Inner {
                methods: Rc::new(methods),
                config,
                local_addr,
                connections: Cell::new(0),
                stopping: Rc::default(),
                closed: RefCell::new(Vec::new()),
                accepting: Cell::new(true),
                listening: Cell::new(true),
                trigger: Cell::new(None),
                reactor: reactor.clone(),
            }),
        };
        let this = server.clone();
        reactor.spawn_local(async move { this.accept_loop(listener).await });
        let this = Rc::downgrade(&server.inner);
        let trigger =
            reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
                match this.upgrade() {
                    Some(inner) => Server { inner }.stop_listening(),
                    None => deferreds::succeed(()),
                }
            });
        server.inner.trigger.set(Some(trigger));
        Ok(server)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// The URL to give a client: `http://ADDR/RPC2` (any path is served).
    pub fn url(&self) -> String {
        format!("http://{}/RPC2", self.inner.local_addr)
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.inner.connections.get()
    }

    /// Stops accepting, lets the calls under way finish and closes idle connections;
    /// the Deferred fires when the last connection has closed.
    pub fn stop_listening(&self) -> Deferred<()> {
        if self.inner.accepting.replace(false) {
            self.inner.stopping.fire();
            if let Some(trigger) = self.inner.trigger.take() {
                self.inner.reactor.remove_system_event_trigger(trigger);
            }
        }
        if self.inner.connections.get() == 0 && !self.inner.listening.get() {
            return deferreds::succeed(());
        }
        let (closed, resolver) = Deferred::new();
        self.inner.closed.borrow_mut().push(resolver);
        closed
    }

    async fn accept_loop(self, listener: TcpListener) {
        let slots = Arc::new(tokio::sync::Semaphore::new(self.inner.config.max_connections));
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => permit,
                () = self.inner.stopping.stopped() => break,
            };
            let Ok(permit) = permit else { break };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = self.inner.stopping.stopped() => break,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    self.inner.connections.set(self.inner.connections.get() + 1);
                    let this = self.clone();
                    self.inner.reactor.spawn_local(async move {
                        // Counted as closed even if serving panics, or shutdown would
                        // wait for this connection for ever.
                        let open = OpenConnection(this);
                        open.0.serve(stream).await;
                        drop(permit);
                    });
                }
                // Out of descriptors, a reset before accept: the listener is still good.
                Err(error) => tracing::warn!(target: "deferreds_xmlrpc", %error, "accept failed"),
            }
        }
        drop(listener);
        self.inner.listening.set(false);
        self.check_closed();
    }

    async fn serve(&self, stream: tokio::net::TcpStream) {
        let this = self.clone();
        let service = service_fn(move |request| {
            let this = this.clone();
            async move { Ok::<_, Infallible>(this.handle(request).await) }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.inner.config.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => return,
            () = self.inner.stopping.stopped() => {}
        }
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }

    fn connection_closed(&self) {
        self.inner.connections.set(self.inner.connections.get() - 1);
        self.check_closed();
    }

    fn check_closed(&self) {
        let idle = !self.inner.listening.get() && self.inner.connections.get() == 0;
        if !self.inner.accepting.get() && idle {
            let waiting = std::mem::take(&mut *self.inner.closed.borrow_mut());
            for resolver in waiting {
                resolver.callback(());
            }
        }
    }

    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::POST {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "XML-RPC takes POST only\n");
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        let limit = self.inner.methods.request_limits().max_body_size();
        // The body's exact size is its Content-Length, which hyper has checked (and
        // dropped when a chunked Transfer-Encoding overrides it); hyper then reads that
        // many bytes and no more. A chunked body is held to the limit as it arrives.
        let declared = request.body().size_hint().exact();
        if declared.is_some_and(|n| n > limit as u64) {
            return too_large(limit);
        }
        let collected = if declared.is_some() {
            request.into_body().collect().await.map_err(Into::into)
        } else {
            Limited::new(request.into_body(), limit).collect().await
        };
        let body = match collected {
            Ok(body) => body.to_bytes(),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                return too_large(limit);
            }
            Err(error) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    &format!("could not read the body: {error}\n"),
                );
            }
        };
        let answer = match self.inner.methods.respond_outcome(&body) {
            Outcome::Now(answer) => answer,
            Outcome::Later(deferred) => cancel_on_drop(deferred).await,
        };
        match answer {
            Ok(xml) => {
                let mut response = Response::new(Full::new(Bytes::from(xml)));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
                response
            }
            // Only a cancellation gets here (the methods answer every failure with a
            // fault), and a cancelled call's client is gone; answer for form's sake.
            Err(failure) => internal_error(&failure),
        }
    }
}

/// A connection being served; dropped, it is counted as closed.
struct OpenConnection(Server);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

fn too_large(limit: usize) -> Response<Full<Bytes>> {
    plain(StatusCode::PAYLOAD_TOO_LARGE, &format!("the request body is over {limit} bytes\n"))
}

fn internal_error(failure: &Failure) -> Response<Full<Bytes>> {
    plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("{failure}\n"))
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.inner.local_addr)
            .field("connections", &self.inner.connections.get())
            .field("accepting", &self.inner.accepting.get())
            .finish()
    }
}
