//! [`Protocol`], [`Factory`] and [`Producer`]: what the application writes.

use deferreds::Failure;

use super::{Address, Transport};

/// What happens on one connection (Twisted's `Protocol`).
///
/// The reactor calls these methods in order: [`connection_made`](Protocol::connection_made)
/// once, [`data_received`](Protocol::data_received) for each chunk of bytes as it comes
/// (chunks follow no message boundary), then [`connection_lost`](Protocol::connection_lost)
/// once, with the reason.
///
/// The methods take `&self`: the connection and the code that connected share the
/// protocol as an `Rc`, and a protocol may fire Deferreds whose callbacks call back into it
/// (a client that sends its next request when the last reply comes). State goes in
/// `Cell`s and `RefCell`s, borrowed briefly and never across a firing.
///
/// # Example: echo
///
/// ```
/// use deferreds_reactor::net::{Protocol, Transport};
///
/// struct Echo;
///
/// impl Protocol for Echo {
///     fn data_received(&self, transport: &Transport, data: &[u8]) {
///         transport.write(data);
///     }
/// }
/// ```
pub trait Protocol: 'static {
    /// The connection is open; `transport` writes to it. Keep a clone of the transport to
    /// write later, outside these methods.
    fn connection_made(&self, transport: &Transport) {
        let _ = transport;
    }

    /// Bytes arrived.
    fn data_received(&self, transport: &Transport, data: &[u8]);

    /// The peer will send nothing more: it closed its writing side, a half-close. By
    /// default the connection is closed in turn, once what was written has been sent;
    /// a protocol that still has answers to send may write them first, or keep the
    /// connection open and close it later (Twisted's `IHalfCloseableProtocol`).
    fn read_connection_lost(&self, transport: &Transport) {
        transport.lose_connection();
    }

    /// The connection is closed; nothing will be called after this. The reason is a
    /// [`ConnectionDone`](super::ConnectionDone) for a clean close,
    /// [`ConnectionAborted`](super::ConnectionAborted) or
    /// [`ConnectionLost`](super::ConnectionLost) otherwise.
    fn connection_lost(&self, reason: Failure) {
        let _ = reason;
    }
}

/// Makes a protocol for each connection (Twisted's `Factory`).
///
/// Any `Fn() -> P` is a factory. Implement the trait to see the peer's address, to
/// refuse a connection (return `None`), or to hear when a listening port starts and
/// stops using the factory.
pub trait Factory: 'static {
    /// The protocol it makes.
    type Protocol: Protocol;

    /// A protocol for a new connection with `peer`, or `None` to close that connection.
    fn build_protocol(&self, peer: &Address) -> Option<Self::Protocol>;

    /// A port starts listening with this factory, or a connection attempt starts.
    fn start_factory(&self) {}

    /// That port stopped listening, or the attempt is over.
    fn stop_factory(&self) {}
}

impl<P: Protocol, F: Fn() -> P + 'static> Factory for F {
    type Protocol = P;

    fn build_protocol(&self, _peer: &Address) -> Option<P> {
        Some(self())
    }
}

/// A source of writes that can be told to wait (Twisted's `IPushProducer`, and with
/// `streaming` off, its `IPullProducer`).
///
/// Registered with [`Transport::register_producer`], it hears when the transport's
/// buffer passes its high-water mark ([`pause_producing`](Producer::pause_producing)),
/// when the buffer has drained ([`resume_producing`](Producer::resume_producing)), and
/// when the connection is gone ([`stop_producing`](Producer::stop_producing)). This is
/// how a fast writer keeps a slow reader from growing memory without bound.
pub trait Producer: 'static {
    /// Stop writing until resumed: the transport's buffer is full.
    fn pause_producing(&self);

    /// Write again: the transport's buffer has drained. A pull producer (registered with
    /// `streaming` off) hears this each time the buffer empties, and should write one
    /// chunk each time.
    fn resume_producing(&self);

    /// Stop for good: the connection is closing or closed.
    fn stop_producing(&self);
}
