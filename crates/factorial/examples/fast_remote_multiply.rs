//! Tutorial section 3, "Deferreds: some generic advice": harmonizing with `succeed`.
//! A multiplication by zero is answered here and now, yet the function still returns a
//! Deferred, so its callers cannot tell, and need not care.
//!
//! `cargo run -p factorial --example fast_remote_multiply`
//!
//! Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::Log;
use common::remote::remote_multiply;
use deferreds::{Deferred, Time, gather_results, succeed};

/// Optimizing the 0 case in multiplication: no trip over the network for it.
fn fast_remote_multiply(time: &impl Time, a: i64, b: i64) -> Deferred<i64> {
    if a == 0 || b == 0 {
        return succeed(0);
    }
    remote_multiply(time, a, b)
}

/// Prints each product with the time it came at.
fn print_at<T: Time + Clone + 'static>(time: &T, d: Deferred<i64>, log: &Log) -> Deferred<()> {
    let (time, printer) = (time.clone(), log.clone());
    let started = time.seconds();
    d.add_callback(move |product| {
        printer.print(format!("{product} (after {} s)", common::seconds_since(&time, started)));
        Ok(())
    })
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    let both = gather_results([
        print_at(&time, fast_remote_multiply(&time, 5, 0), &log),
        print_at(&time, fast_remote_multiply(&time, 5, 5), &log),
    ]);
    common::run(&reactor, both);
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{secs, value_on_clock};
    use deferreds::task::Clock;
    use deferreds::testing::success_result_of;

    #[test]
    fn zero_is_answered_at_once() {
        let clock = Clock::new();
        assert_eq!(success_result_of(fast_remote_multiply(&clock, 5, 0)), 0);
        assert_eq!(success_result_of(fast_remote_multiply(&clock, 0, 7)), 0);
        assert!(clock.delayed_calls().is_empty(), "nothing went over the network");
    }

    #[test]
    fn anything_else_takes_the_five_seconds() {
        let clock = Clock::new();
        let (product, took) = value_on_clock(&clock, fast_remote_multiply(&clock, 5, 5));
        assert_eq!((product, took), (25, secs(5)));
    }

    #[test]
    fn the_program_prints_zero_first() {
        let clock = Clock::new();
        let log = Log::default();
        let both = gather_results([
            print_at(&clock, fast_remote_multiply(&clock, 5, 0), &log),
            print_at(&clock, fast_remote_multiply(&clock, 5, 5), &log),
        ]);
        let (_, took) = value_on_clock(&clock, both);
        assert_eq!(took, secs(5));
        assert_eq!(log.lines(), ["0 (after 0 s)", "25 (after 5 s)"]);
    }
}
