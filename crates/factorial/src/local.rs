//! [`LocalMultiplier`]: the tutorial's `remoteMultiply`, in this process, on any `Time`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::defer_later;
use deferreds::{Deferred, Failure, Time};
use num_bigint::BigUint;

use crate::multiplier::Multiplier;

/// Multiplies after a delay, like a remote call, on the reactor or a test clock; counts
/// its calls and the most it had under way at once.
pub struct LocalMultiplier {
    time: Rc<dyn Time>,
    latency: Duration,
    calls: Rc<Cell<u64>>,
    in_flight: Rc<Cell<u64>>,
    max_in_flight: Rc<Cell<u64>>,
}

impl LocalMultiplier {
    /// A multiplier that answers `latency` after each call.
    pub fn new(time: Rc<dyn Time>, latency: Duration) -> LocalMultiplier {
        LocalMultiplier {
            time,
            latency,
            calls: Rc::default(),
            in_flight: Rc::default(),
            max_in_flight: Rc::default(),
        }
    }

    /// Calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    /// The most calls it had under way at once.
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight.get()
    }

    /// A counter of its calls that stays readable after the multiplier is given away.
    pub fn call_counter(&self) -> Rc<Cell<u64>> {
        Rc::clone(&self.calls)
    }

    /// A reading of the most calls under way at once, that stays readable after the
    /// multiplier is given away.
    pub fn max_in_flight_counter(&self) -> Rc<Cell<u64>> {
        Rc::clone(&self.max_in_flight)
    }
}

impl Multiplier for LocalMultiplier {
    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        self.calls.set(self.calls.get() + 1);
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight.set(self.max_in_flight.get().max(self.in_flight.get()));
        let in_flight = Rc::clone(&self.in_flight);
        defer_later(&*self.time, self.latency, move || {
            in_flight.set(in_flight.get() - 1);
            Ok::<_, Failure>(a * b)
        })
    }
}
