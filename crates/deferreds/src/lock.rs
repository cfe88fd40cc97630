//! `DeferredLock`: one holder at a time.

use std::fmt;
use std::rc::Rc;

use crate::concurrency::{Engine, Permit};
use crate::{Deferred, IntoOutcome};

/// A lock for Deferred-returning code: one holder at a time, the rest waiting in FIFO
/// order (Twisted's `DeferredLock`). Clones share one lock.
///
/// # Example: serialise two updates
///
/// ```
/// use deferreds::{testing, DeferredLock};
///
/// let lock = DeferredLock::new();
/// let first = lock.acquire();
/// assert!(lock.locked());
/// let second = lock.run(|| Ok("updated"));
/// testing::assert_no_result(&second);
/// drop(testing::success_result_of(first)); // releases the lock
/// assert_eq!(testing::success_result_of(second), "updated");
/// assert!(!lock.locked());
/// ```
#[derive(Clone)]
pub struct DeferredLock {
    engine: Rc<Engine>,
}

impl DeferredLock {
    /// An unlocked lock.
    pub fn new() -> DeferredLock {
        DeferredLock { engine: Engine::new(1) }
    }

    /// A Deferred that fires with a [`Permit`] holding the lock, once it is free.
    /// Dropping the permit unlocks. Cancelling the Deferred while it waits removes it
    /// from the queue.
    #[track_caller]
    pub fn acquire(&self) -> Deferred<Permit> {
        self.engine.acquire()
    }

    /// Locks, calls `f`, and unlocks once `f`'s outcome is in, on success or failure.
    #[track_caller]
    pub fn run<F, R>(&self, f: F) -> Deferred<R::Value>
    where
        F: FnOnce() -> R + 'static,
        R: IntoOutcome,
    {
        self.engine.run(f)
    }

    /// Whether someone holds the lock (Twisted's `locked`).
    pub fn locked(&self) -> bool {
        self.engine.free() == 0
    }

    /// The number of acquirers waiting for the lock.
    pub fn waiting(&self) -> usize {
        self.engine.waiting()
    }
}

impl Default for DeferredLock {
    fn default() -> DeferredLock {
        DeferredLock::new()
    }
}

impl fmt::Debug for DeferredLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredLock")
            .field("locked", &self.locked())
            .field("waiting", &self.waiting())
            .finish()
    }
}
