//! Protocols and transports: TCP and Unix sockets on the reactor, Twisted-style.
//!
//! The application writes a [`Protocol`]: what to do when a connection is made, when
//! bytes arrive, and when it is lost. A [`Factory`] makes one per connection. The
//! reactor hands each protocol a [`Transport`] to write to and to close; the protocol
//! never sees the socket, so the same protocol runs over TCP, a Unix socket, or the
//! in-memory transports of [`testing`], where tests drive it without sockets and in
//! virtual time.
//!
//! [`ServerEndpoint`] listens and [`ClientEndpoint`] connects; both answer with
//! Deferreds. A [`Producer`] registered with a transport is paused while the peer
//! reads slower than it writes. [`basic`] has the line and length-prefixed message
//! protocols.
//!
//! When the reactor shuts down, its ports stop listening and its connections are lost,
//! each protocol hearing [`ConnectionLost`].
//!
//! # Example: an echo server
//!
//! ```
//! use deferreds_reactor::Reactor;
//! use deferreds_reactor::net::{Protocol, ServerEndpoint, Transport};
//!
//! struct Echo;
//!
//! impl Protocol for Echo {
//!     fn data_received(&self, transport: &Transport, data: &[u8]) {
//!         transport.write(data);
//!     }
//! }
//!
//! let reactor = Reactor::builder().install_signal_handlers(false).build().unwrap();
//! let port = ServerEndpoint::tcp("127.0.0.1:0").listen(&reactor, || Echo);
//! let port = reactor.run_until(port).unwrap();
//! println!("listening on {}", port.address());
//! ```

mod address;
pub mod basic;
mod connection;
mod endpoint;
mod errors;
mod link;
mod port;
mod protocol;
mod registry;
mod socket;
pub mod testing;
mod transport;

pub use address::Address;
pub use endpoint::{ClientEndpoint, ServerEndpoint};
pub use errors::{ConnectionAborted, ConnectionDone, ConnectionLost, NoProtocol};
pub use port::ListeningPort;
pub use protocol::{Factory, Producer, Protocol};
pub use transport::Transport;

pub(crate) use registry::Registry;
