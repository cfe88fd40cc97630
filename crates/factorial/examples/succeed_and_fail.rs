//! Tutorial section 1, "Introduction": the simplest function that returns a Deferred,
//! and a promise that may be broken, handled by an errback.
//!
//! `cargo run -p factorial --example succeed_and_fail`
//!
//! Nothing here waits: `succeed` and `fail` make Deferreds that have already fired, so
//! each handler runs as soon as it is added.

mod common;

use common::{Log, ValueError};
use deferreds::{Deferred, Failure, fail, succeed};

/// The simplest function that returns a Deferred.
fn function_returning_deferred() -> Deferred<&'static str> {
    succeed("Some value")
}

/// The promise kept, or broken. The tutorial picks at random; here the caller picks.
fn function_returning_deferred_or_failure(broken: bool) -> Deferred<&'static str> {
    if broken { fail(ValueError("Bummer")) } else { succeed("Some value") }
}

fn print_value(log: &Log, value: &str) {
    log.print(format!("Yay, I got {value:?}"));
}

/// The first example's chain: print the value.
fn print_it(d: Deferred<&'static str>, log: &Log) -> Deferred<()> {
    let log = log.clone();
    d.add_callback(move |value| {
        print_value(&log, value);
        Ok(())
    })
}

/// The second one's: print the value, or the problem if it is a `ValueError`. Any other
/// failure is not ours to handle: `trap` passes it on down the chain.
fn print_it_or_the_problem(d: Deferred<&'static str>, log: &Log) -> Deferred<()> {
    let (on_value, on_problem) = (log.clone(), log.clone());
    d.add_callbacks(
        move |value| {
            print_value(&on_value, value);
            Ok(())
        },
        move |err: Failure| {
            let ve = err.trap::<ValueError>()?;
            on_problem.print(format!("There was a problem {ve}"));
            Ok(())
        },
    )
}

fn main() {
    let log = Log::default();
    println!("-- a Deferred that has a value:");
    print_it(function_returning_deferred(), &log);
    for broken in [false, true] {
        println!("-- a promise {}:", if broken { "broken" } else { "kept" });
        print_it_or_the_problem(function_returning_deferred_or_failure(broken), &log);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferreds::testing::success_result_of;

    #[test]
    fn the_callback_gets_the_value_at_once() {
        let log = Log::default();
        success_result_of(print_it(function_returning_deferred(), &log));
        assert_eq!(log.lines(), ["Yay, I got \"Some value\""]);
    }

    #[test]
    fn a_kept_promise_goes_to_the_callback() {
        let log = Log::default();
        success_result_of(print_it_or_the_problem(
            function_returning_deferred_or_failure(false),
            &log,
        ));
        assert_eq!(log.lines(), ["Yay, I got \"Some value\""]);
    }

    #[test]
    fn a_broken_promise_goes_to_the_errback() {
        let log = Log::default();
        success_result_of(print_it_or_the_problem(
            function_returning_deferred_or_failure(true),
            &log,
        ));
        assert_eq!(log.lines(), ["There was a problem Bummer"]);
    }

    #[test]
    fn the_errback_passes_on_what_it_does_not_trap() {
        let log = Log::default();
        let d = print_it_or_the_problem(fail(Failure::msg("connection lost")), &log);
        let failure = deferreds::testing::failure_result_of(d);
        assert_eq!(failure.to_string(), "connection lost");
        assert!(log.lines().is_empty());
    }
}
