//! Tutorial section 7, "Deferred semaphores": at most two multiplications at a time on
//! the remote server, without changing the code that multiplies. `limited.multiply` has
//! the same interface as `remote_multiply`; the semaphore's `run` takes a token, calls
//! the function, and gives the token back when its Deferred fires.
//!
//! `cargo run -p factorial --example semaphore`
//!
//! Delays are scaled: a tutorial second is 10 ms.

mod common;

use common::Log;
use common::remote::Remote;
use deferreds::{Deferred, DeferredList, DeferredSemaphore, Failure, Time, gather_results};

/// The tutorial's `limitedRemoteMultiply`: the server's multiplication, two at a time.
#[derive(Clone)]
struct Limited<T> {
    sem: DeferredSemaphore,
    remote: Remote<T>,
}

impl<T: Time + Clone + 'static> Limited<T> {
    fn new(remote: &Remote<T>) -> Limited<T> {
        Limited { sem: DeferredSemaphore::new(2), remote: remote.clone() }
    }

    fn multiply(&self, a: i64, b: i64) -> Deferred<i64> {
        let remote = self.remote.clone();
        self.sem.run(move || remote.multiply(a, b))
    }
}

/// Two results of a list with `fire_on_one_errback`: both successes.
fn both(results: Vec<Result<i64, Failure>>) -> (i64, i64) {
    match <[_; 2]>::try_from(results) {
        Ok([Ok(res1), Ok(res2)]) => (res1, res2),
        _ => unreachable!("fire_on_one_errback lets only two successes through"),
    }
}

/// Section 5's `multiplyFourNumbers`, on the limited multiplication: it asks for two at
/// once, so the limit does not slow it down.
fn multiply_four_numbers<T: Time + Clone + 'static>(
    limited: &Limited<T>,
    [a, b, c, d]: [i64; 4],
) -> Deferred<i64> {
    let (d1, d2) = (limited.multiply(a, b), limited.multiply(c, d));
    let limited = limited.clone();
    DeferredList::new([d1, d2])
        .fire_on_one_errback(true)
        .consume_errors(true)
        .into_deferred()
        .add_callback(move |results| {
            let (res1, res2) = both(results);
            limited.multiply(res1, res2)
        })
}

/// Six numbers: three multiplications at first, but only two tokens, so the third
/// waits. Still 15 seconds.
fn multiply_six<T: Time + Clone + 'static>(limited: &Limited<T>, n: [i64; 6]) -> Deferred<i64> {
    let d1 = multiply_four_numbers(limited, [n[0], n[1], n[2], n[3]]);
    let d2 = limited.multiply(n[4], n[5]);
    let limited = limited.clone();
    let process_result = move |results| {
        let (res1, res2) = both(results);
        limited.multiply(res1, res2)
    };
    DeferredList::new([d1, d2])
        .fire_on_one_errback(true)
        .consume_errors(true)
        .into_deferred()
        .add_callback(process_result)
}

/// Prints `d`'s value with when it came.
fn printed<T: Time + Clone + 'static>(
    time: &T,
    label: String,
    d: Deferred<i64>,
    log: &Log,
) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    let started = time.seconds();
    d.add_callback(move |value| {
        log.print(format!("{label} = {value} (after {} s)", common::seconds_since(&time, started)));
        Ok(())
    })
}

/// The tutorial's programs: three limited multiplications, then `multiply_six`.
fn program<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    deferreds::ensure_deferred(async move {
        let remote = Remote::new(time.clone());
        let limited = Limited::new(&remote);
        let three = [(2, 3), (3, 4), (4, 5)]
            .map(|(a, b)| printed(&time, format!("{a}*{b}"), limited.multiply(a, b), &log));
        gather_results(three).await?;
        let remote = Remote::new(time.clone());
        let limited = Limited::new(&remote);
        let six = multiply_six(&limited, [2, 3, 4, 5, 6, 7]);
        printed(&time, "2*3*4*5*6*7".to_owned(), six, &log).await?;
        log.print(format!("at most {} multiplications at once", remote.peak()));
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
    use common::{secs, value_on_clock};
    use deferreds::task::Clock;

    #[test]
    fn the_third_multiplication_waits_for_a_token() {
        let clock = Clock::new();
        let limited = Limited::new(&Remote::new(clock.clone()));
        let [d1, d2, d3] = [(2, 3), (3, 4), (4, 5)].map(|(a, b)| limited.multiply(a, b));
        assert_eq!(limited.sem.waiting(), 1);
        assert_eq!(value_on_clock(&clock, d1), (6, secs(5)));
        assert_eq!(value_on_clock(&clock, d2), (12, secs(0)));
        assert_eq!(value_on_clock(&clock, d3), (20, secs(5)));
        assert_eq!(clock.elapsed(), secs(10));
    }

    #[test]
    fn four_numbers_are_as_fast_as_without_the_limit() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let d = multiply_four_numbers(&Limited::new(&remote), [2, 3, 4, 5]);
        assert_eq!(value_on_clock(&clock, d), (120, secs(10)));
    }

    #[test]
    fn six_numbers_take_fifteen_seconds_two_at_a_time() {
        let clock = Clock::new();
        let remote = Remote::new(clock.clone());
        let d = multiply_six(&Limited::new(&remote), [2, 3, 4, 5, 6, 7]);
        assert_eq!(value_on_clock(&clock, d), (5040, secs(15)));
        assert_eq!((remote.calls(), remote.peak()), (5, 2));
    }

    #[test]
    fn the_program_prints_every_product() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, program(&clock, &log));
        assert_eq!(took, secs(25));
        assert_eq!(
            log.lines(),
            [
                "2*3 = 6 (after 5 s)",
                "3*4 = 12 (after 5 s)",
                "4*5 = 20 (after 10 s)",
                "2*3*4*5*6*7 = 5040 (after 15 s)",
                "at most 2 multiplications at once",
            ]
        );
    }
}
