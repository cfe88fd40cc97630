//! Protocols every application needs (Twisted's `twisted.protocols.basic`).
//!
//! - [`LineReceiver`]: lines ended by a delimiter, with a raw mode for bodies of a known
//!   length; the application writes a [`LineHandler`].
//! - [`Int32StringReceiver`]: messages behind a 4-byte big-endian length; the application
//!   writes a [`MessageHandler`].
//! - [`LineClient`]: a line handler for request/response protocols, each request a
//!   Deferred of its answering line.
//! - [`LineTooLong`], [`LengthLimitExceeded`], [`StringTooLong`]: the limits' errors.
//!
//! Each receiver is a [`Protocol`](super::Protocol) wrapping the application's handler,
//! and hands the handler itself in every call, so the handler can answer, switch modes
//! or pause without keeping a transport of its own. Both receivers are
//! [`Producer`](super::Producer)s: pausing one stops its deliveries at once, even of
//! what is already buffered, and stops reading from the connection.
//!
//! Received data over a limit closes the connection by default, and the handler's
//! `connection_lost` then hears the limit's error rather than a clean close; a handler
//! may override the `*_exceeded` method to do otherwise.

mod client;
mod errors;
mod int32;
mod lines;
mod wire;

pub use client::LineClient;
pub use errors::{LengthLimitExceeded, LineTooLong, StringTooLong};
pub use int32::{Int32StringReceiver, MessageHandler};
pub use lines::{LineHandler, LineReceiver};
