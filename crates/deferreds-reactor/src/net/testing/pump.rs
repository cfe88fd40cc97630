//! [`connect_pair`] and its [`Pump`]: two protocols connected in memory.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use deferreds::Failure;

use crate::net::connection::start;
use crate::net::link::Link;
use crate::net::{Address, ConnectionAborted, ConnectionDone, ConnectionLost, Protocol, Transport};

/// Bytes handed over per side per [`Pump::pump`] round, unless set otherwise.
const DEFAULT_CHUNK: usize = 64 * 1024;

/// Rounds [`Pump::flush`] allows before deciding the two sides talk for ever.
const FLUSH_LIMIT: usize = 100_000;

/// Connects `server` and `client` in memory: each hears `connection_made` now, the server
/// first, and nothing moves between them until the returned [`Pump`] is told to
/// (Twisted's `iosim.connect` and its `IOPump`).
///
/// Each side's writes wait in its transport's buffer, with the usual high-water mark and
/// producers, until a round of the pump hands them to the other side, unless the other
/// side has paused reading. So back-pressure can be tested here, without sockets.
///
/// # Example: a request and its answer
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use deferreds_reactor::net::testing::connect_pair;
/// use deferreds_reactor::net::{Protocol, Transport};
///
/// struct Echo;
///
/// impl Protocol for Echo {
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         transport.write(data);
///     }
/// }
///
/// #[derive(Default)]
/// struct Heard(RefCell<Vec<u8>>);
///
/// impl Protocol for Heard {
///     fn connection_made(&self, transport: &Transport) {
///         transport.write(b"ping");
///     }
///     fn data_received(&self, _transport: &Transport, data: &[u8]) {
///         self.0.borrow_mut().extend_from_slice(data);
///     }
/// }
///
/// let client = Rc::new(Heard::default());
/// let pump = connect_pair(Rc::new(Echo), client.clone());
/// assert!(client.0.borrow().is_empty());
/// pump.flush();
/// assert_eq!(*client.0.borrow(), b"ping");
/// ```
pub fn connect_pair(server: Rc<dyn Protocol>, client: Rc<dyn Protocol>) -> Pump {
    let server_address = Address::Memory("server".into());
    let client_address = Address::Memory("client".into());
    let pump = Pump {
        server: Side::new(server_address.clone(), client_address.clone()),
        client: Side::new(client_address, server_address),
        chunk: Cell::new(DEFAULT_CHUNK),
    };
    start(&pump.server.link, server);
    start(&pump.client.link, client);
    pump
}

/// Moves bytes between the two ends of a [`connect_pair`], when told to.
pub struct Pump {
    server: Side,
    client: Side,
    chunk: Cell<usize>,
}

struct Side {
    link: Rc<Link>,
    /// The other side has heard that this one stopped writing.
    eof_delivered: Cell<bool>,
}

impl Side {
    fn new(host: Address, peer: Address) -> Side {
        Side { link: Rc::new(Link::new(host, peer, None)), eof_delivered: Cell::new(false) }
    }

    fn transport(&self) -> Transport {
        Transport::new(Rc::clone(&self.link))
    }
}

impl Pump {
    /// The server's transport.
    pub fn server(&self) -> Transport {
        self.server.transport()
    }

    /// The client's transport.
    pub fn client(&self) -> Transport {
        self.client.transport()
    }

    /// Sets how many bytes each side hands over per round (64 KiB unless set), to test
    /// protocols with data arriving in small pieces.
    pub fn set_chunk_size(&self, bytes: usize) {
        self.chunk.set(bytes.max(1));
    }

    /// One round: each side hands the other up to a chunk of what it wrote, then closes
    /// and half-closes are carried out. Whether anything happened.
    pub fn pump(&self) -> bool {
        if self.server.link.is_closed() && self.client.link.is_closed() {
            return false;
        }
        if let Some(aborted) =
            [&self.server, &self.client].into_iter().find(|s| s.link.is_aborted())
        {
            let other =
                if std::ptr::eq(aborted, &self.server) { &self.client } else { &self.server };
            aborted.link.finish(Failure::new(ConnectionAborted));
            other.link.finish(Failure::new(ConnectionLost::new(None)));
            return true;
        }
        let moved =
            self.deliver(&self.server, &self.client) | self.deliver(&self.client, &self.server);
        let done = [&self.server, &self.client].into_iter().any(|s| s.link.ready_to_close())
            || (self.server.eof_delivered.get() && self.client.eof_delivered.get());
        if done {
            self.server.link.finish(Failure::new(ConnectionDone));
            self.client.link.finish(Failure::new(ConnectionDone));
            return true;
        }
        moved
    }

    /// Pumps until neither side has anything more to say.
    ///
    /// # Panics
    ///
    /// If they are still talking after 100,000 rounds: a protocol that answers every
    /// message with another never lets a test end.
    pub fn flush(&self) {
        for _ in 0..FLUSH_LIMIT {
            if !self.pump() {
                return;
            }
        }
        panic!("the two sides were still talking after {FLUSH_LIMIT} rounds");
    }

    /// Hands `to` what `from` wrote, and `from`'s half-close after it.
    fn deliver(&self, from: &Side, to: &Side) -> bool {
        if to.link.is_closed() || to.link.is_reading_paused() {
            return false;
        }
        let mut moved = false;
        if let Some(chunk) = from.link.take_output(self.chunk.get()) {
            moved = true;
            if let Some(protocol) = to.link.protocol() {
                protocol.data_received(&to.transport(), &chunk);
            }
        }
        if from.link.eof_requested() && !from.link.has_output() && !from.eof_delivered.replace(true)
        {
            moved = true;
            if let Some(protocol) = to.link.protocol() {
                protocol.read_connection_lost(&to.transport());
            }
        }
        moved
    }
}

impl fmt::Debug for Pump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pump")
            .field("server_buffered", &self.server.link.buffered())
            .field("client_buffered", &self.client.link.buffered())
            .finish()
    }
}
