//! Tutorial section 2, "The rules": `calculate(5, 6, 7)` is 5*6+7, with the
//! multiplication done remotely. A callback adds `c` to the product; an errback turns
//! a failed multiplication into a message.
//!
//! `cargo run -p factorial --example calculate`
//!
//! The tutorial's multiplication fails 1% of the time at random; here it is run once
//! lucky and once not. Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::Log;
use common::remote::Remote;
use deferreds::{Deferred, Failure, Time, gather_results};

/// `a * b + c`: the product comes from afar, the sum is done here.
fn calculate(remote: &Remote<impl Time>, a: i64, b: i64, c: i64) -> Deferred<i64> {
    let d = remote.multiply(a, b);
    d.add_callback(move |value| Ok::<_, Failure>(value + c))
}

/// The tutorial's program: any failure becomes "Multiplication fail!", and what comes
/// out is printed.
fn print_calculation(d: Deferred<i64>, log: &Log) -> Deferred<()> {
    let printer = log.clone();
    d.add_callback(|value| Ok(value.to_string()))
        .add_errback(|_| Ok("Multiplication fail!".to_owned()))
        .add_callback(move |value| {
            printer.print(value);
            Ok(())
        })
}

/// Runs the program twice at once: on a server that multiplies, and on one that fails.
fn both_ways<T: Time + Clone>(time: &T, log: &Log) -> Deferred<Vec<()>> {
    let lucky = Remote::new(time.clone());
    let unlucky = Remote::new(time.clone()).refusing(5, 6);
    gather_results([
        print_calculation(calculate(&lucky, 5, 6, 7), log),
        print_calculation(calculate(&unlucky, 5, 6, 7), log),
    ])
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    let started = time.seconds();
    common::run(&reactor, both_ways(&time, &log));
    println!("(after {} s)", common::seconds_since(&time, started));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{secs, value_on_clock};
    use deferreds::task::Clock;

    #[test]
    fn five_times_six_plus_seven_is_thirty_seven_five_seconds_later() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let (sum, took) = value_on_clock(&clock, calculate(&remote, 5, 6, 7));
        assert_eq!((sum, took), (37, secs(5)));
    }

    #[test]
    fn the_errback_turns_a_failed_multiplication_into_a_message() {
        let clock = Clock::new();
        let log = Log::default();
        let (_, took) = value_on_clock(&clock, both_ways(&clock, &log));
        assert_eq!(took, secs(5));
        assert_eq!(log.lines(), ["37", "Multiplication fail!"]);
    }
}
