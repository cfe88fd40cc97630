//! What the examples share: the tutorial's seconds made faster for real runs
//! ([`scaled`]), the remote multiplication of section 2 ([`remote`]) and its
//! authenticated form of section 4 ([`auth`]), and small helpers for `main` and for the
//! tests.
//!
//! Each example is a program of its own that includes this module, and each uses only
//! some of it.
#![allow(dead_code, reason = "each example uses only some of the shared helpers")]

pub(crate) mod auth;
pub(crate) mod key_client;
pub(crate) mod remote;
pub(crate) mod scaled;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use deferreds::Deferred;
use deferreds_reactor::Reactor;

use self::scaled::{SECOND, Scaled};

/// The tutorial's `ValueError`, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueError(pub(crate) &'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

/// What the tutorial's handlers `print`: each line goes to standard output and is kept,
/// so that a test can read what was printed. Clones share the lines.
#[derive(Clone, Default)]
pub(crate) struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    /// Prints `line` and keeps it.
    pub(crate) fn print(&self, line: impl Into<String>) {
        let line = line.into();
        println!("{line}");
        self.0.borrow_mut().push(line);
    }

    /// Every line printed so far, in order.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Starts an example that waits: logs failure reports (`log_err`, unhandled failures)
/// to standard error, makes the reactor, and says how time is scaled.
///
/// Returns the reactor and the same reactor in tutorial seconds.
pub(crate) fn start() -> (Reactor, Scaled<Reactor>) {
    init_logging();
    let reactor = Reactor::new().expect("the reactor could not start");
    println!("(delays scaled: 1 s = {} ms)", SECOND.as_millis());
    let time = Scaled::new(reactor.clone());
    (reactor, time)
}

/// Sends failure reports (Twisted's log) to standard error, as `log.err` would print
/// them.
pub(crate) fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}

/// Runs the reactor until `d` fires (Twisted's `reactor.run()`, stopping when the work is
/// done) and returns its value; a failure is printed and ends the program.
pub(crate) fn run<T: 'static>(reactor: &Reactor, d: Deferred<T>) -> T {
    match reactor.run_until(d) {
        Ok(value) => value,
        Err(failure) => {
            eprintln!("failed: {}", failure.report());
            std::process::exit(1);
        }
    }
}

/// A reactor for tests that need real time (threads, sockets): no signal handlers, so
/// that tests running side by side do not fight over SIGINT.
#[cfg(test)]
pub(crate) fn test_reactor() -> Reactor {
    Reactor::builder().install_signal_handlers(false).build().expect("a reactor for the test")
}

/// Runs `clock` until `d` has a result, call by call, and returns the result and the
/// virtual time it took.
///
/// Time moves to each scheduled call in turn, so that calls scheduled by a call count
/// from when it ran (one big `advance` would run them late).
///
/// # Panics
///
/// If `d` is still waiting when nothing is scheduled any more: it would never fire.
#[cfg(test)]
pub(crate) fn run_on_clock<T: 'static>(
    clock: &deferreds::task::Clock,
    d: Deferred<T>,
) -> (Result<T, deferreds::Failure>, std::time::Duration) {
    use std::time::Duration;

    let started = clock.elapsed();
    let slot = Rc::new(RefCell::new(None));
    let result = Rc::clone(&slot);
    drop(d.add_both(move |outcome| {
        *result.borrow_mut() = Some(outcome);
        Ok::<_, deferreds::Failure>(())
    }));
    loop {
        if let Some(outcome) = slot.borrow_mut().take() {
            return (outcome, clock.elapsed() - started);
        }
        let next = clock.delayed_calls().first().map(deferreds::DelayedCall::time);
        let next = next.expect("the Deferred is waiting, and nothing is scheduled to fire it");
        // The deadline comes back as float seconds; should it round to a hair early,
        // the next turn finds it not yet due and steps the last nanosecond.
        let wait = Duration::from_secs_f64(next).saturating_sub(clock.elapsed());
        clock.advance(if wait.is_zero() { Duration::from_nanos(1) } else { wait });
    }
}

/// [`run_on_clock`] for a Deferred that must succeed: its value and the time it took.
///
/// # Panics
///
/// If `d` fails (showing the failure) or never fires.
#[cfg(test)]
#[track_caller]
pub(crate) fn value_on_clock<T: 'static>(
    clock: &deferreds::task::Clock,
    d: Deferred<T>,
) -> (T, std::time::Duration) {
    match run_on_clock(clock, d) {
        (Ok(value), took) => (value, took),
        (Err(failure), _) => panic!("expected a value, got a failure: {}", failure.report()),
    }
}

/// Whole seconds, for comparing with the virtual time an example took.
#[cfg(test)]
pub(crate) fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n)
}

/// Whole tutorial seconds on `time` since `started` (a reading of its `seconds()`),
/// rounded down: the reactor runs timed calls a little late, never early.
pub(crate) fn seconds_since(time: &impl deferreds::Time, started: f64) -> u64 {
    (time.seconds() - started).floor() as u64
}
