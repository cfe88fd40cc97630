//! The tutorial's seconds, faster: its "five seconds" are 50 ms when an example runs.

use std::time::Duration;

use deferreds::{DelayedCall, Time};

/// How many tutorial seconds pass in one real second.
pub(crate) const SPEEDUP: u32 = 100;

/// One tutorial second, in real time: what a thread sleeps for "one second".
pub(crate) const SECOND: Duration = Duration::from_millis(1000 / SPEEDUP as u64);

/// A [`Time`] that counts tutorial seconds: a call scheduled `5 s` from now runs after
/// 50 ms, and [`seconds`](Time::seconds) grows by 5 meanwhile.
///
/// The examples' logic is written in the tutorial's seconds and runs on this in `main`
/// and on a [`Clock`](deferreds::task::Clock), unscaled, in the tests. A
/// [`DelayedCall`] it returns is the inner time's: `reset` and `delay` on it take real
/// durations.
#[derive(Clone, Debug)]
pub(crate) struct Scaled<T>(T);

impl<T: Time> Scaled<T> {
    /// `inner`, in tutorial seconds.
    pub(crate) fn new(inner: T) -> Scaled<T> {
        Scaled(inner)
    }
}

impl<T: Time> Time for Scaled<T> {
    fn seconds(&self) -> f64 {
        self.0.seconds() * f64::from(SPEEDUP)
    }

    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        self.0.call_later_boxed(delay / SPEEDUP, call)
    }
}
