//! [`react`]: a program's `main` as a Deferred, its outcome as the exit code.

use std::process::ExitCode;

use deferreds::{Failure, IntoOutcome, maybe_deferred};

use crate::{Exit, Reactor, ReactorStopped};

/// Runs `main` on a new reactor until the Deferred it returns fires, then stops the
/// reactor and turns the outcome into the process exit code (Twisted's `task.react`).
///
/// Success exits with 0. A failure is printed to stderr with its trail and exits with 1,
/// except an [`Exit`] failure, which exits with its code. A reactor stopped before `main`
/// is done exits with 0, or 128 + the signal's number when SIGINT or SIGTERM stopped it.
///
/// # Example
///
/// ```no_run
/// use deferreds::{Deferred, Time};
/// use std::{process::ExitCode, time::Duration};
///
/// fn main() -> ExitCode {
///     deferreds_reactor::react(|reactor| {
///         let (d, resolver) = Deferred::new();
///         reactor.call_later(Duration::from_secs(1), move || resolver.callback(()));
///         d
///     })
/// }
/// ```
pub fn react<F, R>(main: F) -> ExitCode
where
    F: FnOnce(&Reactor) -> R,
    R: IntoOutcome,
{
    match Reactor::new() {
        Ok(reactor) => reactor.react(main),
        Err(error) => {
            eprintln!("cannot start the reactor: {error}");
            ExitCode::FAILURE
        }
    }
}

impl Reactor {
    /// [`react`] on this reactor, for one made with [`Reactor::builder`].
    pub fn react<F, R>(&self, main: F) -> ExitCode
    where
        F: FnOnce(&Reactor) -> R,
        R: IntoOutcome,
    {
        let finished = maybe_deferred(|| main(self)).add_callback(|_| Ok::<_, Failure>(()));
        match self.run_until(finished) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => exit_code(self, &failure),
        }
    }
}

fn exit_code(reactor: &Reactor, failure: &Failure) -> ExitCode {
    if let Some(Exit(code)) = failure.downcast_ref::<Exit>() {
        return ExitCode::from(*code);
    }
    if failure.check::<ReactorStopped>() {
        return match reactor.stopped_by_signal() {
            Some(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX)),
            None => ExitCode::SUCCESS,
        };
    }
    eprintln!("main ended with a failure: {}", failure.report());
    ExitCode::FAILURE
}
