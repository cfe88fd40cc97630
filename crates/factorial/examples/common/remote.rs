//! Section 2's remote arithmetic: a multiplication "happening a long, long time ago, on
//! a server far, far away", which answers five seconds after it is asked.
//!
//! The tutorial fails 1% of the calls at random. Here failures are chosen
//! ([`failing_remote_multiply`], [`Remote::refusing`]), so every run prints the same and
//! every test checks one path.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use deferreds::{Deferred, Failure, Time};

use super::ValueError;

/// How long the remote side takes to answer.
pub(crate) const FIVE_SECONDS: Duration = Duration::from_secs(5);

/// The tutorial's `remoteMultiply`: `a * b`, five seconds from now.
///
/// A product too large for an `i64` fails with `ValueError("Value too large")`, the
/// error section 3's `inverseMultiply` recovers from.
pub(crate) fn remote_multiply(time: &impl Time, a: i64, b: i64) -> Deferred<i64> {
    let product = a.checked_mul(b).ok_or(ValueError("Value too large"));
    answer_later(time, product.map_err(Failure::new))
}

/// `remoteMultiply` on the tutorial's unlucky 1%: it fails, five seconds from now, with
/// `ValueError("could not multiply")`.
pub(crate) fn failing_remote_multiply(time: &impl Time, _a: i64, _b: i64) -> Deferred<i64> {
    answer_later(time, Err(Failure::new(ValueError("could not multiply"))))
}

/// Section 4's `fireLater`: a Deferred that fires with `value` after `delay`.
pub(crate) fn fire_later<T: 'static>(time: &impl Time, delay: Duration, value: T) -> Deferred<T> {
    let (d, resolver) = Deferred::new();
    time.call_later(delay, move || resolver.callback(value));
    d
}

fn answer_later(time: &impl Time, answer: Result<i64, Failure>) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    time.call_later(FIVE_SECONDS, move || resolver.resolve(answer));
    d
}

/// The remote server, watched: [`multiply`](Remote::multiply) is `remote_multiply`, and
/// the server counts the calls and the most that ran at once, and refuses the operand
/// pairs it is told to. Clones share one server.
#[derive(Clone)]
pub(crate) struct Remote<T> {
    time: T,
    state: Rc<State>,
}

#[derive(Default)]
struct State {
    refused: RefCell<Vec<(i64, i64)>>,
    calls: Cell<usize>,
    running: Cell<usize>,
    peak: Cell<usize>,
}

impl<T: Time> Remote<T> {
    /// A server answering on `time`.
    pub(crate) fn new(time: T) -> Remote<T> {
        Remote { time, state: Rc::default() }
    }

    /// This server, failing the multiplication of `a` by `b` (as `failing_remote_multiply`).
    pub(crate) fn refusing(self, a: i64, b: i64) -> Remote<T> {
        self.state.refused.borrow_mut().push((a, b));
        self
    }

    /// `a * b`, five seconds from now.
    pub(crate) fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        let state = &self.state;
        state.calls.set(state.calls.get() + 1);
        state.running.set(state.running.get() + 1);
        state.peak.set(state.peak.get().max(state.running.get()));
        let d = if state.refused.borrow().contains(&(a, b)) {
            failing_remote_multiply(&self.time, a, b)
        } else {
            remote_multiply(&self.time, a, b)
        };
        let state = Rc::clone(state);
        d.add_both(move |answer| {
            state.running.set(state.running.get() - 1);
            answer
        })
    }

    /// The multiplications asked for so far.
    pub(crate) fn calls(&self) -> usize {
        self.state.calls.get()
    }

    /// The most multiplications that ran at the same time.
    pub(crate) fn peak(&self) -> usize {
        self.state.peak.get()
    }

    /// The time the server answers on.
    pub(crate) fn time(&self) -> &T {
        &self.time
    }
}
