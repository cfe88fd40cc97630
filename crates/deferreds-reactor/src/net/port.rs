//! [`ListeningPort`]: a bound socket accepting connections for a factory.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use deferreds::Deferred;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::task::AbortHandle;

use super::connection::{drive, link_for, start};
use super::socket::Socket;
use super::{Address, Factory};
use crate::Reactor;

/// How long accepting pauses after the system refuses (out of descriptors, say), so the
/// loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A listening socket, TCP or Unix.
pub(crate) trait Listener: 'static {
    type Stream: Socket;
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Stream>>;
}

impl Listener for TcpListener {
    type Stream = TcpStream;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<TcpStream>> {
        TcpListener::poll_accept(self, cx).map_ok(|(stream, _)| {
            // Protocols write whole messages; Nagle's delay would only add latency.
            let _ = stream.set_nodelay(true);
            stream
        })
    }
}

impl Listener for UnixListener {
    type Stream = UnixStream;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<UnixStream>> {
        UnixListener::poll_accept(self, cx).map_ok(|(stream, _)| stream)
    }
}

/// A port listening for connections (Twisted's `IListeningPort`), from
/// [`ServerEndpoint::listen`](super::ServerEndpoint::listen).
///
/// It listens until [`stop_listening`](ListeningPort::stop_listening) or until the
/// reactor shuts down; dropping the handle does not stop it. Stopping closes the port,
/// not the connections it accepted.
#[derive(Clone)]
pub struct ListeningPort {
    inner: Rc<PortInner>,
}

pub(crate) struct PortInner {
    address: Address,
    /// Weak: the reactor's registry holds the port.
    reactor: Weak<crate::reactor::Inner>,
    accepting: RefCell<Option<AbortHandle>>,
    /// Taken, and so closed, when the port stops: at once, not when the task next runs.
    listener: RefCell<Option<Box<dyn Any>>>,
    /// Called once, when the port stops: the factory's `stop_factory`.
    on_stop: RefCell<Option<Box<dyn FnOnce()>>>,
    /// A Unix socket's file, removed when the port stops.
    unix_path: Option<PathBuf>,
    registry_key: Cell<Option<u64>>,
}

impl ListeningPort {
    pub(crate) fn start<L: Listener, F: Factory>(
        reactor: &Reactor,
        listener: L,
        address: Address,
        factory: F,
    ) -> ListeningPort {
        let factory = Rc::new(factory);
        factory.start_factory();
        let unix_path = match &address {
            Address::Unix(path) => path.clone(),
            _ => None,
        };
        let stopping = Rc::clone(&factory);
        let inner = Rc::new(PortInner {
            address,
            reactor: reactor.downgrade(),
            accepting: RefCell::new(None),
            listener: RefCell::new(None),
            on_stop: RefCell::new(Some(Box::new(move || stopping.stop_factory()))),
            unix_path,
            registry_key: Cell::new(None),
        });
        inner.registry_key.set(Some(reactor.net().track_port(&inner)));
        let listener = Rc::new(listener);
        *inner.listener.borrow_mut() = Some(Box::new(Rc::clone(&listener)));
        let accepting = accept_loop(reactor.downgrade(), Rc::downgrade(&listener), factory);
        let task = reactor.spawn_local(accepting);
        *inner.accepting.borrow_mut() = Some(task.abort_handle());
        ListeningPort { inner }
    }

    /// The address it listens on: with its port number when port 0 was asked for.
    pub fn address(&self) -> &Address {
        &self.inner.address
    }

    /// Stops accepting and closes the port; the Deferred fires once it is closed. The
    /// connections it accepted stay open. Stopping again does nothing more.
    pub fn stop_listening(&self) -> Deferred<()> {
        self.inner.stop();
        deferreds::succeed(())
    }
}

impl PortInner {
    pub(crate) fn stop(&self) {
        let Some(task) = self.accepting.borrow_mut().take() else { return };
        // The listener is dropped, and so closed, with the aborted task.
        task.abort();
        self.listener.borrow_mut().take();
        if let (Some(key), Some(reactor)) =
            (self.registry_key.take(), Reactor::upgrade(&self.reactor))
        {
            reactor.net().forget_port(key);
        }
        if let Some(path) = &self.unix_path {
            let _ = std::fs::remove_file(path);
        }
        let on_stop = self.on_stop.borrow_mut().take();
        if let Some(on_stop) = on_stop {
            on_stop();
        }
    }
}

impl fmt::Debug for ListeningPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListeningPort").field("address", &self.inner.address).finish()
    }
}

/// Accepts while the port holds the listener.
async fn accept_loop<L: Listener, F: Factory>(
    reactor: Weak<crate::reactor::Inner>,
    listener: Weak<L>,
    factory: Rc<F>,
) {
    loop {
        let accepted = poll_fn(|cx| match listener.upgrade() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        });
        let Some(accepted) = accepted.await else { return };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(target: "deferreds_reactor::net", %error, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Some(reactor) = Reactor::upgrade(&reactor) else { return };
        let socket = Rc::new(stream);
        let link = link_for(&socket);
        // No protocol: the socket is dropped here, which closes the connection.
        if let Some(protocol) = factory.build_protocol(link.peer()) {
            reactor.net().track_link(&link);
            let transport = start(&link, Rc::new(protocol));
            reactor.spawn_local(drive(socket, link, transport));
        }
    }
}
