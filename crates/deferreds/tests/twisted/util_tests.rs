//! Twisted's `UtilTests` (twisted/test/test_defer.py): reporting a failure on purpose.
//!
//! Twisted's `defer.logError` maps to [`deferreds::log_err`], which is Twisted's
//! `log.err` used as the terminal errback. This module also holds [`LogRecorder`], a
//! `tracing` subscriber that records what the crate logs, for the tests about the
//! logged text.

use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};

use deferreds::testing::{ReportCapture, success_result_of};
use deferreds::{Failure, fail, log_err};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

#[derive(Debug)]
struct RuntimeError;

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("runtime error")
    }
}

impl Error for RuntimeError {}

/// One event logged through `tracing`.
#[derive(Clone, Debug)]
pub(crate) struct Logged {
    pub(crate) level: Level,
    pub(crate) target: String,
    pub(crate) message: String,
}

/// A `tracing` subscriber that records every event's level, target and message
/// (Twisted's tests add a log observer the same way).
#[derive(Clone, Default)]
pub(crate) struct LogRecorder {
    events: Arc<Mutex<Vec<Logged>>>,
}

impl LogRecorder {
    /// Runs `f` with this recorder as the thread's subscriber; returns what was logged.
    pub(crate) fn record(f: impl FnOnce()) -> Vec<Logged> {
        let recorder = LogRecorder::default();
        tracing::subscriber::with_default(recorder.clone(), f);
        let events = recorder.events.lock().expect("not poisoned");
        events.clone()
    }
}

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for LogRecorder {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut visitor = MessageVisitor(String::new());
        event.record(&mut visitor);
        self.events.lock().expect("not poisoned").push(Logged {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message: visitor.0,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

// Source: twisted/test/test_defer.py UtilTests.test_logErrorReturnsError
// DIFFERENCE: defer.logError hands the failure back, so the chain keeps failing;
// log_err is log.err as the terminal errback: it returns Ok(()) and the chain goes on
// along the success path.
#[test]
fn log_err_returns_ok_and_ends_the_failure_path() {
    let capture = ReportCapture::start();
    let error = Failure::new(RuntimeError);
    assert!(log_err(error.clone()).is_ok());

    let d = fail::<()>(error.clone())
        .add_errback(log_err)
        .add_callbacks(|()| Ok(true), |_: Failure| Ok(false));
    assert!(success_result_of(d), "log_err must switch to the success path");

    let reports = capture.flush::<RuntimeError>();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.failure().same_error(&error)));
}

// Source: twisted/test/test_defer.py UtilTests.test_logErrorLogsError
#[test]
fn log_err_reports_the_failure_it_is_given() {
    let capture = ReportCapture::start();
    let error = Failure::new(RuntimeError);
    log_err(error.clone()).expect("log_err never fails");

    let reports = capture.flush::<RuntimeError>();
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert!(report.failure().same_error(&error));
    assert_eq!(report.failure().location(), error.location());
    assert!(!report.is_unhandled(), "log_err is a report on purpose");
    assert_eq!(report.deferred_location(), None);
    assert!(capture.take().is_empty(), "nothing else was reported");
}

// Source: twisted/test/test_defer.py UtilTests.test_logErrorLogsErrorNoRepr
#[test]
fn log_err_logs_the_report_text_not_a_debug_repr() {
    // No ReportCapture here: the report goes to `tracing`, where the recorder sees it.
    let error = Failure::new(RuntimeError);
    let logged = LogRecorder::record(|| {
        log_err(error.clone()).expect("log_err never fails");
    });

    assert_eq!(logged.len(), 1, "{logged:?}");
    let event = &logged[0];
    assert_eq!(event.level, Level::ERROR);
    assert_eq!(event.target, "deferreds::log_err");
    // DIFFERENCE: Twisted's text starts with "Unhandled Error\nTraceback"; ours starts
    // with the error's message and the failure's origin, then its trail.
    let expected_start = format!("runtime error\n  created at {}", error.location());
    assert!(event.message.starts_with(&expected_start), "{:?}", event.message);
    assert!(event.message.contains(file!()), "{:?}", event.message);
    assert!(!event.message.contains("Failure {"), "{:?}", event.message);
    assert!(!event.message.contains("RuntimeError"), "{:?}", event.message);
}
