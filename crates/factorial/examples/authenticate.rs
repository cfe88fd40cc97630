//! Tutorial section 4, "Chaining deferreds": a remote multiplication library with
//! authentication, and the naive way to use it, authenticating before every
//! multiplication: ten seconds a call, where five would do once the key is known.
//!
//! `cargo run -p factorial --example authenticate`
//!
//! The library (`KEY`, `fireLater`, `authenticate`, `secureRemoteMultiply`) is in
//! `common/auth.rs` and `common/remote.rs`, shared with the next examples.
//!
//! `mult_client` and `chain_deferred` show the smarter client. Delays are scaled: a
//! tutorial second is 10 ms.

mod common;

use common::Log;
use common::auth::{authenticate, secure_remote_multiply};
use deferreds::{Deferred, Time, ensure_deferred};

/// The library's own demonstration: authenticate, then multiply with the key.
fn authenticate_then_multiply<T: Time + Clone + 'static>(time: &T) -> Deferred<i64> {
    let time2 = time.clone();
    authenticate(time).add_callback(move |key| secure_remote_multiply(&time2, key, 5, 5))
}

/// The naive client: one authentication per multiplication.
fn my_multiply<T: Time + Clone + 'static>(time: &T, a: i64, b: i64) -> Deferred<i64> {
    let d = authenticate(time);
    let time = time.clone();
    let cb = move |key| secure_remote_multiply(&time, key, a, b);
    d.add_callback(cb)
}

fn main() {
    let (reactor, time) = common::start();
    let log = Log::default();
    let t = time.clone();
    let program = ensure_deferred(async move {
        let started = t.seconds();
        let product = authenticate_then_multiply(&t).await?;
        log.print(format!(
            "authenticate, then multiply: {product} ({} s)",
            common::seconds_since(&t, started)
        ));
        let started = t.seconds();
        let product = my_multiply(&t, 5, 6).await?;
        log.print(format!(
            "my_multiply(5, 6): {product} ({} s)",
            common::seconds_since(&t, started)
        ));
        let refused = secure_remote_multiply(&t, "enemy", 5, 6).await;
        if let Err(failure) = refused {
            log.print(format!("without the key: {failure}"));
        }
        Ok::<_, deferreds::Failure>(())
    });
    common::run(&reactor, program);
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{ValueError, run_on_clock, secs, value_on_clock};
    use deferreds::task::Clock;

    #[test]
    fn authentication_then_multiplication_takes_ten_seconds() {
        let clock = Clock::new();
        let (product, took) = value_on_clock(&clock, authenticate_then_multiply(&clock));
        assert_eq!((product, took), (25, secs(10)));
    }

    #[test]
    fn a_wrong_token_fails_at_once() {
        let clock = Clock::new();
        let (result, took) = run_on_clock(&clock, secure_remote_multiply(&clock, "enemy", 5, 6));
        assert_eq!(result.expect_err("refused").downcast_ref(), Some(&ValueError("wrong token")));
        assert_eq!(took, secs(0));
    }

    #[test]
    fn the_naive_client_pays_ten_seconds_for_every_call() {
        let clock = Clock::new();
        let (product, took) = value_on_clock(&clock, my_multiply(&clock, 5, 6));
        assert_eq!((product, took), (30, secs(10)));
        // The key is not kept: the next call authenticates again.
        let (product, took) = value_on_clock(&clock, my_multiply(&clock, 5, 7));
        assert_eq!((product, took), (35, secs(10)));
    }
}
