//! Tutorial section 3, "Deferreds: some generic advice": a Deferred based on another,
//! changed on the way. `inverse_multiply` returns 1/(a*b) from a remote product; its
//! second version also turns one error, "Value too large", into the value 0 (1/infinity)
//! and passes any other failure on.
//!
//! `cargo run -p factorial --example inverse_multiply`
//!
//! Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::remote::Remote;
use common::{Log, ValueError};
use deferreds::{Deferred, Failure, Time, gather_results, log_err};

/// The inverse of a remote product.
fn inverse_multiply(remote: &Remote<impl Time>, a: i64, b: i64) -> Deferred<f64> {
    let d = remote.multiply(a, b);
    d.add_callback(|x| Ok(1.0 / x as f64))
}

/// The same, approximating 1/infinity by 0: a product too large has an inverse of 0,
/// near enough. Any other failure is passed on.
fn inverse_multiply_or_zero(remote: &Remote<impl Time>, a: i64, b: i64) -> Deferred<f64> {
    let d = remote.multiply(a, b);
    d.add_callbacks(
        |x| Ok(1.0 / x as f64),
        |err: Failure| {
            let exc = err.trap::<ValueError>()?;
            if exc.0 == "Value too large" {
                return Ok(0.0);
            }
            Err(err)
        },
    )
}

fn print(label: String, d: Deferred<f64>, log: &Log) -> Deferred<()> {
    let printer = log.clone();
    d.add_callback(move |inverse| {
        printer.print(format!("{label} = {inverse}"));
        Ok(())
    })
    .add_errback(log_err)
}

/// The tutorial's calls, and the two ways the second version can fail, side by side.
fn every_case<T: Time + Clone>(time: &T, log: &Log) -> Deferred<Vec<()>> {
    let remote = Remote::new(time.clone()).refusing(3, 3);
    let huge = i64::MAX;
    gather_results([
        print("1/(5*5)".into(), inverse_multiply(&remote, 5, 5), log),
        print("1/(5*5)".into(), inverse_multiply_or_zero(&remote, 5, 5), log),
        print(format!("1/({huge}*2)"), inverse_multiply_or_zero(&remote, huge, 2), log),
        // Not too large, but refused: the failure goes on to `log_err`.
        print("1/(3*3)".into(), inverse_multiply_or_zero(&remote, 3, 3), log),
    ])
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    common::run(&reactor, every_case(&time, &log));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{run_on_clock, secs, value_on_clock};
    use deferreds::task::Clock;
    use deferreds::testing::ReportCapture;

    #[test]
    fn the_inverse_comes_with_the_product() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let (inverse, took) = value_on_clock(&clock, inverse_multiply(&remote, 5, 5));
        assert_eq!((inverse, took), (0.04, secs(5)));
        let (inverse, _) = value_on_clock(&clock, inverse_multiply_or_zero(&remote, 5, 5));
        assert_eq!(inverse, 0.04);
    }

    #[test]
    fn without_the_errback_a_product_too_large_fails() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let (result, _) = run_on_clock(&clock, inverse_multiply(&remote, i64::MAX, 2));
        let failure = result.expect_err("the product is too large");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("Value too large")));
    }

    #[test]
    fn a_product_too_large_has_an_inverse_of_zero() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let (inverse, took) =
            value_on_clock(&clock, inverse_multiply_or_zero(&remote, i64::MAX, 2));
        assert_eq!((inverse, took), (0.0, secs(5)));
    }

    #[test]
    fn other_failures_pass_through() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone()).refusing(3, 3);
        let (result, _) = run_on_clock(&clock, inverse_multiply_or_zero(&remote, 3, 3));
        let failure = result.expect_err("the server refused");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("could not multiply")));
    }

    #[test]
    fn the_program_prints_three_inverses_and_logs_the_refusal() {
        let capture = ReportCapture::start();
        let clock = Clock::new();
        let log = Log::default();
        let (_, took) = value_on_clock(&clock, every_case(&clock, &log));
        assert_eq!(took, secs(5));
        assert_eq!(
            log.lines(),
            ["1/(5*5) = 0.04", "1/(5*5) = 0.04", "1/(9223372036854775807*2) = 0"]
        );
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].failure().to_string(), "could not multiply");
    }
}
