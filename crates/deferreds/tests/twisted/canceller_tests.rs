//! Twisted's `DeferredCancellerTests`: `cancel()` with and without a canceller, before and
//! after the Deferred fired, and through a Deferred waiting on another.
//!
//! Twisted lets the producer call `callback`/`errback` once more after a cancellation and
//! raises `AlreadyCalledError` on any further call. Here firing consumes the `Resolver`,
//! so a second firing does not compile, and a firing after cancellation is ignored: the
//! tests check what can be observed (the first result stands, the canceller runs at most
//! once, nothing panics, nothing is reported).

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use deferreds::testing::{ReportCapture, success_result_of};
use deferreds::{CancelledError, Deferred, Failure, Resolver};

/// A failure of our own, distinct from the ones the crate produces.
#[derive(Debug)]
struct GenericError(&'static str);

impl fmt::Display for GenericError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "generic error: {}", self.0)
    }
}

impl Error for GenericError {}

/// What the callback and the errback of the observed stage saw (Twisted's
/// `callbackResults` and `errbackResults`).
#[derive(Default)]
struct Observed {
    callback: Rc<RefCell<Option<String>>>,
    errback: Rc<RefCell<Option<Failure>>>,
}

impl Observed {
    /// Adds Twisted's `_callback`/`_errback` pair: the callback records and passes on the
    /// value, the errback records the failure and ends the failure path with `None`.
    fn attach(&self, d: Deferred<String>) -> Deferred<Option<String>> {
        let callback = Rc::clone(&self.callback);
        let errback = Rc::clone(&self.errback);
        d.add_callbacks(
            move |data: String| {
                *callback.borrow_mut() = Some(data.clone());
                Ok::<_, Failure>(Some(data))
            },
            move |failure: Failure| {
                *errback.borrow_mut() = Some(failure);
                Ok(None)
            },
        )
    }

    fn callback_result(&self) -> Option<String> {
        self.callback.borrow().clone()
    }

    fn errback_result(&self) -> Option<Failure> {
        self.errback.borrow().clone()
    }
}

/// A canceller that only counts its calls.
fn counting_canceller(count: &Rc<Cell<usize>>) -> impl FnOnce(Resolver<String>) + 'static {
    let count = Rc::clone(count);
    move |_resolver| count.set(count.get() + 1)
}

/// A canceller that counts its calls and fails the Deferred with a `GenericError`.
fn errbacking_canceller(count: &Rc<Cell<usize>>) -> impl FnOnce(Resolver<String>) + 'static {
    let count = Rc::clone(count);
    move |resolver| {
        count.set(count.get() + 1);
        resolver.errback(GenericError("from the canceller"));
    }
}

#[test]
fn no_canceller() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_noCanceller
    let observed = Observed::default();
    let (d, _resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    let failure = observed.errback_result().expect("the errback ran");
    assert!(failure.check::<CancelledError>(), "{failure:?}");
    assert_eq!(observed.callback_result(), None);
}

#[test]
fn raises_after_cancel_and_callback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_raisesAfterCancelAndCallback
    // DIFFERENCE: AlreadyCalledError cannot exist: `callback` consumes the Resolver, so a
    // second firing does not compile. The one firing after cancellation is ignored, as
    // Twisted swallows the first extra call.
    let capture = ReportCapture::start();
    let observed = Observed::default();
    let (d, resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    assert!(resolver.is_settled());
    resolver.callback("too late".to_owned());
    assert_eq!(observed.callback_result(), None);
    let failure = observed.errback_result().expect("the errback ran");
    assert!(failure.check::<CancelledError>(), "{failure:?}");
    assert_eq!(success_result_of(d), None);
    assert!(capture.take().is_empty());
}

#[test]
fn raises_after_cancel_and_errback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_raisesAfterCancelAndErrback
    // DIFFERENCE: AlreadyCalledError cannot exist: `errback` consumes the Resolver, so a
    // second firing does not compile. The one firing after cancellation is ignored, and
    // its failure is not reported as unhandled.
    let capture = ReportCapture::start();
    let observed = Observed::default();
    let (d, resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    assert!(resolver.is_settled());
    resolver.errback(GenericError("too late"));
    assert_eq!(observed.callback_result(), None);
    let failure = observed.errback_result().expect("the errback ran");
    assert!(failure.check::<CancelledError>(), "{failure:?}");
    assert_eq!(success_result_of(d), None);
    assert!(capture.take().is_empty());
}

#[test]
fn no_canceller_multiple_cancels_after_cancel_and_callback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndCallback
    let observed = Observed::default();
    let (d, resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    let first = observed.errback_result().expect("the errback ran");
    resolver.callback("ignored".to_owned());
    d.cancel();
    let last = observed.errback_result().expect("the errback result stays");
    assert!(last.same_error(&first));
    assert!(last.check::<CancelledError>(), "{last:?}");
    assert_eq!(observed.callback_result(), None);
    assert_eq!(success_result_of(d), None);
}

#[test]
fn no_canceller_multiple_cancels_after_cancel_and_errback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndErrback
    let observed = Observed::default();
    let (d, resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    let first = observed.errback_result().expect("the errback ran");
    assert!(first.check::<CancelledError>(), "{first:?}");
    resolver.errback(GenericError("ignored"));
    let after_errback = observed.errback_result().expect("the errback result stays");
    assert!(after_errback.check::<CancelledError>(), "{after_errback:?}");
    d.cancel();
    let last = observed.errback_result().expect("the errback result stays");
    assert!(last.same_error(&first));
    assert_eq!(success_result_of(d), None);
}

#[test]
fn no_canceller_multiple_cancel() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_noCancellerMultipleCancel
    let observed = Observed::default();
    let (d, _resolver) = Deferred::<String>::new();
    let d = observed.attach(d);
    d.cancel();
    let first = observed.errback_result().expect("the errback ran");
    assert!(first.check::<CancelledError>(), "{first:?}");
    d.cancel();
    let last = observed.errback_result().expect("the errback result stays");
    assert!(last.same_error(&first));
    assert_eq!(success_result_of(d), None);
}

#[test]
fn canceller_multiple_cancel() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancellerMultipleCancel
    let count = Rc::new(Cell::new(0));
    let observed = Observed::default();
    let (d, _resolver) = Deferred::with_canceller(counting_canceller(&count));
    let d = observed.attach(d);
    d.cancel();
    let first = observed.errback_result().expect("the errback ran");
    assert!(first.check::<CancelledError>(), "{first:?}");
    d.cancel();
    let last = observed.errback_result().expect("the errback result stays");
    assert!(last.same_error(&first));
    assert_eq!(count.get(), 1);
}

#[test]
fn simple_canceller() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_simpleCanceller
    // DIFFERENCE: Twisted raises AlreadyCalledError when the producer fires a Deferred
    // that has a canceller after cancelling it. Here the producer's Resolver reports that
    // the Deferred is settled, and firing it is ignored: the CancelledError stands.
    let count = Rc::new(Cell::new(0));
    let observed = Observed::default();
    let (d, resolver) = Deferred::with_canceller(counting_canceller(&count));
    let d = observed.attach(d);
    d.cancel();
    assert_eq!(count.get(), 1);
    let failure = observed.errback_result().expect("the errback ran");
    assert!(failure.check::<CancelledError>(), "{failure:?}");
    assert!(resolver.is_settled());
    resolver.callback("ignored".to_owned());
    assert_eq!(observed.callback_result(), None);
    assert_eq!(success_result_of(d), None);
    assert_eq!(count.get(), 1);
}

#[test]
fn canceller_arg() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancellerArg
    // DIFFERENCE: the canceller gets a Resolver for the Deferred instead of the Deferred
    // itself; that it is this Deferred's is shown by firing it and seeing the value arrive.
    let count = Rc::new(Cell::new(0));
    let calls = Rc::clone(&count);
    let observed = Observed::default();
    let (d, _resolver) = Deferred::with_canceller(move |resolver: Resolver<String>| {
        calls.set(calls.get() + 1);
        assert!(!resolver.is_settled());
        resolver.callback("from the canceller".to_owned());
    });
    let d = observed.attach(d);
    d.cancel();
    assert_eq!(count.get(), 1);
    assert_eq!(observed.callback_result().as_deref(), Some("from the canceller"));
    assert!(observed.errback_result().is_none());
}

#[test]
fn cancel_after_callback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancelAfterCallback
    let count = Rc::new(Cell::new(0));
    let observed = Observed::default();
    let (d, resolver) = Deferred::with_canceller(errbacking_canceller(&count));
    let d = observed.attach(d);
    resolver.callback("biff!".to_owned());
    d.cancel();
    assert_eq!(count.get(), 0);
    assert!(observed.errback_result().is_none());
    assert_eq!(observed.callback_result().as_deref(), Some("biff!"));
    assert_eq!(success_result_of(d).as_deref(), Some("biff!"));
}

#[test]
fn cancel_after_errback() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancelAfterErrback
    let count = Rc::new(Cell::new(0));
    let observed = Observed::default();
    let (d, resolver) = Deferred::with_canceller(errbacking_canceller(&count));
    let d = observed.attach(d);
    resolver.errback(GenericError("from the producer"));
    d.cancel();
    assert_eq!(count.get(), 0);
    let failure = observed.errback_result().expect("the errback ran");
    assert_eq!(failure.downcast_ref::<GenericError>().map(|e| e.0), Some("from the producer"));
    assert_eq!(observed.callback_result(), None);
}

#[test]
fn canceller_that_errbacks() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancellerThatErrbacks
    let count = Rc::new(Cell::new(0));
    let observed = Observed::default();
    let (d, _resolver) = Deferred::with_canceller(errbacking_canceller(&count));
    let d = observed.attach(d);
    d.cancel();
    assert_eq!(count.get(), 1);
    let failure = observed.errback_result().expect("the errback ran");
    assert_eq!(failure.downcast_ref::<GenericError>().map(|e| e.0), Some("from the canceller"));
    assert_eq!(observed.callback_result(), None);
}

#[test]
fn canceller_that_callbacks() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancellerThatCallbacks
    let count = Rc::new(Cell::new(0));
    let calls = Rc::clone(&count);
    let observed = Observed::default();
    let (d, _resolver) = Deferred::with_canceller(move |resolver: Resolver<String>| {
        calls.set(calls.get() + 1);
        resolver.callback("hello!".to_owned());
    });
    let d = observed.attach(d);
    d.cancel();
    assert_eq!(count.get(), 1);
    assert_eq!(observed.callback_result().as_deref(), Some("hello!"));
    assert!(observed.errback_result().is_none());
}

#[test]
fn cancel_nested_deferred() {
    // Source: twisted/test/test_defer.py DeferredCancellerTests.test_cancelNestedDeferred
    // DIFFERENCE: the outer canceller counts its calls and the test asserts zero, where
    // Twisted's fails the test from inside the canceller.
    let inner_count = Rc::new(Cell::new(0));
    let outer_count = Rc::new(Cell::new(0));
    let (b, _b_resolver) = Deferred::with_canceller(counting_canceller(&inner_count));
    let outer_calls = Rc::clone(&outer_count);
    let (a, a_resolver) = Deferred::<()>::with_canceller(move |_resolver| {
        outer_calls.set(outer_calls.get() + 1);
    });
    a_resolver.callback(());
    let a = a.add_callback(move |()| b);
    a.cancel();
    let observed = Observed::default();
    let a = observed.attach(a);
    assert_eq!(inner_count.get(), 1);
    assert_eq!(outer_count.get(), 0);
    let failure = observed.errback_result().expect("the errback ran");
    assert!(failure.check::<CancelledError>(), "{failure:?}");
    assert_eq!(success_result_of(a), None);
}
