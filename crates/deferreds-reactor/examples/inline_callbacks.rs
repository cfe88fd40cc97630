//! The tutorial's section 9, "Inline callbacks": an async block awaits Deferreds one
//! after another, as `@inlineCallbacks` yields them.
//!
//! `cargo run -p deferreds-reactor --example inline_callbacks`
//!
//! Each remote multiplication takes 50 ms here instead of five seconds.

use std::time::Duration;

use deferreds::{Deferred, Failure, Time, ensure_deferred};
use deferreds_reactor::Reactor;

/// A multiplication that answers later, like a remote call.
fn remote_multiply(reactor: &Reactor, a: i64, b: i64) -> Deferred<i64> {
    let (d, resolver) = Deferred::new();
    reactor.call_later(Duration::from_millis(50), move || resolver.callback(a * b));
    d
}

/// Multiplies the values one at a time: each multiplication waits for the previous one.
fn multiply_list(reactor: &Reactor, values: Vec<i64>) -> Deferred<i64> {
    let reactor = reactor.clone();
    ensure_deferred(async move {
        let mut product = 1;
        for value in values {
            product = remote_multiply(&reactor, product, value).await?;
        }
        Ok::<_, Failure>(product)
    })
}

fn main() {
    let reactor = Reactor::new().expect("a reactor");
    let started = reactor.seconds();
    let d = multiply_list(&reactor, vec![2, 3, 4, 5, 6, 7]);
    match reactor.run_until(d) {
        Ok(product) => {
            let took = reactor.seconds() - started;
            println!("{product} (six multiplications, one at a time: {took:.2} s)");
        }
        Err(failure) => eprintln!("failed: {}", failure.report()),
    }
}
