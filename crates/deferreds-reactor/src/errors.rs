//! The reactor's errors.

use std::error::Error;
use std::fmt;

/// Why [`Reactor::run`](crate::Reactor::run) or [`Reactor::stop`](crate::Reactor::stop)
/// refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReactorError {
    /// `run` on a reactor that is already running (Twisted's `ReactorAlreadyRunning`).
    AlreadyRunning,
    /// `run` on a reactor that has run and stopped; make a new one (Twisted's
    /// `ReactorNotRestartable`).
    NotRestartable,
    /// `stop` on a reactor that is not running (Twisted's `ReactorNotRunning`).
    NotRunning,
    /// `stop` on a reactor that is already shutting down.
    AlreadyStopping,
}

impl fmt::Display for ReactorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReactorError::AlreadyRunning => "the reactor is already running",
            ReactorError::NotRestartable => {
                "the reactor has already run and stopped; a reactor runs once"
            }
            ReactorError::NotRunning => "cannot stop a reactor that is not running",
            ReactorError::AlreadyStopping => "the reactor is already shutting down",
        })
    }
}

impl Error for ReactorError {}

/// A call to the reactor from another thread that it will never run: the reactor has
/// shut down, or is shutting down and no longer waits for threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReactorStopped;

impl fmt::Display for ReactorStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the reactor has stopped, or is shutting down")
    }
}

impl Error for ReactorStopped {}

/// [`blocking_call_from_thread`](crate::ReactorHandle::blocking_call_from_thread) called
/// on the reactor's own thread, where waiting would deadlock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReactorThreadError;

impl fmt::Display for ReactorThreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "blocking_call_from_thread was called on the reactor's thread, \
             where it would wait for itself forever",
        )
    }
}

impl Error for ReactorThreadError {}

/// A failure that ends [`react`](crate::react) with this process exit code (Twisted's
/// `SystemExit` inside `react`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit(pub u8);

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit with code {}", self.0)
    }
}

impl Error for Exit {}
