//! Tutorial section 2, "The rules": remote arithmetic. `remote_multiply` (in
//! `common/remote.rs`, shared by the examples) answers five seconds after it is asked,
//! and once in a while fails; the program prints the product, or reports the failure
//! with `log_err`.
//!
//! `cargo run -p factorial --example remote_multiply`
//!
//! The tutorial fails 1% of the calls at random; here one call succeeds and one fails,
//! side by side. Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::Log;
use common::remote::{failing_remote_multiply, remote_multiply};
use deferreds::{Deferred, Time, gather_results, log_err};

/// The tutorial's `__main__`: print the product; log the failure, we are done with it.
fn print_product(d: Deferred<i64>, log: &Log) -> Deferred<()> {
    let printer = log.clone();
    d.add_callback(move |x| {
        printer.print(x.to_string());
        Ok(())
    })
    .add_errback(log_err)
}

/// Asks twice at once, the second time unluckily; fires when both have answered.
fn multiply_twice(time: &impl Time, log: &Log) -> Deferred<Vec<()>> {
    gather_results([
        print_product(remote_multiply(time, 5, 5), log),
        print_product(failing_remote_multiply(time, 5, 5), log),
    ])
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    let started = time.seconds();
    common::run(&reactor, multiply_twice(&time, &log));
    println!("both answered after {} s", common::seconds_since(&time, started));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{ValueError, run_on_clock, secs, value_on_clock};
    use deferreds::task::Clock;
    use deferreds::testing::ReportCapture;

    #[test]
    fn the_product_comes_five_seconds_later() {
        let clock = Clock::new();
        let (product, took) = value_on_clock(&clock, remote_multiply(&clock, 5, 5));
        assert_eq!((product, took), (25, secs(5)));
    }

    #[test]
    fn the_unlucky_call_fails_five_seconds_later() {
        let clock = Clock::new();
        let (result, took) = run_on_clock(&clock, failing_remote_multiply(&clock, 5, 5));
        let failure = result.expect_err("the unlucky call fails");
        assert_eq!(failure.downcast_ref(), Some(&ValueError("could not multiply")));
        assert_eq!(took, secs(5));
    }

    #[test]
    fn the_program_prints_one_product_and_logs_one_failure() {
        let capture = ReportCapture::start();
        let clock = Clock::new();
        let log = Log::default();
        let (_, took) = value_on_clock(&clock, multiply_twice(&clock, &log));
        assert_eq!(took, secs(5));
        assert_eq!(log.lines(), ["25"]);
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].failure().to_string(), "could not multiply");
    }
}
