//! Tutorial section 5, "Deferred lists": waiting for several Deferreds at once.
//! `multiply_four_numbers` asks for two products side by side and multiplies them: 10
//! seconds, where one multiplication after the other takes 15. Without
//! `fire_on_one_errback`, the list waits for every result, so a zero can make a failed
//! multiplication not matter.
//!
//! `cargo run -p factorial --example deferred_list`
//!
//! Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::Log;
use common::remote::Remote;
use deferreds::{Deferred, DeferredList, Failure, Time, fail, gather_results, succeed};

/// `a * b * c * d`: the two halves at once, then their product.
fn multiply_four_numbers<T: Time + Clone + 'static>(
    remote: &Remote<T>,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let d1 = remote.multiply(a, b);
    let d2 = remote.multiply(c, d);
    let remote = remote.clone();
    let process_results = move |results: Vec<Result<i64, Failure>>| {
        // With `fire_on_one_errback`, a failure fails the list at once, so every result
        // that reaches the callback is a success: the tutorial ignores the flags. (The
        // list's `gather()` would hand over the bare values.)
        match <[_; 2]>::try_from(results) {
            Ok([Ok(res1), Ok(res2)]) => remote.multiply(res1, res2),
            _ => unreachable!("fire_on_one_errback lets only two successes through"),
        }
    };
    // DIFFERENCE from the tutorial: `consume_errors`, here and below, since the list
    // passes its inputs' failures on; otherwise each would also be reported as unhandled
    // on its own chain.
    DeferredList::new([d1, d2])
        .fire_on_one_errback(true)
        .consume_errors(true)
        .into_deferred()
        .add_callback(process_results)
}

/// The same, one multiplication after the other.
fn multiply_four_numbers_one_by_one<T: Time + Clone + 'static>(
    remote: &Remote<T>,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let (then_c, then_d) = (remote.clone(), remote.clone());
    remote
        .multiply(a, b)
        .add_callback(move |ab| then_c.multiply(ab, c))
        .add_callback(move |abc| then_d.multiply(abc, d))
}

/// The two halves at once, waiting for both whatever happens: if one of them is 0, so is
/// the whole, even if the other failed; otherwise the first failure stands.
fn multiply_four_numbers_recovering<T: Time + Clone + 'static>(
    remote: &Remote<T>,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
) -> Deferred<i64> {
    let d1 = remote.multiply(a, b);
    let d2 = remote.multiply(c, d);
    let remote = remote.clone();
    let process_results = move |results: Vec<Result<i64, Failure>>| {
        let Ok([r1, r2]) = <[_; 2]>::try_from(results) else {
            unreachable!("a list of two Deferreds has two results")
        };
        match (r1, r2) {
            (Ok(0), _) | (_, Ok(0)) => succeed(0),
            (Err(failure), _) | (_, Err(failure)) => fail(failure),
            (Ok(res1), Ok(res2)) => remote.multiply(res1, res2),
        }
    };
    DeferredList::new([d1, d2]).consume_errors(true).into_deferred().add_callback(process_results)
}

/// Every version at once, each printed with the time it finished.
fn program<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<()> {
    let remote = Remote::new(time.clone());
    let refusing = Remote::new(time.clone()).refusing(2, 3);
    let runs = [
        ("together", multiply_four_numbers(&remote, 2, 3, 4, 5)),
        ("one by one", multiply_four_numbers_one_by_one(&remote, 2, 3, 4, 5)),
        ("together, 2*3 refused", multiply_four_numbers(&refusing, 2, 3, 4, 5)),
        ("recovering, 2*3 refused, 4*0", multiply_four_numbers_recovering(&refusing, 2, 3, 4, 0)),
        ("recovering, 2*3 refused", multiply_four_numbers_recovering(&refusing, 2, 3, 4, 5)),
    ];
    let started = time.seconds();
    let finished = runs.map(|(label, d)| {
        let time = time.clone();
        d.add_both(move |outcome| {
            let outcome = match outcome {
                Ok(product) => product.to_string(),
                Err(failure) => format!("failed: {failure}"),
            };
            Ok::<_, Failure>(format!(
                "{label}: {outcome} (after {} s)",
                common::seconds_since(&time, started)
            ))
        })
    });
    let log = log.clone();
    gather_results(finished).add_callback(move |lines| {
        for line in lines {
            log.print(line);
        }
        Ok(())
    })
}

fn main() {
    let (reactor, time) = common::start();
    common::run(&reactor, program(&time, &Log::default()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{ValueError, run_on_clock, secs, value_on_clock};
    use deferreds::FirstError;
    use deferreds::task::Clock;

    #[test]
    fn side_by_side_takes_ten_seconds() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let (product, took) = value_on_clock(&clock, multiply_four_numbers(&remote, 2, 3, 4, 5));
        assert_eq!((product, took), (120, secs(10)));
        assert_eq!((remote.calls(), remote.peak()), (3, 2));
    }

    #[test]
    fn one_by_one_takes_fifteen_seconds() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let d = multiply_four_numbers_one_by_one(&remote, 2, 3, 4, 5);
        let (product, took) = value_on_clock(&clock, d);
        assert_eq!((product, took), (120, secs(15)));
        assert_eq!((remote.calls(), remote.peak()), (3, 1));
    }

    #[test]
    fn fire_on_one_errback_fails_at_the_first_failure() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone()).refusing(2, 3);
        let (result, took) = run_on_clock(&clock, multiply_four_numbers(&remote, 2, 3, 4, 5));
        let failure = result.expect_err("2*3 was refused");
        let first = failure.downcast_ref::<FirstError>().expect("the list's first failure");
        assert_eq!(first.index(), 0);
        assert_eq!(first.failure().downcast_ref(), Some(&ValueError("could not multiply")));
        assert_eq!(took, secs(5));
    }

    #[test]
    fn a_zero_makes_the_failure_not_matter() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone()).refusing(2, 3);
        let d = multiply_four_numbers_recovering(&remote, 2, 3, 4, 0);
        let (product, took) = value_on_clock(&clock, d);
        assert_eq!((product, took), (0, secs(5)));
        assert_eq!(remote.calls(), 2, "no third multiplication");
    }

    #[test]
    fn without_a_zero_the_first_failure_stands() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone()).refusing(4, 5);
        let d = multiply_four_numbers_recovering(&remote, 2, 3, 4, 5);
        let (result, took) = run_on_clock(&clock, d);
        let failure = result.expect_err("4*5 was refused");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("could not multiply")));
        assert_eq!(took, secs(5));
    }

    #[test]
    fn recovering_without_failures_is_the_common_case() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let d = multiply_four_numbers_recovering(&remote, 2, 3, 4, 5);
        assert_eq!(value_on_clock(&clock, d), (120, secs(10)));
    }

    #[test]
    fn the_program_prints_each_version() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, program(&clock, &log));
        assert_eq!(took, secs(15));
        assert_eq!(
            log.lines(),
            [
                "together: 120 (after 10 s)",
                "one by one: 120 (after 15 s)",
                "together, 2*3 refused: failed: input #0 failed: could not multiply (after 5 s)",
                "recovering, 2*3 refused, 4*0: 0 (after 5 s)",
                "recovering, 2*3 refused: failed: could not multiply (after 5 s)",
            ]
        );
    }
}
