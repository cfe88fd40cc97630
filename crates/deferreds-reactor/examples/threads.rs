//! The tutorial's section 8, "Defer to thread": blocking work kept off the reactor.
//!
//! `cargo run -p deferreds-reactor --example threads`
//!
//! The tutorial's five-second sleeps are 50 ms here, so the run takes well under a second.

use std::thread;
use std::time::Duration;

use deferreds::{Deferred, Failure, Time, gather_results};
use deferreds_reactor::{Reactor, ReactorHandle};

/// One of the tutorial's seconds.
const SECOND: Duration = Duration::from_millis(10);

/// A multiplication that blocks its thread, like a database call.
fn slow_multiply(a: i64, b: i64) -> i64 {
    thread::sleep(5 * SECOND);
    a * b
}

/// A thread of its own per call; the result comes back through the reactor.
fn thread_multiply_own_thread(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    let resolver = reactor.thread_resolver(resolver);
    thread::spawn(move || resolver.callback(slow_multiply(a, b)));
    d
}

/// The same in the reactor's thread pool, by hand (`callInThread` + `callFromThread`).
fn thread_multiply_in_pool(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    let resolver = reactor.thread_resolver(resolver);
    let queued = reactor.handle().call_in_thread(move || resolver.callback(slow_multiply(a, b)));
    queued.map_or_else(|stopped| deferreds::fail(stopped), |()| d)
}

/// And as the reactor has it built in (`deferToThread`).
fn thread_multiply(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    reactor.defer_to_thread(move || Ok(slow_multiply(a, b)))
}

/// A remote call made from a pool thread: asks the reactor, and waits for the answer.
fn remote_should_be_slower(reactor: &Reactor, a: i64) -> Deferred<bool> {
    let (d, resolver) = Deferred::new();
    reactor.call_later(5 * SECOND, move || resolver.callback(a % 2 == 0));
    d
}

fn slow_multiply_asking(handle: &ReactorHandle, a: i64, b: i64) -> Result<i64, Failure> {
    thread::sleep(5 * SECOND);
    let slower =
        handle.blocking_call_from_thread(move |reactor| remote_should_be_slower(reactor, a))?;
    if slower {
        thread::sleep(5 * SECOND);
    }
    Ok(a * b)
}

fn main() {
    let reactor = Reactor::new().expect("a reactor");
    let handle = reactor.handle();
    let all = gather_results(vec![
        thread_multiply_own_thread(&reactor, 5, 6),
        thread_multiply_in_pool(&reactor, 5, 6),
        thread_multiply(&reactor, 5, 6),
        reactor.defer_to_thread(move || slow_multiply_asking(&handle, 5, 6)),
    ]);
    match reactor.run_until(all) {
        Ok(products) => {
            for (how, product) in
                ["own thread", "pool, by hand", "defer_to_thread", "blocking call"]
                    .iter()
                    .zip(products)
            {
                println!("{how}: {product}");
            }
        }
        Err(failure) => eprintln!("failed: {}", failure.report()),
    }
}
