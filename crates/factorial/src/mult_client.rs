//! [`MultClient`]: the tutorial's section 11 client of a session-minded multiplier.
//!
//! Callers just multiply. Underneath, the client gets a session first (one request,
//! however many callers wait for it), asks again when the multiplier says "try again
//! later", makes a new session when told the old one expired, and retries a failed
//! multiplication: all without changing the API, as the exercises ask.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::defer_later;
use deferreds::{Deferred, Failure, Resolver, Time};
use deferreds_xmlrpc::{Fault, Proxy, Value};
use num_bigint::BigUint;

use crate::codes::{BAD_SESSION, RETRY};
use crate::multiplier::Multiplier;
use crate::wire::{from_wire, to_wire};

/// How often and how soon to try again.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// The wait before trying again after [`RETRY`].
    pub delay: Duration,
    /// Attempts per operation, the first included; then the last failure stands.
    pub attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { delay: Duration::from_millis(10), attempts: 20 }
    }
}

/// What a [`MultClient`] has done on its callers' behalf.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Remote `multiply` calls made, retries included.
    pub remote_calls: u64,
    /// Sessions obtained.
    pub sessions: u64,
    /// Calls made again after a "try again later".
    pub retries: u64,
    /// Sessions made again after "session invalid".
    pub renewed_sessions: u64,
}

/// A multiplier reached through a [`Proxy`], with sessions and retries hidden.
pub struct MultClient {
    proxy: Proxy,
    time: Rc<dyn Time>,
    policy: RetryPolicy,
    session: RefCell<Option<String>>,
    /// Callers waiting for the session being created; `None` when none is.
    waiting: RefCell<Option<Vec<Resolver<String>>>>,
    stats: Cell<ClientStats>,
}

impl MultClient {
    /// A client of the multiplier at `proxy`, waiting on `time` between attempts.
    pub fn new(proxy: Proxy, time: Rc<dyn Time>, policy: RetryPolicy) -> Rc<MultClient> {
        Rc::new(MultClient {
            proxy,
            time,
            policy,
            session: RefCell::new(None),
            waiting: RefCell::new(None),
            stats: Cell::new(ClientStats::default()),
        })
    }

    /// What it has done so far.
    pub fn stats(&self) -> ClientStats {
        self.stats.get()
    }

    fn count(&self, change: impl FnOnce(&mut ClientStats)) {
        let mut stats = self.stats.get();
        change(&mut stats);
        self.stats.set(stats);
    }

    /// The session: the current one, or the one being made (the tutorial's
    /// `doOnSession`: one `createSession` however many callers wait).
    fn session(self: &Rc<Self>) -> Deferred<String> {
        if let Some(session) = self.session.borrow().clone() {
            return deferreds::succeed(session);
        }
        let (session, resolver) = Deferred::new();
        let first = {
            let mut waiting = self.waiting.borrow_mut();
            let first = waiting.is_none();
            waiting.get_or_insert_with(Vec::new).push(resolver);
            first
        };
        if first {
            let this = Rc::clone(self);
            drop(self.create_session(1).add_both(move |outcome| {
                this.session_made(outcome);
                Ok(())
            }));
        }
        session
    }

    fn session_made(&self, outcome: Result<String, Failure>) {
        if let Ok(session) = &outcome {
            *self.session.borrow_mut() = Some(session.clone());
            self.count(|s| s.sessions += 1);
        }
        let waiting = self.waiting.borrow_mut().take().unwrap_or_default();
        for resolver in waiting {
            resolver.resolve(outcome.clone());
        }
    }

    fn create_session(self: &Rc<Self>, attempt: u32) -> Deferred<String> {
        let this = Rc::clone(self);
        self.proxy.call::<String, _>("createSession", &()).add_errback(move |failure| {
            if is_fault(&failure, RETRY) && attempt < this.policy.attempts {
                this.count(|s| s.retries += 1);
                let again = Rc::clone(&this);
                return defer_later(&*this.time, this.policy.delay, move || {
                    again.create_session(attempt + 1)
                });
            }
            deferreds::fail(failure)
        })
    }

    fn multiply_attempt(
        self: &Rc<Self>,
        a: BigUint,
        b: BigUint,
        attempt: u32,
    ) -> Deferred<BigUint> {
        let (this, recover) = (Rc::clone(self), Rc::clone(self));
        let (x, y) = (a.clone(), b.clone());
        self.session()
            .add_callback(move |session| this.multiply_with(session, x, y))
            .add_errback(move |failure| recover.recover(failure, a, b, attempt))
    }

    fn multiply_with(&self, session: String, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        self.count(|s| s.remote_calls += 1);
        let params = vec![Value::String(session.clone()), to_wire(&a), to_wire(&b)];
        self.proxy.call_remote("multiply", params).add_callbacks(
            |value| from_wire(&value).map_err(Failure::new),
            move |failure| Err(tag(failure, session)),
        )
    }

    /// After a failed multiplication: a new session, or a later attempt, or give up.
    fn recover(
        self: &Rc<Self>,
        failure: Failure,
        a: BigUint,
        b: BigUint,
        attempt: u32,
    ) -> Deferred<BigUint> {
        if attempt >= self.policy.attempts {
            return deferreds::fail(untag(failure));
        }
        if let Some(expired) = failure.downcast_ref::<SessionFailure>() {
            if expired.fault.code == BAD_SESSION {
                // Forget the session only if nobody has replaced it meanwhile.
                let mut session = self.session.borrow_mut();
                if session.as_deref() == Some(expired.session.as_str()) {
                    *session = None;
                }
                drop(session);
                self.count(|s| s.renewed_sessions += 1);
                return self.multiply_attempt(a, b, attempt + 1);
            }
        }
        let failure = untag(failure);
        if is_fault(&failure, RETRY) {
            self.count(|s| s.retries += 1);
            let this = Rc::clone(self);
            return defer_later(&*self.time, self.policy.delay, move || {
                this.multiply_attempt(a, b, attempt + 1)
            });
        }
        deferreds::fail(failure)
    }
}

impl Multiplier for Rc<MultClient> {
    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        self.multiply_attempt(a, b, 1)
    }
}

/// A fault that came back for a call made with `session`, so the session can be
/// forgotten if it is still the current one.
#[derive(Debug)]
struct SessionFailure {
    fault: Fault,
    session: String,
}

impl fmt::Display for SessionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fault.fmt(f)
    }
}

impl std::error::Error for SessionFailure {}

fn tag(failure: Failure, session: String) -> Failure {
    match failure.downcast_ref::<Fault>() {
        Some(fault) if fault.code == BAD_SESSION => {
            Failure::new(SessionFailure { fault: fault.clone(), session })
        }
        _ => failure,
    }
}

fn untag(failure: Failure) -> Failure {
    match failure.downcast_ref::<SessionFailure>() {
        Some(tagged) => Failure::new(tagged.fault.clone()),
        None => failure,
    }
}

fn is_fault(failure: &Failure, code: i32) -> bool {
    failure.downcast_ref::<Fault>().is_some_and(|fault| fault.code == code)
}

impl fmt::Debug for MultClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultClient")
            .field("proxy", &self.proxy)
            .field("session", &self.session.borrow())
            .field("stats", &self.stats())
            .finish()
    }
}
