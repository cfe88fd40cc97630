//! [`Transport`]: one connection, as a protocol writes to it.

use std::fmt;
use std::rc::Rc;

use super::link::Link;
use super::{Address, Producer};

/// One connection's writing end and controls (Twisted's `ITransport`, with the TCP
/// extras). Clones are handles to the same connection.
///
/// Writes never block: what the system does not take at once is buffered and sent as
/// the peer reads. A [`Producer`] registered here is paused when that buffer passes the
/// high-water mark (64 KiB unless [`set_high_water`](Transport::set_high_water) says
/// otherwise) and resumed when it has drained.
///
/// After the connection is lost, writes and controls are ignored.
#[derive(Clone)]
pub struct Transport {
    link: Rc<Link>,
}

impl Transport {
    pub(crate) fn new(link: Rc<Link>) -> Transport {
        Transport { link }
    }

    /// Sends `data`, after anything written before it.
    pub fn write(&self, data: &[u8]) {
        self.link.write(data);
    }

    /// Sends each chunk in turn (Twisted's `writeSequence`).
    pub fn write_many<I>(&self, chunks: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for chunk in chunks {
            self.link.write(chunk.as_ref());
        }
    }

    /// Closes the connection once everything written has been sent; reading stops now.
    /// The protocol then hears [`ConnectionDone`](super::ConnectionDone). A pull producer
    /// keeps the connection open until it is unregistered.
    pub fn lose_connection(&self) {
        self.link.lose_connection();
    }

    /// Closes the connection now, dropping whatever was not sent yet. The protocol hears
    /// [`ConnectionAborted`](super::ConnectionAborted).
    pub fn abort_connection(&self) {
        self.link.abort_connection();
    }

    /// Closes the writing side once everything written has been sent, and goes on
    /// reading: a half-close (Twisted's `loseWriteConnection`). The peer sees the end of
    /// its input.
    pub fn write_eof(&self) {
        self.link.write_eof();
    }

    /// The peer's address.
    pub fn peer(&self) -> &Address {
        self.link.peer()
    }

    /// This end's address.
    pub fn host(&self) -> &Address {
        self.link.host()
    }

    /// Stops reading from the connection until [`resume_reading`](Transport::resume_reading):
    /// the peer's writes then wait in the system's buffers, and then in the peer's
    /// (Twisted's `pauseProducing` on a transport).
    pub fn pause_reading(&self) {
        self.link.pause_reading();
    }

    /// Reads again after [`pause_reading`](Transport::pause_reading).
    pub fn resume_reading(&self) {
        self.link.resume_reading();
    }

    /// This connection's reading side as a [`Producer`], to register with another
    /// transport: a proxy whose output is slow then stops reading its input.
    pub fn as_producer(&self) -> Rc<dyn Producer> {
        Rc::new(ReadingSide(Rc::clone(&self.link)))
    }

    /// Registers the producer that writes to this transport. With `streaming` on it is a
    /// push producer, paused and resumed with the buffer; with it off, a pull producer,
    /// asked for more each time the buffer drains, now included. On a closed connection
    /// it is stopped at once.
    ///
    /// # Panics
    ///
    /// If a producer is registered already: unregister it first.
    pub fn register_producer(&self, producer: Rc<dyn Producer>, streaming: bool) {
        self.link.register_producer(producer, streaming);
    }

    /// Forgets the producer; a connection asked to close may close now.
    pub fn unregister_producer(&self) {
        self.link.unregister_producer();
    }

    /// Bytes written and not yet taken by the system.
    pub fn buffered(&self) -> usize {
        self.link.buffered()
    }

    /// Sets the buffer size past which a streaming producer is paused.
    pub fn set_high_water(&self, bytes: usize) {
        self.link.set_high_water(bytes);
    }

    /// [`lose_connection`](Transport::lose_connection) was called and the connection
    /// is not closed yet.
    pub fn is_disconnecting(&self) -> bool {
        self.link.is_disconnecting() && !self.link.is_closed()
    }

    /// The connection is closed: the protocol has heard `connection_lost`.
    pub fn is_closed(&self) -> bool {
        self.link.is_closed()
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("host", self.host())
            .field("peer", self.peer())
            .field("buffered", &self.buffered())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A transport's reading side, as a producer.
struct ReadingSide(Rc<Link>);

impl Producer for ReadingSide {
    fn pause_producing(&self) {
        self.0.pause_reading();
    }

    fn resume_producing(&self) {
        self.0.resume_reading();
    }

    fn stop_producing(&self) {
        self.0.lose_connection();
    }
}
