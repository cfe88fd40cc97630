//! Tutorial section 3, "Deferreds: some generic advice": harmonizing with
//! `maybe_deferred`. `multiply_three` takes a multiplication function that may answer
//! now (a value, or an error) or later (a Deferred), and works the same with either;
//! errors are harmonized too.
//!
//! `cargo run -p factorial --example maybe_deferred`
//!
//! The tutorial picks the function at random, and its local multiplication fails 1% of
//! the time; here each function is used in turn. Delays are scaled: a tutorial second
//! is 10 ms.

mod common;

use common::remote::remote_multiply;
use common::{Log, ValueError};
use deferreds::{Deferred, Failure, IntoOutcome, Time, gather_results, log_err, maybe_deferred};

/// The tutorial's `multiplyThree`: `a * b * c` with `mf`, whatever `mf` returns.
///
/// The first call goes through `maybe_deferred`, which makes a Deferred of any outcome.
/// The second needs nothing of the kind: a callback may itself return a value, an error
/// or a Deferred, and the chain waits for the Deferred.
fn multiply_three<F, R>(mf: F, a: i64, b: i64, c: i64) -> Deferred<i64>
where
    F: Fn(i64, i64) -> R + 'static,
    R: IntoOutcome<Value = i64>,
{
    let d = maybe_deferred(|| mf(a, b));
    d.add_callback(move |ab| mf(ab, c))
}

/// Multiplication done here: no waiting.
fn local_multiply(x: i64, y: i64) -> Result<i64, Failure> {
    Ok(x * y)
}

/// The tutorial's `localMultiply` on its unlucky 1%: it raises.
fn unlucky_local_multiply(_x: i64, _y: i64) -> Result<i64, Failure> {
    Err(Failure::new(ValueError("random failure")))
}

/// Prints the product with the time it took; a failure goes to `log_err`.
fn print_at<T: Time + Clone + 'static>(
    time: &T,
    label: &'static str,
    d: Deferred<i64>,
    log: &Log,
) -> Deferred<()> {
    let (time, printer) = (time.clone(), log.clone());
    let started = time.seconds();
    d.add_callback(move |product| {
        printer.print(format!(
            "{label}: {product} (after {} s)",
            common::seconds_since(&time, started)
        ));
        Ok(())
    })
    .add_errback(log_err)
}

/// `multiply_three(…, 2, 3, 4)` with each kind of function, side by side.
fn with_each_function<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<Vec<()>> {
    let remote = {
        let time = time.clone();
        move |x, y| remote_multiply(&time, x, y)
    };
    gather_results([
        print_at(time, "local", multiply_three(local_multiply, 2, 3, 4), log),
        print_at(time, "unlucky local", multiply_three(unlucky_local_multiply, 2, 3, 4), log),
        print_at(time, "remote", multiply_three(remote, 2, 3, 4), log),
    ])
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    common::run(&reactor, with_each_function(&time, &log));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{run_on_clock, secs, value_on_clock};
    use deferreds::task::Clock;
    use deferreds::testing::ReportCapture;

    #[test]
    fn a_local_function_answers_at_once() {
        let clock = Clock::new();
        let (product, took) = value_on_clock(&clock, multiply_three(local_multiply, 2, 3, 4));
        assert_eq!((product, took), (24, secs(0)));
    }

    #[test]
    fn a_remote_function_takes_two_round_trips() {
        let clock = Clock::new();
        let time = clock.clone();
        let remote = move |x, y| remote_multiply(&time, x, y);
        let (product, took) = value_on_clock(&clock, multiply_three(remote, 2, 3, 4));
        assert_eq!((product, took), (24, secs(10)));
    }

    #[test]
    fn a_local_error_becomes_a_failed_deferred() {
        let clock = Clock::new();
        let (result, took) = run_on_clock(&clock, multiply_three(unlucky_local_multiply, 2, 3, 4));
        let failure = result.expect_err("the local multiplication raised");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("random failure")));
        assert_eq!(took, secs(0));
    }

    #[test]
    fn the_program_prints_two_products_and_logs_the_failure() {
        let capture = ReportCapture::start();
        let clock = Clock::new();
        let log = Log::default();
        let (_, took) = value_on_clock(&clock, with_each_function(&clock, &log));
        assert_eq!(took, secs(10));
        assert_eq!(log.lines(), ["local: 24 (after 0 s)", "remote: 24 (after 10 s)"]);
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].failure().to_string(), "random failure");
    }
}
