//! What multiplies: the [`Multiplier`] trait, and the service a remote multiplier runs.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::defer_later;
use deferreds::{Deferred, Failure, Time};
use deferreds_xmlrpc::{Fault, Value, XmlRpc};
use num_bigint::BigUint;

use crate::codes::{BAD_ARGUMENT, BAD_SESSION, RETRY};
use crate::wire::{counts, from_wire, to_wire};

/// Something that multiplies two numbers, later: a remote multiplier, or a local one in
/// tests.
pub trait Multiplier {
    /// `a * b`, when it comes.
    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint>;
}

/// How a multiplier service behaves: the tutorial's slow, sometimes failing, session-
/// minded remote multiplier.
#[derive(Clone, Debug)]
pub struct MultiplierOptions {
    /// How long each multiplication takes (the tutorial's five seconds).
    pub latency: Duration,
    /// The share of multiplications that fail with [`RETRY`] (the tutorial's 1%).
    pub failure_rate: f64,
    /// How many `createSession` calls are answered "try again later" first, as while
    /// warming up.
    pub warmup_refusals: u32,
    /// After this many multiplications a session expires: the next call with it gets
    /// [`BAD_SESSION`].
    pub session_calls: Option<u32>,
    /// Seeds the failures, so a run can be repeated.
    pub seed: u64,
}

impl Default for MultiplierOptions {
    fn default() -> MultiplierOptions {
        MultiplierOptions {
            latency: Duration::ZERO,
            failure_rate: 0.0,
            warmup_refusals: 0,
            session_calls: None,
            seed: 1,
        }
    }
}

/// What a multiplier service has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MultiplierStats {
    /// Multiplications answered with a product.
    pub products: u64,
    /// Multiplications failed on purpose (`failure_rate`).
    pub injected_failures: u64,
    /// Sessions handed out.
    pub sessions: u64,
    /// `createSession` calls refused while warming up.
    pub refused_sessions: u64,
    /// Calls with an expired or unknown session.
    pub bad_sessions: u64,
    /// The most multiplications under way at once.
    pub max_in_flight: u64,
}

/// The state of a multiplier service, for its statistics.
pub struct MultiplierService {
    time: Rc<dyn Time>,
    options: MultiplierOptions,
    sessions: RefCell<HashMap<String, u32>>,
    refusals_left: Cell<u32>,
    random: Cell<u64>,
    in_flight: Cell<u64>,
    stats: Cell<MultiplierStats>,
}

impl MultiplierService {
    /// A service on `time` (the reactor, or a test clock).
    pub fn new(time: Rc<dyn Time>, options: MultiplierOptions) -> Rc<MultiplierService> {
        Rc::new(MultiplierService {
            time,
            refusals_left: Cell::new(options.warmup_refusals),
            random: Cell::new(options.seed | 1),
            options,
            sessions: RefCell::new(HashMap::new()),
            in_flight: Cell::new(0),
            stats: Cell::new(MultiplierStats::default()),
        })
    }

    /// Its methods: `multiply(a, b)`, `multiply(session, a, b)`, `createSession()` and
    /// `stats()`, with `system.*` introspection.
    pub fn methods(self: &Rc<Self>) -> XmlRpc {
        let mut methods = XmlRpc::new();
        let this = Rc::clone(self);
        methods
            .add_raw("multiply", move |params| Ok(this.multiply_call(params)))
            .help("multiply(a, b) or multiply(session, a, b): the product, as decimal digits.")
            .signature(&["string", "string", "string"])
            .signature(&["string", "string", "string", "string"]);
        let this = Rc::clone(self);
        methods
            .add("createSession", move |()| this.create_session())
            .help("A new session, or fault 6 (RETRY) while warming up.")
            .signature(&["string"]);
        let this = Rc::clone(self);
        methods
            .add("stats", move |()| Ok::<_, Failure>(this.stats_value()))
            .help("What this multiplier has done.");
        methods
    }

    /// What it has done so far.
    pub fn stats(&self) -> MultiplierStats {
        self.stats.get()
    }

    fn count(&self, change: impl FnOnce(&mut MultiplierStats)) {
        let mut stats = self.stats.get();
        change(&mut stats);
        self.stats.set(stats);
    }

    fn create_session(&self) -> Result<String, Failure> {
        if self.refusals_left.get() > 0 {
            self.refusals_left.set(self.refusals_left.get() - 1);
            self.count(|s| s.refused_sessions += 1);
            let fault = Fault::new(RETRY, "cannot create sessions yet - try again later");
            return Err(Failure::new(fault));
        }
        self.count(|s| s.sessions += 1);
        let session = format!("session-{}", self.stats.get().sessions);
        self.sessions.borrow_mut().insert(session.clone(), 0);
        Ok(session)
    }

    fn multiply_call(self: &Rc<Self>, params: Vec<Value>) -> Deferred<Value> {
        let operands = match params.as_slice() {
            [a, b] => Ok((a, b)),
            [Value::String(session), a, b] => self.use_session(session).map(|()| (a, b)),
            _ => Err(Fault::new(BAD_ARGUMENT, "multiply takes (a, b) or (session, a, b)")),
        };
        let product = operands.and_then(|(a, b)| Ok(from_wire(a)? * from_wire(b)?));
        let product = match product {
            Ok(product) => product,
            Err(fault) => return deferreds::fail(fault),
        };
        let failed = self.next_random() < self.options.failure_rate;
        self.in_flight.set(self.in_flight.get() + 1);
        let in_flight = self.in_flight.get();
        self.count(|s| s.max_in_flight = s.max_in_flight.max(in_flight));
        let this = Rc::clone(self);
        defer_later(&*self.time, self.options.latency, move || {
            this.in_flight.set(this.in_flight.get() - 1);
            if failed {
                this.count(|s| s.injected_failures += 1);
                return Err(Failure::new(Fault::new(RETRY, "the multiplier failed - try again")));
            }
            this.count(|s| s.products += 1);
            Ok(to_wire(&product))
        })
    }

    fn use_session(&self, session: &str) -> Result<(), Fault> {
        let mut sessions = self.sessions.borrow_mut();
        let expired = match sessions.get_mut(session) {
            Some(used) if self.options.session_calls.is_none_or(|limit| *used < limit) => {
                *used += 1;
                return Ok(());
            }
            Some(_) => true,
            None => false,
        };
        if expired {
            sessions.remove(session);
        }
        self.count(|s| s.bad_sessions += 1);
        Err(Fault::new(BAD_SESSION, "session invalid - please recreate session"))
    }

    /// xorshift64: failures that repeat from run to run of the same seed.
    fn next_random(&self) -> f64 {
        let mut x = self.random.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn stats_value(&self) -> Value {
        let stats = self.stats();
        counts(&[
            ("products", stats.products),
            ("injected_failures", stats.injected_failures),
            ("sessions", stats.sessions),
            ("refused_sessions", stats.refused_sessions),
            ("bad_sessions", stats.bad_sessions),
            ("max_in_flight", stats.max_in_flight),
        ])
    }
}

impl fmt::Debug for MultiplierService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiplierService")
            .field("options", &self.options)
            .field("stats", &self.stats())
            .finish()
    }
}
