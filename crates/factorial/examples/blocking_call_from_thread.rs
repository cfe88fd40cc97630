//! Tutorial section 8, "Defer to thread": a thread that needs the reactor. The slow
//! multiplication, in a pool thread, asks a remote service whether it should be slower
//! still; the service answers with a Deferred, on the reactor's thread. First by hand
//! (`call_from_thread` and a queue back), then with `blocking_call_from_thread`, which
//! does both and waits for the Deferred.
//!
//! `cargo run -p factorial --example blocking_call_from_thread`
//!
//! Threads take real time, so the tests run on a real reactor too, briefly. A tutorial
//! second is 10 ms.

mod common;

use std::sync::mpsc;
use std::thread;

use common::Log;
use common::remote::{FIVE_SECONDS, fire_later};
use common::scaled::{SECOND, Scaled};
use deferreds::{Deferred, Failure, Time, gather_results};
use deferreds_reactor::{Reactor, ReactorHandle};

/// Whether the multiplication of `a` should take longer (when `a` is even), five
/// seconds from now.
fn remote_should_be_slower(time: &impl Time, a: i64) -> Deferred<bool> {
    fire_later(time, FIVE_SECONDS, a % 2 == 0)
}

/// The slow multiplication, asking the reactor by hand: `call_from_thread` runs the
/// question on the reactor's thread, whose handlers put the answer on a queue that this
/// thread waits on. A failure comes back as a failure, and is raised here.
fn slow_multiply_by_hand(handle: &ReactorHandle, a: i64, b: i64) -> Result<i64, Failure> {
    thread::sleep(5 * SECOND);
    let res = a * b;
    let (q_put, q_get) = mpsc::channel();
    let in_reactor = move |reactor: &Reactor| {
        let d = remote_should_be_slower(&Scaled::new(reactor.clone()), a);
        drop(d.add_both(move |answer| {
            // The thread may have given up waiting; then nobody needs the answer.
            let _ = q_put.send(answer);
            Ok::<_, Failure>(())
        }));
    };
    handle.call_from_thread(in_reactor)?;
    let answer = q_get.recv().map_err(|_| Failure::msg("the reactor dropped the question"))?;
    if answer? {
        thread::sleep(5 * SECOND);
    }
    Ok(res)
}

/// The same with `blocking_call_from_thread`: it runs the function on the reactor's
/// thread, waits for its Deferred, and returns the value or the failure.
fn slow_multiply(handle: &ReactorHandle, a: i64, b: i64) -> Result<i64, Failure> {
    thread::sleep(5 * SECOND);
    let res = a * b;
    let value = handle.blocking_call_from_thread(move |reactor| {
        remote_should_be_slower(&Scaled::new(reactor.clone()), a)
    })?;
    if value {
        thread::sleep(5 * SECOND);
    }
    Ok(res)
}

/// A slow multiplication that asks the reactor, one way or the other.
type SlowMultiply = fn(&ReactorHandle, i64, i64) -> Result<i64, Failure>;

/// Both versions, on an odd `a` (ten seconds) and an even one (fifteen), all at once in
/// the thread pool. Prints each product with when it came.
fn program(reactor: &Reactor, log: &Log) -> Deferred<()> {
    let time = Scaled::new(reactor.clone());
    let started = time.seconds();
    let versions: [(&str, SlowMultiply); 2] =
        [("by hand", slow_multiply_by_hand), ("blocking call", slow_multiply)];
    let mut printed = Vec::new();
    for (how, slow) in versions {
        for (a, b) in [(5, 6), (4, 6)] {
            let handle = reactor.handle();
            let d = reactor.defer_to_thread(move || slow(&handle, a, b));
            let (time, log) = (time.clone(), log.clone());
            printed.push(d.add_callback(move |product| {
                let after = common::seconds_since(&time, started);
                log.print(format!("{how}: {a}*{b} = {product} (after {after} s)"));
                Ok::<_, Failure>(())
            }));
        }
    }
    gather_results(printed).add_callback(|_| Ok(()))
}

fn main() {
    let (reactor, _time) = common::start();
    common::run(&reactor, program(&reactor, &Log::default()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::test_reactor;

    /// Runs `slow` in a pool thread; returns the product and how many tutorial seconds
    /// it took.
    fn timed(slow: SlowMultiply, a: i64) -> (i64, u64) {
        let reactor = test_reactor();
        let time = Scaled::new(reactor.clone());
        let started = time.seconds();
        let handle = reactor.handle();
        let d = reactor.defer_to_thread(move || slow(&handle, a, 6));
        let product = reactor.run_until(d).expect("a product");
        (product, common::seconds_since(&time, started))
    }

    #[test]
    fn an_odd_number_takes_ten_seconds() {
        // Real time: only lower bounds are certain.
        for slow in [slow_multiply_by_hand as SlowMultiply, slow_multiply] {
            let (product, took) = timed(slow, 5);
            assert_eq!(product, 30);
            assert!(took >= 10, "{took} s");
        }
    }

    #[test]
    fn an_even_number_takes_fifteen_seconds() {
        for slow in [slow_multiply_by_hand as SlowMultiply, slow_multiply] {
            let (product, took) = timed(slow, 4);
            assert_eq!(product, 24);
            assert!(took >= 15, "{took} s");
        }
    }

    #[test]
    fn a_blocking_call_on_the_reactor_thread_fails_instead_of_hanging() {
        let reactor = test_reactor();
        let result = slow_multiply(&reactor.handle(), 5, 6);
        assert!(result.is_err(), "the reactor's own thread cannot wait for itself");
    }

    #[test]
    fn the_program_prints_four_products() {
        let reactor = test_reactor();
        let log = Log::default();
        reactor.run_until(program(&reactor, &log)).expect("the program finishes");
        // Which thread finishes first is up to the threads; the times are real.
        let mut lines: Vec<String> = log
            .lines()
            .iter()
            .map(|line| line.split(" (after").next().unwrap_or_default().to_owned())
            .collect();
        lines.sort();
        assert_eq!(
            lines,
            [
                "blocking call: 4*6 = 24",
                "blocking call: 5*6 = 30",
                "by hand: 4*6 = 24",
                "by hand: 5*6 = 30"
            ]
        );
    }
}
