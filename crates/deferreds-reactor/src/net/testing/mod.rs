//! Transports without sockets, for testing protocols (Twisted's
//! `twisted.internet.testing.StringTransport` and `twisted.test.iosim`).
//!
//! [`StringTransport`] records what a protocol writes and lets a test feed it bytes.
//! [`connect_pair`] connects two protocols in memory; its [`Pump`] moves the bytes when
//! told to, so a test decides when each side hears the other, and time stays the
//! manual [`Clock`](deferreds::task::Clock)'s.

mod pump;
mod string;

pub use pump::{Pump, connect_pair};
pub use string::StringTransport;
