//! The errors this crate itself puts into chains.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// The Deferred was cancelled and its canceller did not fire it.
///
/// Set by [`Deferred::cancel`](crate::Deferred::cancel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelledError(pub(crate) ());

/// The Deferred did not fire before the delay given to
/// [`Deferred::add_timeout`](crate::Deferred::add_timeout) ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError(pub(crate) ());

/// The [`Resolver`](crate::Resolver) was dropped without firing its Deferred.
///
/// Whoever promised a result went away without keeping or breaking the promise; the
/// Deferred fails with this error rather than waiting forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverDroppedError(pub(crate) ());

/// A handler panicked; the chain carries the panic message as this error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicError {
    message: String,
}

impl PanicError {
    pub(crate) fn from_payload(payload: Box<dyn Any + Send>) -> PanicError {
        let message = match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(text) => (*text).to_owned(),
                Err(_) => "a non-text panic payload".to_owned(),
            },
        };
        PanicError { message }
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the Deferred was cancelled")
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the Deferred timed out")
    }
}

impl fmt::Display for ResolverDroppedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the Resolver was dropped without firing its Deferred")
    }
}

impl fmt::Display for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a handler panicked: {}", self.message)
    }
}

impl Error for CancelledError {}
impl Error for TimeoutError {}
impl Error for ResolverDroppedError {}
impl Error for PanicError {}

/// The first failure among a join's inputs, with the input's position.
///
/// Fails [`gather_results`](crate::gather_results) and a
/// [`DeferredList`](crate::DeferredList) with `fire_on_one_errback`.
#[derive(Debug, Clone)]
pub struct FirstError {
    index: usize,
    failure: crate::Failure,
}

impl FirstError {
    pub(crate) fn new(index: usize, failure: crate::Failure) -> FirstError {
        FirstError { index, failure }
    }

    /// The position of the failed input.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The input's failure.
    pub fn failure(&self) -> &crate::Failure {
        &self.failure
    }
}

impl fmt::Display for FirstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input #{} failed: {}", self.index, self.failure)
    }
}

impl Error for FirstError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self.failure.error())
    }
}

/// Every input of a join failed: their failures, in input order.
///
/// Fails [`race`](crate::race) and [`DeferredList::fire_on_one_callback`](crate::DeferredList::fire_on_one_callback)
/// when no input succeeds, including when there are no inputs at all.
#[derive(Debug, Clone)]
pub struct FailureGroup {
    failures: Vec<crate::Failure>,
}

impl FailureGroup {
    pub(crate) fn new(failures: Vec<crate::Failure>) -> FailureGroup {
        FailureGroup { failures }
    }

    /// The inputs' failures, in input order.
    pub fn failures(&self) -> &[crate::Failure] {
        &self.failures
    }
}

impl fmt::Display for FailureGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failures.first() {
            None => f.write_str("no input to succeed: the join had no inputs"),
            Some(first) => {
                write!(f, "all {} inputs failed; the first: {first}", self.failures.len())
            }
        }
    }
}

impl Error for FailureGroup {}
