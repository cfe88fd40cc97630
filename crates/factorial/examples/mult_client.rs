//! Tutorial section 4, "Chaining deferreds": a client that keeps the key. Whoever asks
//! while the key is on its way waits for it; each caller got a Deferred at once, and
//! the client feeds the real multiplication's result into it when it can make one.
//!
//! `cargo run -p factorial --example mult_client`
//!
//! Here the result is passed on by hand; `chain_deferred` does the same in one call.
//! Delays are scaled: a tutorial second is 10 ms.
//!
//! Two fixes to the tutorial's code: it never sets `gettingKeyInProgress`, so every call
//! authenticates again, and it never uses the key it has kept. Like the tutorial's, this
//! client does not handle a failed authentication (section 11 does).

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::Log;
use common::auth::{authenticate, secure_remote_multiply};
use deferreds::{Deferred, Failure, Time, ensure_deferred, gather_results};

/// A multiplication waiting for the key.
type WaitingForKey = Box<dyn FnOnce(&'static str)>;

/// The tutorial's `MultClient`: authenticates once, for every multiplication.
struct MultClient<T> {
    time: T,
    key: Cell<Option<&'static str>>,
    waiting_for_key: RefCell<Vec<WaitingForKey>>,
    getting_key_in_progress: Cell<bool>,
    /// How often the client authenticated, for the tests.
    authentications: Cell<u32>,
}

impl<T: Time + Clone + 'static> MultClient<T> {
    fn new(time: &T) -> Rc<MultClient<T>> {
        Rc::new(MultClient {
            time: time.clone(),
            key: Cell::new(None),
            waiting_for_key: RefCell::new(Vec::new()),
            getting_key_in_progress: Cell::new(false),
            authentications: Cell::new(0),
        })
    }

    fn multiply(self: &Rc<Self>, a: i64, b: i64) -> Deferred<i64> {
        if let Some(key) = self.key.get() {
            return secure_remote_multiply(&self.time, key, a, b);
        }
        let (d, resolver) = Deferred::new();
        let time = self.time.clone();
        let mult = move |key: &'static str| {
            let my_d = secure_remote_multiply(&time, key, a, b);
            // Pass in values to d: whatever `my_d` ends with, `d` fires with.
            drop(my_d.add_both(move |result| {
                resolver.resolve(result);
                Ok::<_, Failure>(())
            }));
        };
        self.waiting_for_key.borrow_mut().push(Box::new(mult));
        if !self.getting_key_in_progress.replace(true) {
            self.authentications.set(self.authentications.get() + 1);
            let client = Rc::clone(self);
            let ad = authenticate(&self.time);
            drop(ad.add_callback(move |key| {
                client.got_key(key);
                Ok::<_, Failure>(())
            }));
        }
        d
    }

    fn got_key(&self, key: &'static str) {
        self.key.set(Some(key));
        self.getting_key_in_progress.set(false);
        // Taken out first: a multiplication may ask the client for more.
        let waiting_for_key = std::mem::take(&mut *self.waiting_for_key.borrow_mut());
        for func in waiting_for_key {
            func(key);
        }
    }
}

/// The tutorial's program (two multiplications at once), then a third with the key kept.
fn program<T: Time + Clone + 'static>(time: &T, log: &Log) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    ensure_deferred(async move {
        let mc = MultClient::new(&time);
        let started = time.seconds();
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!("{} and {} ({took} s: one key, two multiplications)", both[0], both[1]));
        let started = time.seconds();
        let third = mc.multiply(2, 3).await?;
        let took = common::seconds_since(&time, started);
        log.print(format!("{third} ({took} s: the key is kept)"));
        log.print(format!("authenticated {} time(s)", mc.authentications.get()));
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
    fn calls_made_together_share_one_authentication() {
        let clock = Clock::new();
        let mc = MultClient::new(&clock);
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]);
        let (products, took) = value_on_clock(&clock, both);
        assert_eq!((products, took), (vec![30, 35], secs(10)));
        assert_eq!(mc.authentications.get(), 1);
    }

    #[test]
    fn once_the_key_is_kept_a_call_takes_five_seconds() {
        let clock = Clock::new();
        let mc = MultClient::new(&clock);
        value_on_clock(&clock, mc.multiply(5, 6));
        let (product, took) = value_on_clock(&clock, mc.multiply(2, 3));
        assert_eq!((product, took), (6, secs(5)));
        assert_eq!(mc.authentications.get(), 1);
    }

    #[test]
    fn the_program_prints_what_it_did() {
        let clock = Clock::new();
        let log = Log::default();
        let ((), took) = value_on_clock(&clock, program(&clock, &log));
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
