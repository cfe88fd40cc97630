//! The engine under `DeferredSemaphore` and `DeferredLock`: a count of free tokens and a
//! FIFO queue of waiting acquirers (Twisted's `_ConcurrencyPrimitive`).
//!
//! Fairness: a released token goes straight to the oldest waiter, never back to the pool
//! while someone waits, so a newcomer cannot overtake the queue.
//!
//! Cancelled waiters: cancelling a waiting acquire removes it from the queue at once and
//! fails it with `CancelledError`; it never holds a token.
//!
//! Over-release cannot happen: a token is a `Permit` value, released exactly once, when
//! it is dropped (or by `Permit::release`, which drops it).
//!
//! Constant stack: handing a token to a waiter runs that waiter's handlers, which may
//! release permits of their own (`run` over functions that finish at once does). A
//! release made while a hand-over is under way is counted and carried out by the loop
//! already handing over, so a long queue drains without recursion.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::waiters::Waiters;
use crate::{Deferred, IntoOutcome, maybe_deferred, succeed};

pub(crate) struct Engine {
    limit: usize,
    /// Tokens not held by any permit.
    free: Cell<usize>,
    /// Acquirers waiting for a token, oldest first.
    waiters: Waiters<Permit>,
    /// True while `release` hands tokens over; further releases are only counted.
    handing_over: Cell<bool>,
    /// Releases made while handing over, still to be carried out.
    deferred_releases: Cell<usize>,
}

impl Engine {
    pub(crate) fn new(limit: usize) -> Rc<Engine> {
        Rc::new(Engine {
            limit,
            free: Cell::new(limit),
            waiters: Waiters::new(),
            handing_over: Cell::new(false),
            deferred_releases: Cell::new(0),
        })
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn free(&self) -> usize {
        self.free.get()
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiters.len()
    }

    fn try_acquire(self: &Rc<Self>) -> Option<Permit> {
        let free = self.free.get();
        if free == 0 {
            return None;
        }
        self.free.set(free - 1);
        Some(Permit { engine: Some(Rc::clone(self)) })
    }

    #[track_caller]
    pub(crate) fn acquire(self: &Rc<Self>) -> Deferred<Permit> {
        if let Some(permit) = self.try_acquire() {
            return succeed(permit);
        }
        self.waiters.wait()
    }

    #[track_caller]
    pub(crate) fn run<F, R>(self: &Rc<Self>, f: F) -> Deferred<R::Value>
    where
        F: FnOnce() -> R + 'static,
        R: IntoOutcome,
    {
        match self.try_acquire() {
            Some(permit) => run_holding(permit, f),
            None => self.acquire().add_callback(move |permit| run_holding(permit, f)),
        }
    }

    fn release(self: &Rc<Self>) {
        if self.handing_over.get() {
            self.deferred_releases.set(self.deferred_releases.get() + 1);
            return;
        }
        self.handing_over.set(true);
        let mut releases = 1;
        while releases > 0 {
            releases -= 1;
            let next = self.waiters.pop();
            match next {
                Some(waiter) => waiter.callback(Permit { engine: Some(Rc::clone(self)) }),
                None => self.free.set(self.free.get() + 1),
            }
            releases += self.deferred_releases.replace(0);
        }
        self.handing_over.set(false);
    }
}

#[track_caller]
fn run_holding<F, R>(permit: Permit, f: F) -> Deferred<R::Value>
where
    F: FnOnce() -> R,
    R: IntoOutcome,
{
    maybe_deferred(f).add_both(move |result| {
        drop(permit);
        result
    })
}

/// A token of a [`DeferredSemaphore`](crate::DeferredSemaphore) or the hold on a
/// [`DeferredLock`](crate::DeferredLock). Dropping it releases the token, to the oldest
/// waiter if there is one.
#[must_use = "dropping a Permit releases it at once"]
pub struct Permit {
    /// `None` once released.
    engine: Option<Rc<Engine>>,
}

impl Permit {
    /// Releases the token now (the same as dropping the permit).
    pub fn release(self) {
        drop(self);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.release();
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("limit", &self.limit)
            .field("free", &self.free.get())
            .field("waiting", &self.waiting())
            .finish()
    }
}
