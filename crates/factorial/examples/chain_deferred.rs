//! Tutorial section 4, "Chaining deferreds": the key-keeping client again, with
//! `chain_deferred`. Each caller got a Deferred at once; when the key comes, the real
//! multiplication's Deferred is chained into it.
//!
//! `cargo run -p factorial --example chain_deferred`
//!
//! `mult_client` passes the result on by hand; here `chain_deferred` does it in one call:
//! it replaces, after the fact, the Deferred already handed out.
//! Delays are scaled: a tutorial second is 10 ms.
//! The client itself is in `common/key_client.rs`.

mod common;

use common::Log;
use common::key_client::program;
use deferreds::{Deferred, Resolver};

/// `chain_deferred` does it in one call. `my_d` is consumed: nothing can be added to a
/// chain once it is chained.
fn forward(my_d: Deferred<i64>, d: Resolver<i64>) {
    my_d.chain_deferred(d);
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
