//! `DeferredSemaphore`: at most N holders at a time.

use std::fmt;
use std::rc::Rc;

use crate::concurrency::{Engine, Permit};
use crate::{Deferred, IntoOutcome};

/// A semaphore for Deferred-returning code: at most `tokens` holders at once, the rest
/// waiting in FIFO order (Twisted's `DeferredSemaphore`). Clones share one semaphore.
///
/// [`run`](DeferredSemaphore::run) is the least error-prone way to use it: it acquires,
/// runs the function, and releases when the function's result (a value, an error, or a
/// Deferred's eventual result) is in, on success and on failure alike.
///
/// # Example: the tutorial's `limitedRemoteMultiply`
///
/// ```
/// use deferreds::{task::Clock, testing, Deferred, DeferredSemaphore, Time};
/// use std::time::Duration;
///
/// fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
///     let (d, resolver) = Deferred::new();
///     clock.call_later(Duration::from_secs(5), move || resolver.callback(a * b));
///     d
/// }
///
/// let clock = Clock::new();
/// let sem = DeferredSemaphore::new(2);
/// let limited = |a, b| { let c = clock.clone(); sem.run(move || remote_multiply(&c, a, b)) };
/// let results = [limited(2, 3), limited(3, 4), limited(4, 5)];
/// assert_eq!(sem.waiting(), 1); // the third waits for a token
/// clock.advance(Duration::from_secs(5));
/// clock.advance(Duration::from_secs(5));
/// let [a, b, c] = results;
/// assert_eq!([a, b, c].map(testing::success_result_of), [6, 12, 20]);
/// ```
#[derive(Clone)]
pub struct DeferredSemaphore {
    engine: Rc<Engine>,
}

impl DeferredSemaphore {
    /// A semaphore with `tokens` tokens.
    ///
    /// # Panics
    ///
    /// If `tokens` is zero: such a semaphore could never be acquired.
    pub fn new(tokens: usize) -> DeferredSemaphore {
        assert!(tokens > 0, "a DeferredSemaphore needs at least one token");
        DeferredSemaphore { engine: Engine::new(tokens) }
    }

    /// A Deferred that fires with a [`Permit`] once a token is free: at once if one is,
    /// otherwise after those already waiting. Dropping the permit releases the token.
    ///
    /// Cancelling the Deferred while it waits removes it from the queue.
    #[track_caller]
    pub fn acquire(&self) -> Deferred<Permit> {
        self.engine.acquire()
    }

    /// Acquires, calls `f`, and releases once `f`'s outcome is in.
    ///
    /// `f` may return `Result<U, Failure>` or a `Deferred<U>`, or panic (which becomes a
    /// failure); the token is released in every case.
    #[track_caller]
    pub fn run<F, R>(&self, f: F) -> Deferred<R::Value>
    where
        F: FnOnce() -> R + 'static,
        R: IntoOutcome,
    {
        self.engine.run(f)
    }

    /// The number of tokens not held (Twisted's `tokens`).
    pub fn tokens(&self) -> usize {
        self.engine.free()
    }

    /// The number of tokens in all (Twisted's `limit`).
    pub fn limit(&self) -> usize {
        self.engine.limit()
    }

    /// The number of acquirers waiting for a token.
    pub fn waiting(&self) -> usize {
        self.engine.waiting()
    }
}

impl fmt::Debug for DeferredSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredSemaphore")
            .field("tokens", &self.tokens())
            .field("limit", &self.limit())
            .field("waiting", &self.waiting())
            .finish()
    }
}
