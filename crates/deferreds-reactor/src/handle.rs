//! [`ReactorHandle`]: the way into the reactor from other threads.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread::{self, ThreadId};

use deferreds::{Failure, IntoOutcome, maybe_deferred};
use tokio::sync::mpsc::UnboundedSender;

use crate::pool::ThreadPool;
use crate::{Reactor, ReactorStopped, ReactorThreadError};

/// A call for the reactor's thread; it gets the reactor to work with.
pub(crate) type Call = Box<dyn FnOnce(&Reactor) + Send>;

/// What the reactor shares with other threads.
pub(crate) struct Shared {
    pub(crate) inbox: UnboundedSender<Call>,
    pub(crate) thread: ThreadId,
    pub(crate) pool: ThreadPool,
    blocking: Mutex<Blocking>,
}

/// Threads waiting in `blocking_call_from_thread`, each with a way to release it with
/// an error if the reactor shuts down first.
struct Blocking {
    open: bool,
    next: u64,
    waiting: HashMap<u64, Box<dyn FnOnce() + Send>>,
}

impl Shared {
    pub(crate) fn new(inbox: UnboundedSender<Call>, pool: ThreadPool) -> Shared {
        Shared {
            inbox,
            thread: thread::current().id(),
            pool,
            blocking: Mutex::new(Blocking { open: true, next: 0, waiting: HashMap::new() }),
        }
    }

    fn blocking(&self) -> MutexGuard<'_, Blocking> {
        // Nothing runs under this lock but map operations; poisoning cannot leave it torn.
        self.blocking.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses new blocking calls and releases the waiting ones with [`ReactorStopped`]:
    /// from shutdown's "during" phase on, nothing would answer them.
    pub(crate) fn close_blocking(&self) {
        let released: Vec<_> = {
            let mut blocking = self.blocking();
            blocking.open = false;
            blocking.waiting.drain().map(|(_, release)| release).collect()
        };
        for release in released {
            release();
        }
    }
}

/// A handle to the reactor for other threads: `Send + Sync + Clone`.
///
/// Deferreds belong to the reactor's thread, so another thread reaches them only by
/// asking the reactor to run a function there ([`call_from_thread`]) or to run one and
/// wait for its result ([`blocking_call_from_thread`]). Get one with
/// [`Reactor::handle`].
///
/// [`call_from_thread`]: ReactorHandle::call_from_thread
/// [`blocking_call_from_thread`]: ReactorHandle::blocking_call_from_thread
#[derive(Clone)]
pub struct ReactorHandle {
    pub(crate) shared: Arc<Shared>,
}

impl ReactorHandle {
    /// Runs `f` on the reactor's thread, soon, giving it the reactor (Twisted's
    /// `callFromThread`). Calls run in the order they were made. Safe from any thread,
    /// the reactor's own included.
    ///
    /// # Errors
    ///
    /// [`ReactorStopped`] if the reactor has finished; `f` is dropped unrun.
    pub fn call_from_thread(
        &self,
        f: impl FnOnce(&Reactor) + Send + 'static,
    ) -> Result<(), ReactorStopped> {
        self.post(Box::new(f))
    }

    pub(crate) fn post(&self, call: Call) -> Result<(), ReactorStopped> {
        self.shared.inbox.send(call).map_err(|_| ReactorStopped)
    }

    /// Runs `f` in the reactor's thread pool (Twisted's `callInThread`).
    ///
    /// # Errors
    ///
    /// [`ReactorStopped`] if the pool has been stopped by shutdown; `f` is dropped unrun.
    pub fn call_in_thread(&self, f: impl FnOnce() + Send + 'static) -> Result<(), ReactorStopped> {
        self.shared.pool.submit(Box::new(f)).map_err(|_| ReactorStopped)
    }

    /// Runs `f` on the reactor's thread, giving it the reactor, and waits for its result;
    /// if it returns a Deferred, waits for that (Twisted's `blockingCallFromThread`).
    ///
    /// # Errors
    ///
    /// The failure `f` ended with, or, instead of waiting forever: a
    /// [`ReactorThreadError`] failure when called on the reactor's own thread, and a
    /// [`ReactorStopped`] one once shutdown has reached its "during" phase, or when the
    /// reactor is gone.
    ///
    /// # Example: the tutorial's slow multiplication that asks the reactor
    ///
    /// ```
    /// use deferreds::{Deferred, Failure, Time};
    /// use deferreds_reactor::Reactor;
    /// use std::time::Duration;
    ///
    /// let reactor = Reactor::new().unwrap();
    /// let handle = reactor.handle();
    /// let d = reactor.defer_to_thread(move || {
    ///     // In a pool thread: ask the reactor, and wait for its Deferred.
    ///     let even = handle.blocking_call_from_thread(|reactor| {
    ///         let (d, resolver) = Deferred::new();
    ///         reactor.call_later(Duration::from_millis(1), move || resolver.callback(5 % 2 == 0));
    ///         d
    ///     })?;
    ///     Ok::<_, Failure>(if even { 0 } else { 5 * 6 })
    /// });
    /// assert_eq!(reactor.run_until(d).unwrap(), 30);
    /// ```
    pub fn blocking_call_from_thread<F, R>(&self, f: F) -> Result<R::Value, Failure>
    where
        F: FnOnce(&Reactor) -> R + Send + 'static,
        R: IntoOutcome,
        R::Value: Send,
    {
        if thread::current().id() == self.shared.thread {
            return Err(Failure::new(ReactorThreadError));
        }
        let (sender, receiver) = mpsc::sync_channel(1);
        let id = {
            let mut blocking = self.shared.blocking();
            if !blocking.open {
                return Err(Failure::new(ReactorStopped));
            }
            let id = blocking.next;
            blocking.next += 1;
            let release = sender.clone();
            blocking.waiting.insert(
                id,
                Box::new(move || {
                    let _ = release.send(Err(Failure::new(ReactorStopped)));
                }),
            );
            id
        };
        let shared = Arc::clone(&self.shared);
        let posted = self.post(Box::new(move |reactor| {
            drop(maybe_deferred(|| f(reactor)).add_both(move |result| {
                // Only the first of the answer and the shutdown's release gets through.
                if shared.blocking().waiting.remove(&id).is_some() {
                    let _ = sender.send(result);
                }
                Ok(())
            }));
        }));
        if posted.is_err() {
            self.shared.blocking().waiting.remove(&id);
            return Err(Failure::new(ReactorStopped));
        }
        receiver.recv().unwrap_or_else(|_| Err(Failure::new(ReactorStopped)))
    }
}

impl fmt::Debug for ReactorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReactorHandle").field("thread", &self.shared.thread).finish()
    }
}
