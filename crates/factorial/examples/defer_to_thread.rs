//! Tutorial section 8, "Defer to thread": a blocking multiplication (think of a
//! database call) kept off the reactor. First called plainly, then in a thread of its
//! own, then in the reactor's thread pool by hand, then with `defer_to_thread`. In each
//! case the result comes back to the reactor's thread, where the Deferred fires, and
//! meanwhile the reactor goes on with its timers.
//!
//! `cargo run -p factorial --example defer_to_thread`
//!
//! Threads take real time, so the tests run on a real reactor too, briefly. The
//! five-second sleep is 50 ms (a tutorial second is 10 ms).

mod common;

use std::thread;
use std::time::Duration;

use common::Log;
use common::scaled::{SECOND, Scaled};
use deferreds::{Deferred, Failure, Time, gather_results};
use deferreds_reactor::Reactor;

/// The tutorial's `slowMultiply`: blocks its thread for five seconds.
fn slow_multiply(a: i64, b: i64) -> i64 {
    thread::sleep(5 * SECOND);
    a * b
}

/// A new thread for each multiplication. The thread cannot touch the Deferred, which
/// belongs to the reactor's thread: it hands the value to a `ThreadResolver`, which sends
/// it over (Twisted's `reactor.callFromThread(d.callback, result)`).
fn thread_multiply_own_thread(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    let resolver = reactor.thread_resolver(resolver);
    let func = move || resolver.callback(slow_multiply(a, b));
    thread::spawn(func);
    d
}

/// The same on the reactor's thread pool, which saves starting a thread each time
/// (Twisted's `reactor.callInThread(func)`).
fn thread_multiply_in_pool(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    let resolver = reactor.thread_resolver(resolver);
    let func = move || resolver.callback(slow_multiply(a, b));
    match reactor.handle().call_in_thread(func) {
        Ok(()) => d,
        Err(stopped) => deferreds::fail(stopped),
    }
}

/// And as the reactor has it built in, errors and panics included.
fn thread_multiply(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    reactor.defer_to_thread(move || Ok(slow_multiply(a, b)))
}

/// Prints a tick each tutorial second while the threads work: the reactor is free.
fn ticks(time: &Scaled<Reactor>, count: u64, log: &Log) -> Deferred<()> {
    let (d, resolver) = Deferred::new();
    let mut resolver = Some(resolver);
    for n in 1..=count {
        let log = log.clone();
        let last = if n == count { resolver.take() } else { None };
        time.call_later(Duration::from_secs(n), move || {
            log.print(format!("tick {n}: the reactor is free"));
            if let Some(resolver) = last {
                resolver.callback(());
            }
        });
    }
    d
}

/// The three ways at once, each printed with when it came, and the reactor ticking.
fn program(reactor: &Reactor, log: &Log) -> Deferred<()> {
    let time = Scaled::new(reactor.clone());
    let started = time.seconds();
    let ways = [
        ("own thread", thread_multiply_own_thread(reactor, 5, 6)),
        ("pool, by hand", thread_multiply_in_pool(reactor, 5, 6)),
        ("defer_to_thread", thread_multiply(reactor, 5, 6)),
    ];
    let printed = ways.map(|(how, d)| {
        let (time, log) = (time.clone(), log.clone());
        d.add_callback(move |product| {
            let after = common::seconds_since(&time, started);
            log.print(format!("{how}: {product} (after {after} s)"));
            Ok::<_, Failure>(())
        })
    });
    let ticking = ticks(&time, 4, log);
    gather_results(printed).add_callback(move |_| ticking)
}

fn main() {
    let (reactor, _time) = common::start();
    println!("plainly: {}", slow_multiply(5, 6));
    let log = Log::default();
    common::run(&reactor, program(&reactor, &log));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::test_reactor;

    #[test]
    fn every_way_gives_the_product() {
        let reactor = test_reactor();
        let time = Scaled::new(reactor.clone());
        let started = time.seconds();
        let all = gather_results([
            thread_multiply_own_thread(&reactor, 5, 6),
            thread_multiply_in_pool(&reactor, 5, 7),
            thread_multiply(&reactor, 5, 8),
        ]);
        assert_eq!(reactor.run_until(all).expect("three products"), [30, 35, 40]);
        // Real time: only a lower bound is certain.
        assert!(common::seconds_since(&time, started) >= 5);
    }

    #[test]
    fn the_program_prints_the_products_and_the_ticks() {
        let reactor = test_reactor();
        let log = Log::default();
        reactor.run_until(program(&reactor, &log)).expect("the program finishes");
        let mut lines = log.lines();
        lines.sort();
        let products: Vec<_> = lines.iter().filter(|line| !line.starts_with("tick")).collect();
        assert_eq!(products.len(), 3);
        for (line, how) in products.iter().zip(["defer_to_thread", "own thread", "pool, by hand"]) {
            assert!(line.starts_with(&format!("{how}: 30 (after ")), "{line}");
        }
        assert_eq!(lines.iter().filter(|line| line.starts_with("tick")).count(), 4);
    }
}
