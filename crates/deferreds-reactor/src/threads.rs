//! Work in other threads: [`Reactor::defer_to_thread`] and [`ThreadResolver`].

use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

use deferreds::{Deferred, Failure, Resolver};

use crate::{Reactor, ReactorHandle, ReactorStopped};

impl Reactor {
    /// Runs `f` in the thread pool; the Deferred fires with its result, on the reactor's
    /// thread (Twisted's `deferToThread`). A panic in `f` becomes a
    /// [`PanicError`](deferreds::PanicError) failure.
    ///
    /// Work queued before the reactor runs starts when it does. Cancelling the Deferred
    /// does not stop `f`; its result is then dropped. Work still queued when shutdown
    /// stops the pool never runs, and its Deferred fails with
    /// [`ReactorStopped`](crate::ReactorStopped) once the reactor has finished.
    ///
    /// # Example: the tutorial's `threadMultiply`
    ///
    /// ```
    /// use deferreds::Failure;
    /// use deferreds_reactor::Reactor;
    ///
    /// fn slow_multiply(a: i64, b: i64) -> i64 {
    ///     std::thread::sleep(std::time::Duration::from_millis(5));
    ///     a * b
    /// }
    ///
    /// let reactor = Reactor::new().unwrap();
    /// let d = reactor.defer_to_thread(|| Ok::<_, Failure>(slow_multiply(5, 6)));
    /// assert_eq!(reactor.run_until(d).unwrap(), 30);
    /// ```
    pub fn defer_to_thread<T, F>(&self, f: F) -> Deferred<T>
    where
        F: FnOnce() -> Result<T, Failure> + Send + 'static,
        T: Send + 'static,
    {
        let (deferred, resolver) = Deferred::new();
        let mut unrun = Unrun(Some(self.thread_resolver(resolver)));
        let job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f))
                .unwrap_or_else(|payload| Err(Failure::from_panic(payload)));
            if let Some(remote) = unrun.0.take() {
                remote.resolve(result);
            }
        });
        // A refused job is dropped here, and `Unrun` fails the Deferred.
        let _ = self.pool().submit(job);
        deferred
    }

    /// A `Send` stand-in for `resolver`, to fire its Deferred from another thread: the
    /// value travels to the reactor's thread, where the Deferred fires.
    ///
    /// # Example: a thread of one's own, as in the tutorial
    ///
    /// ```
    /// use deferreds::Deferred;
    /// use deferreds_reactor::Reactor;
    ///
    /// let reactor = Reactor::new().unwrap();
    /// let (d, resolver) = Deferred::new();
    /// let remote = reactor.thread_resolver(resolver);
    /// std::thread::spawn(move || remote.callback(5 * 6));
    /// assert_eq!(reactor.run_until(d).unwrap(), 30);
    /// ```
    pub fn thread_resolver<T: 'static>(&self, resolver: Resolver<T>) -> ThreadResolver<T> {
        ThreadResolver { handle: self.handle(), key: self.park(resolver), _value: PhantomData }
    }
}

/// The resolver of thread work, until the work runs: work dropped unrun (by a pool that
/// stopped) fails its Deferred with [`ReactorStopped`].
struct Unrun<T: Send + 'static>(Option<ThreadResolver<T>>);

impl<T: Send + 'static> Drop for Unrun<T> {
    fn drop(&mut self) {
        if let Some(remote) = self.0.take() {
            remote.errback(ReactorStopped);
        }
    }
}

/// Fires a Deferred of the reactor's thread from any thread; from
/// [`Reactor::thread_resolver`].
///
/// Dropped unfired, it fails the Deferred with
/// [`ResolverDroppedError`](deferreds::ResolverDroppedError), as a [`Resolver`] does. If
/// the reactor has finished by the time it fires, the Deferred has already failed with
/// [`ReactorStopped`](crate::ReactorStopped).
pub struct ThreadResolver<T> {
    handle: ReactorHandle,
    /// `None` once fired.
    key: Option<u64>,
    _value: PhantomData<fn(T)>,
}

impl<T: Send + 'static> ThreadResolver<T> {
    /// Fires the Deferred with a value.
    pub fn callback(self, value: T) {
        self.resolve(Ok(value));
    }

    /// Fires the Deferred with a failure.
    pub fn errback(self, failure: impl Into<Failure>) {
        self.resolve(Err(failure.into()));
    }

    /// Fires the Deferred with `Ok(value)` or `Err(failure)`.
    pub fn resolve(mut self, result: Result<T, Failure>) {
        let Some(key) = self.key.take() else { return };
        let _ = self.handle.post(Box::new(move |reactor| {
            if let Some(resolver) = reactor.unpark::<T>(key) {
                resolver.resolve(result);
            }
        }));
    }
}

impl<T> Drop for ThreadResolver<T> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        // Dropping the parked Resolver on its own thread fails its Deferred.
        let _ = self.handle.post(Box::new(move |reactor| {
            if let Some(parked) = reactor.take_parked(key) {
                drop(parked);
            }
        }));
    }
}

impl<T> fmt::Debug for ThreadResolver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadResolver").field("key", &self.key).finish()
    }
}
