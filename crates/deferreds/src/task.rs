//! Time-based helpers: the manual [`Clock`] of virtual time for tests, [`defer_later`]
//! (a call some time from now) and [`LoopingCall`] (a call every interval). The helpers
//! take any [`Time`], so they run on the clock in tests and on the event loop otherwise.

mod defer_later;
mod looping_call;

pub use defer_later::defer_later;
pub use looping_call::{LoopingCall, LoopingCallError};

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use crate::time::{DelayedCall, Time, Timers};

/// A clock that moves only when told to (Twisted's `task.Clock`).
///
/// Code written against [`Time`] runs on it in virtual time: a test advances the clock
/// by five seconds instead of waiting five seconds, and every timing is exact. Calls due
/// at the same time run in the order they were scheduled. Clones share one clock.
///
/// # Example: the tutorial's remote multiplication, five seconds later
///
/// ```
/// use deferreds::{task::Clock, testing, Deferred, Time};
/// use std::time::Duration;
///
/// fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
///     let (d, resolver) = Deferred::new();
///     clock.call_later(Duration::from_secs(5), move || resolver.callback(a * b));
///     d
/// }
///
/// let clock = Clock::new();
/// let d = remote_multiply(&clock, 5, 5);
/// testing::assert_no_result(&d);
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(testing::success_result_of(d), 25);
/// ```
#[derive(Clone)]
pub struct Clock {
    now: Rc<Cell<Duration>>,
    timers: Rc<Timers>,
}

impl Clock {
    /// A clock at time zero with nothing scheduled.
    pub fn new() -> Clock {
        let now = Rc::new(Cell::new(Duration::ZERO));
        let reader = Rc::clone(&now);
        Clock { now, timers: Rc::new(Timers::new(move || reader.get())) }
    }

    /// Moves time forward by `amount` and runs every call now due, in order, including
    /// calls they schedule that are due by then.
    ///
    /// # Panics
    ///
    /// If a call panics; the panic is the test's to see.
    pub fn advance(&self, amount: Duration) {
        self.now.set(self.now.get() + amount);
        while let Some(call) = self.timers.pop_due(self.now.get()) {
            call();
        }
    }

    /// Advances by each amount in turn (Twisted's `Clock.pump`).
    pub fn pump(&self, amounts: impl IntoIterator<Item = Duration>) {
        for amount in amounts {
            self.advance(amount);
        }
    }

    /// The calls not yet run nor cancelled, earliest first (Twisted's `getDelayedCalls`).
    pub fn delayed_calls(&self) -> Vec<DelayedCall> {
        self.timers.pending()
    }

    /// The current virtual time since the clock's creation.
    pub fn elapsed(&self) -> Duration {
        self.now.get()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

impl Time for Clock {
    fn seconds(&self) -> f64 {
        self.now.get().as_secs_f64()
    }

    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        self.timers.schedule(delay, call)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("seconds", &self.seconds())
            .field("pending", &self.timers.pending().len())
            .finish()
    }
}
