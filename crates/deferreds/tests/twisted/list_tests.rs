//! Twisted's `DeferredList` and `gatherResults` tests (from `DeferredTests`), its
//! `FirstErrorTests` and `DeferredListEmptyTests`, and tests of our typed joins
//! (`join2`, `gather2`, `join3`, `gather3`).
//!
//! Result shapes differ from Twisted's: the list's results are `Result<T, Failure>` in
//! input order where Twisted has `(success, result)` pairs, and `fire_on_one_callback`
//! fires with `(value, index)` as Twisted does. The inputs move into the list, so
//! Twisted's habit of adding an errback to an input after building the list has no
//! counterpart: without `consume_errors` an input's failure stays on its chain, where it
//! is reported as unhandled when that chain goes away, and these tests take the report.
//! To see what an input fired with, a test records it on the way into the list.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use deferreds::testing::{ReportCapture, assert_no_result, failure_result_of, success_result_of};
use deferreds::{
    CancelledError, Deferred, DeferredList, Failure, FailureGroup, FirstError, PanicError,
    Resolver, fail, gather_results, gather2, gather3, join2, join3, succeed,
};

/// A failure of our own, distinct from the ones the crate produces; shows its text.
#[derive(Debug)]
struct GenericError(&'static str);

impl fmt::Display for GenericError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for GenericError {}

/// Another error type, where Twisted raises a different exception class.
#[derive(Debug)]
struct RuntimeError(&'static str);

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for RuntimeError {}

/// What Twisted's `fakeCallbackCanceller` fires a cancelled Deferred with.
const CALLBACK_RESULT: &str = "Callback Result";

/// A canceller that answers the cancellation with `CALLBACK_RESULT`.
fn callback_canceller(resolver: Resolver<String>) {
    resolver.callback(CALLBACK_RESULT.to_owned());
}

/// The result an input fired with, recorded on its way into the list.
type Seen<T> = Rc<RefCell<Option<Result<T, Failure>>>>;

/// Records what `d` fires with and passes it on unchanged, so the list sees the same.
fn watch<T: Clone + 'static>(d: Deferred<T>) -> (Deferred<T>, Seen<T>) {
    let seen: Seen<T> = Rc::default();
    let record = Rc::clone(&seen);
    let d = d.add_both(move |result: Result<T, Failure>| {
        *record.borrow_mut() = Some(result.clone());
        result
    });
    (d, seen)
}

/// Whether the watched input failed with `E`.
fn failed_with<E: Error + 'static, T>(seen: &Seen<T>) -> bool {
    matches!(&*seen.borrow(), Some(Err(failure)) if failure.check::<E>())
}

/// Takes every report, checks that each is an unhandled failure of `E`, and counts them.
fn unhandled<E: Error + 'static>(capture: &ReportCapture) -> usize {
    let reports = capture.take();
    assert!(
        reports.iter().all(|r| r.is_unhandled() && r.failure().check::<E>()),
        "unexpected reports: {reports:?}"
    );
    reports.len()
}

/// The `FirstError` a join failed with.
fn first_error(failure: &Failure) -> &FirstError {
    failure.downcast_ref::<FirstError>().unwrap_or_else(|| panic!("not a FirstError: {failure:?}"))
}

/// The `FailureGroup` a join failed with.
fn failure_group(failure: &Failure) -> &FailureGroup {
    failure
        .downcast_ref::<FailureGroup>()
        .unwrap_or_else(|| panic!("not a FailureGroup: {failure:?}"))
}

/// A pending Deferred whose canceller counts its calls.
fn counted<T: 'static>(count: &Rc<Cell<usize>>) -> (Deferred<T>, Resolver<T>) {
    let count = Rc::clone(count);
    Deferred::with_canceller(move |_: Resolver<T>| count.set(count.get() + 1))
}

#[test]
fn deferred_list() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredList
    // DIFFERENCE: the results are `Ok(value)`/`Err(failure)` in input order, not
    // `(SUCCESS, value)`/`(FAILURE, failure)` pairs. Twisted eats defr2's failure with an
    // errback added after the list; here the list owns defr2, so its failure (not
    // consumed) is reported when its chain goes away, and the test takes the report.
    let capture = ReportCapture::start();
    let (defr1, r1) = Deferred::<String>::new();
    let (defr2, r2) = Deferred::<String>::new();
    let (defr3, r3) = Deferred::<String>::new();
    let dl = DeferredList::new([defr1, defr2, defr3]).into_deferred();
    r1.callback("1".to_owned());
    r2.errback(GenericError("2"));
    assert_no_result(&dl);
    r3.callback("3".to_owned());
    let results = success_result_of(dl);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().ok().map(String::as_str), Some("1"));
    let failure = results[1].as_ref().expect_err("defr2 failed");
    assert!(failure.check::<GenericError>(), "{failure:?}");
    assert_eq!(failure.to_string(), "2");
    assert_eq!(results[2].as_ref().ok().map(String::as_str), Some("3"));
    assert_eq!(unhandled::<GenericError>(&capture), 1);
}

#[test]
fn empty_deferred_list() {
    // Source: twisted/test/test_defer.py DeferredTests.testEmptyDeferredList
    // DIFFERENCE: an empty list with fireOnOneCallback never fires in Twisted; here
    // `fire_on_one_callback` over no inputs fails at once with an empty FailureGroup
    // (there is no input to succeed, and a join that never fires would hang its caller).
    let ran = Rc::new(Cell::new(0));
    let count = Rc::clone(&ran);
    let dl = DeferredList::new(Vec::<Deferred<()>>::new()).into_deferred().add_callback(
        move |results| {
            count.set(count.get() + 1);
            Ok::<_, Failure>(results)
        },
    );
    assert_eq!(ran.get(), 1);
    assert!(success_result_of(dl).is_empty());

    let dl2 = DeferredList::new(Vec::<Deferred<()>>::new()).fire_on_one_callback();
    let failure = failure_result_of(dl2);
    assert!(failure_group(&failure).failures().is_empty());
}

#[test]
fn deferred_list_fire_on_one_error() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredListFireOnOneError
    // DIFFERENCE: FirstError's `failure()` and `index()` are Twisted's `subFailure` and
    // `index`. defr2's failure, not consumed, is reported when its chain goes away, where
    // Twisted eats it with an errback added after the list.
    let capture = ReportCapture::start();
    let (defr1, r1) = Deferred::<String>::new();
    let (defr2, r2) = Deferred::<String>::new();
    let (defr3, r3) = Deferred::<String>::new();
    let dl = DeferredList::new([defr1, defr2, defr3]).fire_on_one_errback(true).into_deferred();

    r1.callback("1".to_owned());
    assert_no_result(&dl);

    r2.errback(GenericError("from def2"));
    let failure = failure_result_of(dl);
    let first = first_error(&failure);
    assert!(first.failure().check::<GenericError>(), "{first:?}");
    assert_eq!(first.failure().to_string(), "from def2");
    assert_eq!(first.index(), 1);
    assert_eq!(unhandled::<GenericError>(&capture), 1);

    // Settle the last input, so nothing is left to report.
    r3.callback("3".to_owned());
    assert!(capture.take().is_empty());
}

#[test]
fn deferred_list_dont_consume_errors() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredListDontConsumeErrors
    // DIFFERENCE: Twisted sees the failure go on to an errback added to d1 after the list.
    // d1 belongs to the list here, so nothing can be added after it; the failure left on
    // its chain shows up as the report of an unhandled failure when the chain goes away.
    let capture = ReportCapture::start();
    let (d1, r1) = Deferred::<()>::new();
    let dl = DeferredList::new([d1]).into_deferred();
    r1.errback(GenericError("Bang"));
    let reports = capture.take();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].is_unhandled());
    assert!(reports[0].failure().check::<GenericError>());
    assert_eq!(reports[0].failure().to_string(), "Bang");

    let results = success_result_of(dl);
    assert_eq!(results.len(), 1);
    let failure = results[0].as_ref().expect_err("d1 failed");
    assert_eq!(failure.to_string(), "Bang");
}

#[test]
fn deferred_list_consume_errors() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredListConsumeErrors
    // DIFFERENCE: where Twisted's errback added after the list sees nothing, here nothing
    // is reported when d1's chain goes away.
    let capture = ReportCapture::start();
    let (d1, r1) = Deferred::<()>::new();
    let dl = DeferredList::new([d1]).consume_errors(true).into_deferred();
    r1.errback(GenericError("Bang"));
    assert!(capture.take().is_empty());

    let results = success_result_of(dl);
    assert_eq!(results.len(), 1);
    let failure = results[0].as_ref().expect_err("d1 failed");
    assert_eq!(failure.to_string(), "Bang");
}

#[test]
fn deferred_list_fire_on_one_error_with_already_fired_deferreds() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds
    // DIFFERENCE: d1's failure, not consumed, is reported (and taken) where Twisted
    // swallows it with an errback added afterwards.
    let capture = ReportCapture::start();
    let (d1, r1) = Deferred::<()>::new();
    let (d2, r2) = Deferred::<()>::new();
    r1.errback(GenericError("Bang"));

    let dl = DeferredList::new([d1, d2]).fire_on_one_errback(true).into_deferred();
    let failure = failure_result_of(dl);
    assert_eq!(first_error(&failure).index(), 0);
    assert_eq!(unhandled::<GenericError>(&capture), 1);

    r2.callback(());
    assert!(capture.take().is_empty());
}

#[test]
fn deferred_list_with_already_fired_deferreds() {
    // Source: twisted/test/test_defer.py DeferredTests.testDeferredListWithAlreadyFiredDeferreds
    // DIFFERENCE: d1's failure, not consumed, is reported (and taken) where Twisted
    // swallows it with an errback added afterwards.
    let capture = ReportCapture::start();
    let (d1, r1) = Deferred::<i32>::new();
    let (d2, r2) = Deferred::<i32>::new();
    r1.errback(GenericError("Bang"));
    r2.callback(2);

    let dl = DeferredList::new([d1, d2]).into_deferred();
    let results = success_result_of(dl);
    assert_eq!(results.len(), 2);
    assert!(results[0].as_ref().is_err_and(|f| f.check::<GenericError>()));
    assert_eq!(results[1].as_ref().ok(), Some(&2));
    assert_eq!(unhandled::<GenericError>(&capture), 1);
}

#[test]
fn cancel_deferred_list() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredList
    // DIFFERENCE: the inputs' CancelledErrors are not consumed by the list, so each is
    // reported when its chain goes away (Twisted's failureResultOf eats them).
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).into_deferred();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_one));
    assert!(failed_with::<CancelledError, _>(&seen_two));
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 2);
}

#[test]
fn cancel_deferred_list_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListCallback
    // DIFFERENCE: the list's results are `Ok`/`Err` in input order, not `(bool, result)`
    // pairs; the second input's CancelledError, not consumed, is reported and taken.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::with_canceller(callback_canceller);
    let (two, r2) = Deferred::<String>::new();
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).into_deferred();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_two));
    let results = success_result_of(dl);
    assert_eq!(results[0].as_ref().ok().map(String::as_str), Some(CALLBACK_RESULT));
    assert!(results[1].as_ref().is_err_and(|f| f.check::<CancelledError>()));
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 1);
}

#[test]
fn cancel_deferred_list_with_fire_on_one_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneCallback
    // DIFFERENCE: both inputs fail (cancelled) under fireOnOneCallback. Twisted then fires
    // the list's callback with the list of results; here the list fails with a
    // FailureGroup of the inputs' failures in input order (our documented answer). The
    // inputs' CancelledErrors, not consumed, are reported and taken.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).fire_on_one_callback();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_one));
    assert!(failed_with::<CancelledError, _>(&seen_two));
    let failure = failure_result_of(dl);
    let group = failure_group(&failure);
    assert_eq!(group.failures().len(), 2);
    assert!(group.failures().iter().all(|f| f.check::<CancelledError>()), "{group:?}");
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 2);
}

#[test]
fn fire_on_one_callback_all_inputs_fail() {
    // Source: none in Twisted: DeferredList(fireOnOneCallback=True) whose inputs all fail
    // fires its callback with the list of (False, failure) pairs (defer.py).
    // DIFFERENCE: `fire_on_one_callback` promises `(value, index)`, which a list of
    // failures is not; it fails with a FailureGroup holding every input's failure in
    // input order (not firing order), once the last input has failed.
    let (a, ra) = Deferred::<i32>::new();
    let (b, rb) = Deferred::<i32>::new();
    let dl = DeferredList::new([a, b]).consume_errors(true).fire_on_one_callback();
    let failure_b = Failure::new(GenericError("b"));
    let failure_a = Failure::new(GenericError("a"));
    rb.errback(failure_b.clone());
    assert_no_result(&dl);
    ra.errback(failure_a.clone());
    let failure = failure_result_of(dl);
    let failures = failure_group(&failure).failures();
    assert_eq!(failures.len(), 2);
    assert!(failures[0].same_error(&failure_a), "{failures:?}");
    assert!(failures[1].same_error(&failure_b), "{failures:?}");
}

#[test]
fn fire_on_one_callback_first_success_wins() {
    // Source: none in Twisted: fireOnOneCallback fires with (result, index) of the first
    // success, after earlier failures, and later results are ignored.
    let (a, ra) = Deferred::<&str>::new();
    let (b, rb) = Deferred::<&str>::new();
    let (c, rc) = Deferred::<&str>::new();
    let dl = DeferredList::new([a, b, c]).consume_errors(true).fire_on_one_callback();
    ra.errback(GenericError("a"));
    assert_no_result(&dl);
    rc.callback("c");
    rb.callback("b");
    assert_eq!(success_result_of(dl), ("c", 2));
}

#[test]
fn cancel_deferred_list_with_fire_on_one_callback_and_deferred_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback
    // DIFFERENCE: the list fires with the first success before the second input is
    // cancelled, so it is the second input's CancelledError, not consumed, that is
    // reported and taken.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::with_canceller(callback_canceller);
    let (two, r2) = Deferred::<String>::new();
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).fire_on_one_callback();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_two));
    assert_eq!(success_result_of(dl), (CALLBACK_RESULT.to_owned(), 0));
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 1);
}

#[test]
fn cancel_deferred_list_with_fire_on_one_errback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneErrback
    // DIFFERENCE: the inputs' CancelledErrors, not consumed, are reported and taken.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).fire_on_one_errback(true).into_deferred();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_one));
    assert!(failed_with::<CancelledError, _>(&seen_two));
    let failure = failure_result_of(dl);
    assert!(first_error(&failure).failure().check::<CancelledError>(), "{failure:?}");
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 2);
}

#[test]
fn cancel_deferred_list_with_fire_on_one_errback_all_deferreds_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback
    // DIFFERENCE: the results are `Ok` values, not `(True, value)` pairs.
    let (one, _r1) = Deferred::with_canceller(callback_canceller);
    let (two, _r2) = Deferred::with_canceller(callback_canceller);
    let dl = DeferredList::new([one, two]).fire_on_one_errback(true).into_deferred();
    dl.cancel();
    let results = success_result_of(dl);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().ok().map(String::as_str), Some(CALLBACK_RESULT));
    assert_eq!(results[1].as_ref().ok().map(String::as_str), Some(CALLBACK_RESULT));
}

#[test]
fn cancel_deferred_list_with_original_deferreds() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithOriginalDeferreds
    // DIFFERENCE: Twisted appends a third Deferred to the argument list after building
    // the list; here the Vec moves into the list, so it cannot be changed afterwards. The
    // third Deferred is made beside the list and must be left alone by its cancellation.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let arguments = vec![one, two];
    let dl = DeferredList::new(arguments).into_deferred();
    let (three, r3) = Deferred::<()>::new();
    dl.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_one));
    assert!(failed_with::<CancelledError, _>(&seen_two));
    assert_no_result(&three);
    assert!(!r3.is_settled());
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 2);
    r3.callback(());
    assert_eq!(success_result_of(three), ());
}

#[test]
fn cancel_deferred_list_with_exception() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelDeferredListWithException
    // DIFFERENCE: a canceller cannot raise; the Rust counterpart of Twisted's raising
    // canceller is one that panics. Cancelling the list must still cancel the other
    // input, and the panic is expected to be reported (Twisted logs the exception) rather
    // than escape from `cancel()`.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::with_canceller(|_| panic!("test"));
    let (two, r2) = Deferred::<()>::new();
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).into_deferred();
    let escaped = catch_unwind(AssertUnwindSafe(|| dl.cancel())).is_err();
    assert!(!escaped, "the canceller's panic escaped from cancel()");
    assert!(failed_with::<CancelledError, _>(&seen_two));
    assert_eq!(capture.flush::<PanicError>().len(), 1);
    drop((dl, r1, r2));
    capture.take();
}

#[test]
fn cancel_fired_on_one_callback_deferred_list() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelFiredOnOneCallbackDeferredList
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).fire_on_one_callback();
    r1.callback(());
    dl.cancel();
    assert!(seen_two.borrow().is_none());
    assert!(!r2.is_settled());
    assert_eq!(success_result_of(dl), ((), 0));
    r2.callback(());
}

#[test]
fn cancel_fired_on_one_errback_deferred_list() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelFiredOnOneErrbackDeferredList
    // DIFFERENCE: deferredOne's failure, not consumed, is reported (and taken) when its
    // chain goes away, where Twisted's failureResultOf eats it.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let dl = DeferredList::new([one, two]).fire_on_one_errback(true).into_deferred();
    r1.errback(GenericError("test"));
    dl.cancel();
    assert!(seen_two.borrow().is_none());
    assert!(!r2.is_settled());
    assert!(failed_with::<GenericError, _>(&seen_one));
    let failure = failure_result_of(dl);
    assert!(first_error(&failure).failure().check::<GenericError>(), "{failure:?}");
    assert_eq!(unhandled::<GenericError>(&capture), 1);
    r2.callback(());
    assert!(capture.take().is_empty());
}

#[test]
fn gather_results_values_and_failure() {
    // Source: twisted/test/test_defer.py DeferredTests.test_gatherResults
    // DIFFERENCE: the failure is checked to be a FirstError for index 1. The failed
    // input's failure, not consumed, is reported when its chain goes away, where Twisted
    // eats it with an errback added afterwards.
    let capture = ReportCapture::start();
    assert_eq!(success_result_of(gather_results([succeed(1), succeed(2)])), vec![1, 2]);

    let d = gather_results([succeed(1), fail(GenericError("value"))]);
    let failure = failure_result_of(d);
    let first = first_error(&failure);
    assert_eq!(first.index(), 1);
    assert!(first.failure().check::<GenericError>());
    assert_eq!(unhandled::<GenericError>(&capture), 1);
}

#[test]
fn gather_results_with_consume_errors() {
    // Source: twisted/test/test_defer.py DeferredTests.test_gatherResultsWithConsumeErrors
    // DIFFERENCE: `gather_results` has no consumeErrors flag; `DeferredList::consume_errors`
    // with `gather` is the same join. Twisted's "no errback added afterwards sees the
    // failure" becomes "nothing is reported when the input's chain goes away".
    let capture = ReportCapture::start();
    let dgood = succeed(1);
    let dbad = fail(RuntimeError("oh noes"));
    let d = DeferredList::new([dgood, dbad]).consume_errors(true).gather();
    assert!(capture.take().is_empty());
    let failure = failure_result_of(d);
    let first = first_error(&failure);
    assert!(first.failure().check::<RuntimeError>(), "{first:?}");
}

#[test]
fn cancel_gather_results() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelGatherResults
    // DIFFERENCE: the inputs' CancelledErrors, not consumed, are reported and taken.
    let capture = ReportCapture::start();
    let (one, r1) = Deferred::<()>::new();
    let (two, r2) = Deferred::<()>::new();
    let (one, seen_one) = watch(one);
    let (two, seen_two) = watch(two);
    let result = gather_results([one, two]);
    result.cancel();
    assert!(failed_with::<CancelledError, _>(&seen_one));
    assert!(failed_with::<CancelledError, _>(&seen_two));
    let failure = failure_result_of(result);
    assert!(first_error(&failure).failure().check::<CancelledError>(), "{failure:?}");
    drop((r1, r2));
    assert_eq!(unhandled::<CancelledError>(&capture), 2);
}

#[test]
fn cancel_gather_results_with_all_deferreds_callback() {
    // Source: twisted/test/test_defer.py DeferredTests.test_cancelGatherResultsWithAllDeferredsCallback
    let (one, _r1) = Deferred::with_canceller(callback_canceller);
    let (two, _r2) = Deferred::with_canceller(callback_canceller);
    let result = gather_results([one, two]);
    result.cancel();
    let values = success_result_of(result);
    assert_eq!(values, vec![CALLBACK_RESULT.to_owned(), CALLBACK_RESULT.to_owned()]);
}

/// A `FirstError` for a failure of `failure` at input `index`, made by a join.
fn first_error_at(index: usize, failure: &Failure) -> Failure {
    let inputs = (0..index).map(|_| succeed(0)).chain([fail(failure.clone())]);
    failure_result_of(DeferredList::new(inputs).consume_errors(true).gather())
}

#[test]
fn first_error_debug() {
    // Source: twisted/test/test_defer.py FirstErrorTests.test_repr
    // DIFFERENCE: FirstError cannot be built directly; a join makes it. Its Debug output
    // (Rust's repr) is derived: it shows the index and the failure's Debug, which shows
    // the error's Debug, rather than Twisted's `FirstError[#3, ...]`.
    let exc = Failure::new(GenericError("some text"));
    let joined = first_error_at(3, &exc);
    let error = first_error(&joined);
    let debug = format!("{error:?}");
    assert!(debug.contains("index: 3"), "{debug}");
    assert!(debug.contains(&format!("{:?}", GenericError("some text"))), "{debug}");
}

#[test]
fn first_error_display() {
    // Source: twisted/test/test_defer.py FirstErrorTests.test_str
    // DIFFERENCE: the text is `input #5 failed: <the failure's text>` rather than
    // Twisted's `FirstError[#5, <the failure's str>]`; both carry the index and the
    // sub-failure's text.
    let f = Failure::new(GenericError("some text"));
    let joined = first_error_at(5, &f);
    let error = first_error(&joined);
    assert_eq!(error.to_string(), format!("input #5 failed: {f}"));
}

#[test]
fn first_error_comparison() {
    // Source: twisted/test/test_defer.py FirstErrorTests.test_comparison
    // DIFFERENCE: FirstError has no `==` (a Failure compares by identity, with
    // `same_error`); two FirstErrors are the same when their indexes are equal and their
    // failures are the same error, which is what Twisted's equality compares.
    let first_failure = Failure::new(GenericError("division by zero"));
    let one = first_error_at(13, &first_failure);
    let another_one = first_error_at(13, &first_failure);
    let second_failure = Failure::new(GenericError("bar"));
    let another = first_error_at(9, &second_failure);

    let same = |a: &FirstError, b: &FirstError| {
        a.index() == b.index() && a.failure().same_error(b.failure())
    };
    let (one, another_one, another) =
        (first_error(&one), first_error(&another_one), first_error(&another));
    assert!(same(one, another_one));
    assert!(!same(one, another));
    assert!(one.failure().same_error(&first_failure));
    assert!(another.failure().same_error(&second_failure));
}

#[test]
fn deferred_list_empty() {
    // Source: twisted/test/test_defer.py DeferredListEmptyTests.testDeferredListEmpty
    let ran = Rc::new(Cell::new(false));
    let flag = Rc::clone(&ran);
    let dl = DeferredList::new(Vec::<Deferred<u8>>::new()).into_deferred().add_callback(
        move |results| {
            flag.set(true);
            assert!(results.is_empty());
            Ok::<_, Failure>(())
        },
    );
    success_result_of(dl);
    assert!(ran.get(), "the callback was never run");
}

#[test]
fn join2_values_and_failures() {
    // Source: none in Twisted: join2 is a two-input DeferredList with consume_errors, typed
    // per input; it waits for both and delivers each result, success or failure.
    let capture = ReportCapture::start();
    let (a, ra) = Deferred::<i32>::new();
    let (b, rb) = Deferred::<String>::new();
    let joined = join2(a, b);
    rb.callback("two".to_owned());
    assert_no_result(&joined);
    ra.callback(1);
    let (a, b) = success_result_of(joined);
    assert_eq!(a.ok(), Some(1));
    assert_eq!(b.ok().as_deref(), Some("two"));

    let (a, b) = success_result_of(join2(fail::<i32>(GenericError("first")), succeed('x')));
    assert!(a.is_err_and(|f| f.check::<GenericError>() && f.to_string() == "first"));
    assert_eq!(b.ok(), Some('x'));
    // The failure was delivered in the tuple, so it is not also reported.
    assert!(capture.take().is_empty());
}

#[test]
fn gather2_values_and_first_error_index() {
    // Source: none in Twisted: gather2 is a two-input gatherResults, typed per input.
    let capture = ReportCapture::start();
    assert_eq!(success_result_of(gather2(succeed(6), succeed("seven"))), (6, "seven"));

    let (a, ra) = Deferred::<i32>::new();
    let (b, rb) = Deferred::<&str>::new();
    let gathered = gather2(a, b);
    rb.errback(GenericError("second"));
    let failure = failure_result_of(gathered);
    let first = first_error(&failure);
    assert_eq!(first.index(), 1);
    assert!(first.failure().check::<GenericError>());
    assert_eq!(first.failure().to_string(), "second");
    ra.callback(1);

    let failure = failure_result_of(gather2(fail::<u8>(GenericError("first")), succeed(2)));
    assert_eq!(first_error(&failure).index(), 0);
    // Whether the inputs' failures are also reported is not what this test checks.
    capture.take();
}

#[test]
fn join2_and_gather2_cancel_reaches_both_inputs() {
    // Source: none in Twisted: cancelling a typed join cancels every input, as for
    // DeferredList.
    let capture = ReportCapture::start();
    let count_a = Rc::new(Cell::new(0));
    let count_b = Rc::new(Cell::new(0));
    let (a, _ra) = counted::<i32>(&count_a);
    let (b, _rb) = counted::<String>(&count_b);
    let joined = join2(a, b);
    joined.cancel();
    assert_eq!((count_a.get(), count_b.get()), (1, 1));
    let (a, b) = success_result_of(joined);
    assert!(a.is_err_and(|f| f.check::<CancelledError>()));
    assert!(b.is_err_and(|f| f.check::<CancelledError>()));

    let count_a = Rc::new(Cell::new(0));
    let count_b = Rc::new(Cell::new(0));
    let (a, ra) = counted::<i32>(&count_a);
    let (b, rb) = counted::<String>(&count_b);
    let gathered = gather2(a, b);
    gathered.cancel();
    assert_eq!((count_a.get(), count_b.get()), (1, 1));
    let failure = failure_result_of(gathered);
    assert!(first_error(&failure).failure().check::<CancelledError>(), "{failure:?}");
    // Whether the inputs' cancellations are also reported is not what this test checks.
    drop((ra, rb));
    capture.take();
}

#[test]
fn join3_values_and_failures() {
    // Source: none in Twisted: join3 is a three-input DeferredList with consume_errors,
    // typed per input.
    let capture = ReportCapture::start();
    let (a, ra) = Deferred::<u8>::new();
    let (b, rb) = Deferred::<&str>::new();
    let (c, rc) = Deferred::<f64>::new();
    let joined = join3(a, b, c);
    rc.callback(3.5);
    ra.callback(1);
    assert_no_result(&joined);
    rb.errback(GenericError("middle"));
    let (a, b, c) = success_result_of(joined);
    assert_eq!(a.ok(), Some(1));
    assert!(b.is_err_and(|f| f.check::<GenericError>() && f.to_string() == "middle"));
    assert_eq!(c.ok(), Some(3.5));
    assert!(capture.take().is_empty());
}

#[test]
fn gather3_values_and_first_error_index() {
    // Source: none in Twisted: gather3 is a three-input gatherResults, typed per input.
    let capture = ReportCapture::start();
    let d = gather3(succeed(1), succeed("two"), succeed(3.0));
    assert_eq!(success_result_of(d), (1, "two", 3.0));

    let (a, ra) = Deferred::<u8>::new();
    let (b, rb) = Deferred::<&str>::new();
    let (c, rc) = Deferred::<f64>::new();
    let gathered = gather3(a, b, c);
    ra.callback(1);
    rc.errback(GenericError("third"));
    let failure = failure_result_of(gathered);
    let first = first_error(&failure);
    assert_eq!(first.index(), 2);
    assert_eq!(first.failure().to_string(), "third");
    rb.callback("late");
    // Whether the input's failure is also reported is not what this test checks.
    capture.take();
}

#[test]
fn join3_and_gather3_cancel_reaches_every_input() {
    // Source: none in Twisted: cancelling a typed join cancels every input.
    let capture = ReportCapture::start();
    let counts: [Rc<Cell<usize>>; 3] = Default::default();
    let (a, _ra) = counted::<u8>(&counts[0]);
    let (b, _rb) = counted::<&str>(&counts[1]);
    let (c, _rc) = counted::<f64>(&counts[2]);
    let joined = join3(a, b, c);
    joined.cancel();
    assert!(counts.iter().all(|count| count.get() == 1));
    let (a, b, c) = success_result_of(joined);
    assert!(a.is_err_and(|f| f.check::<CancelledError>()));
    assert!(b.is_err_and(|f| f.check::<CancelledError>()));
    assert!(c.is_err_and(|f| f.check::<CancelledError>()));

    let counts: [Rc<Cell<usize>>; 3] = Default::default();
    let (a, ra) = counted::<u8>(&counts[0]);
    let (b, rb) = counted::<&str>(&counts[1]);
    let (c, rc) = counted::<f64>(&counts[2]);
    let gathered = gather3(a, b, c);
    gathered.cancel();
    assert!(counts.iter().all(|count| count.get() == 1));
    let failure = failure_result_of(gathered);
    assert!(first_error(&failure).failure().check::<CancelledError>(), "{failure:?}");
    // Whether the inputs' cancellations are also reported is not what this test checks.
    drop((ra, rb, rc));
    capture.take();
}
