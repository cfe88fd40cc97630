//! [`StringTransport`]: a transport that records what is written to it.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use deferreds::Failure;

use crate::net::connection::start;
use crate::net::link::Link;
use crate::net::{Address, ConnectionDone, Producer, Protocol, Transport};

/// A transport that keeps what is written to it, for a test to read (Twisted's
/// `StringTransport`). Everything written is taken at once; nothing is sent anywhere.
///
/// # Example: test a protocol byte by byte
///
/// ```
/// use std::rc::Rc;
/// use deferreds_reactor::net::testing::StringTransport;
/// use deferreds_reactor::net::{Protocol, Transport};
///
/// struct Shout;
///
/// impl Protocol for Shout {
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         transport.write(&data.to_ascii_uppercase());
///     }
/// }
///
/// let wire = StringTransport::new();
/// wire.make_connection(Rc::new(Shout));
/// wire.receive(b"hi");
/// assert_eq!(wire.value(), b"HI");
/// ```
#[derive(Clone)]
pub struct StringTransport {
    link: Rc<Link>,
    written: Rc<RefCell<Vec<u8>>>,
}

impl StringTransport {
    /// A transport between `memory:host` and `memory:peer`.
    pub fn new() -> StringTransport {
        StringTransport::with_addresses(
            Address::Memory("host".into()),
            Address::Memory("peer".into()),
        )
    }

    /// A transport with these addresses for its two ends.
    pub fn with_addresses(host: Address, peer: Address) -> StringTransport {
        let written = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&written);
        let link = Link::new(
            host,
            peer,
            Some(Box::new(move |data: &[u8]| {
                sink.borrow_mut().extend_from_slice(data);
                Ok(data.len())
            })),
        );
        StringTransport { link: Rc::new(link), written }
    }

    /// The transport, as a protocol sees it.
    pub fn transport(&self) -> Transport {
        Transport::new(Rc::clone(&self.link))
    }

    /// Connects `protocol`, which hears `connection_made` now.
    pub fn make_connection(&self, protocol: Rc<dyn Protocol>) {
        start(&self.link, protocol);
    }

    /// Hands `data` to the connected protocol, as if the peer had sent it.
    pub fn receive(&self, data: &[u8]) {
        if let Some(protocol) = self.link.protocol() {
            protocol.data_received(&self.transport(), data);
        }
    }

    /// Tells the connected protocol the peer has stopped sending (a half-close).
    pub fn receive_eof(&self) {
        if let Some(protocol) = self.link.protocol() {
            protocol.read_connection_lost(&self.transport());
        }
    }

    /// Ends the connection cleanly: the protocol hears [`ConnectionDone`].
    ///
    /// Until then the transport holds the protocol, and a protocol that keeps its
    /// transport holds it back; ending the connection lets both go, as it does for a
    /// socket.
    pub fn close(&self) {
        self.lose(Failure::new(ConnectionDone));
    }

    /// Ends the connection: the protocol hears `reason`.
    pub fn lose(&self, reason: Failure) {
        self.link.finish(reason);
    }

    /// Everything written so far.
    pub fn value(&self) -> Vec<u8> {
        self.written.borrow().clone()
    }

    /// Forgets what was written so far.
    pub fn clear(&self) {
        self.written.borrow_mut().clear();
    }

    /// Takes what was written so far, forgetting it.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.written.borrow_mut())
    }

    /// [`lose_connection`](Transport::lose_connection) was called.
    pub fn disconnecting(&self) -> bool {
        self.link.is_disconnecting()
    }

    /// [`abort_connection`](Transport::abort_connection) was called.
    pub fn aborted(&self) -> bool {
        self.link.is_aborted()
    }

    /// [`write_eof`](Transport::write_eof) was called.
    pub fn eof_written(&self) -> bool {
        self.link.eof_requested()
    }

    /// Reading is paused ([`Transport::pause_reading`]).
    pub fn reading_paused(&self) -> bool {
        self.link.is_reading_paused()
    }

    /// The producer registered now, and whether it is streaming.
    pub fn producer(&self) -> Option<(Rc<dyn Producer>, bool)> {
        self.link.producer()
    }
}

impl Default for StringTransport {
    fn default() -> StringTransport {
        StringTransport::new()
    }
}

impl fmt::Debug for StringTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StringTransport").field("written", &self.written.borrow().len()).finish()
    }
}
