//! [`Reactor`]: the event loop and its lifecycle.
//!
//! tokio's single-threaded `LocalRuntime` does the waiting: sockets, signals and one
//! sleep. The reactor keeps its own timer heap (the core's [`Timers`], FIFO for equal
//! deadlines) and sleeps until its earliest deadline, waking early when a call is
//! scheduled sooner, when another thread hands it a call, or when it is stopped.
//!
//! One turn of the loop runs the timed calls that are due, then the calls handed over
//! from other threads, then waits.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use deferreds::{
    Deferred, DelayedCall, Failure, IntoOutcome, Resolver, Time, Timers, WakeForwarder, log_err,
    set_wake_forwarder,
};
use tokio::runtime::{Builder, LocalOptions, LocalRuntime};
use tokio::sync::mpsc::{self, UnboundedReceiver};

use crate::events::SystemEvents;
use crate::handle::{Call, Shared};
use crate::net;
use crate::pool::ThreadPool;
use crate::{Phase, ReactorError, ReactorHandle, ReactorStopped, SystemEvent, TriggerId, signals};

/// Calls from other threads run per turn, at most: a flood of them cannot starve timers.
const INBOX_BATCH: usize = 1024;

/// The event loop (Twisted's reactor), for one thread.
///
/// It runs timed calls ([`Time::call_later`]), calls handed over from other threads
/// ([`ReactorHandle`]), thread-pool work ([`defer_to_thread`](Reactor::defer_to_thread)),
/// and whatever tokio drives on its thread (sockets), until it is stopped. A reactor runs
/// once. Clones share one reactor; it is not `Send`: other threads use its
/// [`handle`](Reactor::handle).
///
/// # Example: the tutorial's first program
///
/// ```
/// use deferreds::{Deferred, Time};
/// use deferreds_reactor::Reactor;
/// use std::time::Duration;
///
/// let reactor = Reactor::new().unwrap();
/// let (d, resolver) = Deferred::new();
/// reactor.call_later(Duration::from_millis(5), move || resolver.callback(5 * 6));
/// let printed = d.add_callback(|product| Ok(format!("result: {product}")));
/// assert_eq!(reactor.run_until(printed).unwrap(), "result: 30");
/// ```
#[derive(Clone)]
pub struct Reactor {
    inner: Rc<Inner>,
}

pub(crate) struct Inner {
    runtime: LocalRuntime,
    epoch: Instant,
    timers: Timers,
    alarm: Rc<Alarm>,
    state: Cell<RunState>,
    /// Set by `stop`; the loop fires the shutdown event on its next turn.
    stop_requested: Cell<bool>,
    /// The signal that stopped the reactor, if one did.
    stopped_by_signal: Cell<Option<i32>>,
    /// Set once `run` is over: calls from other threads are refused from then on.
    finished: Cell<bool>,
    events: SystemEvents,
    shared: Arc<Shared>,
    inbox: RefCell<UnboundedReceiver<Call>>,
    /// Resolvers whose Deferreds other threads will fire, by key.
    parked: RefCell<HashMap<u64, Parked>>,
    next_parked: Cell<u64>,
    signals: bool,
    /// The wake forwarder this reactor replaced on its thread, put back on drop.
    replaced_forwarder: RefCell<Option<WakeForwarder>>,
    /// Open connections and listening ports, closed at shutdown.
    net: Rc<net::Registry>,
}

/// A parked `Resolver<T>`, with the function that fails it without knowing `T`.
struct Parked {
    resolver: Box<dyn Any>,
    fail: fn(Box<dyn Any>, Failure),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RunState {
    /// Made, not run yet.
    Idle,
    /// `run` was called; startup's "before" triggers run.
    Starting,
    Running,
    /// `stop` was called; shutdown's "before" triggers run.
    Stopping,
    /// Shutdown's "during" phase has come: the loop ends after this turn.
    Stopped,
}

/// How the loop is woken on its own thread.
#[derive(Default)]
struct Alarm {
    /// The deadline the loop sleeps until, while it sleeps.
    armed: Cell<Option<Duration>>,
    rung: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Alarm {
    fn ring(&self) {
        self.rung.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    fn scheduled(&self, deadline: Duration) {
        if self.armed.get().is_some_and(|armed| deadline < armed) {
            self.ring();
        }
    }
}

/// Options for a [`Reactor`]; from [`Reactor::builder`].
#[derive(Clone, Debug)]
pub struct ReactorBuilder {
    thread_pool_size: usize,
    signals: bool,
}

impl ReactorBuilder {
    /// The most threads the thread pool runs at once; 10 by default, as in Twisted.
    pub fn thread_pool_size(mut self, threads: usize) -> ReactorBuilder {
        self.thread_pool_size = threads;
        self
    }

    /// Whether SIGINT and SIGTERM stop the reactor (through its shutdown triggers);
    /// on by default.
    pub fn install_signal_handlers(mut self, yes: bool) -> ReactorBuilder {
        self.signals = yes;
        self
    }

    /// Makes the reactor, for this thread.
    ///
    /// # Errors
    ///
    /// If tokio's runtime cannot be built (the system refused its I/O driver).
    pub fn build(self) -> io::Result<Reactor> {
        let runtime =
            Builder::new_current_thread().enable_all().build_local(LocalOptions::default())?;
        let epoch = Instant::now();
        let alarm = Rc::new(Alarm::default());
        let ring = Rc::clone(&alarm);
        let timers = Timers::with_on_schedule(
            move || epoch.elapsed(),
            move |deadline| ring.scheduled(deadline),
        );
        let (sender, inbox) = mpsc::unbounded_channel();
        let pool = ThreadPool::new(self.thread_pool_size);
        let reactor = Reactor {
            inner: Rc::new(Inner {
                runtime,
                epoch,
                timers,
                alarm,
                state: Cell::new(RunState::Idle),
                stop_requested: Cell::new(false),
                stopped_by_signal: Cell::new(None),
                finished: Cell::new(false),
                events: SystemEvents::default(),
                shared: Arc::new(Shared::new(sender, pool)),
                inbox: RefCell::new(inbox),
                parked: RefCell::new(HashMap::new()),
                next_parked: Cell::new(0),
                signals: self.signals,
                replaced_forwarder: RefCell::new(None),
                net: Rc::default(),
            }),
        };
        reactor.install_own_triggers();
        let handle = reactor.handle();
        let forwarder: WakeForwarder = Arc::new(move |wake| {
            let _ = handle.call_from_thread(|_| wake());
        });
        *reactor.inner.replaced_forwarder.borrow_mut() = set_wake_forwarder(Some(forwarder));
        Ok(reactor)
    }
}

impl Reactor {
    /// A reactor with the default options: 10 pool threads, signal handlers installed.
    ///
    /// # Errors
    ///
    /// If tokio's runtime cannot be built.
    pub fn new() -> io::Result<Reactor> {
        Reactor::builder().build()
    }

    /// Options for a new reactor.
    pub fn builder() -> ReactorBuilder {
        ReactorBuilder { thread_pool_size: 10, signals: true }
    }

    /// The handle other threads use to reach this reactor.
    pub fn handle(&self) -> ReactorHandle {
        ReactorHandle { shared: Arc::clone(&self.inner.shared) }
    }

    /// Runs the loop until the reactor is stopped and its shutdown is done (Twisted's
    /// `reactor.run()`): fires the startup event, then runs calls as they come due.
    ///
    /// # Errors
    ///
    /// [`ReactorError::AlreadyRunning`] if it is running, and
    /// [`ReactorError::NotRestartable`] if it ran before.
    pub fn run(&self) -> Result<(), ReactorError> {
        match self.inner.state.get() {
            RunState::Idle => {}
            RunState::Stopped => return Err(ReactorError::NotRestartable),
            _ => return Err(ReactorError::AlreadyRunning),
        }
        self.inner.state.set(RunState::Starting);
        self.inner.runtime.block_on(self.main_loop());
        self.finish();
        Ok(())
    }

    /// Stops the reactor (Twisted's `reactor.stop()`): on its next turn it fires the
    /// shutdown event, waits for the Deferreds of "before shutdown" triggers, then
    /// stops the thread pool and ends [`run`](Reactor::run).
    ///
    /// # Errors
    ///
    /// [`ReactorError::NotRunning`] before `run` or after the reactor stopped, and
    /// [`ReactorError::AlreadyStopping`] when it is already shutting down.
    pub fn stop(&self) -> Result<(), ReactorError> {
        match self.inner.state.get() {
            RunState::Starting | RunState::Running => {}
            RunState::Stopping => return Err(ReactorError::AlreadyStopping),
            RunState::Idle | RunState::Stopped => return Err(ReactorError::NotRunning),
        }
        self.inner.state.set(RunState::Stopping);
        self.inner.stop_requested.set(true);
        self.inner.alarm.ring();
        Ok(())
    }

    /// Whether the reactor is running: from the "during" phase of startup until the
    /// "during" phase of shutdown.
    pub fn running(&self) -> bool {
        matches!(self.inner.state.get(), RunState::Running | RunState::Stopping)
    }

    /// Runs `f` once the reactor is running, or now if it is (Twisted's
    /// `callWhenRunning`). Returns the trigger that will run it, if it was not run now.
    pub fn call_when_running(&self, f: impl FnOnce() + 'static) -> Option<TriggerId> {
        if self.running() {
            f();
            return None;
        }
        let call = move || -> Result<(), Failure> {
            f();
            Ok(())
        };
        Some(self.add_system_event_trigger(Phase::After, SystemEvent::Startup, call))
    }

    /// Adds a trigger to a phase of a system event (Twisted's `addSystemEventTrigger`).
    /// The trigger returns a value, an error or a Deferred; in the "before" phase the
    /// event waits for the Deferred. A failure is reported, and the event goes on.
    ///
    /// # Example: shutdown waits for a "before" trigger's Deferred
    ///
    /// ```
    /// use deferreds::{Deferred, Time};
    /// use deferreds_reactor::{Phase, Reactor, SystemEvent};
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    ///
    /// let reactor = Reactor::new().unwrap();
    /// let flushed = Rc::new(Cell::new(false));
    /// let (r, f) = (reactor.clone(), Rc::clone(&flushed));
    /// reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
    ///     let (d, resolver) = Deferred::new();
    ///     r.call_later(Duration::from_millis(5), move || {
    ///         f.set(true);
    ///         resolver.callback(());
    ///     });
    ///     d
    /// });
    /// let r = reactor.clone();
    /// reactor.call_when_running(move || r.stop().unwrap());
    /// reactor.run().unwrap();
    /// assert!(flushed.get());
    /// ```
    pub fn add_system_event_trigger<F, R>(
        &self,
        phase: Phase,
        event: SystemEvent,
        trigger: F,
    ) -> TriggerId
    where
        F: FnOnce() -> R + 'static,
        R: IntoOutcome + 'static,
    {
        self.inner.events.add(phase, event, trigger)
    }

    /// Removes a trigger that has not run; returns whether there was one to remove.
    pub fn remove_system_event_trigger(&self, trigger: TriggerId) -> bool {
        self.inner.events.remove(trigger)
    }

    /// Fires a system event's triggers (Twisted's `fireSystemEvent`); the Deferred
    /// fires when its "after" triggers have run. The reactor fires `Startup` and
    /// `Shutdown` itself.
    pub fn fire_system_event(&self, event: SystemEvent) -> Deferred<()> {
        self.inner.events.fire(event)
    }

    /// Runs the reactor until `deferred` fires, then stops it and returns the result: a
    /// `block_on` for programs and tests.
    ///
    /// # Errors
    ///
    /// The Deferred's failure; a [`ReactorStopped`] failure if the reactor was stopped
    /// first (by a signal, say); a [`ReactorError`] failure if it could not run.
    pub fn run_until<T: 'static>(&self, deferred: Deferred<T>) -> Result<T, Failure> {
        let slot = Rc::new(RefCell::new(None));
        let (reactor, result) = (self.clone(), Rc::clone(&slot));
        // Attached once running, so a Deferred that has fired already can stop it.
        self.call_when_running(move || {
            drop(deferred.add_both(move |outcome| {
                *result.borrow_mut() = Some(outcome);
                let _ = reactor.stop();
                Ok(())
            }));
        });
        self.run().map_err(Failure::new)?;
        let outcome = slot.borrow_mut().take();
        outcome.unwrap_or_else(|| Err(Failure::new(ReactorStopped)))
    }

    /// Runs `future` as a tokio task on the reactor's thread, for code built on tokio
    /// (hyper connections, say). It starts when the reactor runs, if it is not running
    /// yet, and is dropped unfinished when the reactor is. For async code whose outcome
    /// is wanted as a Deferred, use [`ensure_deferred`](deferreds::ensure_deferred).
    pub fn spawn_local<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + 'static,
        F::Output: 'static,
    {
        self.inner.runtime.spawn_local(future)
    }

    /// Runs `f` inside the reactor's tokio context, where tokio's sockets and timers can
    /// be made even before the reactor runs.
    pub fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _context = self.inner.runtime.enter();
        f()
    }

    /// The signal (its number) that stopped the reactor, if one did.
    pub fn stopped_by_signal(&self) -> Option<i32> {
        self.inner.stopped_by_signal.get()
    }

    pub(crate) fn stop_for_signal(&self, signal: i32) {
        if self.stop().is_ok() {
            self.inner.stopped_by_signal.set(Some(signal));
        }
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Rc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<Inner>) -> Option<Reactor> {
        weak.upgrade().map(|inner| Reactor { inner })
    }

    /// Keeps `resolver` on this thread for another thread to fire by its key. A reactor
    /// that has finished will never run that firing: the Deferred fails now, and there is
    /// no key.
    pub(crate) fn park<T: 'static>(&self, resolver: Resolver<T>) -> Option<u64> {
        fn fail<T: 'static>(resolver: Box<dyn Any>, failure: Failure) {
            if let Ok(resolver) = resolver.downcast::<Resolver<T>>() {
                resolver.errback(failure);
            }
        }
        if self.inner.finished.get() {
            resolver.errback(ReactorStopped);
            return None;
        }
        let key = self.inner.next_parked.get();
        self.inner.next_parked.set(key + 1);
        let parked = Parked { resolver: Box::new(resolver), fail: fail::<T> };
        self.inner.parked.borrow_mut().insert(key, parked);
        Some(key)
    }

    pub(crate) fn unpark<T: 'static>(&self, key: u64) -> Option<Resolver<T>> {
        let parked = self.inner.parked.borrow_mut().remove(&key)?;
        parked.resolver.downcast::<Resolver<T>>().ok().map(|resolver| *resolver)
    }

    /// Takes a parked resolver without knowing its type; dropping it fails its Deferred.
    pub(crate) fn take_parked(&self, key: u64) -> Option<Box<dyn Any>> {
        self.inner.parked.borrow_mut().remove(&key).map(|parked| parked.resolver)
    }

    pub(crate) fn net(&self) -> &Rc<net::Registry> {
        &self.inner.net
    }

    pub(crate) fn pool(&self) -> &ThreadPool {
        &self.inner.shared.pool
    }

    /// The reactor's own triggers, added first so they run before the application's
    /// in their phase.
    fn install_own_triggers(&self) {
        let weak = self.downgrade();
        self.add_system_event_trigger(Phase::During, SystemEvent::Startup, move || {
            if let Some(reactor) = Reactor::upgrade(&weak) {
                if reactor.inner.state.get() == RunState::Starting {
                    reactor.inner.state.set(RunState::Running);
                }
                reactor.pool().start();
            }
            Ok::<_, Failure>(())
        });
        let weak = self.downgrade();
        self.add_system_event_trigger(Phase::During, SystemEvent::Shutdown, move || {
            if let Some(reactor) = Reactor::upgrade(&weak) {
                reactor.inner.state.set(RunState::Stopped);
                // Twisted's disconnectAll: protocols hear the loss before the loop ends.
                reactor.net().disconnect_all();
                // This may run in a tokio task (a "before" Deferred fired there) while
                // the loop sleeps: wake it to end.
                reactor.inner.alarm.ring();
                // Threads blocked on the reactor are released first: the pool waits
                // for its threads, and they must not be waiting for us.
                reactor.inner.shared.close_blocking();
                reactor.pool().stop();
            }
            Ok::<_, Failure>(())
        });
    }

    async fn main_loop(&self) {
        if self.inner.signals {
            signals::install(self);
        }
        drop(self.fire_system_event(SystemEvent::Startup));
        let mut sleep = pin!(tokio::time::sleep(Duration::from_secs(3600)));
        loop {
            if self.inner.stop_requested.take() {
                drop(self.fire_system_event(SystemEvent::Shutdown));
            }
            self.run_due_calls();
            self.run_inbox();
            if self.inner.state.get() == RunState::Stopped {
                return;
            }
            let now = self.now();
            let deadline = self.inner.timers.next_deadline();
            if self.inner.stop_requested.get() || deadline.is_some_and(|d| d <= now) {
                // More to do at once; let tokio's own tasks (sockets) have a turn first.
                tokio::task::yield_now().await;
                continue;
            }
            let wake_at = deadline.unwrap_or(now + Duration::from_secs(3600));
            // A deadline past what an Instant can hold: sleep an hour and look again.
            let wake = self.inner.epoch.checked_add(wake_at);
            let wake = wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            sleep.as_mut().reset(wake.into());
            self.inner.alarm.armed.set(Some(wake_at));
            let call = poll_fn(|cx| {
                if self.inner.alarm.rung.take() {
                    return Poll::Ready(None);
                }
                *self.inner.alarm.waker.borrow_mut() = Some(cx.waker().clone());
                if let Poll::Ready(call) = self.inner.inbox.borrow_mut().poll_recv(cx) {
                    return Poll::Ready(call);
                }
                sleep.as_mut().poll(cx).map(|()| None)
            })
            .await;
            self.inner.alarm.armed.set(None);
            self.inner.alarm.waker.take();
            if let Some(call) = call {
                self.run_call(call);
            }
        }
    }

    fn now(&self) -> Duration {
        self.inner.epoch.elapsed()
    }

    fn run_due_calls(&self) {
        let now = self.now();
        while let Some(call) = self.inner.timers.pop_due(now) {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(call)) {
                let _ = log_err(Failure::from_panic(payload));
            }
        }
    }

    /// Runs the calls queued when the turn began (Twisted's order: a call handed over by
    /// one of them waits for the next turn, after the timers due by then).
    fn run_inbox(&self) {
        let queued = self.inner.inbox.borrow().len();
        for _ in 0..queued.min(INBOX_BATCH) {
            let Ok(call) = self.inner.inbox.borrow_mut().try_recv() else { return };
            self.run_call(call);
        }
    }

    fn run_call(&self, call: Call) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| call(self))) {
            let _ = log_err(Failure::from_panic(payload));
        }
    }

    /// After the loop: refuse calls from other threads, drop those that came too late,
    /// and fail the Deferreds other threads will never fire now.
    fn finish(&self) {
        self.inner.finished.set(true);
        self.inner.shared.close_blocking();
        let late: Vec<Call> = {
            let mut inbox = self.inner.inbox.borrow_mut();
            inbox.close();
            std::iter::from_fn(|| inbox.try_recv().ok()).collect()
        };
        drop(late);
        let parked: Vec<Parked> = self.inner.parked.borrow_mut().drain().map(|(_, p)| p).collect();
        for parked in parked {
            (parked.fail)(parked.resolver, Failure::new(ReactorStopped));
        }
    }
}

impl Time for Reactor {
    /// Seconds since the reactor was made.
    fn seconds(&self) -> f64 {
        self.now().as_secs_f64()
    }

    /// Schedules `call` on the reactor's thread. Calls due at the same time run in the
    /// order they were scheduled; a call that panics is reported and the loop goes on.
    fn call_later_boxed(&self, delay: Duration, call: Box<dyn FnOnce()>) -> DelayedCall {
        self.inner.timers.schedule(delay, call)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A thread blocked on a reactor that never ran, or is gone, gets its error; work
        // queued for a pool that never started is dropped (it holds handles to us).
        self.shared.close_blocking();
        self.shared.pool.stop();
        set_wake_forwarder(self.replaced_forwarder.take());
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("state", &self.inner.state.get())
            .field("seconds", &self.seconds())
            .field("timers", &self.inner.timers)
            .field("events", &self.inner.events)
            .finish()
    }
}
