//! Tutorial section 4, "Chaining deferreds": a client that keeps the key. Whoever asks
//! while the key is on its way waits for it; each caller got a Deferred at once, and
//! the client feeds the real multiplication's result into it when it can make one.
//!
//! `cargo run -p factorial --example mult_client`
//!
//! Here the result is passed on by hand; `chain_deferred` does the same in one call.
//! Delays are scaled: a tutorial second is 10 ms.
//! The client itself is in `common/key_client.rs`.

mod common;

use common::Log;
use common::key_client::program;
use deferreds::{Deferred, Failure, Resolver};

/// Passes in values to `d` by hand: whatever `my_d` ends with, `d` fires with.
fn forward(my_d: Deferred<i64>, d: Resolver<i64>) {
    drop(my_d.add_both(move |result| {
        d.resolve(result);
        Ok::<_, Failure>(())
    }));
}

fn main() {
    let (reactor, time) = common::start();
    common::run(&reactor, program(&time, &Log::default(), forward));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::key_client::MultClient;
    use common::{secs, value_on_clock};
    use deferreds::gather_results;
    use deferreds::task::Clock;

    #[test]
    fn calls_made_together_share_one_authentication() {
        let clock = Clock::new();
        let mc = MultClient::new(&clock, forward);
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]);
        let (products, took) = value_on_clock(&clock, both);
        assert_eq!((products, took), (vec![30, 35], secs(10)));
        assert_eq!(mc.authentications.get(), 1);
    }

    #[test]
    fn once_the_key_is_kept_a_call_takes_five_seconds() {
        let clock = Clock::new();
        let mc = MultClient::new(&clock, forward);
        value_on_clock(&clock, mc.multiply(5, 6));
        let (product, took) = value_on_clock(&clock, mc.multiply(2, 3));
        assert_eq!((product, took), (6, secs(5)));
        assert_eq!(mc.authentications.get(), 1);
    }

    #[test]
    fn the_program_prints_what_it_did() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, program(&clock, &log, forward));
        assert_eq!(took, secs(15));
        assert_eq!(
            log.lines(),
            [
                "30 and 35 (10 s: one key, two multiplications)",
                "6 (5 s: the key is kept)",
                "authenticated 1 time(s)",
            ]
        );
    }
}
