//! Async code as a Deferred: [`ensure_deferred`], Twisted's `ensureDeferred` and
//! `inlineCallbacks`.
//!
//! There is no executor here. The future is polled on the spot: once when it is handed
//! over, then each time it is woken. A wake on this thread (a Deferred it awaits firing)
//! polls it inside the wake, as Twisted resumes a coroutine inside the callback of the
//! Deferred it awaited; so an async block that only awaits Deferreds runs exactly like
//! `inlineCallbacks`, in virtual time and without an event loop. A wake from another
//! thread is carried back to this one by the event loop's hand-off, installed with
//! [`set_wake_forwarder`].
//!
//! Pending tasks are owned by a registry of their thread, like spawned tasks: a task runs
//! until it finishes or its Deferred is cancelled, whoever holds that Deferred.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

use crate::chain::Chain;
use crate::outcome::{IntoOutcome, Next, sealed};
use crate::{Deferred, Failure, Resolver};

/// Carries a wake from another thread back to the thread that owns the task: an event
/// loop's thread-safe "call this on my thread".
pub type WakeForwarder = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

thread_local! {
    static TASKS: RefCell<HashMap<u64, Rc<dyn Resume>>> = RefCell::new(HashMap::new());
    static NEXT_KEY: Cell<u64> = const { Cell::new(0) };
    static FORWARDER: RefCell<Option<WakeForwarder>> = const { RefCell::new(None) };
    /// The awaited-Deferreds log of the task being polled on this thread, if any.
    static POLLING: RefCell<Option<Rc<Awaited>>> = const { RefCell::new(None) };
    /// Whether `POLLING` holds a log: a plain flag, which needs no destructor and so
    /// costs one load to read, for every await outside a task to check.
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
    static THREAD: ThreadId = thread::current().id();
}

/// Sets how wakes from other threads reach tasks created on this thread from now on;
/// returns the forwarder it replaces. An event loop installs one for its thread.
///
/// Without a forwarder, a task woken from another thread (by a channel, a thread pool)
/// is not resumed, and a warning is logged; tasks that await only Deferreds never need
/// one.
pub fn set_wake_forwarder(forwarder: Option<WakeForwarder>) -> Option<WakeForwarder> {
    FORWARDER.with_borrow_mut(|slot| std::mem::replace(slot, forwarder))
}

/// Runs a future as a Deferred (Twisted's `ensureDeferred`; an async block is Rust's
/// `inlineCallbacks`).
///
/// The future starts now and runs up to its first pending await before this returns.
/// Its output, a `Result<T, Failure>` or a `Deferred<T>`, fires the Deferred; a panic
/// fails it with [`PanicError`](crate::PanicError).
///
/// Cancelling the Deferred cancels the Deferred the future is awaiting, and the future
/// sees the [`CancelledError`](crate::CancelledError) there: it may give up (the usual
/// `?`), or recover and go on, and the Deferred then fires with whatever it ends with.
/// If the future is awaiting something other than a Deferred, it is dropped, as Rust
/// cancels futures, and the Deferred fails with `CancelledError`.
///
/// # Example: the tutorial's `multiplyList`, one multiplication at a time
///
/// ```
/// use deferreds::{ensure_deferred, task::Clock, testing, Deferred, Failure, Time};
/// use std::time::Duration;
///
/// fn remote_multiply(clock: &Clock, a: i64, b: i64) -> Deferred<i64> {
///     let (d, resolver) = Deferred::new();
///     clock.call_later(Duration::from_secs(5), move || resolver.callback(a * b));
///     d
/// }
///
/// let clock = Clock::new();
/// let c = clock.clone();
/// let d = ensure_deferred(async move {
///     let mut product = 1;
///     for value in [2, 3, 4] {
///         product = remote_multiply(&c, product, value).await?;
///     }
///     Ok::<_, Failure>(product)
/// });
/// clock.pump([Duration::from_secs(5); 2]);
/// testing::assert_no_result(&d);
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(testing::success_result_of(d), 24);
/// ```
#[track_caller]
pub fn ensure_deferred<F>(future: F) -> Deferred<<F::Output as IntoOutcome>::Value>
where
    F: Future + 'static,
    F::Output: IntoOutcome,
{
    let at = Location::caller();
    let key = NEXT_KEY.with(|next| {
        let key = next.get();
        next.set(key + 1);
        key
    });
    let forward = FORWARDER.with_borrow(Clone::clone);
    let waker = Waker::from(Arc::new(TaskWaker { key, thread: THREAD.with(|id| *id), forward }));
    let task = Rc::new_cyclic(|weak: &Weak<Task<F>>| {
        let weak = weak.clone();
        let (deferred, resolver) =
            Deferred::with_canceller_at(at, move |resolver| cancel_task(&weak, resolver));
        Task {
            key,
            at,
            future: RefCell::new(Some(Box::pin(future))),
            resolver: RefCell::new(Some(resolver)),
            deferred: RefCell::new(Some(deferred)),
            polling: Cell::new(false),
            woken: Cell::new(false),
            abandoned: Cell::new(false),
            awaited: Rc::new(Awaited::default()),
            waker,
        }
    });
    let deferred = task.deferred.borrow_mut().take().expect("set at creation");
    TASKS.with_borrow_mut(|tasks| tasks.insert(key, Rc::clone(&task) as Rc<dyn Resume>));
    task.resume();
    deferred
}

/// Records that the task being polled, if any, waits on `chain`.
pub(crate) fn note_awaiting(chain: &Rc<Chain>) {
    if !IN_TASK.get() {
        return;
    }
    POLLING.with_borrow(|polling| {
        if let Some(awaited) = polling {
            awaited.chains.borrow_mut().push(Rc::downgrade(chain));
        }
    });
}

/// The Deferreds a task awaited in its latest poll.
#[derive(Default)]
struct Awaited {
    chains: RefCell<Vec<Weak<Chain>>>,
}

trait Resume {
    fn resume(self: Rc<Self>);
}

struct Task<F: Future>
where
    F::Output: IntoOutcome,
{
    key: u64,
    at: &'static Location<'static>,
    future: RefCell<Option<Pin<Box<F>>>>,
    /// Fires the task's current Deferred: the one handed out, or after a cancellation
    /// the one it now waits for.
    resolver: RefCell<Option<Resolver<<F::Output as IntoOutcome>::Value>>>,
    /// Only until `ensure_deferred` hands it out.
    deferred: RefCell<Option<Deferred<<F::Output as IntoOutcome>::Value>>>,
    polling: Cell<bool>,
    /// Woken while being polled: poll again before returning.
    woken: Cell<bool>,
    /// Cancelled while being polled: drop the future once the poll returns.
    abandoned: Cell<bool>,
    awaited: Rc<Awaited>,
    waker: Waker,
}

impl<F: Future + 'static> Resume for Task<F>
where
    F::Output: IntoOutcome,
{
    fn resume(self: Rc<Self>) {
        if self.polling.replace(true) {
            self.woken.set(true);
            return;
        }
        loop {
            self.woken.set(false);
            self.awaited.chains.borrow_mut().clear();
            let polled = {
                let mut slot = self.future.borrow_mut();
                let Some(future) = slot.as_mut() else { break };
                let outer = POLLING.with_borrow_mut(|p| p.replace(Rc::clone(&self.awaited)));
                let outer_in_task = IN_TASK.replace(true);
                let mut cx = Context::from_waker(&self.waker);
                let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
                IN_TASK.set(outer_in_task);
                POLLING.with_borrow_mut(|p| *p = outer);
                polled
            };
            match polled {
                Ok(Poll::Pending) if self.abandoned.get() => {
                    self.stop();
                    break;
                }
                Ok(Poll::Pending) if self.woken.get() => continue,
                Ok(Poll::Pending) => break,
                Ok(Poll::Ready(output)) => {
                    self.stop();
                    if let Some(resolver) = self.resolver.borrow_mut().take() {
                        match sealed::Sealed::into_next(output) {
                            Next::Value(result) | Next::Settled(result) => {
                                resolver.resolve(result);
                            }
                            Next::Later(chain) => resolver.follow(Deferred::from_chain(chain)),
                        }
                    }
                    break;
                }
                Err(payload) => {
                    self.stop();
                    if let Some(resolver) = self.resolver.borrow_mut().take() {
                        resolver.errback(Failure::from_panic_at(payload, self.at));
                    }
                    break;
                }
            }
        }
        self.polling.set(false);
    }
}

impl<F: Future> Task<F>
where
    F::Output: IntoOutcome,
{
    /// Drops the future and leaves the registry: the task will not run again.
    fn stop(&self) {
        TASKS.with_borrow_mut(|tasks| tasks.remove(&self.key));
        let future = self.future.borrow_mut().take();
        drop(future);
    }
}

/// The canceller of a task's Deferred. Twisted's way: the Deferred now waits for a
/// fresh one the task will fire, and the Deferreds the task awaits are cancelled, so it
/// resumes with `CancelledError` and decides what happens.
fn cancel_task<F: Future + 'static>(
    task: &Weak<Task<F>>,
    resolver: Resolver<<F::Output as IntoOutcome>::Value>,
) where
    F::Output: IntoOutcome,
{
    let Some(task) = task.upgrade() else { return };
    let awaited: Vec<Rc<Chain>> =
        task.awaited.chains.borrow().iter().filter_map(Weak::upgrade).collect();
    if awaited.is_empty() || task.polling.get() {
        // Not waiting on a Deferred: cancel the Rust way, by dropping the future. The
        // canceller returns with the Deferred unfired, so it fails with CancelledError.
        if let Some(producer) = task.resolver.borrow_mut().take() {
            producer.disarm();
        }
        if task.polling.get() {
            task.abandoned.set(true);
        } else {
            task.stop();
        }
        return;
    }
    let weak = Rc::downgrade(&task);
    let (next, next_resolver) =
        Deferred::with_canceller_at(task.at, move |resolver| cancel_task(&weak, resolver));
    if let Some(producer) = task.resolver.borrow_mut().replace(next_resolver) {
        producer.disarm();
    }
    resolver.follow(next);
    for chain in awaited {
        chain.cancel(task.at);
    }
}

struct TaskWaker {
    key: u64,
    thread: ThreadId,
    forward: Option<WakeForwarder>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if THREAD.try_with(|id| *id == self.thread).unwrap_or(false) {
            resume(self.key);
        } else if let Some(forward) = &self.forward {
            let key = self.key;
            forward(Box::new(move || resume(key)));
        } else {
            tracing::warn!(
                target: "deferreds::coroutine",
                "a task was woken from another thread with no event loop to carry the wake \
                 back to its own; it will not resume"
            );
        }
    }
}

fn resume(key: u64) {
    let task = TASKS.try_with(|tasks| tasks.borrow().get(&key).cloned()).ok().flatten();
    if let Some(task) = task {
        task.resume();
    }
}

impl fmt::Debug for TaskWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskWaker").field("key", &self.key).finish()
    }
}
