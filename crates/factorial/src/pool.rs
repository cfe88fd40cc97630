//! [`MultiplierPool`]: several multipliers, each used at most so many calls at a time.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use deferreds::{Deferred, DeferredSemaphore};
use num_bigint::BigUint;

use crate::multiplier::Multiplier;

struct Member {
    multiplier: Box<dyn Multiplier>,
    in_flight: Cell<usize>,
    max_in_flight: Cell<usize>,
    calls: Cell<u64>,
}

/// Multipliers shared out under a per-multiplier limit (the exercise: "two functions,
/// each of which you may use only two in parallel").
///
/// One semaphore holds a token per allowed call across the pool; a call that gets one
/// goes to the least busy multiplier, which is then under its limit by construction.
pub struct MultiplierPool {
    members: Vec<Member>,
    limit: usize,
    tokens: DeferredSemaphore,
}

/// One multiplier's share of the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberStats {
    /// Calls it was given.
    pub calls: u64,
    /// The most it ever had at once: never above the pool's limit.
    pub max_in_flight: usize,
}

impl MultiplierPool {
    /// A pool of `multipliers`, each given at most `limit` calls at a time.
    ///
    /// # Panics
    ///
    /// With no multipliers, or a limit of zero: nothing could ever be multiplied.
    pub fn new(multipliers: Vec<Box<dyn Multiplier>>, limit: usize) -> Rc<MultiplierPool> {
        assert!(!multipliers.is_empty() && limit > 0, "a pool needs a multiplier and a limit");
        let tokens = DeferredSemaphore::new(multipliers.len() * limit);
        let members = multipliers
            .into_iter()
            .map(|multiplier| Member {
                multiplier,
                in_flight: Cell::new(0),
                max_in_flight: Cell::new(0),
                calls: Cell::new(0),
            })
            .collect();
        Rc::new(MultiplierPool { members, limit, tokens })
    }

    /// Each multiplier's share, in the order given.
    pub fn stats(&self) -> Vec<MemberStats> {
        self.members
            .iter()
            .map(|m| MemberStats { calls: m.calls.get(), max_in_flight: m.max_in_flight.get() })
            .collect()
    }

    /// The per-multiplier limit.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl Multiplier for Rc<MultiplierPool> {
    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        let pool = Rc::clone(self);
        self.tokens.run(move || {
            let index = (0..pool.members.len())
                .min_by_key(|&i| pool.members[i].in_flight.get())
                .expect("a pool has members");
            let member = &pool.members[index];
            member.in_flight.set(member.in_flight.get() + 1);
            member.max_in_flight.set(member.max_in_flight.get().max(member.in_flight.get()));
            member.calls.set(member.calls.get() + 1);
            let done = Rc::clone(&pool);
            member.multiplier.multiply(a, b).add_both(move |product| {
                let member = &done.members[index];
                member.in_flight.set(member.in_flight.get() - 1);
                product
            })
        })
    }
}

impl fmt::Debug for MultiplierPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiplierPool")
            .field("limit", &self.limit)
            .field("members", &self.stats())
            .finish()
    }
}
