//! [`ServerEndpoint`] and [`ClientEndpoint`]: where to listen and where to connect.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use deferreds::{Deferred, Failure};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::task::AbortHandle;

use super::connection::{drive, link_for, start};
use super::socket::Socket;
use super::{Address, Factory, ListeningPort, NoProtocol, Protocol};
use crate::Reactor;

/// How long a connection attempt may take unless told otherwise; Twisted's default.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to listen (Twisted's `TCP4ServerEndpoint`, `TCP6ServerEndpoint` and
/// `UNIXServerEndpoint`).
///
/// # Example: an echo server on a free port
///
/// ```
/// use deferreds_reactor::Reactor;
/// use deferreds_reactor::net::{Protocol, ServerEndpoint, Transport};
///
/// struct Echo;
///
/// impl Protocol for Echo {
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         transport.write(data);
///     }
/// }
///
/// let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
/// let port = ServerEndpoint::tcp("127.0.0.1:0").listen(&reactor, || Echo);
/// let port = reactor.run_until(port).unwrap();
/// assert!(port.address().tcp().unwrap().port() > 0);
/// ```
#[derive(Clone, Debug)]
pub struct ServerEndpoint {
    kind: Kind,
}

/// Where to connect, and how long to try (Twisted's `TCP4ClientEndpoint`,
/// `TCP6ClientEndpoint` and `UNIXClientEndpoint`).
///
/// # Example: connect, send, and hear the answer as a Deferred
///
/// ```
/// use std::cell::RefCell;
/// use deferreds::{Deferred, Resolver};
/// use deferreds_reactor::Reactor;
/// use deferreds_reactor::net::{ClientEndpoint, Protocol, ServerEndpoint, Transport};
///
/// struct Echo;
///
/// impl Protocol for Echo {
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         transport.write(data);
///     }
/// }
///
/// /// Sends a greeting; its Deferred fires with the first bytes that come back.
/// struct Hello(RefCell<Option<Resolver<Vec<u8>>>>);
///
/// impl Protocol for Hello {
///     fn connection_made(&self, transport: &Transport) {
///         transport.write(b"hello");
///     }
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         if let Some(resolver) = self.0.borrow_mut().take() {
///             resolver.callback(data.to_vec());
///         }
///         transport.lose_connection();
///     }
/// }
///
/// let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
/// let client = reactor.clone();
/// let reply = ServerEndpoint::tcp("127.0.0.1:0")
///     .listen(&reactor, || Echo)
///     .add_callback(move |port| {
///         let (answer, resolver) = Deferred::new();
///         let hello = Hello(RefCell::new(Some(resolver)));
///         let server = port.address().tcp().unwrap();
///         let connected = ClientEndpoint::tcp(server).connect_protocol(&client, hello);
///         connected.add_callback(move |_hello| answer)
///     });
/// assert_eq!(reactor.run_until(reply).unwrap(), b"hello");
/// ```
#[derive(Clone, Debug)]
pub struct ClientEndpoint {
    kind: Kind,
    timeout: Duration,
}

#[derive(Clone)]
enum Kind {
    Tcp(Result<SocketAddr, Rc<io::Error>>),
    Unix(PathBuf),
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Tcp(Ok(addr)) => write!(f, "tcp:{addr}"),
            Kind::Tcp(Err(error)) => write!(f, "tcp:(unresolved: {error})"),
            Kind::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

impl Kind {
    /// The first address of what `addr` names; an error for later, where it is used.
    fn tcp(addr: impl ToSocketAddrs) -> Kind {
        let first = addr.to_socket_addrs().and_then(|mut addrs| {
            addrs.next().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))
        });
        Kind::Tcp(first.map_err(Rc::new))
    }
}

/// The error of an address that did not resolve, again, for each use of it.
fn resolve_error(error: &io::Error) -> Failure {
    Failure::new(io::Error::new(error.kind(), error.to_string()))
}

impl ServerEndpoint {
    /// TCP, IPv4 or IPv6 after the address: `"127.0.0.1:8080"`, `"[::1]:0"`, or a
    /// `SocketAddr`. Port 0 picks a free port.
    pub fn tcp(addr: impl ToSocketAddrs) -> ServerEndpoint {
        ServerEndpoint { kind: Kind::tcp(addr) }
    }

    /// A Unix socket at `path`, which must not exist yet; it is removed when the port
    /// stops.
    pub fn unix(path: impl Into<PathBuf>) -> ServerEndpoint {
        ServerEndpoint { kind: Kind::Unix(path.into()) }
    }

    /// Listens, making a protocol with `factory` for each connection. The Deferred fires
    /// with the port, or fails with the system's `io::Error` (address in use, say).
    pub fn listen<F: Factory>(&self, reactor: &Reactor, factory: F) -> Deferred<ListeningPort> {
        match self.bind(reactor, factory) {
            Ok(port) => deferreds::succeed(port),
            Err(failure) => deferreds::fail(failure),
        }
    }

    fn bind<F: Factory>(&self, reactor: &Reactor, factory: F) -> Result<ListeningPort, Failure> {
        match &self.kind {
            Kind::Tcp(Err(error)) => Err(resolve_error(error)),
            Kind::Tcp(Ok(addr)) => {
                let listener = StdListener::bind(addr).map_err(Failure::new)?;
                listener.set_nonblocking(true).map_err(Failure::new)?;
                let address = Address::Tcp(listener.local_addr().map_err(Failure::new)?);
                let listener =
                    reactor.enter(|| TcpListener::from_std(listener)).map_err(Failure::new)?;
                Ok(ListeningPort::start(reactor, listener, address, factory))
            }
            Kind::Unix(path) => {
                let listener = reactor.enter(|| UnixListener::bind(path)).map_err(Failure::new)?;
                let address = Address::Unix(Some(path.clone()));
                Ok(ListeningPort::start(reactor, listener, address, factory))
            }
        }
    }
}

impl ClientEndpoint {
    /// TCP, IPv4 or IPv6 after the address: `"127.0.0.1:8080"`, `"[::1]:8080"`, or a
    /// `SocketAddr`.
    pub fn tcp(addr: impl ToSocketAddrs) -> ClientEndpoint {
        ClientEndpoint { kind: Kind::tcp(addr), timeout: DEFAULT_CONNECT_TIMEOUT }
    }

    /// The Unix socket at `path`.
    pub fn unix(path: impl Into<PathBuf>) -> ClientEndpoint {
        ClientEndpoint { kind: Kind::Unix(path.into()), timeout: DEFAULT_CONNECT_TIMEOUT }
    }

    /// How long an attempt may take before its Deferred fails with
    /// [`TimeoutError`](deferreds::TimeoutError); 30 seconds unless set.
    pub fn timeout(mut self, timeout: Duration) -> ClientEndpoint {
        self.timeout = timeout;
        self
    }

    /// Connects, and makes the connection's protocol with `factory`. The Deferred fires
    /// with the protocol once it has heard `connection_made`, or fails: with the system's
    /// `io::Error` (connection refused, say), [`TimeoutError`](deferreds::TimeoutError),
    /// or [`NoProtocol`] if the factory made none. Cancelling it abandons the attempt.
    pub fn connect<F: Factory>(&self, reactor: &Reactor, factory: F) -> Deferred<Rc<F::Protocol>> {
        let abort: Rc<Cell<Option<AbortHandle>>> = Rc::new(Cell::new(None));
        let canceller = Rc::clone(&abort);
        let (connected, resolver) = Deferred::with_canceller(move |_| {
            if let Some(attempt) = canceller.take() {
                attempt.abort();
            }
        });
        let attempt = Attempt { reactor: reactor.clone(), factory, abort: Rc::clone(&abort) };
        let task = match &self.kind {
            Kind::Tcp(Err(error)) => {
                resolver.errback(resolve_error(error));
                return connected;
            }
            Kind::Tcp(Ok(addr)) => {
                let addr = *addr;
                reactor.spawn_local(attempt.run(resolver, async move {
                    let stream = TcpStream::connect(addr).await?;
                    let _ = stream.set_nodelay(true);
                    Ok(stream)
                }))
            }
            Kind::Unix(path) => {
                let path = path.clone();
                reactor.spawn_local(attempt.run(resolver, UnixStream::connect(path)))
            }
        };
        abort.set(Some(task.abort_handle()));
        connected.add_timeout(self.timeout, reactor)
    }

    /// Connects `protocol` itself (Twisted's `connectProtocol`).
    pub fn connect_protocol<P: Protocol>(&self, reactor: &Reactor, protocol: P) -> Deferred<Rc<P>> {
        self.connect(reactor, Once(RefCell::new(Some(protocol))))
    }
}

/// One connection attempt, run as a task.
struct Attempt<F> {
    reactor: Reactor,
    factory: F,
    abort: Rc<Cell<Option<AbortHandle>>>,
}

impl<F: Factory> Attempt<F> {
    async fn run<S: Socket>(
        self,
        resolver: deferreds::Resolver<Rc<F::Protocol>>,
        connecting: impl Future<Output = io::Result<S>>,
    ) {
        self.factory.start_factory();
        // Stops the factory however the attempt ends: a cancelled or timed-out attempt
        // is dropped at this await.
        let started = Started(&self.factory);
        let stream = connecting.await;
        // Connected or failed: cancelling from now on changes nothing here.
        self.abort.take();
        let socket = match stream {
            Ok(stream) => Rc::new(stream),
            Err(error) => {
                drop(started);
                return resolver.errback(error);
            }
        };
        let link = link_for(&socket);
        let built = self.factory.build_protocol(link.peer());
        drop(started);
        let Some(protocol) = built else { return resolver.errback(NoProtocol) };
        let protocol = Rc::new(protocol);
        self.reactor.net().track_link(&link);
        let transport = start(&link, Rc::clone(&protocol) as Rc<dyn Protocol>);
        resolver.callback(protocol);
        drive(socket, link, transport).await;
    }
}

/// A started factory, stopped when this is dropped.
struct Started<'a, F: Factory>(&'a F);

impl<F: Factory> Drop for Started<'_, F> {
    fn drop(&mut self) {
        self.0.stop_factory();
    }
}

/// A factory for one protocol made already.
struct Once<P>(RefCell<Option<P>>);

impl<P: Protocol> Factory for Once<P> {
    type Protocol = P;

    fn build_protocol(&self, _peer: &Address) -> Option<P> {
        self.0.borrow_mut().take()
    }
}
