//! Why a line or a message was refused.

use std::error::Error;
use std::fmt;

/// A line longer than the receiver's limit arrived, so the connection was closed.
///
/// This is the reason a [`LineHandler`](super::LineHandler)'s `connection_lost` hears
/// when the default [`line_length_exceeded`](super::LineHandler::line_length_exceeded)
/// closed the connection; requests still waiting on a [`LineClient`](super::LineClient)
/// fail with it too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineTooLong {
    max_length: usize,
}

impl LineTooLong {
    /// The error for a receiver whose limit is `max_length` bytes.
    pub fn new(max_length: usize) -> LineTooLong {
        LineTooLong { max_length }
    }

    /// The longest line the receiver accepted, in bytes, delimiter not counted.
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a line longer than the limit of {} bytes was received", self.max_length)
    }
}

impl Error for LineTooLong {}

/// A length prefix announced a message longer than the receiver's limit, so the
/// connection was closed (Twisted's `lengthLimitExceeded`).
///
/// This is the reason a [`MessageHandler`](super::MessageHandler)'s `connection_lost`
/// hears when the default
/// [`length_limit_exceeded`](super::MessageHandler::length_limit_exceeded) closed the
/// connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthLimitExceeded {
    length: usize,
    max_length: usize,
}

impl LengthLimitExceeded {
    /// The error for a prefix announcing `length` bytes to a receiver whose limit is
    /// `max_length`.
    pub fn new(length: usize, max_length: usize) -> LengthLimitExceeded {
        LengthLimitExceeded { length, max_length }
    }

    /// The length the prefix announced.
    pub fn length(&self) -> usize {
        self.length
    }

    /// The longest message the receiver accepted.
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}

impl fmt::Display for LengthLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a message of {} bytes was announced, over the limit of {} bytes",
            self.length, self.max_length
        )
    }
}

impl Error for LengthLimitExceeded {}

/// A message too long for its length prefix to express was not sent (Twisted's
/// `StringTooLongError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StringTooLong {
    length: usize,
    max_length: usize,
}

impl StringTooLong {
    /// The error for a message of `length` bytes where the prefix allows `max_length`.
    pub fn new(length: usize, max_length: usize) -> StringTooLong {
        StringTooLong { length, max_length }
    }

    /// The length of the message that was refused.
    pub fn length(&self) -> usize {
        self.length
    }

    /// The longest message the prefix can express.
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}

impl fmt::Display for StringTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a message of {} bytes cannot be sent: its length prefix allows at most {} bytes",
            self.length, self.max_length
        )
    }
}

impl Error for StringTooLong {}
