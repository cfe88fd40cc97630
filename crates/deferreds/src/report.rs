//! Reporting failures nobody handled, and `log_err` for reporting them on purpose.
//!
//! Reports go to `tracing` at level ERROR (targets `deferreds::unhandled` and
//! `deferreds::log_err`), unless a [`testing::ReportCapture`](crate::testing::ReportCapture)
//! is active on the thread, in which case the test collects them instead.

use std::cell::RefCell;
use std::panic::Location;

use crate::Failure;

/// One reported failure: unhandled when its chain went away, or passed to [`log_err`].
#[derive(Clone, Debug)]
pub struct Report {
    failure: Failure,
    unhandled_in: Option<&'static Location<'static>>,
}

impl Report {
    /// The failure reported.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// Whether the report is of an unhandled failure, rather than one given to `log_err`.
    pub fn is_unhandled(&self) -> bool {
        self.unhandled_in.is_some()
    }

    /// For an unhandled failure: where the Deferred that dropped it was created.
    pub fn deferred_location(&self) -> Option<&'static Location<'static>> {
        self.unhandled_in
    }
}

thread_local! {
    /// Reports collected by active captures on this thread, innermost last.
    pub(crate) static CAPTURES: RefCell<Vec<Vec<Report>>> = const { RefCell::new(Vec::new()) };
}

fn emit(report: Report) {
    // `try_with`: a report can come from a thread-local's destructor at thread exit
    // (a pending task dropped), after the captures are gone; it is then logged.
    let mut report = Some(report);
    let _ = CAPTURES.try_with(|captures| {
        if let Some(capture) = captures.borrow_mut().last_mut() {
            capture.extend(report.take());
        }
    });
    let Some(report) = report else { return };
    match report.unhandled_in {
        Some(created_at) => tracing::error!(
            target: "deferreds::unhandled",
            %created_at,
            "unhandled failure in a Deferred: {}",
            report.failure.report()
        ),
        None => tracing::error!(target: "deferreds::log_err", "{}", report.failure.report()),
    }
}

pub(crate) fn unhandled(failure: Failure, created_at: &'static Location<'static>) {
    emit(Report { failure, unhandled_in: Some(created_at) });
}

/// Reports a failure and ends the failure path: the terminal errback.
///
/// Twisted's `log.err`. Add it where you are done with a chain, the line between
/// application code and library code, so a failure is reported there and then instead
/// of when the chain happens to be dropped. Returns `Ok(())`, so the chain ends on the
/// success path.
///
/// # Example: the tutorial's `d.addErrback(log.err)`
///
/// ```
/// use deferreds::{fail, log_err, testing, Failure};
///
/// let capture = testing::ReportCapture::start();
/// let d = fail::<i32>(Failure::msg("could not multiply"))
///     .add_callback(|product| { println!("{product}"); Ok(()) })
///     .add_errback(log_err);
/// assert_eq!(testing::success_result_of(d), ());
/// assert_eq!(capture.take()[0].failure().to_string(), "could not multiply");
/// ```
///
/// # Errors
///
/// Never: the signature is that of an errback.
pub fn log_err(failure: Failure) -> Result<(), Failure> {
    emit(Report { failure, unhandled_in: None });
    Ok(())
}
