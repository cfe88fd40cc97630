//! `Deferred<T>`: the consumer's typed handle to a chain.

use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;
use std::time::Duration;

use crate::Failure;
use crate::chain::{Chain, Handler, Step};
use crate::errors::{CancelledError, TimeoutError};
use crate::outcome::{IntoOutcome, take};
use crate::resolver::Resolver;
use crate::time::Time;

/// A value of type `T` that does not exist yet, or a [`Failure`] saying why it never will.
///
/// A `Deferred<T>` is the consumer's handle to a chain of handlers. Each `add_*` method
/// consumes the handle and returns the handle for the chain's next stage, whose type is
/// what the new handler produces: the compiler checks every handler's input. The producer
/// holds the matching [`Resolver`] and fires the chain once, with a value or a failure.
///
/// Handlers run in order, each on the result of the one before. A callback runs on the
/// success path and is skipped on the failure path; an errback the reverse; an errback
/// that returns `Ok` switches back to success (Twisted's red/green diagram). Handlers
/// added to a Deferred that has already fired run at once.
///
/// A `Deferred` is not `Send`: it lives on the thread that created it.
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// send(deferreds::succeed(1));
/// ```
///
/// When the last handle to a chain whose result is a failure goes away, the failure is
/// reported as unhandled (see [`log_err`](crate::log_err) to report it on purpose).
///
/// # Example: the tutorial's "calculate 5*6+7"
///
/// ```
/// use deferreds::{Deferred, Failure};
///
/// let (product, resolver) = Deferred::<i64>::new();
/// let sum = product.add_callback(|v| Ok::<_, Failure>(v + 7));
/// resolver.callback(5 * 6);
/// assert_eq!(deferreds::testing::success_result_of(sum), 37);
/// ```
pub struct Deferred<T> {
    chain: Rc<Chain>,
    _value: PhantomData<T>,
}

impl<T: 'static> Deferred<T> {
    /// A pending Deferred and the [`Resolver`] that fires it.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> (Deferred<T>, Resolver<T>) {
        let chain = Chain::new(Location::caller(), None);
        (Deferred::from_chain(Rc::clone(&chain)), Resolver::from_chain(chain))
    }

    /// A pending Deferred whose [`cancel`](Deferred::cancel) calls `canceller` first.
    ///
    /// The canceller gets a [`Resolver`] for the same Deferred: it may fire it (with a
    /// value or a failure of its choosing) or drop it. If the Deferred has not fired when
    /// the canceller returns, it fails with [`CancelledError`]. Whichever firing comes
    /// first wins; later ones, including the producer's own resolver, are ignored.
    ///
    /// # Example: a canceller that answers with a default
    ///
    /// ```
    /// use deferreds::Deferred;
    ///
    /// let (d, _producer) = Deferred::with_canceller(|r| r.callback(0));
    /// d.cancel();
    /// assert_eq!(deferreds::testing::success_result_of(d), 0);
    /// ```
    #[track_caller]
    pub fn with_canceller(
        canceller: impl FnOnce(Resolver<T>) + 'static,
    ) -> (Deferred<T>, Resolver<T>) {
        let canceller = Box::new(move |chain| canceller(Resolver::for_canceller(chain)));
        let chain = Chain::new(Location::caller(), Some(canceller));
        (Deferred::from_chain(Rc::clone(&chain)), Resolver::from_chain(chain))
    }

    pub(crate) fn from_chain(chain: Rc<Chain>) -> Deferred<T> {
        Deferred { chain, _value: PhantomData }
    }

    pub(crate) fn into_chain(self) -> Rc<Chain> {
        self.chain
    }

    pub(crate) fn chain(&self) -> &Rc<Chain> {
        &self.chain
    }

    /// Adds a callback and an errback as one stage; the next stage gets whichever ran.
    ///
    /// Twisted's `addCallbacks`, on which the other `add_*` methods are built.
    ///
    /// # Example: recover from one error, continue from a value
    ///
    /// ```
    /// use deferreds::{fail, Failure};
    /// use std::num::ParseIntError;
    ///
    /// let bad = "?".parse::<i32>().unwrap_err();
    /// let d = fail::<i32>(bad).add_callbacks(
    ///     |v| Ok(v + 1),
    ///     |f: Failure| { f.trap::<ParseIntError>()?; Ok(0) },
    /// );
    /// assert_eq!(deferreds::testing::success_result_of(d), 0);
    /// ```
    #[track_caller]
    pub fn add_callbacks<F, G, R, S>(self, callback: F, errback: G) -> Deferred<R::Value>
    where
        F: FnOnce(T) -> R + 'static,
        G: FnOnce(Failure) -> S + 'static,
        R: IntoOutcome,
        S: IntoOutcome<Value = R::Value>,
    {
        self.then(Box::new(move |outcome| match outcome {
            Ok(mut value) => callback(take::<T>(&mut value)).into_step(Some(value)),
            Err(failure) => errback(failure).into_step(None),
        }))
    }

    /// Adds a callback; on the failure path it is skipped and the failure passes on.
    ///
    /// # Example
    ///
    /// ```
    /// let d = deferreds::succeed("Some value").add_callback(|v| Ok(format!("Yay, I got {v}")));
    /// assert_eq!(deferreds::testing::success_result_of(d), "Yay, I got Some value");
    /// ```
    #[track_caller]
    pub fn add_callback<F, R>(self, callback: F) -> Deferred<R::Value>
    where
        F: FnOnce(T) -> R + 'static,
        R: IntoOutcome,
    {
        self.then(Box::new(move |outcome| match outcome {
            Ok(mut value) => callback(take::<T>(&mut value)).into_step(Some(value)),
            Err(failure) => Step::Done(Err(failure)),
        }))
    }

    /// Adds an errback; on the success path it is skipped and the value passes on.
    ///
    /// The errback must produce the chain's value type, since the success path carries
    /// `T` past it.
    ///
    /// # Example: `trap` re-raises what it does not handle
    ///
    /// ```
    /// use deferreds::{fail, CancelledError, Failure};
    ///
    /// let d = fail::<u8>(Failure::msg("not a cancellation"))
    ///     .add_errback(|f: Failure| { f.trap::<CancelledError>()?; Ok(0) });
    /// let f = deferreds::testing::failure_result_of(d);
    /// assert_eq!(f.to_string(), "not a cancellation");
    /// ```
    #[track_caller]
    pub fn add_errback<F, R>(self, errback: F) -> Deferred<T>
    where
        F: FnOnce(Failure) -> R + 'static,
        R: IntoOutcome<Value = T>,
    {
        self.then(Box::new(move |outcome| match outcome {
            Ok(value) => Step::Done(Ok(value)),
            Err(failure) => errback(failure).into_step(None),
        }))
    }

    /// Adds one handler for both paths; it gets `Ok(value)` or `Err(failure)`.
    ///
    /// # Example: clean up whatever happened, then pass the result on
    ///
    /// ```
    /// let d = deferreds::succeed(2).add_both(|result| result.map(|v| v * 21));
    /// assert_eq!(deferreds::testing::success_result_of(d), 42);
    /// ```
    #[track_caller]
    pub fn add_both<F, R>(self, handler: F) -> Deferred<R::Value>
    where
        F: FnOnce(Result<T, Failure>) -> R + 'static,
        R: IntoOutcome,
    {
        self.then(Box::new(move |outcome| match outcome {
            Ok(mut value) => handler(Ok(take::<T>(&mut value))).into_step(Some(value)),
            Err(failure) => handler(Err(failure)).into_step(None),
        }))
    }

    #[track_caller]
    fn then<U: 'static>(self, call: Handler) -> Deferred<U> {
        self.chain.add_handler(call, Location::caller());
        Deferred::from_chain(self.chain)
    }

    /// Feeds this chain's result into another Deferred's resolver.
    ///
    /// Twisted's `chainDeferred`: it replaces, after the fact, a Deferred already handed
    /// out. Consuming `self` enforces the rule that nothing is added to a chain after
    /// chaining it. Long runs of chained Deferreds fire without recursion.
    ///
    /// If `resolver`'s Deferred has already fired (it was cancelled), this chain keeps its
    /// result, so a failure is still reported when it goes away.
    ///
    /// # Example
    ///
    /// ```
    /// use deferreds::Deferred;
    ///
    /// let (promised, resolver) = Deferred::<i32>::new();
    /// deferreds::succeed(30).chain_deferred(resolver);
    /// assert_eq!(deferreds::testing::success_result_of(promised), 30);
    /// ```
    pub fn chain_deferred(self, resolver: Resolver<T>) {
        self.chain.feed(resolver.into_chain());
    }

    /// Stops handlers from running until a matching [`unpause`](Deferred::unpause).
    ///
    /// Only this handle can unpause the chain: a paused Deferred given away (returned
    /// from a handler, chained or awaited) stays paused, and whatever waits on it waits
    /// for good. Unpause before handing it on.
    pub fn pause(&self) {
        self.chain.pause();
    }

    /// Undoes one [`pause`](Deferred::pause); the last one lets waiting handlers run.
    /// Unpausing a Deferred that is not paused does nothing.
    pub fn unpause(&self) {
        self.chain.unpause();
    }

    /// Asks the producer to stop and fails the Deferred with [`CancelledError`].
    ///
    /// On a pending Deferred, calls its canceller (see [`Deferred::with_canceller`]) and
    /// then, unless the canceller fired it, fails it with `CancelledError`. On a Deferred
    /// waiting for one that a handler returned, cancels that one instead, and the
    /// outcome flows back. On a Deferred with a result, does nothing.
    #[track_caller]
    pub fn cancel(&self) {
        self.chain.cancel(Location::caller());
    }

    /// Whether the Deferred has fired (Twisted's `called`), even if its result is not
    /// available yet because it is paused or waiting for another Deferred.
    pub fn called(&self) -> bool {
        self.chain.has_fired()
    }

    pub(crate) fn has_result(&self) -> bool {
        self.chain.has_result()
    }

    /// Cancels the Deferred if it has no result `delay` from now on `clock`, turning the
    /// resulting [`CancelledError`] into a [`TimeoutError`].
    ///
    /// A canceller that fires with its own value or failure keeps it; only the plain
    /// `CancelledError` becomes `TimeoutError`. The timer is cancelled as soon as the
    /// Deferred fires. [`add_timeout_with`](Deferred::add_timeout_with) decides the
    /// result of a timeout differently.
    ///
    /// # Example: five seconds of virtual time
    ///
    /// ```
    /// use deferreds::{task::Clock, Deferred, TimeoutError};
    /// use std::time::Duration;
    ///
    /// let clock = Clock::new();
    /// let (d, _never_fired) = Deferred::<u32>::new();
    /// let d = d.add_timeout(Duration::from_secs(5), &clock);
    /// clock.advance(Duration::from_secs(5));
    /// assert!(deferreds::testing::failure_result_of(d).check::<TimeoutError>());
    /// ```
    #[track_caller]
    pub fn add_timeout(self, delay: Duration, clock: &impl Time) -> Deferred<T> {
        let at = Location::caller();
        self.add_timeout_with(delay, clock, move |result, _delay| match result {
            Err(f) if f.check::<CancelledError>() => {
                Err(Failure::with_location(TimeoutError(()), at))
            }
            other => other,
        })
    }

    /// Like [`add_timeout`](Deferred::add_timeout), but when the delay runs out, the
    /// result after cancellation goes through `on_timeout(result, delay)` and the
    /// Deferred continues with what it returns (Twisted's `onTimeoutCancel`).
    ///
    /// `on_timeout` is called only if the timer fired, with whatever the cancellation
    /// produced: `CancelledError`, or what a canceller or an earlier handler made of it.
    ///
    /// # Example: a default value on timeout
    ///
    /// ```
    /// use deferreds::{task::Clock, Deferred};
    /// use std::time::Duration;
    ///
    /// let clock = Clock::new();
    /// let (d, _never_fired) = Deferred::<&str>::new();
    /// let d = d.add_timeout_with(Duration::from_secs(1), &clock, |_, _| Ok("default"));
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(deferreds::testing::success_result_of(d), "default");
    /// ```
    #[track_caller]
    pub fn add_timeout_with<F>(
        self,
        delay: Duration,
        clock: &impl Time,
        on_timeout: F,
    ) -> Deferred<T>
    where
        F: FnOnce(Result<T, Failure>, Duration) -> Result<T, Failure> + 'static,
    {
        let at = Location::caller();
        let target = Rc::downgrade(&self.chain);
        let timed_out = Rc::new(std::cell::Cell::new(false));
        let flag = Rc::clone(&timed_out);
        let call = clock.call_later(delay, move || {
            if let Some(chain) = target.upgrade() {
                flag.set(true);
                chain.cancel(at);
            }
        });
        self.add_both(move |result: Result<T, Failure>| {
            if call.active() {
                let _ = call.cancel();
            }
            if timed_out.get() { on_timeout(result, delay) } else { result }
        })
    }
}

impl<T> fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.chain, f)
    }
}

/// A Deferred that has already succeeded with `value`.
///
/// # Example: the tutorial's zero shortcut
///
/// ```
/// use deferreds::{succeed, Deferred};
///
/// fn fast_multiply(a: i64, b: i64, remote: impl FnOnce(i64, i64) -> Deferred<i64>) -> Deferred<i64> {
///     if a == 0 || b == 0 { succeed(0) } else { remote(a, b) }
/// }
/// let d = fast_multiply(5, 0, |_, _| unreachable!("no round trip for zero"));
/// assert_eq!(deferreds::testing::success_result_of(d), 0);
/// ```
#[track_caller]
pub fn succeed<T: 'static>(value: T) -> Deferred<T> {
    Deferred::from_chain(Chain::fired_with(Location::caller(), Ok(Box::new(Some(value)))))
}

/// A Deferred that has already failed with `failure`.
///
/// # Example
///
/// ```
/// let d = deferreds::fail::<i32>(deferreds::Failure::msg("Bummer"));
/// assert_eq!(deferreds::testing::failure_result_of(d).to_string(), "Bummer");
/// ```
#[track_caller]
pub fn fail<T: 'static>(failure: impl Into<Failure>) -> Deferred<T> {
    Deferred::from_chain(Chain::fired_with(Location::caller(), Err(failure.into())))
}

/// Calls `f` and returns its outcome as a Deferred, whatever it was.
///
/// `f` may return `Ok(value)`, `Err(failure)` or a `Deferred`, or panic: a value or
/// error becomes a fired Deferred, a Deferred is returned as it is, a panic becomes a
/// failure holding a [`PanicError`](crate::PanicError). Twisted's `maybeDeferred`.
///
/// # Example: harmonise a local and a remote multiplication
///
/// ```
/// use deferreds::{maybe_deferred, succeed, Deferred, Failure};
///
/// fn local(a: i64, b: i64) -> Result<i64, Failure> { Ok(a * b) }
/// fn remote(a: i64, b: i64) -> Deferred<i64> { succeed(a * b) }
///
/// let one = maybe_deferred(|| local(2, 3));
/// let other = maybe_deferred(|| remote(2, 3));
/// assert_eq!(deferreds::testing::success_result_of(one), 6);
/// assert_eq!(deferreds::testing::success_result_of(other), 6);
/// ```
#[track_caller]
pub fn maybe_deferred<F, R>(f: F) -> Deferred<R::Value>
where
    F: FnOnce() -> R,
    R: IntoOutcome,
{
    let at = Location::caller();
    let step = catch_unwind(AssertUnwindSafe(|| f().into_step(None)))
        .unwrap_or_else(|payload| Step::Done(Err(Failure::from_panic_at(payload, at))));
    match step {
        Step::Wait(chain) => Deferred::from_chain(chain),
        Step::Done(outcome) => Deferred::from_chain(Chain::fired_with(at, outcome)),
        Step::Consumed => unreachable!("only an awaiting future consumes a result"),
    }
}
