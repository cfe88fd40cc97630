//! Why a connection ended, or never began.

use std::error::Error;
use std::fmt;
use std::io;

/// The connection was closed cleanly: by [`lose_connection`](super::Transport::lose_connection)
/// once everything written was sent, or by the peer (Twisted's `ConnectionDone`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionDone;

impl fmt::Display for ConnectionDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection was closed cleanly")
    }
}

impl Error for ConnectionDone {}

/// The connection was closed at once by
/// [`abort_connection`](super::Transport::abort_connection); what was still buffered was
/// dropped (Twisted's `ConnectionAborted`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionAborted;

impl fmt::Display for ConnectionAborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection was aborted")
    }
}

impl Error for ConnectionAborted {}

/// The connection was lost uncleanly: the peer reset it, the system reported an
/// error, or the reactor shut down with it open (Twisted's `ConnectionLost`).
#[derive(Debug)]
pub struct ConnectionLost {
    cause: Option<io::Error>,
}

impl ConnectionLost {
    pub(crate) fn new(cause: Option<io::Error>) -> ConnectionLost {
        ConnectionLost { cause }
    }

    /// The system's error, if there was one; `None` when the reactor shut down with the
    /// connection open, or the peer of an in-memory connection aborted it.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.cause.as_ref()
    }
}

impl fmt::Display for ConnectionLost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(error) => write!(f, "the connection was lost: {error}"),
            None => f.write_str("the connection was lost"),
        }
    }
}

impl Error for ConnectionLost {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.cause.as_ref().map(|error| error as &(dyn Error + 'static))
    }
}

/// The factory built no protocol for a connection it was asked to serve, so the
/// connection was closed (Twisted's `NoProtocol`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoProtocol;

impl fmt::Display for NoProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the factory built no protocol for the connection")
    }
}

impl Error for NoProtocol {}
