//! Twisted's `DeferredAddTimeoutTests`: `add_timeout` and `add_timeout_with` on the
//! virtual `task::Clock`.
//!
//! Twisted's `addTimeout` takes an optional `onTimeoutCancel` function; ours is
//! `add_timeout_with`, and `add_timeout` is `add_timeout_with` with the default conversion
//! of `CancelledError` into `TimeoutError`. The "Custom" tests pass [`overridden`], our
//! counterpart of Twisted's `_overrideFunc`, and also record each call it gets, so they
//! check both that it runs only when the timer fired and what it was given.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::Clock;
use deferreds::testing::{assert_no_result, failure_result_of, success_result_of};
use deferreds::{CancelledError, Deferred, Failure, Resolver, TimeoutError};

/// A failure of our own (Twisted's tests use `ValueError`).
#[derive(Debug)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "value error: {}", self.0)
    }
}

impl Error for ValueError {}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// What an `on_timeout` function was given: the result after cancellation and the delay.
type TimeoutCalls = Rc<RefCell<Vec<(Result<&'static str, Failure>, Duration)>>>;

/// Twisted's `_overrideFunc`: whatever a timed-out Deferred holds becomes "OVERRIDDEN".
fn overridden(
    _result: Result<&'static str, Failure>,
    _delay: Duration,
) -> Result<&'static str, Failure> {
    Ok("OVERRIDDEN")
}

/// [`overridden`] that also records each call it gets in `calls`.
fn recording_override(
    calls: &TimeoutCalls,
) -> impl FnOnce(Result<&'static str, Failure>, Duration) -> Result<&'static str, Failure> + 'static
{
    let calls = Rc::clone(calls);
    move |result, delay| {
        calls.borrow_mut().push((result.clone(), delay));
        overridden(result, delay)
    }
}

/// A slot that a handler fills with what it was given.
fn slot<T>() -> Rc<RefCell<Option<T>>> {
    Rc::new(RefCell::new(None))
}

#[test]
fn timeout_chainable() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timeoutChainable
    let clock = Clock::new();
    let (d, resolver) = Deferred::<()>::new();
    let d = d.add_timeout(secs(5), &clock).add_callback(|()| Ok::<_, Failure>("done"));
    resolver.callback(());
    assert_eq!(success_result_of(d), "done");
}

#[test]
fn success_result_before_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_successResultBeforeTimeout
    // The inner Deferred is consumed by the callback that returns it, so "it was not
    // cancelled" is read from its resolver, which a cancellation would have settled.
    let clock = Clock::new();
    let (d, resolver) = Deferred::<&'static str>::new();
    let d = d.add_timeout(secs(10), &clock);
    let (inner, inner_resolver) = Deferred::<()>::new();
    let called_with = slot();
    let log = Rc::clone(&called_with);
    let d = d.add_callback(move |results| {
        *log.borrow_mut() = Some(results);
        inner
    });
    resolver.callback("results");
    assert_eq!(*called_with.borrow(), Some("results"));
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert_no_result(&d);
    inner_resolver.callback(());
    success_result_of(d);
}

#[test]
fn success_result_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_successResultBeforeTimeoutCustom
    let clock = Clock::new();
    let (d, resolver) = Deferred::<&'static str>::new();
    let calls = TimeoutCalls::default();
    let d = d.add_timeout_with(secs(10), &clock, recording_override(&calls));
    let (inner, inner_resolver) = Deferred::<()>::new();
    let called_with = slot();
    let log = Rc::clone(&called_with);
    let d = d.add_callback(move |results| {
        *log.borrow_mut() = Some(results);
        inner
    });
    resolver.callback("results");
    assert_eq!(*called_with.borrow(), Some("results"));
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert!(calls.borrow().is_empty());
    assert_no_result(&d);
    inner_resolver.callback(());
    success_result_of(d);
}

#[test]
fn failure_before_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_failureBeforeTimeout
    let clock = Clock::new();
    let (d, resolver) = Deferred::<()>::new();
    let d = d.add_timeout(secs(10), &clock);
    let (inner, inner_resolver) = Deferred::<()>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let d = d.add_errback(move |f: Failure| {
        *log.borrow_mut() = Some(f);
        inner
    });
    let error = Failure::new(ValueError("fail"));
    resolver.errback(error.clone());
    let seen = errbacked.borrow().clone().expect("the errback ran");
    assert!(seen.same_error(&error));
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert_no_result(&d);
    inner_resolver.callback(());
    success_result_of(d);
}

#[test]
fn failure_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_failureBeforeTimeoutCustom
    let clock = Clock::new();
    let (d, resolver) = Deferred::<&'static str>::new();
    let calls = TimeoutCalls::default();
    let d = d.add_timeout_with(secs(10), &clock, recording_override(&calls));
    let (inner, inner_resolver) = Deferred::<&'static str>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let d = d.add_errback(move |f: Failure| {
        *log.borrow_mut() = Some(f);
        inner
    });
    let error = Failure::new(ValueError("fail"));
    resolver.errback(error.clone());
    let seen = errbacked.borrow().clone().expect("the errback ran");
    assert!(seen.same_error(&error));
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert!(calls.borrow().is_empty());
    assert_no_result(&d);
    inner_resolver.callback("inner");
    assert_eq!(success_result_of(d), "inner");
}

#[test]
fn timed_out() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timedOut
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<()>::new();
    let d = d.add_timeout(secs(10), &clock);
    assert_no_result(&d);

    clock.advance(secs(15));
    let failure = failure_result_of(d);
    assert!(failure.check::<TimeoutError>(), "{failure:?}");
}

#[test]
fn timed_out_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timedOutCustom
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let d = d.add_timeout_with(secs(10), &clock, overridden);
    assert_no_result(&d);

    clock.advance(secs(15));
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}

#[test]
fn timed_out_provided_cancel_success() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timedOutProvidedCancelSuccess
    let clock = Clock::new();
    let (d, _resolver) =
        Deferred::with_canceller(|r: Resolver<&'static str>| r.callback("I was cancelled!"));
    let d = d.add_timeout(secs(10), &clock);
    assert_no_result(&d);

    clock.advance(secs(15));
    assert_eq!(success_result_of(d), "I was cancelled!");
}

#[test]
fn timed_out_provided_cancel_failure() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timedOutProvidedCancelFailure
    let clock = Clock::new();
    let error = Failure::new(ValueError("what!"));
    let given = error.clone();
    let (d, _resolver) = Deferred::<()>::with_canceller(move |r| r.errback(given));
    let d = d.add_timeout(secs(10), &clock);
    assert_no_result(&d);

    clock.advance(secs(15));
    let failure = failure_result_of(d);
    assert!(failure.check::<ValueError>(), "{failure:?}");
    assert!(failure.same_error(&error));
}

#[test]
fn cancel_before_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_cancelBeforeTimeout
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<()>::new();
    let d = d.add_timeout(secs(10), &clock);
    let (inner, inner_resolver) = Deferred::<()>::new();
    let cancelled = slot();
    let log = Rc::clone(&cancelled);
    let d = d.add_errback(move |f: Failure| {
        *log.borrow_mut() = Some(f);
        inner
    });
    d.cancel();
    let seen = cancelled.borrow().clone().expect("the errback ran");
    assert!(seen.check::<CancelledError>(), "{seen:?}");
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert_no_result(&d);
    inner_resolver.callback(());
    success_result_of(d);
}

#[test]
fn cancel_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_cancelBeforeTimeoutCustom
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let calls = TimeoutCalls::default();
    let d = d.add_timeout_with(secs(10), &clock, recording_override(&calls));
    let (inner, inner_resolver) = Deferred::<&'static str>::new();
    let cancelled = slot();
    let log = Rc::clone(&cancelled);
    let d = d.add_errback(move |f: Failure| {
        *log.borrow_mut() = Some(f);
        inner
    });
    d.cancel();
    let seen = cancelled.borrow().clone().expect("the errback ran");
    assert!(seen.check::<CancelledError>(), "{seen:?}");
    assert!(calls.borrow().is_empty());
    assert!(clock.delayed_calls().is_empty());

    clock.advance(secs(15));
    assert!(!inner_resolver.is_settled());
    assert!(calls.borrow().is_empty());
    assert_no_result(&d);
    inner_resolver.callback("inner");
    assert_eq!(success_result_of(d), "inner");
}

#[test]
fn provided_cancel_called_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_providedCancelCalledBeforeTimeoutCustom
    let clock = Clock::new();
    let error = Failure::new(ValueError("what!"));
    let given = error.clone();
    let (d, _resolver) = Deferred::<&'static str>::with_canceller(move |r| r.errback(given));
    let calls = TimeoutCalls::default();
    let d = d.add_timeout_with(secs(10), &clock, recording_override(&calls));
    assert_no_result(&d);

    clock.advance(secs(15));
    {
        let calls = calls.borrow();
        assert_eq!(calls.len(), 1);
        let failure = calls[0].0.as_ref().expect_err("the canceller's failure");
        assert!(failure.same_error(&error), "{failure:?}");
    }
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}

#[test]
fn errback_added_before_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeout
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<()>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let d = d
        .add_errback(move |f: Failure| {
            *log.borrow_mut() = Some(f.clone());
            Err::<(), _>(f)
        })
        .add_timeout(secs(10), &clock);

    clock.advance(secs(15));
    let seen = errbacked.borrow().clone().expect("the errback ran");
    assert!(seen.check::<CancelledError>(), "{seen:?}");
    let failure = failure_result_of(d);
    assert!(failure.check::<TimeoutError>(), "{failure:?}");
}

#[test]
fn errback_added_before_timeout_suppresses_cancellation() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeoutSuppressesCancellation
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let d = d
        .add_errback(move |f: Failure| {
            *log.borrow_mut() = Some(f.clone());
            f.trap::<CancelledError>()?;
            Ok("suppressed")
        })
        .add_timeout(secs(10), &clock);

    clock.advance(secs(15));
    let seen = errbacked.borrow().clone().expect("the errback ran");
    assert!(seen.check::<CancelledError>(), "{seen:?}");
    assert_eq!(success_result_of(d), "suppressed");
}

#[test]
fn errback_added_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeoutCustom
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let d = d
        .add_errback(move |f: Failure| {
            *log.borrow_mut() = Some(f.clone());
            Err::<&'static str, _>(f)
        })
        .add_timeout_with(secs(10), &clock, overridden);

    clock.advance(secs(15));
    let seen = errbacked.borrow().clone().expect("the errback ran");
    assert!(seen.check::<CancelledError>(), "{seen:?}");
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}

#[test]
fn errback_added_before_timeout_suppresses_cancellation_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_errbackAddedBeforeTimeoutSuppressesCancellationCustom
    let clock = Clock::new();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let errbacked = slot();
    let log = Rc::clone(&errbacked);
    let calls = TimeoutCalls::default();
    let d = d
        .add_errback(move |f: Failure| {
            *log.borrow_mut() = Some(f);
            Ok::<_, Failure>("suppressed")
        })
        .add_timeout_with(secs(10), &clock, recording_override(&calls));

    clock.advance(secs(15));
    let cancelled = errbacked.borrow().clone().expect("the errback ran");
    assert!(cancelled.check::<CancelledError>(), "{cancelled:?}");
    {
        let calls = calls.borrow();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0.as_ref().ok(), Some(&"suppressed"));
    }
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}

#[test]
fn callback_added_to_canceler_before_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_callbackAddedToCancelerBeforeTimeout
    let clock = Clock::new();
    let (d, _resolver) =
        Deferred::with_canceller(|r: Resolver<&'static str>| r.callback("success"));
    let callbacked = slot();
    let log = Rc::clone(&callbacked);
    let d = d
        .add_callback(move |value| {
            *log.borrow_mut() = Some(value);
            Ok::<_, Failure>(value)
        })
        .add_timeout(secs(10), &clock);

    clock.advance(secs(15));
    assert_eq!(*callbacked.borrow(), Some("success"));
    assert_eq!(success_result_of(d), "success");
}

#[test]
fn callback_added_to_canceler_before_timeout_custom() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_callbackAddedToCancelerBeforeTimeoutCustom
    let clock = Clock::new();
    let (d, _resolver) =
        Deferred::with_canceller(|r: Resolver<&'static str>| r.callback("success"));
    let callbacked = slot();
    let log = Rc::clone(&callbacked);
    let calls = TimeoutCalls::default();
    let d = d
        .add_callback(move |value| {
            *log.borrow_mut() = Some(value);
            Ok::<_, Failure>(value)
        })
        .add_timeout_with(secs(10), &clock, recording_override(&calls));

    clock.advance(secs(15));
    assert_eq!(*callbacked.borrow(), Some("success"));
    {
        let calls = calls.borrow();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0.as_ref().ok(), Some(&"success"));
    }
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}

#[test]
fn on_timeout_gets_delay_and_runs_only_on_timeout() {
    // Source: twisted/test/test_defer.py DeferredAddTimeoutTests.test_timedOutCustom
    // Twisted passes the timeout to onTimeoutCancel but no test of its checks the value
    // or that the function stays uncalled for a Deferred that fires in time; this one does.
    let clock = Clock::new();
    let delay = Duration::from_millis(7_500);

    // Fired in time, with a value and with a failure: on_timeout never runs.
    let in_time = TimeoutCalls::default();
    let (ok, ok_resolver) = Deferred::<&'static str>::new();
    let ok = ok.add_timeout_with(delay, &clock, recording_override(&in_time));
    let (err, err_resolver) = Deferred::<&'static str>::new();
    let err = err.add_timeout_with(delay, &clock, recording_override(&in_time));
    clock.advance(secs(7));
    ok_resolver.callback("in time");
    let error = Failure::new(ValueError("in time"));
    err_resolver.errback(error.clone());
    clock.advance(secs(10));
    assert!(in_time.borrow().is_empty());
    assert_eq!(success_result_of(ok), "in time");
    assert!(failure_result_of(err).same_error(&error));

    // Timed out: on_timeout runs once, with CancelledError and the delay as given.
    let timed_out = TimeoutCalls::default();
    let (d, _resolver) = Deferred::<&'static str>::new();
    let d = d.add_timeout_with(delay, &clock, recording_override(&timed_out));
    clock.advance(secs(7));
    assert!(timed_out.borrow().is_empty());
    assert_no_result(&d);
    clock.advance(Duration::from_millis(500));
    {
        let calls = timed_out.borrow();
        assert_eq!(calls.len(), 1);
        let (result, given_delay) = &calls[0];
        let failure = result.as_ref().expect_err("the cancellation's failure");
        assert!(failure.check::<CancelledError>(), "{failure:?}");
        assert_eq!(*given_delay, delay);
    }
    assert_eq!(success_result_of(d), "OVERRIDDEN");
}
