//! Tutorial section 8, "Defer to thread", its last paragraph: when the work in a
//! thread has cleanup to do after the result is known, `call_in_thread` lets the thread
//! deliver the result first and clean up afterwards, where `defer_to_thread` would hold
//! the result until the whole function returns. (The tutorial announces this example
//! but gives no code; this is one.)
//!
//! `cargo run -p factorial --example thread_cleanup`
//!
//! Threads take real time, so the tests run on a real reactor too, briefly. A tutorial
//! second is 10 ms.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use common::Log;
use common::scaled::{SECOND, Scaled};
use deferreds::{Deferred, Failure, Time, gather2};
use deferreds_reactor::Reactor;

/// A variant of `slowMultiply` with cleanup: five seconds to multiply, five more to
/// tidy up (close a connection, remove a temporary file). `deliver` gets the product as
/// soon as there is one; `done` is called when the cleanup is over.
fn slow_multiply_with_cleanup(a: i64, b: i64, deliver: impl FnOnce(i64), done: impl FnOnce()) {
    thread::sleep(5 * SECOND);
    deliver(a * b);
    thread::sleep(5 * SECOND);
    done();
}

/// With `call_in_thread`: the product goes to the reactor as soon as it is known, and the
/// thread goes on cleaning up. The second Deferred fires when the cleanup is done.
fn multiply_then_clean_up(reactor: &Reactor, a: i64, b: i64) -> (Deferred<i64>, Deferred<()>) {
    let (product, product_resolver) = Deferred::new();
    let (cleaned, cleaned_resolver) = Deferred::new();
    let product_resolver = reactor.thread_resolver(product_resolver);
    let cleaned_resolver = reactor.thread_resolver(cleaned_resolver);
    let work = move || {
        slow_multiply_with_cleanup(
            a,
            b,
            |p| product_resolver.callback(p),
            || cleaned_resolver.callback(()),
        );
    };
    if let Err(stopped) = reactor.handle().call_in_thread(work) {
        return (deferreds::fail(stopped), deferreds::fail(stopped));
    }
    (product, cleaned)
}

/// With `defer_to_thread`: the product waits for the cleanup. The flag says whether the
/// cleanup was done when the product arrived.
fn multiply_then_clean_up_deferred(reactor: &Reactor, a: i64, b: i64) -> Deferred<(i64, bool)> {
    let cleaned = Arc::new(AtomicBool::new(false));
    let in_thread = Arc::clone(&cleaned);
    let d = reactor.defer_to_thread(move || {
        let mut product = None;
        slow_multiply_with_cleanup(
            a,
            b,
            |p| product = Some(p),
            || in_thread.store(true, Ordering::SeqCst),
        );
        product.ok_or_else(|| Failure::msg("no product"))
    });
    d.add_callback(move |product| Ok((product, cleaned.load(Ordering::SeqCst))))
}

/// Both, one after the other, each event printed with its time.
fn program(reactor: &Reactor, log: &Log) -> Deferred<()> {
    let time = Scaled::new(reactor.clone());
    let (product, cleaned) = multiply_then_clean_up(reactor, 5, 6);
    let say = |what: &'static str| {
        let (time, log) = (time.clone(), log.clone());
        let started = time.seconds();
        move |value: String| {
            log.print(format!(
                "{what}: {value} (after {} s)",
                common::seconds_since(&time, started)
            ));
            Ok::<_, Failure>(())
        }
    };
    let product =
        product.add_callback(|p| Ok(p.to_string())).add_callback(say("call_in_thread, product"));
    let cleaned = cleaned
        .add_callback(|()| Ok("done".to_owned()))
        .add_callback(say("call_in_thread, cleanup"));
    let reactor = reactor.clone();
    let print_deferred = say("defer_to_thread, product");
    gather2(product, cleaned).add_callback(move |_| {
        multiply_then_clean_up_deferred(&reactor, 5, 6)
            .add_callback(|(p, cleaned)| Ok(format!("{p}, cleanup done: {cleaned}")))
            .add_callback(print_deferred)
    })
}

fn main() {
    let (reactor, _time) = common::start();
    common::run(&reactor, program(&reactor, &Log::default()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::test_reactor;

    #[test]
    fn call_in_thread_delivers_the_product_before_the_cleanup_ends() {
        let reactor = test_reactor();
        let order = Log::default();
        let (product, cleaned) = multiply_then_clean_up(&reactor, 5, 6);
        let (o1, o2) = (order.clone(), order.clone());
        let product = product.add_callback(move |p| {
            o1.print(format!("product {p}"));
            Ok(p)
        });
        let cleaned = cleaned.add_callback(move |()| {
            o2.print("cleaned");
            Ok(())
        });
        let (p, ()) = reactor.run_until(gather2(product, cleaned)).expect("both fire");
        assert_eq!(p, 30);
        // Calls from a thread reach the reactor in the order they were made.
        assert_eq!(order.lines(), ["product 30", "cleaned"]);
    }

    #[test]
    fn defer_to_thread_delivers_the_product_after_the_cleanup() {
        let reactor = test_reactor();
        let d = multiply_then_clean_up_deferred(&reactor, 5, 6);
        assert_eq!(reactor.run_until(d).expect("a product"), (30, true));
    }

    #[test]
    fn the_program_prints_three_events() {
        let reactor = test_reactor();
        let log = Log::default();
        reactor.run_until(program(&reactor, &log)).expect("the program finishes");
        let events: Vec<String> = log
            .lines()
            .iter()
            .map(|line| line.split(" (after").next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            events,
            [
                "call_in_thread, product: 30",
                "call_in_thread, cleanup: done",
                "defer_to_thread, product: 30, cleanup done: true",
            ]
        );
    }
}
