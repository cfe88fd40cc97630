//! Section 4's key-keeping client, shared by `mult_client` and `chain_deferred`: they
//! differ only in how the real multiplication's result reaches the Deferred the caller
//! already holds, which each passes in as its `Forward`.
//!
//! Two fixes to the tutorial's code: it never sets `gettingKeyInProgress`, so every call
//! authenticates again, and it never uses the key it has kept. Like the tutorial's, this
//! client does not handle a failed authentication (section 11 does).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deferreds::{Deferred, Failure, Resolver, Time, ensure_deferred, gather_results};

use super::Log;
use super::auth::{authenticate, secure_remote_multiply};

/// Feeds the real multiplication (first) into the Deferred handed out (second).
pub(crate) type Forward = fn(Deferred<i64>, Resolver<i64>);

/// A multiplication waiting for the key.
type WaitingForKey = Box<dyn FnOnce(&'static str)>;

/// The tutorial's `MultClient`: authenticates once, for every multiplication.
pub(crate) struct MultClient<T> {
    time: T,
    forward: Forward,
    key: Cell<Option<&'static str>>,
    waiting_for_key: RefCell<Vec<WaitingForKey>>,
    getting_key_in_progress: Cell<bool>,
    /// How often the client authenticated, for the tests.
    pub(crate) authentications: Cell<u32>,
}

impl<T: Time + Clone + 'static> MultClient<T> {
    pub(crate) fn new(time: &T, forward: Forward) -> Rc<MultClient<T>> {
        Rc::new(MultClient {
            time: time.clone(),
            forward,
            key: Cell::new(None),
            waiting_for_key: RefCell::new(Vec::new()),
            getting_key_in_progress: Cell::new(false),
            authentications: Cell::new(0),
        })
    }

    pub(crate) fn multiply(self: &Rc<Self>, a: i64, b: i64) -> Deferred<i64> {
        if let Some(key) = self.key.get() {
            return secure_remote_multiply(&self.time, key, a, b);
        }
        let (d, resolver) = Deferred::new();
        let (time, forward) = (self.time.clone(), self.forward);
        let mult =
            move |key: &'static str| forward(secure_remote_multiply(&time, key, a, b), resolver);
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
pub(crate) fn program<T: Time + Clone + 'static>(
    time: &T,
    log: &Log,
    forward: Forward,
) -> Deferred<()> {
    let (time, log) = (time.clone(), log.clone());
    ensure_deferred(async move {
        let mc = MultClient::new(&time, forward);
        let started = time.seconds();
        let both = gather_results([mc.multiply(5, 6), mc.multiply(5, 7)]).await?;
        let took = super::seconds_since(&time, started);
        log.print(format!("{} and {} ({took} s: one key, two multiplications)", both[0], both[1]));
        let started = time.seconds();
        let third = mc.multiply(2, 3).await?;
        let took = super::seconds_since(&time, started);
        log.print(format!("{third} ({took} s: the key is kept)"));
        log.print(format!("authenticated {} time(s)", mc.authentications.get()));
        Ok::<_, Failure>(())
    })
}
