//! `LoopingCall`: a function called again and again, on a fixed grid of times.
//!
//! The grid is kept in exact `Duration`s. "Now" is [`Time::seconds`] rounded to the
//! nanosecond, and every grid time is `origin + k * interval` in integer nanoseconds, so
//! ten intervals of 0.1 s end at exactly one second and no call lands a rounding error
//! short of its grid time, which Twisted's float arithmetic has to guard against.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Duration;

use crate::outcome::IntoOutcome;
use crate::resolver::Resolver;
use crate::time::{DelayedCall, Time};
use crate::{Deferred, Failure, maybe_deferred, succeed};

/// Calls a function every `interval`, on `start + k * interval` (Twisted's
/// `task.LoopingCall`).
///
/// The function may return `Ok(_)`, `Err(failure)` or a Deferred, and its value is
/// ignored. When it returns a Deferred, the next call waits until that Deferred has
/// fired. When a call comes late (a slow function, a slow event loop, a Deferred that
/// took long), the grid times already past are skipped, not made up for; the function
/// made with [`with_count`](LoopingCall::with_count) is told how many intervals passed.
///
/// [`start`](LoopingCall::start) returns a Deferred that fires with the loop when it is
/// stopped, or fails with the function's failure (an `Err`, a failed Deferred, or a
/// panic), which also stops the loop. Cancelling that Deferred stops the loop too, and
/// cancels a Deferred the function returned that is still pending.
///
/// An interval of zero calls the function again as soon as the time source runs due
/// calls: on the manual [`Clock`](crate::task::Clock), within the same `advance`, until
/// the loop is stopped.
///
/// Clones are handles to the same loop, and `==` says whether two handles are. A running
/// loop is kept alive by its scheduled call, so dropping every handle does not stop it.
///
/// # Example: a heartbeat every second
///
/// ```
/// use deferreds::{task::{Clock, LoopingCall}, testing, Failure};
/// use std::{cell::Cell, rc::Rc, time::Duration};
///
/// let clock = Clock::new();
/// let beats = Rc::new(Cell::new(0));
/// let counter = Rc::clone(&beats);
/// let heartbeat = LoopingCall::new(clock.clone(), move || {
///     counter.set(counter.get() + 1);
///     Ok::<_, Failure>(())
/// });
///
/// let done = heartbeat.start(Duration::from_secs(1), true).unwrap();
/// assert_eq!(beats.get(), 1); // `now`: the first call is made at once
/// clock.advance(Duration::from_secs(3));
/// assert_eq!(beats.get(), 2); // one call, the grid times missed are skipped
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(beats.get(), 3);
///
/// heartbeat.stop().unwrap();
/// assert!(testing::success_result_of(done) == heartbeat);
/// ```
#[derive(Clone)]
pub struct LoopingCall {
    inner: Rc<Inner>,
}

/// The function, wrapped to take the interval count (ignored by a plain loop) and give
/// a Deferred of its outcome.
type Body = Box<dyn FnMut(u64) -> Deferred<()>>;

struct Inner {
    time: Box<dyn Time>,
    /// Taken out while the function runs, so no borrow is held over user code.
    body: RefCell<Option<Body>>,
    /// Whether the function takes the interval count (made with `with_count`).
    counted: bool,
    /// The function's type name, for `Debug`.
    name: &'static str,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// Twisted's `running`: set by `start`, cleared by `stop`, a failure or cancellation.
    running: bool,
    interval: Option<Duration>,
    /// The grid's origin: the time of `start`, or of the last `reset`.
    origin: Duration,
    /// Whether `start` made the first call at once (that call counts one interval).
    run_at_start: bool,
    /// When the counted function was last called (Twisted's `_realLastTime`).
    last_counted: Option<Duration>,
    /// The next call, while one is scheduled.
    timer: Option<DelayedCall>,
    /// A call is under way: the function runs, or its Deferred has not fired yet.
    busy: bool,
    /// Numbers the calls, so a call's outcome handler knows whether it is still current.
    calls: u64,
    /// The handle to a pending call's outcome, to cancel it with the loop.
    in_flight: Option<Deferred<()>>,
    /// Fires the Deferred that `start` returned.
    stopper: Option<Resolver<LoopingCall>>,
}

impl State {
    /// How many intervals have passed since the counted function was last called, or
    /// `None` if none has (the call is then skipped, as in Twisted).
    fn count_due(&mut self, now: Duration) -> Option<u64> {
        let interval = self.interval.unwrap_or_default();
        if interval.is_zero() {
            self.last_counted = Some(now);
            return Some(1);
        }
        let last = match self.last_counted {
            Some(time) => self.index_of(time, interval),
            None if self.run_at_start => -1,
            None => 0,
        };
        let count = self.index_of(now, interval) - last;
        if count <= 0 {
            return None;
        }
        self.last_counted = Some(now);
        Some(u64::try_from(count).unwrap_or(u64::MAX))
    }

    /// The number of whole intervals from the grid's origin to `time`. Rounded toward
    /// zero as Twisted's `int()` is, which matters for a time before a `reset`.
    fn index_of(&self, time: Duration, interval: Duration) -> i128 {
        (nanos(time) - nanos(self.origin)) / nanos(interval)
    }

    /// The wait from `now` to the next grid time after it.
    fn delay_from(&self, now: Duration) -> Duration {
        let interval = self.interval.unwrap_or_default();
        if interval.is_zero() {
            return Duration::ZERO;
        }
        let into_interval = nanos(now.saturating_sub(self.origin)) % nanos(interval);
        interval.saturating_sub(from_nanos(into_interval))
    }
}

fn nanos(duration: Duration) -> i128 {
    // A Duration holds at most about 1.8e28 nanoseconds, well inside i128.
    duration.as_nanos() as i128
}

fn from_nanos(nanos: i128) -> Duration {
    const PER_SECOND: i128 = 1_000_000_000;
    Duration::new((nanos / PER_SECOND) as u64, (nanos % PER_SECOND) as u32)
}

impl LoopingCall {
    /// A loop that will call `f` on `time`, once started.
    ///
    /// `f` returns `Result<_, Failure>` or a Deferred (see [`IntoOutcome`]); the value
    /// is ignored.
    pub fn new<F, R>(time: impl Time + 'static, mut f: F) -> LoopingCall
    where
        F: FnMut() -> R + 'static,
        R: IntoOutcome,
    {
        let body: Body = Box::new(move |_count| maybe_deferred(&mut f).add_callback(ignore));
        LoopingCall::with_body(time, body, false, std::any::type_name::<F>())
    }

    /// A loop whose function gets the number of intervals since it was last called
    /// (Twisted's `withCount`).
    ///
    /// The count is normally 1; it is more when calls were late and grid times were
    /// skipped. The first call counts from the start, or is 1 when `start` makes it at
    /// once. If the loop runs late but still within the interval it last counted, the
    /// function is not called at all (the count would be 0). With an interval of zero
    /// the count is always 1.
    ///
    /// # Example: frames of an animation
    ///
    /// ```
    /// use deferreds::{task::{Clock, LoopingCall}, Failure};
    /// use std::{cell::RefCell, rc::Rc, time::Duration};
    ///
    /// let clock = Clock::new();
    /// let frames = Rc::new(RefCell::new(Vec::new()));
    /// let log = Rc::clone(&frames);
    /// let animation = LoopingCall::with_count(clock.clone(), move |count| {
    ///     log.borrow_mut().push(count);
    ///     Ok::<_, Failure>(())
    /// });
    /// let _done = animation.start(Duration::from_millis(100), false).unwrap();
    /// clock.advance(Duration::from_millis(100));
    /// clock.advance(Duration::from_millis(350)); // the event loop was slow
    /// assert_eq!(*frames.borrow(), [1, 3]);
    /// ```
    pub fn with_count<F, R>(time: impl Time + 'static, mut f: F) -> LoopingCall
    where
        F: FnMut(u64) -> R + 'static,
        R: IntoOutcome,
    {
        let body: Body = Box::new(move |count| maybe_deferred(|| f(count)).add_callback(ignore));
        LoopingCall::with_body(time, body, true, std::any::type_name::<F>())
    }

    fn with_body(
        time: impl Time + 'static,
        body: Body,
        counted: bool,
        name: &'static str,
    ) -> LoopingCall {
        LoopingCall {
            inner: Rc::new(Inner {
                time: Box::new(time),
                body: RefCell::new(Some(body)),
                counted,
                name,
                state: RefCell::new(State::default()),
            }),
        }
    }

    /// Starts calling the function every `interval`: at once if `now`, else first after
    /// one interval.
    ///
    /// The Deferred fires with this loop when it is [stopped](LoopingCall::stop), or
    /// fails with the function's failure. If `now` and the first call fails, it has
    /// failed already when returned.
    ///
    /// # Errors
    ///
    /// [`LoopingCallError::AlreadyRunning`] if the loop is running;
    /// [`LoopingCallError::StillStopping`] if it was stopped while a call's Deferred is
    /// still pending.
    #[track_caller]
    pub fn start(
        &self,
        interval: Duration,
        now: bool,
    ) -> Result<Deferred<LoopingCall>, LoopingCallError> {
        let (deferred, previous) = {
            let mut state = self.inner.state.borrow_mut();
            if state.running {
                return Err(LoopingCallError::AlreadyRunning);
            }
            if state.busy {
                return Err(LoopingCallError::StillStopping);
            }
            let target = Rc::downgrade(&self.inner);
            let (deferred, stopper) = Deferred::with_canceller(move |_| halt(&target));
            let origin = self.now();
            state.running = true;
            state.interval = Some(interval);
            state.origin = origin;
            state.run_at_start = now;
            state.last_counted = None;
            if !now {
                self.schedule(&mut state, origin);
            }
            // A previous run's resolver left here was settled by its cancellation.
            (deferred, state.stopper.replace(stopper))
        };
        drop(previous);
        if now {
            self.call();
        }
        Ok(deferred)
    }

    /// Stops the loop: no more calls are made, and the Deferred from
    /// [`start`](LoopingCall::start) fires with the loop. If a call's Deferred is
    /// pending, it fires when that one does (with its failure, if it fails).
    ///
    /// # Errors
    ///
    /// [`LoopingCallError::NotRunning`] if the loop is not running.
    pub fn stop(&self) -> Result<(), LoopingCallError> {
        let (timer, stopper) = {
            let mut state = self.inner.state.borrow_mut();
            if !state.running {
                return Err(LoopingCallError::NotRunning);
            }
            state.running = false;
            match state.timer.take() {
                Some(timer) => (Some(timer), state.stopper.take()),
                // A call is under way; its outcome handler fires the Deferred.
                None => (None, None),
            }
        };
        if let Some(timer) = timer {
            let _ = timer.cancel();
        }
        if let Some(stopper) = stopper {
            stopper.callback(self.clone());
        }
        Ok(())
    }

    /// Skips the next call and restarts the grid from now: the next call is one
    /// interval from now. Does nothing while a call is under way.
    ///
    /// # Errors
    ///
    /// [`LoopingCallError::NotRunning`] if the loop is not running.
    pub fn reset(&self) -> Result<(), LoopingCallError> {
        let timer = {
            let mut state = self.inner.state.borrow_mut();
            if !state.running {
                return Err(LoopingCallError::NotRunning);
            }
            let timer = state.timer.take();
            if timer.is_some() {
                let now = self.now();
                state.origin = now;
                self.schedule(&mut state, now);
            }
            timer
        };
        if let Some(timer) = timer {
            let _ = timer.cancel();
        }
        Ok(())
    }

    /// Whether the loop is running: from `start` until `stop`, a failure or a
    /// cancellation. It is `false` by the time the Deferred from `start` fires.
    pub fn running(&self) -> bool {
        self.inner.state.borrow().running
    }

    /// The interval last given to `start` or `set_interval`; `None` before either.
    pub fn interval(&self) -> Option<Duration> {
        self.inner.state.borrow().interval
    }

    /// Changes the interval (Twisted's assignment to `interval`). It applies from the
    /// next time a call is scheduled; a call already scheduled keeps its time. The grid
    /// keeps its origin: calls fall on `start + k * interval` with the new interval.
    pub fn set_interval(&self, interval: Duration) {
        self.inner.state.borrow_mut().interval = Some(interval);
    }

    /// The time source's current time, to the nanosecond.
    fn now(&self) -> Duration {
        Duration::try_from_secs_f64(self.inner.time.seconds()).unwrap_or_default()
    }

    /// Schedules the next call at the first grid time after `from`.
    fn schedule(&self, state: &mut State, from: Duration) {
        let this = self.clone();
        let delay = state.delay_from(from);
        state.timer = Some(self.inner.time.call_later_boxed(delay, Box::new(move || this.call())));
    }

    /// Makes one call of the function and handles its outcome when it comes.
    fn call(&self) {
        let (count, call) = {
            let mut state = self.inner.state.borrow_mut();
            state.timer = None;
            state.busy = true;
            state.calls += 1;
            let count = if self.inner.counted { state.count_due(self.now()) } else { Some(1) };
            (count, state.calls)
        };
        let outcome = match count {
            Some(count) => {
                let mut body = self.inner.body.borrow_mut().take().expect(
                    "deferreds: a loop's function is not called again while a call is under way",
                );
                let outcome = body(count);
                *self.inner.body.borrow_mut() = Some(body);
                outcome
            }
            None => succeed(()),
        };
        let this = self.clone();
        let handled = outcome.add_both(move |result| {
            this.finish(result);
            Ok::<_, Failure>(())
        });
        let mut state = self.inner.state.borrow_mut();
        if state.busy && state.calls == call {
            state.in_flight = Some(handled);
        }
    }

    /// A call's outcome is in: schedule the next call, or end the run.
    fn finish(&self, result: Result<(), Failure>) {
        let (in_flight, stopper, result) = {
            let mut state = self.inner.state.borrow_mut();
            state.busy = false;
            let in_flight = state.in_flight.take();
            if result.is_err() {
                state.running = false;
            }
            if state.running {
                let now = self.now();
                self.schedule(&mut state, now);
                (in_flight, None, result)
            } else {
                (in_flight, state.stopper.take(), result)
            }
        };
        drop(in_flight);
        if let Some(stopper) = stopper {
            match result {
                Ok(()) => stopper.callback(self.clone()),
                Err(failure) => stopper.errback(failure),
            }
        }
    }
}

/// Ends a run whose Deferred was cancelled: no more calls, and a pending call's
/// Deferred is cancelled. The cancellation itself fails the run's Deferred.
fn halt(target: &Weak<Inner>) {
    let Some(inner) = target.upgrade() else { return };
    let (timer, in_flight) = {
        let mut state = inner.state.borrow_mut();
        state.running = false;
        (state.timer.take(), state.in_flight.take())
    };
    if let Some(timer) = timer {
        let _ = timer.cancel();
    }
    if let Some(in_flight) = in_flight {
        in_flight.cancel();
    }
}

fn ignore<T>(_value: T) -> Result<(), Failure> {
    Ok(())
}

impl PartialEq for LoopingCall {
    /// Whether both handles are to the same loop.
    fn eq(&self, other: &LoopingCall) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for LoopingCall {}

impl fmt::Debug for LoopingCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("LoopingCall");
        out.field("function", &format_args!("{}", self.inner.name));
        if let Ok(state) = self.inner.state.try_borrow() {
            out.field("interval", &state.interval).field("running", &state.running);
        }
        out.finish()
    }
}

/// Why a [`LoopingCall`] could not be started, stopped or reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopingCallError {
    /// [`start`](LoopingCall::start) on a loop that is running.
    AlreadyRunning,
    /// [`stop`](LoopingCall::stop) or [`reset`](LoopingCall::reset) on a loop that is
    /// not running.
    NotRunning,
    /// [`start`](LoopingCall::start) on a loop that was stopped while a call's
    /// Deferred was pending: the previous run ends when that Deferred fires.
    StillStopping,
}

impl fmt::Display for LoopingCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoopingCallError::AlreadyRunning => "the looping call is already running",
            LoopingCallError::NotRunning => "the looping call is not running",
            LoopingCallError::StillStopping => {
                "the looping call is still stopping: a call's Deferred has not fired yet"
            }
        })
    }
}

impl Error for LoopingCallError {}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;

    use super::{LoopingCall, LoopingCallError};
    use crate::task::Clock;
    use crate::{CancelledError, Deferred, Failure, PanicError, Resolver, succeed, testing};

    const SECOND: Duration = Duration::from_secs(1);

    /// A loop on `clock` that counts its calls.
    fn counting(clock: &Clock) -> (LoopingCall, Rc<Cell<u32>>) {
        let calls = Rc::new(Cell::new(0));
        let counter = Rc::clone(&calls);
        let lc = LoopingCall::new(clock.clone(), move || {
            counter.set(counter.get() + 1);
            Ok::<_, Failure>(())
        });
        (lc, calls)
    }

    /// A loop whose calls return Deferreds that the test fires through the resolvers.
    fn waiting(clock: &Clock) -> (LoopingCall, Rc<RefCell<Vec<Resolver<()>>>>) {
        let resolvers = Rc::new(RefCell::new(Vec::new()));
        let pending = Rc::clone(&resolvers);
        let lc = LoopingCall::new(clock.clone(), move || {
            let (d, resolver) = Deferred::<()>::new();
            pending.borrow_mut().push(resolver);
            d
        });
        (lc, resolvers)
    }

    #[test]
    fn misuse_is_an_error() {
        let clock = Clock::new();
        let (lc, _) = counting(&clock);
        assert_eq!(lc.stop(), Err(LoopingCallError::NotRunning));
        assert_eq!(lc.reset(), Err(LoopingCallError::NotRunning));
        let _done = lc.start(SECOND, false).unwrap();
        assert_eq!(lc.start(SECOND, false).unwrap_err(), LoopingCallError::AlreadyRunning);
        assert_eq!(lc.interval(), Some(SECOND));
        assert!(lc.running());
        assert_eq!(LoopingCallError::NotRunning.to_string(), "the looping call is not running");
    }

    #[test]
    fn a_panic_stops_the_loop_and_fails_its_deferred() {
        let clock = Clock::new();
        let lc = LoopingCall::new(clock.clone(), || -> Result<(), Failure> { panic!("boom") });
        let d = lc.start(SECOND, false).unwrap();
        clock.advance(SECOND);
        let failure = testing::failure_result_of(d);
        assert_eq!(failure.downcast_ref::<PanicError>().map(PanicError::message), Some("boom"));
        assert!(!lc.running());
        assert!(clock.delayed_calls().is_empty());
    }

    #[test]
    fn stopped_while_waiting_it_ends_when_the_call_does() {
        let clock = Clock::new();
        let (lc, resolvers) = waiting(&clock);
        let d = lc.start(SECOND, true).unwrap();
        lc.stop().unwrap();
        assert!(!lc.running());
        testing::assert_no_result(&d);
        assert_eq!(lc.start(SECOND, true).unwrap_err(), LoopingCallError::StillStopping);

        resolvers.borrow_mut().pop().unwrap().callback(());
        assert!(testing::success_result_of(d) == lc);
        assert!(clock.delayed_calls().is_empty());
        let _again = lc.start(SECOND, true).unwrap();
        assert_eq!(resolvers.borrow().len(), 1, "a new run calls again");
    }

    #[test]
    fn a_failure_after_stop_still_fails_the_deferred() {
        let clock = Clock::new();
        let (lc, resolvers) = waiting(&clock);
        let d = lc.start(SECOND, true).unwrap();
        lc.stop().unwrap();
        resolvers.borrow_mut().pop().unwrap().errback(Failure::msg("late"));
        assert_eq!(testing::failure_result_of(d).to_string(), "late");
    }

    #[test]
    fn cancelling_the_deferred_stops_the_loop() {
        let clock = Clock::new();
        let (lc, calls) = counting(&clock);
        let d = lc.start(SECOND, true).unwrap();
        d.cancel();
        assert!(!lc.running());
        assert!(clock.delayed_calls().is_empty());
        assert!(testing::failure_result_of(d).check::<CancelledError>());
        clock.advance(SECOND);
        assert_eq!(calls.get(), 1);
        // The loop can run again.
        let d = lc.start(SECOND, false).unwrap();
        clock.advance(SECOND);
        assert_eq!(calls.get(), 2);
        lc.stop().unwrap();
        assert!(testing::success_result_of(d) == lc);
    }

    #[test]
    fn cancelling_the_deferred_cancels_a_pending_call() {
        let clock = Clock::new();
        let cancelled = Rc::new(Cell::new(false));
        let producers = Rc::new(RefCell::new(Vec::new()));
        let (flag, kept) = (Rc::clone(&cancelled), Rc::clone(&producers));
        let lc = LoopingCall::new(clock.clone(), move || {
            let flag = Rc::clone(&flag);
            let (d, producer) = Deferred::<()>::with_canceller(move |_| flag.set(true));
            kept.borrow_mut().push(producer);
            d
        });
        let d = lc.start(SECOND, true).unwrap();
        d.cancel();
        assert!(cancelled.get(), "the call's Deferred is cancelled with the loop");
        assert!(testing::failure_result_of(d).check::<CancelledError>());
        assert!(lc.start(SECOND, false).is_ok(), "nothing is left pending");
    }

    #[test]
    fn a_new_run_counts_from_its_own_start() {
        let clock = Clock::new();
        let counts = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&counts);
        let lc = LoopingCall::with_count(clock.clone(), move |count| {
            log.borrow_mut().push(count);
            succeed(())
        });
        let _first = lc.start(SECOND, true).unwrap();
        clock.advance(SECOND * 3);
        lc.stop().unwrap();
        clock.advance(SECOND * 10);
        let _second = lc.start(SECOND, false).unwrap();
        clock.advance(SECOND);
        assert_eq!(*counts.borrow(), [1, 3, 1]);
    }

    #[test]
    fn reset_while_a_call_waits_does_nothing() {
        let clock = Clock::new();
        let (lc, resolvers) = waiting(&clock);
        let _done = lc.start(SECOND, true).unwrap();
        clock.advance(SECOND / 2);
        lc.reset().unwrap();
        resolvers.borrow_mut().pop().unwrap().callback(());
        // The grid still starts at 0: the next call is at 1 s.
        clock.advance(SECOND / 2);
        assert_eq!(resolvers.borrow().len(), 1);
    }

    #[test]
    fn debug_shows_the_interval_once_started() {
        let clock = Clock::new();
        let (lc, _) = counting(&clock);
        let _done = lc.start(SECOND, false).unwrap();
        let repr = format!("{lc:?}");
        assert!(repr.contains("interval: Some(1s)") && repr.contains("running: true"), "{repr}");
    }
}
