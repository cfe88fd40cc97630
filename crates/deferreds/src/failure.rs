//! `Failure`: the error value that travels down a chain's errback side.

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::error::Error;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::errors::PanicError;
use crate::trail::{TRAIL_LIMIT, Trail};

/// An error travelling down a Deferred's chain, with the trail it left.
///
/// A `Failure` wraps any `Error + Send + Sync + 'static`. It is one pointer wide, and a
/// clone shares the error rather than copying it, so one failure can be delivered to
/// several chains. It records where it was created and, as it travels, where the
/// Deferreds it entered were created and which callbacks it passed: the trail that the
/// unhandled-failure report prints.
///
/// Like `anyhow::Error`, `Failure` does not implement [`std::error::Error`] itself; that
/// is what lets `?` turn any error into a `Failure` inside a callback.
///
/// # Example: trap one kind of error, re-raise the rest
///
/// ```
/// use deferreds::{fail, Deferred, Failure};
/// use std::num::ParseIntError;
///
/// let parse_error = "x".parse::<i32>().unwrap_err();
/// let d: Deferred<i32> = fail(parse_error)
///     .add_errback(|f: Failure| {
///         f.trap::<ParseIntError>()?; // anything else keeps travelling
///         Ok(0)
///     });
/// assert_eq!(deferreds::testing::success_result_of(d), 0);
/// ```
#[derive(Clone)]
pub struct Failure {
    /// Boxed, not shared: every handler a failure passes adds a trail step, and a step
    /// written through an `Arc` would first have to prove, with an atomic operation,
    /// that no clone shares it. Clones share the error and copy the trail.
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    error: Arc<dyn Error + Send + Sync>,
    created_at: &'static Location<'static>,
    trail: Trail,
    backtrace: Option<Arc<Backtrace>>,
}

/// Whether backtraces were found off: `Backtrace::capture` reads its setting once per
/// process, so once it says no, it will always say no.
static BACKTRACES_OFF: AtomicBool = AtomicBool::new(false);

/// A backtrace of the failure's creation, if the environment asks for them
/// (`RUST_BACKTRACE` or `RUST_LIB_BACKTRACE`). Asking `capture` again on every failure
/// would cost a call returning a large value, for nothing, when they are off.
fn capture_backtrace() -> Option<Arc<Backtrace>> {
    if BACKTRACES_OFF.load(Ordering::Relaxed) {
        return None;
    }
    let backtrace = Backtrace::capture();
    if backtrace.status() == BacktraceStatus::Captured {
        Some(Arc::new(backtrace))
    } else {
        BACKTRACES_OFF.store(true, Ordering::Relaxed);
        None
    }
}

/// One step of a [`Failure`]'s trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trace {
    /// The failure entered a Deferred created here.
    Entered(&'static Location<'static>),
    /// A handler added here raised the failure (returned `Err` or panicked).
    RaisedIn(&'static Location<'static>),
    /// The failure passed through a handler added here without being handled: a
    /// callback skipped on the failure path, or an errback that re-raised.
    PassedThrough(&'static Location<'static>),
}

impl Trace {
    /// Where in the source this step happened.
    pub fn location(&self) -> &'static Location<'static> {
        match *self {
            Trace::Entered(at) | Trace::RaisedIn(at) | Trace::PassedThrough(at) => at,
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Trace::Entered(_) => "entered the Deferred created at",
            Trace::RaisedIn(_) => "raised in the handler added at",
            Trace::PassedThrough(_) => "passed the handler added at",
        };
        write!(f, "{what} {}", self.location())
    }
}

impl Failure {
    /// Wraps an error, recording the caller as the failure's origin.
    ///
    /// A backtrace is captured when the environment asks for one (`RUST_BACKTRACE` or
    /// `RUST_LIB_BACKTRACE`), as [`Backtrace::capture`] decides.
    #[track_caller]
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Failure {
        Failure::from_arc(Arc::new(error), Location::caller())
    }

    pub(crate) fn with_location<E: Error + Send + Sync + 'static>(
        error: E,
        created_at: &'static Location<'static>,
    ) -> Failure {
        Failure::from_arc(Arc::new(error), created_at)
    }

    /// A failure carrying only a message, for errors that need no type of their own.
    ///
    /// # Example
    ///
    /// ```
    /// let f = deferreds::Failure::msg("could not multiply");
    /// assert_eq!(f.to_string(), "could not multiply");
    /// ```
    #[track_caller]
    pub fn msg(message: impl Into<String>) -> Failure {
        Failure::new(MessageError(message.into()))
    }

    /// Wraps an already boxed error.
    #[track_caller]
    pub fn from_boxed(error: Box<dyn Error + Send + Sync>) -> Failure {
        Failure::from_arc(Arc::from(error), Location::caller())
    }

    /// Turns a panic payload into a failure holding a [`PanicError`].
    #[track_caller]
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Failure {
        Failure::new(PanicError::from_payload(payload))
    }

    /// A panic caught in a handler added at `at`: the failure's origin is the handler.
    pub(crate) fn from_panic_at(
        payload: Box<dyn Any + Send>,
        at: &'static Location<'static>,
    ) -> Failure {
        Failure::with_location(PanicError::from_payload(payload), at)
    }

    fn from_arc(
        error: Arc<dyn Error + Send + Sync>,
        created_at: &'static Location<'static>,
    ) -> Failure {
        let backtrace = capture_backtrace();
        // Made in its box rather than moved there: a failure is over 200 bytes,
        // and copying them from the stack reads back whole what was just written in
        // words, which stalls the processor.
        let inner = Box::write(
            Box::new_uninit(),
            Inner { error, created_at, trail: Trail::new(Trace::Entered(created_at)), backtrace },
        );
        Failure { inner }
    }

    /// Returns the error if it is an `E`, and the failure itself otherwise.
    ///
    /// This is Twisted's `Failure.trap`: in a handler returning `Result<_, Failure>`,
    /// `failure.trap::<E>()?` handles `E` and re-raises anything else unchanged.
    ///
    /// # Errors
    ///
    /// A clone of this failure when the error is not an `E`.
    pub fn trap<E: Error + 'static>(&self) -> Result<&E, Failure> {
        self.downcast_ref::<E>().ok_or_else(|| self.clone())
    }

    /// Whether the error is an `E`.
    pub fn check<E: Error + 'static>(&self) -> bool {
        self.inner.error.is::<E>()
    }

    /// The error as an `E`, if it is one.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.inner.error.downcast_ref::<E>()
    }

    /// The wrapped error.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.inner.error
    }

    /// Where the failure was created.
    pub fn location(&self) -> &'static Location<'static> {
        self.inner.created_at
    }

    /// The Deferreds this failure entered and the handlers it met, oldest first.
    ///
    /// A long trail keeps its oldest and newest steps; [`omitted_steps`](Failure::omitted_steps)
    /// counts those left out between them.
    pub fn trail(&self) -> &[Trace] {
        self.inner.trail.steps()
    }

    /// How many steps were left out of the middle of a long [`trail`](Failure::trail).
    pub fn omitted_steps(&self) -> usize {
        self.inner.trail.omitted()
    }

    /// The backtrace taken at creation, if the environment asked for one.
    pub fn backtrace(&self) -> Option<&Backtrace> {
        self.inner.backtrace.as_deref()
    }

    /// Whether two failures share one underlying error (clones of one another).
    pub fn same_error(&self, other: &Failure) -> bool {
        Arc::ptr_eq(&self.inner.error, &other.inner.error)
    }

    /// The address of the shared error, to tell a re-raised failure from a new one
    /// without holding a clone (a clone would make the next trail step copy the failure).
    pub(crate) fn error_addr(&self) -> *const () {
        std::ptr::from_ref(self.error()).cast()
    }

    /// Where the failure was last seen: its newest trail step, or where it was created.
    /// For a failure held by a ready Deferred, that is where the Deferred was made.
    pub(crate) fn last_seen_at(&self) -> &'static Location<'static> {
        self.trail().last().map_or(self.inner.created_at, Trace::location)
    }

    /// Records what the handler added at `at` did, given that it returned this failure:
    /// passed on the one it got (whose `error_addr` is `input`), or raised a new one.
    pub(crate) fn trace_handler(
        &mut self,
        input: Option<*const ()>,
        at: &'static Location<'static>,
    ) {
        let trace = if input == Some(self.error_addr()) {
            Trace::PassedThrough(at)
        } else {
            Trace::RaisedIn(at)
        };
        self.push_trace(trace);
    }

    #[inline]
    pub(crate) fn push_trace(&mut self, trace: Trace) {
        self.inner.trail.push(trace);
    }

    /// The report printed for an unhandled failure: message, origin, trail and causes.
    pub fn report(&self) -> String {
        use fmt::Write as _;
        let mut out = format!("{self}\n  created at {}", self.location());
        let (oldest, newest) = self.trail().split_at(self.trail().len().min(TRAIL_LIMIT / 2));
        for step in oldest {
            let _ = write!(out, "\n  {step}");
        }
        if self.omitted_steps() > 0 {
            let _ = write!(out, "\n  ... {} more steps ...", self.omitted_steps());
        }
        for step in newest {
            let _ = write!(out, "\n  {step}");
        }
        let mut source = self.error().source();
        while let Some(cause) = source {
            let _ = write!(out, "\n  caused by: {cause}");
            source = cause.source();
        }
        out
    }
}

impl<E: Error + Send + Sync + 'static> From<E> for Failure {
    #[track_caller]
    fn from(error: E) -> Failure {
        Failure::new(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner.error, f)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.inner.error)
            .field("created_at", &format_args!("{}", self.inner.created_at))
            .field("trail", &self.trail())
            .finish()
    }
}

impl AsRef<dyn Error + Send + Sync> for Failure {
    fn as_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.error()
    }
}

/// The error behind [`Failure::msg`].
#[derive(Debug)]
struct MessageError(String);

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for MessageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_is_one_pointer_and_thread_safe() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Failure>();
        assert_eq!(std::mem::size_of::<Failure>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn clones_share_the_error_but_not_later_trail() {
        let mut a = Failure::msg("boom");
        let b = a.clone();
        a.push_trace(Trace::PassedThrough(Location::caller()));
        assert!(a.same_error(&b));
        assert_eq!(a.trail().len(), 1);
        assert!(b.trail().is_empty());
    }

    #[test]
    fn long_trails_keep_the_oldest_and_newest_steps() {
        let mut f = Failure::msg("far travelled");
        let first = Location::caller();
        f.push_trace(Trace::Entered(first));
        for _ in 0..1_000 {
            f.push_trace(Trace::PassedThrough(Location::caller()));
        }
        let last = Location::caller();
        f.push_trace(Trace::RaisedIn(last));
        assert_eq!(f.trail().len(), TRAIL_LIMIT);
        assert_eq!(f.omitted_steps(), 1_002 - TRAIL_LIMIT);
        assert_eq!(f.trail()[0], Trace::Entered(first));
        assert_eq!(f.trail()[TRAIL_LIMIT - 1], Trace::RaisedIn(last));
        assert!(f.report().contains(&format!("... {} more steps ...", 1_002 - TRAIL_LIMIT)));
    }

    #[test]
    fn report_lists_origin_trail_and_causes() {
        let io = std::io::Error::other(Failure::msg("inner").to_string());
        let mut f = Failure::new(io);
        f.push_trace(Trace::RaisedIn(Location::caller()));
        let report = f.report();
        assert!(report.starts_with("inner\n  created at "), "{report}");
        assert!(report.contains("raised in the handler added at"), "{report}");
        assert!(report.contains(file!()), "{report}");
    }
}
