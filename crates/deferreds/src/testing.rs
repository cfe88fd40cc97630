//! Helpers for tests that make a Deferred's hidden state visible (Twisted trial's
//! `successResultOf`, `failureResultOf`, `assertNoResult` and `flushLoggedErrors`).

use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::report::{CAPTURES, Report};
use crate::{Deferred, Failure};

/// Takes the result a Deferred has right now: `Ok(value)`, `Err(failure)`, or `None`
/// if it has none yet (pending, paused, or waiting for another Deferred).
///
/// The result is taken off the chain, so a failure taken here is not reported as
/// unhandled.
pub fn result_of<T: 'static>(deferred: Deferred<T>) -> Option<Result<T, Failure>> {
    if !deferred.has_result() {
        return None;
    }
    let future = pin!(deferred.into_future());
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => Some(result),
        Poll::Pending => None,
    }
}

/// The value a Deferred has succeeded with.
///
/// # Panics
///
/// If the Deferred has no result yet, or failed (the panic shows the failure's report).
#[track_caller]
pub fn success_result_of<T: 'static>(deferred: Deferred<T>) -> T {
    match result_of(deferred) {
        Some(Ok(value)) => value,
        Some(Err(failure)) => {
            panic!("expected a success result, got a failure: {}", failure.report())
        }
        None => panic!("expected a success result, but the Deferred has no result yet"),
    }
}

/// The failure a Deferred has failed with.
///
/// # Panics
///
/// If the Deferred has no result yet, or succeeded.
#[track_caller]
pub fn failure_result_of<T: 'static>(deferred: Deferred<T>) -> Failure {
    match result_of(deferred) {
        Some(Err(failure)) => failure,
        Some(Ok(_)) => panic!("expected a failure result, got a success"),
        None => panic!("expected a failure result, but the Deferred has no result yet"),
    }
}

/// Asserts that a Deferred has no result yet.
///
/// # Panics
///
/// If a handler added now would run at once.
#[track_caller]
pub fn assert_no_result<T: 'static>(deferred: &Deferred<T>) {
    assert!(!deferred.has_result(), "expected no result, but the Deferred has one: {deferred:?}");
}

/// Collects this thread's failure reports (unhandled failures and [`log_err`](crate::log_err)
/// calls) instead of logging them, while it is alive.
///
/// Dropping a capture that still holds reports panics, listing them, so a test fails on
/// an error it did not expect (as trial fails a test that logged an error it did not
/// flush). Captures nest; the innermost collects.
///
/// # Example: an unhandled failure, reported when its chain goes away
///
/// ```
/// use deferreds::{fail, testing::ReportCapture, Failure};
///
/// let capture = ReportCapture::start();
/// drop(fail::<()>(Failure::msg("nobody listens")));
/// let reports = capture.take();
/// assert!(reports[0].is_unhandled());
/// assert_eq!(reports[0].failure().to_string(), "nobody listens");
/// ```
#[derive(Debug)]
pub struct ReportCapture {
    depth: usize,
    started_at: &'static Location<'static>,
}

impl ReportCapture {
    /// Starts collecting reports on this thread.
    #[track_caller]
    pub fn start() -> ReportCapture {
        let depth = CAPTURES.with_borrow_mut(|captures| {
            captures.push(Vec::new());
            captures.len()
        });
        ReportCapture { depth, started_at: Location::caller() }
    }

    /// Takes every report collected so far.
    pub fn take(&self) -> Vec<Report> {
        CAPTURES.with_borrow_mut(|captures| std::mem::take(&mut captures[self.depth - 1]))
    }

    /// Takes the reports whose error is an `E`, leaving the others (trial's
    /// `flushLoggedErrors(E)`).
    pub fn flush<E: std::error::Error + 'static>(&self) -> Vec<Report> {
        CAPTURES.with_borrow_mut(|captures| {
            let all = std::mem::take(&mut captures[self.depth - 1]);
            let (taken, kept) = all.into_iter().partition(|r| r.failure().check::<E>());
            captures[self.depth - 1] = kept;
            taken
        })
    }
}

impl Drop for ReportCapture {
    fn drop(&mut self) {
        let left = CAPTURES.with_borrow_mut(|captures| {
            captures.truncate(self.depth);
            captures.pop().unwrap_or_default()
        });
        if !left.is_empty() && !std::thread::panicking() {
            let reports: Vec<String> = left.iter().map(|r| r.failure().report()).collect();
            panic!(
                "{} failure report(s) not taken from the capture started at {}:\n{}",
                left.len(),
                self.started_at,
                reports.join("\n")
            );
        }
    }
}
