//! Tutorial section 9, "Inline callbacks": an async block awaits Deferreds one after
//! another, as a function decorated with `@inlineCallbacks` yields them. Awaiting a
//! Deferred gives its value, or its failure as an `Err`, which `?` passes on or a
//! `match` handles, like an exception.
//!
//! `cargo run -p factorial --example inline_callbacks`
//!
//! `ensure_deferred` needs no event loop: the tests run it on the manual clock. Delays
//! are scaled in `main`: a tutorial second is 10 ms.

mod common;

use common::remote::remote_multiply;
use common::{Log, ValueError};
use deferreds::{Deferred, Failure, Time, ensure_deferred};

/// The product of the values, one remote multiplication at a time.
fn multiply_list<T: Time + Clone + 'static>(time: &T, values: Vec<i64>) -> Deferred<i64> {
    let time = time.clone();
    ensure_deferred(async move {
        let mut res = 1;
        for val in values {
            res = remote_multiply(&time, res, val).await?;
        }
        Ok::<_, Failure>(res)
    })
}

/// The same, catching the one error it knows what to do with: a product too large is
/// `None`, and any other failure is passed on.
fn multiply_list_or_none<T: Time + Clone + 'static>(
    time: &T,
    values: Vec<i64>,
) -> Deferred<Option<i64>> {
    let time = time.clone();
    ensure_deferred(async move {
        let mut res = 1;
        for val in values {
            res = match remote_multiply(&time, res, val).await {
                Ok(product) => product,
                Err(failure) if failure.downcast_ref() == Some(&ValueError("Value too large")) => {
                    return Ok(None);
                }
                Err(failure) => return Err(failure),
            };
        }
        Ok(Some(res))
    })
}

fn program<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    ensure_deferred(async move {
        let started = time.seconds();
        let product = multiply_list(&time, vec![2, 3, 4, 5, 6, 7]).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!("{product} (six multiplications, one at a time: {took} s)"));
        let started = time.seconds();
        let product = multiply_list_or_none(&time, vec![i64::MAX, 2, 3]).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!("{product:?} (too large at the second multiplication: {took} s)"));
        Ok::<_, Failure>(())
    })
}

fn main() {
    let (reactor, time) = common::start();
    common::run(&reactor, program(&time, &Log::default()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{run_on_clock, secs, value_on_clock};
    use deferreds::task::Clock;

    #[test]
    fn six_multiplications_one_at_a_time_take_thirty_seconds() {
        let clock = Clock::new();
        let d = multiply_list(&clock, vec![2, 3, 4, 5, 6, 7]);
        assert_eq!(value_on_clock(&clock, d), (5040, secs(30)));
    }

    #[test]
    fn a_failure_stops_the_loop() {
        let clock = Clock::new();
        let (result, took) = run_on_clock(&clock, multiply_list(&clock, vec![i64::MAX, 2, 3]));
        let failure = result.expect_err("too large");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("Value too large")));
        assert_eq!(took, secs(10));
        assert!(clock.delayed_calls().is_empty(), "the third multiplication was never asked");
    }

    #[test]
    fn the_error_can_be_caught_like_an_exception() {
        let clock = Clock::new();
        let d = multiply_list_or_none(&clock, vec![i64::MAX, 2, 3]);
        assert_eq!(value_on_clock(&clock, d), (None, secs(10)));
        let d = multiply_list_or_none(&clock, vec![2, 3]);
        assert_eq!(value_on_clock(&clock, d), (Some(6), secs(10)));
    }

    #[test]
    fn the_program_prints_both_results() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, program(&clock, &log));
        assert_eq!(took, secs(40));
        assert_eq!(
            log.lines(),
            [
                "5040 (six multiplications, one at a time: 30 s)",
                "None (too large at the second multiplication: 10 s)",
            ]
        );
    }
}
