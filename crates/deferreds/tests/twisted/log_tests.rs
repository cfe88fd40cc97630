//! Twisted's `LogTests` (twisted/test/test_defer.py): failures nobody handled are
//! reported.
//!
//! Twisted logs such a failure when the garbage collector frees the failed Deferred.
//! Here the report is deterministic: it happens when the last handle to a chain whose
//! result is a failure goes away, and `testing::ReportCapture` collects it. The end of
//! the module checks `ReportCapture` itself.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::panic::{Location, catch_unwind};
use std::rc::Rc;

use deferreds::testing::ReportCapture;
use deferreds::{Deferred, Failure, Report, Resolver, ResolverDroppedError, Trace, fail};

use crate::util_tests::LogRecorder;

/// Python's `ZeroDivisionError`, which the Twisted tests raise with `1 // 0`.
#[derive(Debug)]
struct DivisionByZero;

impl fmt::Display for DivisionByZero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("integer division by zero")
    }
}

impl Error for DivisionByZero {}

#[derive(Debug)]
struct RuntimeError(&'static str);

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for RuntimeError {}

/// `a / b`, failing on a zero divisor; the failure's origin is the caller's line.
#[track_caller]
fn int_div(a: i32, b: i32) -> Result<i32, Failure> {
    match a.checked_div(b) {
        Some(quotient) => Ok(quotient),
        None => Err(Failure::new(DivisionByZero)),
    }
}

/// A new Deferred and its resolver, with the caller's location, where the Deferred is
/// recorded as created.
#[track_caller]
fn deferred_here<T: 'static>() -> (Deferred<T>, Resolver<T>, &'static Location<'static>) {
    let (d, r) = Deferred::new();
    (d, r, Location::caller())
}

/// Twisted's `_check`: exactly one report was made, of an unhandled `DivisionByZero` in
/// the Deferred created at `created_at`, raised in a handler on line `handler_line` of
/// this file. Takes it from the capture and returns it.
#[track_caller]
fn take_unhandled_division(
    capture: &ReportCapture,
    created_at: &'static Location<'static>,
    handler_line: u32,
) -> Report {
    let mut reports = capture.flush::<DivisionByZero>();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(capture.take().is_empty(), "only the division was reported");
    let report = reports.pop().expect("one report");
    assert!(report.is_unhandled());
    assert_eq!(report.deferred_location(), Some(created_at));
    assert_eq!(created_at.file(), file!());

    let failure = report.failure();
    assert_eq!(failure.to_string(), "integer division by zero");
    assert_eq!(failure.location().file(), file!());
    assert_eq!(failure.location().line(), handler_line);
    let raised_in = failure.trail().last().expect("the failure has a trail");
    assert!(matches!(raised_in, Trace::RaisedIn(_)), "{raised_in:?}");
    assert_eq!(raised_in.location().file(), file!());
    assert_eq!(raised_in.location().line(), handler_line);

    let text = failure.report();
    assert!(text.starts_with("integer division by zero\n  created at "), "{text}");
    assert!(
        text.contains(&format!("raised in the handler added at {}", raised_in.location())),
        "{text}"
    );
    report
}

// Source: twisted/test/test_defer.py LogTests.test_errorLog
#[test]
fn unreferenced_failed_deferred_is_reported_when_fired() {
    let capture = ReportCapture::start();
    let (d, r, created_at) = deferred_here::<i32>();
    // No handle kept: the resolver holds the chain's last reference.
    let (d, handler_line) = (d.add_callback(|x: i32| int_div(x, 0)), line!());
    drop(d);
    assert!(capture.take().is_empty(), "nothing fails before firing");

    r.callback(1);
    // Firing consumed the resolver, so the failed chain went away there and then.
    take_unhandled_division(&capture, created_at, handler_line);
}

/// Creates, fires and lets go of a failing chain inside its own frame; returns where the
/// Deferred was created and the line of its handler.
fn fail_in_inner_frame(capture: &ReportCapture) -> (&'static Location<'static>, u32) {
    let (d, r, created_at) = deferred_here::<i32>();
    let (d, handler_line) = (d.add_callback(|x: i32| int_div(x, 0)), line!());
    r.callback(1);
    assert!(
        capture.take().is_empty(),
        "the local handle still refers to the chain, so nothing is reported yet"
    );
    drop(d);
    (created_at, handler_line)
}

// Source: twisted/test/test_defer.py LogTests.test_errorLogWithInnerFrameRef
#[test]
fn failed_deferred_of_an_inner_frame_is_reported_when_the_frame_ends() {
    let capture = ReportCapture::start();
    let (created_at, handler_line) = fail_in_inner_frame(&capture);
    take_unhandled_division(&capture, created_at, handler_line);
}

/// The handle to a chain, kept by a handler on that same chain: a reference cycle.
type SelfSlot = Rc<RefCell<Option<Deferred<i32>>>>;

// Source: twisted/test/test_defer.py LogTests.test_errorLogWithInnerFrameCycle
// DIFFERENCE: no cycle collector is needed: the cycle runs through the handler, which
// firing consumes, so the chain is freed and reported as soon as it fires.
#[test]
fn failed_deferred_in_a_cycle_broken_by_firing_is_reported() {
    let capture = ReportCapture::start();
    let (d, r, created_at) = deferred_here::<i32>();
    let slot: SelfSlot = Rc::new(RefCell::new(None));
    let cycle = Rc::clone(&slot);
    // The handler divides by zero only if it can still see the handle: the cycle.
    let divisor = move || i32::from(cycle.borrow().is_none());
    let (d, handler_line) = (d.add_callback(move |x: i32| int_div(x, divisor())), line!());
    *slot.borrow_mut() = Some(d);
    let handle = Rc::downgrade(&slot);
    drop(slot);
    assert!(handle.upgrade().is_some(), "the cycle keeps the handle alive");
    assert!(capture.take().is_empty());

    r.callback(1);
    assert!(handle.upgrade().is_none(), "firing broke the cycle");
    take_unhandled_division(&capture, created_at, handler_line);
}

// Source: twisted/test/test_defer.py LogTests.test_errorLogNoRepr
#[test]
fn unhandled_failure_log_shows_the_report_not_a_debug_repr() {
    // No ReportCapture: the report goes to `tracing`, where the recorder sees it.
    let mut created_at = None;
    let logged = LogRecorder::record(|| {
        let (d, r, at) = deferred_here::<i32>();
        created_at = Some(at);
        drop(d.add_callback(|x: i32| int_div(x, 0)));
        r.callback(1);
    });
    let created_at = created_at.expect("the Deferred was created");

    assert_eq!(logged.len(), 1, "{logged:?}");
    let event = &logged[0];
    assert_eq!(event.level, tracing::Level::ERROR);
    assert_eq!(event.target, "deferreds::unhandled");
    // DIFFERENCE: Twisted's text starts with "Unhandled Error\nTraceback"; ours says the
    // failure was unhandled, then gives its message, origin and trail.
    assert!(
        event.message.starts_with(
            "unhandled failure in a Deferred: integer division by zero\n  created at "
        ),
        "{:?}",
        event.message
    );
    assert!(event.message.contains("raised in the handler added at"), "{:?}", event.message);
    assert!(event.message.contains(created_at.file()), "{:?}", event.message);
    assert!(!event.message.contains("Failure {"), "{:?}", event.message);
    assert!(!event.message.contains("DivisionByZero"), "{:?}", event.message);
}

// Source: twisted/test/test_defer.py LogTests.test_errorLogDebugInfo
// DIFFERENCE: Twisted adds where the Deferred was created and first fired only in debug
// mode. Here every report has the failure's origin and trail, and the Deferred's
// creation site: no debug mode is needed.
#[test]
fn every_report_has_creation_site_and_trail_without_debug_mode() {
    let capture = ReportCapture::start();
    let (d, r, created_at) = deferred_here::<i32>();
    let (d, handler_line) = (d.add_callback(|x: i32| int_div(x, 0)), line!());
    r.callback(1);
    drop(d);
    take_unhandled_division(&capture, created_at, handler_line);

    // A failure that enters the chain through its resolver also names the Deferred it
    // entered and the handlers it passed, in order.
    let (d, r, created_at) = deferred_here::<i32>();
    let (d, passed_line) = (d.add_callback(|x: i32| Ok::<_, Failure>(x + 1)), line!());
    let (failure, fired_line) = (Failure::new(DivisionByZero), line!());
    r.errback(failure);
    drop(d);
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].deferred_location(), Some(created_at));
    let failure = reports[0].failure();
    assert_eq!(failure.location().line(), fired_line);
    let trail = failure.trail();
    assert_eq!(trail.len(), 2, "{trail:?}");
    assert_eq!(trail[0], Trace::Entered(created_at));
    assert!(matches!(trail[1], Trace::PassedThrough(_)), "{trail:?}");
    assert_eq!(trail[1].location().line(), passed_line);
    let text = failure.report();
    assert!(text.contains(&format!("\n  created at {}", failure.location())), "{text}");
    assert!(text.contains(&format!("\n  entered the Deferred created at {created_at}")), "{text}");
    assert!(
        text.contains(&format!("\n  passed the handler added at {}", trail[1].location())),
        "{text}"
    );
}

// Source: twisted/test/test_defer.py LogTests.test_chainedErrorCleanup
#[test]
fn failure_of_a_returned_deferred_is_not_reported_once_handled() {
    let capture = ReportCapture::start();
    let (d, r) = Deferred::<()>::new();
    let d = d.add_callback(|()| fail::<()>(RuntimeError("zoop")));
    r.callback(());

    let results = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let (ok, err) = (Rc::clone(&results), Rc::clone(&errors));
    let d = d.add_callbacks(
        move |()| {
            ok.borrow_mut().push(());
            Ok(())
        },
        move |f: Failure| {
            err.borrow_mut().push(f);
            Ok(())
        },
    );
    assert!(results.borrow().is_empty());
    assert_eq!(errors.borrow().len(), 1);
    let zoop = errors.borrow_mut().pop().expect("one failure");
    assert_eq!(zoop.trap::<RuntimeError>().expect("a RuntimeError").0, "zoop");

    drop((d, zoop, results, errors));
    assert!(capture.take().is_empty(), "the handled failure must not be reported");
}

// Source: twisted/test/test_defer.py LogTests.test_errorClearedByChaining
#[test]
fn failure_cleared_by_an_errback_returning_a_deferred_is_not_reported() {
    let capture = ReportCapture::start();
    let bad = fail::<()>(Failure::msg("oh no"));
    let (good, good_resolver) = Deferred::<()>::new();
    let bad = bad.add_errback(move |_| good);
    drop(bad);
    assert!(capture.take().is_empty(), "no chain holds a failure, so nothing is reported");

    // DIFFERENCE: in Twisted `good` is simply collected unfired. Here its resolver is
    // a promise: dropping it unfired fails `good`, and that failure, resumed into the
    // chain `bad` belonged to, is reported as unhandled.
    drop(good_resolver);
    let reports = capture.flush::<ResolverDroppedError>();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].is_unhandled());
    assert!(capture.take().is_empty(), "\"oh no\" was handled");
}

// Source: none in Twisted: trial fails a test that logged errors it did not flush;
// ReportCapture does the same by panicking when dropped with reports left.
#[test]
fn report_capture_dropped_with_reports_left_panics() {
    let outcome = catch_unwind(|| {
        let capture = ReportCapture::start();
        drop(fail::<()>(Failure::msg("nobody took me")));
        drop(capture);
    });
    let payload = outcome.expect_err("dropping the capture must panic");
    let message = payload.downcast_ref::<String>().expect("a formatted panic message");
    assert!(message.contains("1 failure report(s) not taken"), "{message}");
    assert!(message.contains("nobody took me"), "{message}");

    // The panicking capture was removed: a new one on this thread works normally.
    let capture = ReportCapture::start();
    drop(fail::<()>(Failure::msg("taken")));
    let reports = capture.take();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].failure().to_string(), "taken");

    // A capture whose reports were all taken drops quietly.
    assert!(catch_unwind(|| drop(ReportCapture::start())).is_ok());
}

// Source: none in Twisted: checks that ReportCapture nests, the innermost collecting.
#[test]
fn nested_report_captures_collect_into_the_innermost() {
    let outer = ReportCapture::start();
    let inner = ReportCapture::start();
    drop(fail::<()>(Failure::msg("inner")));
    assert!(outer.take().is_empty(), "the outer capture sees nothing");
    let reports = inner.take();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].failure().to_string(), "inner");
    drop(inner);

    deferreds::log_err(Failure::msg("outer")).expect("log_err never fails");
    let reports = outer.take();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].failure().to_string(), "outer");
    assert!(!reports[0].is_unhandled());
}

// Source: none in Twisted: a fired Deferred holds its result without a chain, and a
// failure it drops names the call that made it.
#[test]
fn failure_of_a_fired_deferred_names_the_call_that_made_it() {
    let capture = ReportCapture::start();
    let (d, made_at) = (fail::<i32>(DivisionByZero), line!());
    drop(d);
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let at = reports[0].deferred_location().expect("an unhandled report");
    assert_eq!((at.file(), at.line()), (file!(), made_at));

    let (d, handler_line) = (deferreds::succeed(1).add_callback(|x: i32| int_div(x, 0)), line!());
    drop(d);
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let at = reports[0].deferred_location().expect("an unhandled report");
    assert_eq!((at.file(), at.line()), (file!(), handler_line));

    // Pausing moves the result into a chain created where it was paused; its handlers
    // wait for the unpause.
    let (mut d, paused_line) = (deferreds::succeed(2), line!());
    d.pause();
    let mut d = d.add_callback(|x: i32| int_div(x, 0));
    deferreds::testing::assert_no_result(&d);
    d.unpause();
    drop(d);
    let reports = capture.take();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let at = reports[0].deferred_location().expect("an unhandled report");
    assert_eq!((at.file(), at.line()), (file!(), paused_line + 1));
}
