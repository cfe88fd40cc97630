//! `defer_later`: a function's outcome, some time from now.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;
use std::time::Duration;

use crate::Deferred;
use crate::errors::CancelledError;
use crate::outcome::IntoOutcome;
use crate::resolver::Resolver;
use crate::time::{DelayedCall, Time};

/// Calls `f` when `delay` has passed on `time`, and returns a Deferred for its outcome
/// (Twisted's `deferLater`).
///
/// `f` may return `Ok(value)`, `Err(failure)` or a Deferred to wait for, or panic; the
/// Deferred carries whichever it was, as with [`maybe_deferred`](crate::maybe_deferred).
/// To wait without calling anything, pass `|| Ok(())`.
///
/// Cancelling the Deferred before the delay has passed cancels the scheduled call: `f`
/// never runs and the Deferred fails with [`CancelledError`](crate::CancelledError).
/// Once `f` has returned a Deferred, cancelling cancels that one.
///
/// # Example: a greeting three seconds from now
///
/// ```
/// use deferreds::{task::{defer_later, Clock}, testing, Failure};
/// use std::time::Duration;
///
/// let clock = Clock::new();
/// let d = defer_later(&clock, Duration::from_secs(3), || Ok::<_, Failure>("hello"));
/// clock.advance(Duration::from_secs(2));
/// testing::assert_no_result(&d);
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(testing::success_result_of(d), "hello");
/// ```
#[track_caller]
pub fn defer_later<F, R>(time: &(impl Time + ?Sized), delay: Duration, f: F) -> Deferred<R::Value>
where
    F: FnOnce() -> R + 'static,
    R: IntoOutcome,
{
    let pending = Rc::new(Pending { call: OnceCell::new(), resolver: Cell::new(None) });
    let cancelled = Rc::clone(&pending);
    let (timer, resolver) = Deferred::<()>::with_canceller(move |cancelling| {
        // Taken out first: cancelling the call drops its closure, and dropping the
        // resolver with it would fail the Deferred with `ResolverDroppedError`.
        let withdrawn = cancelled.resolver.take();
        // A canceller runs only before the chain fires, so the call is still pending.
        // It goes first, so handlers of the cancelled Deferred find it gone.
        if let Some(call) = cancelled.call.get() {
            let _ = call.cancel();
        }
        cancelling.errback(CancelledError(()));
        // Settled by now, so dropping the producer's resolver does nothing.
        drop(withdrawn);
    });
    pending.resolver.set(Some(resolver));
    let due = Rc::clone(&pending);
    let call = time.call_later_boxed(
        delay,
        Box::new(move || {
            if let Some(resolver) = due.resolver.take() {
                resolver.callback(());
            }
        }),
    );
    let _ = pending.call.set(call);
    // A handler's panic, error or Deferred becomes the chain's outcome exactly as in
    // `maybe_deferred`, and cancellation then reaches a Deferred that `f` returned.
    timer.add_callback(move |()| f())
}

/// The scheduled call and the resolver it fires, shared with the canceller. The call is
/// set once scheduled, which needs the resolver, which comes with the canceller.
struct Pending {
    call: OnceCell<DelayedCall>,
    resolver: Cell<Option<Resolver<()>>>,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::defer_later;
    use crate::task::Clock;
    use crate::{CancelledError, Deferred, testing};

    #[test]
    fn waits_for_a_deferred_the_function_returns_and_cancels_it() {
        let clock = Clock::new();
        let (inner, resolver) = Deferred::<u8>::new();
        let d = defer_later(&clock, Duration::from_secs(1), move || inner);
        clock.advance(Duration::from_secs(1));
        testing::assert_no_result(&d);
        d.cancel();
        assert!(resolver.is_settled(), "cancelling reaches the function's Deferred");
        assert!(testing::failure_result_of(d).check::<CancelledError>());
    }

    #[test]
    fn runs_on_a_time_trait_object() {
        let clock = Clock::new();
        let time: &dyn crate::Time = &clock;
        let d = defer_later(time, Duration::from_millis(5), || Ok(7));
        clock.advance(Duration::from_millis(5));
        assert_eq!(testing::success_result_of(d), 7);
    }
}
