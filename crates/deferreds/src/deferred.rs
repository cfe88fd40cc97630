//! `Deferred<T>`: the consumer's typed handle to a chain.

use std::fmt;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::Rc;
use std::time::Duration;

use crate::Failure;
use crate::chain::{Chain, On, Outcome};
use crate::errors::{CancelledError, TimeoutError};
use crate::failure::Trace;
use crate::outcome::{IntoOutcome, Next, call_on, errback_on};
use crate::report;
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
    repr: Repr<T>,
}

/// Where a Deferred's state lives.
///
/// The ready forms hold the result right here: handlers added to them run at once,
/// typed and without a chain. `succeed`, `fail`, `maybe_deferred` and handlers over them
/// stay in these forms, which cost no allocation.
///
/// Each variant holds one word (for a word-sized `T`), so the handle is two words, which
/// calls pass and return in registers. A bigger handle would travel through memory at
/// every `add_*`, and a chain of `add_*` calls would copy it back and forth; that costs
/// more than the handlers themselves. So a ready Deferred keeps no creation site and no
/// pause count: pausing one moves its result into a chain (see `pause`).
enum Repr<T> {
    /// Fired with this value, nothing queued, not paused.
    Value(T),
    /// Failed with this, nothing queued, not paused.
    Failed(Failure),
    /// A shared chain: pending, or anything a ready Deferred cannot do alone (queueing
    /// behind a pause, waiting for another Deferred, being fed by `chain_deferred`).
    Chain(Rc<Chain>),
    /// Taken apart by a method consuming the handle; only seen by `Drop`.
    Gone,
}

/// Where a handler added now goes.
enum Split<T> {
    /// Runs at once on this result.
    Ready(Result<T, Failure>),
    /// Is queued on this chain.
    Chain(Rc<Chain>),
}

/// What a stage's handlers did with its input, typed. `R` and `S` are what the callback
/// and the errback return (the same type for single-handler stages).
enum Handled<R: IntoOutcome, S: IntoOutcome<Value = R::Value>> {
    /// The callback ran and returned this.
    Callback(R),
    /// The errback ran and returned this.
    Errback(S),
    /// Neither ran; the input passes on (a callback on the failure path, an errback on
    /// the success path).
    Passed(Result<R::Value, Failure>),
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
        Deferred::with_canceller_at(Location::caller(), canceller)
    }

    /// [`with_canceller`](Deferred::with_canceller), created at `at`.
    pub(crate) fn with_canceller_at(
        at: &'static Location<'static>,
        canceller: impl FnOnce(Resolver<T>) + 'static,
    ) -> (Deferred<T>, Resolver<T>) {
        let canceller = Box::new(move |chain| canceller(Resolver::for_canceller(chain)));
        let chain = Chain::new(at, Some(canceller));
        (Deferred::from_chain(Rc::clone(&chain)), Resolver::from_chain(chain))
    }

    pub(crate) fn from_chain(chain: Rc<Chain>) -> Deferred<T> {
        Deferred { repr: Repr::Chain(chain) }
    }

    #[inline]
    pub(crate) fn ready(result: Result<T, Failure>) -> Deferred<T> {
        match result {
            Ok(value) => Deferred { repr: Repr::Value(value) },
            Err(failure) => Deferred { repr: Repr::Failed(failure) },
        }
    }

    fn take_repr(&mut self) -> Repr<T> {
        std::mem::replace(&mut self.repr, Repr::Gone)
    }

    /// Takes the handle apart. The emptied handle is forgotten rather than dropped: its
    /// `Drop` would find nothing to do, and this is on the path of every `add_*`.
    #[inline(always)]
    fn into_repr(mut self) -> Repr<T> {
        let repr = self.take_repr();
        std::mem::forget(self);
        repr
    }

    /// The result, if this Deferred holds it inline or is the only handle to a settled
    /// chain; otherwise its chain.
    #[inline]
    pub(crate) fn settle_or_chain(self) -> Next<T> {
        match self.into_repr() {
            Repr::Value(value) => Next::Settled(Ok(value)),
            Repr::Failed(failure) => Next::Settled(Err(failure)),
            Repr::Chain(chain) => match Chain::into_settled(chain) {
                Ok((result, _)) => Next::Settled(result),
                Err(chain) => Next::Later(chain),
            },
            Repr::Gone => unreachable!("a Deferred is only taken apart by consuming it"),
        }
    }

    /// The result, if held inline; otherwise the chain.
    #[inline]
    pub(crate) fn into_ready_or_chain(self) -> Result<Result<T, Failure>, Rc<Chain>> {
        match self.into_repr() {
            Repr::Value(value) => Ok(Ok(value)),
            Repr::Failed(failure) => Ok(Err(failure)),
            Repr::Chain(chain) => Err(chain),
            Repr::Gone => unreachable!("a Deferred is only taken apart by consuming it"),
        }
    }

    /// The chain under this Deferred, made at `at` to hold its result if it was held
    /// inline, for what a ready Deferred cannot do alone.
    fn make_chain(&mut self, at: &'static Location<'static>) -> Option<&Rc<Chain>> {
        let outcome: Outcome = match self.take_repr() {
            Repr::Value(value) => Ok(Box::new(Some(value))),
            Repr::Failed(failure) => Err(failure),
            repr => {
                self.repr = repr;
                return self.chain();
            }
        };
        self.repr = Repr::Chain(Chain::settled(at, outcome));
        self.chain()
    }

    /// The chain under this Deferred, if it has one.
    pub(crate) fn chain(&self) -> Option<&Rc<Chain>> {
        match &self.repr {
            Repr::Chain(chain) => Some(chain),
            _ => None,
        }
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
    #[inline(always)]
    pub fn add_callbacks<F, G, R, S>(self, callback: F, errback: G) -> Deferred<R::Value>
    where
        F: FnOnce(T) -> R + 'static,
        G: FnOnce(Failure) -> S + 'static,
        R: IntoOutcome,
        S: IntoOutcome<Value = R::Value>,
    {
        let at = Location::caller();
        match self.split() {
            Split::Ready(input) => run_inline(input, at, |result| match result {
                Ok(value) => Handled::Callback(callback(value)),
                Err(failure) => Handled::Errback(errback(failure)),
            }),
            Split::Chain(chain) => {
                chain.then(at, On::Both, move |outcome: &mut Outcome| match outcome {
                    Ok(_) => call_on(outcome, callback),
                    Err(_) => errback_on(outcome, errback),
                })
            }
        }
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
    #[inline(always)]
    pub fn add_callback<F, R>(self, callback: F) -> Deferred<R::Value>
    where
        F: FnOnce(T) -> R + 'static,
        R: IntoOutcome,
    {
        let at = Location::caller();
        match self.split() {
            Split::Ready(input) => run_inline(input, at, |result| match result {
                Ok(value) => Handled::<R, R>::Callback(callback(value)),
                Err(failure) => Handled::Passed(Err(failure)),
            }),
            Split::Chain(chain) => {
                chain.then(at, On::Success, move |outcome: &mut Outcome| call_on(outcome, callback))
            }
        }
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
    #[inline(always)]
    pub fn add_errback<F, R>(self, errback: F) -> Deferred<T>
    where
        F: FnOnce(Failure) -> R + 'static,
        R: IntoOutcome<Value = T>,
    {
        let at = Location::caller();
        match self.split() {
            Split::Ready(input) => run_inline(input, at, |result| match result {
                Ok(value) => Handled::<R, R>::Passed(Ok(value)),
                Err(failure) => Handled::Errback(errback(failure)),
            }),
            Split::Chain(chain) => chain
                .then(at, On::Failure, move |outcome: &mut Outcome| errback_on(outcome, errback)),
        }
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
    #[inline(always)]
    pub fn add_both<F, R>(self, handler: F) -> Deferred<R::Value>
    where
        F: FnOnce(Result<T, Failure>) -> R + 'static,
        R: IntoOutcome,
    {
        let at = Location::caller();
        match self.split() {
            Split::Ready(input) => {
                run_inline(input, at, |result| Handled::<R, R>::Callback(handler(result)))
            }
            Split::Chain(chain) => {
                chain.then(at, On::Both, move |outcome: &mut Outcome| match outcome {
                    Ok(_) => call_on(outcome, |value| handler(Ok(value))),
                    Err(_) => errback_on(outcome, |failure| handler(Err(failure))),
                })
            }
        }
    }

    /// The inline result (handlers then run at once), or the chain.
    #[inline(always)]
    fn split(self) -> Split<T> {
        match self.into_repr() {
            Repr::Chain(chain) => match Chain::into_settled(chain) {
                // A settled chain that only this handle holds: its result comes back
                // inline, and so do the handlers added after it.
                Ok((result, _)) => Split::Ready(result),
                Err(chain) => Split::Chain(chain),
            },
            Repr::Value(value) => Split::Ready(Ok(value)),
            Repr::Failed(failure) => Split::Ready(Err(failure)),
            Repr::Gone => unreachable!("a Deferred is only taken apart by consuming it"),
        }
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
        let target = resolver.into_chain();
        match self.into_ready_or_chain() {
            Ok(result) if !target.has_fired() => {
                target.fire(result.map(|value| Box::new(Some(value)) as _));
            }
            // Fired already (cancelled): this Deferred keeps its result, reported as
            // unhandled if it is a failure.
            Ok(result) => drop(Deferred::ready(result)),
            Err(chain) => chain.feed(target),
        }
    }

    /// Stops handlers from running until a matching [`unpause`](Deferred::unpause).
    ///
    /// Only this handle can unpause the chain: a paused Deferred given away (returned
    /// from a handler, chained or awaited) stays paused, and whatever waits on it waits
    /// for good. Unpause before handing it on.
    ///
    /// Pausing a Deferred that holds its result moves the result into a chain created
    /// here, where the handlers added meanwhile queue.
    #[track_caller]
    pub fn pause(&mut self) {
        if let Some(chain) = self.make_chain(Location::caller()) {
            chain.pause();
        }
    }

    /// Undoes one [`pause`](Deferred::pause); the last one lets waiting handlers run.
    /// Unpausing a Deferred that is not paused does nothing.
    pub fn unpause(&mut self) {
        if let Repr::Chain(chain) = &self.repr {
            chain.unpause();
        }
    }

    /// Asks the producer to stop and fails the Deferred with [`CancelledError`].
    ///
    /// On a pending Deferred, calls its canceller (see [`Deferred::with_canceller`]) and
    /// then, unless the canceller fired it, fails it with `CancelledError`. On a Deferred
    /// waiting for one that a handler returned, cancels that one instead, and the
    /// outcome flows back. On a Deferred with a result, does nothing.
    #[track_caller]
    pub fn cancel(&self) {
        if let Repr::Chain(chain) = &self.repr {
            chain.cancel(Location::caller());
        }
    }

    /// Whether the Deferred has fired (Twisted's `called`), even if its result is not
    /// available yet because it is paused or waiting for another Deferred.
    pub fn called(&self) -> bool {
        match &self.repr {
            Repr::Value(_) | Repr::Failed(_) => true,
            Repr::Chain(chain) => chain.has_fired(),
            Repr::Gone => false,
        }
    }

    pub(crate) fn has_result(&self) -> bool {
        match &self.repr {
            Repr::Value(_) | Repr::Failed(_) => true,
            Repr::Chain(chain) => chain.has_result(),
            Repr::Gone => false,
        }
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
        let Some(chain) = self.chain() else {
            return self; // the result is here: nothing left to time out
        };
        let target = Rc::downgrade(chain);
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
        match &self.repr {
            Repr::Chain(chain) => fmt::Debug::fmt(chain, f),
            Repr::Value(_) => f.debug_struct("Deferred").field("status", &"succeeded").finish(),
            Repr::Failed(_) => f.debug_struct("Deferred").field("status", &"failed").finish(),
            Repr::Gone => f.write_str("Deferred { handed on }"),
        }
    }
}

impl<T> Drop for Deferred<T> {
    #[inline]
    fn drop(&mut self) {
        match &self.repr {
            Repr::Chain(_) => {
                if let Repr::Chain(chain) = std::mem::replace(&mut self.repr, Repr::Gone) {
                    Chain::release(chain);
                }
            }
            // Only an inline failure needs the slow path.
            Repr::Failed(_) => self.report_unhandled(),
            Repr::Value(_) | Repr::Gone => {}
        }
    }
}

impl<T> Deferred<T> {
    #[cold]
    fn report_unhandled(&mut self) {
        if let Repr::Failed(failure) = std::mem::replace(&mut self.repr, Repr::Gone) {
            let made_at = failure.last_seen_at();
            report::unhandled(failure, made_at);
        }
    }
}

/// Runs a handler on a result held inline; the typed counterpart of the chain loop's
/// handler stage, with the same panic and trail rules.
// Kept out of line: the `add_*` methods are inlined for their chain path, and this one
// would more than double each of them.
#[inline(never)]
fn run_inline<T, R, S, H>(
    input: Result<T, Failure>,
    at: &'static Location<'static>,
    handler: H,
) -> Deferred<R::Value>
where
    R: IntoOutcome,
    S: IntoOutcome<Value = R::Value>,
    H: FnOnce(Result<T, Failure>) -> Handled<R, S>,
{
    let input_error = input.as_ref().err().map(Failure::error_addr);
    let next = match catch_unwind(AssertUnwindSafe(|| handler(input))) {
        Ok(Handled::Callback(returned)) => returned.into_next(),
        Ok(Handled::Errback(returned)) => returned.into_next(),
        Ok(Handled::Passed(result)) => Next::Value(result),
        Err(payload) => Next::Value(Err(Failure::from_panic_at(payload, at))),
    };
    match next {
        Next::Value(mut result) => {
            if let Err(failure) = &mut result {
                failure.trace_handler(input_error, at);
            }
            Deferred::ready(result)
        }
        // The Deferred this call returns is made here, so that is where the failure of
        // the returned one enters.
        Next::Settled(result) => Deferred::ready(result.map_err(|mut failure| {
            failure.push_trace(Trace::Entered(at));
            failure
        })),
        Next::Later(inner) => Deferred::from_chain(Chain::waiting_for(at, inner)),
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
pub fn succeed<T: 'static>(value: T) -> Deferred<T> {
    Deferred::ready(Ok(value))
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
    let created_at = Location::caller();
    let mut failure = failure.into();
    failure.push_trace(Trace::Entered(created_at));
    Deferred::ready(Err(failure))
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
    let next = catch_unwind(AssertUnwindSafe(|| f().into_next()))
        .unwrap_or_else(|payload| Next::Value(Err(Failure::from_panic_at(payload, at))));
    match next {
        // Like `fail`: the failure enters a Deferred made here.
        Next::Value(result) | Next::Settled(result) => Deferred::ready(result.map_err(|mut f| {
            f.push_trace(Trace::Entered(at));
            f
        })),
        Next::Later(chain) => Deferred::from_chain(chain),
    }
}
