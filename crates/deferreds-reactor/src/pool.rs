//! The reactor's thread pool: a bounded set of threads for blocking work (Twisted's
//! `ThreadPool`; tokio's blocking pool would grow to 512 threads).
//!
//! Threads are started as work arrives, up to the limit, and then kept. Work submitted
//! before the pool starts waits for it. Stopping discards the work not yet begun and
//! waits for the work under way to finish.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use deferreds::{Failure, log_err};

/// Work for a pool thread.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub(crate) struct ThreadPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    work: Condvar,
    max_threads: usize,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    started: bool,
    stopped: bool,
    idle: usize,
    /// Idle threads already notified of work: not counted again for the next job.
    notified: usize,
    threads: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    pub(crate) fn new(max_threads: usize) -> ThreadPool {
        ThreadPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                max_threads: max_threads.max(1),
            }),
        }
    }

    /// Queues `job`; returns it if the pool has stopped.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let mut state = self.inner.lock();
        if state.stopped {
            return Err(job);
        }
        state.queue.push_back(job);
        if state.started {
            self.wake_or_grow(&mut state);
        }
        Ok(())
    }

    /// Starts running queued work.
    pub(crate) fn start(&self) {
        let mut state = self.inner.lock();
        if state.started || state.stopped {
            return;
        }
        state.started = true;
        for _ in 0..state.queue.len().min(self.inner.max_threads) {
            self.spawn(&mut state);
        }
    }

    /// Stops the pool: work not yet begun is dropped unrun, and this waits for the work
    /// under way to finish.
    pub(crate) fn stop(&self) {
        let (dropped, threads) = {
            let mut state = self.inner.lock();
            state.stopped = true;
            (std::mem::take(&mut state.queue), std::mem::take(&mut state.threads))
        };
        self.inner.work.notify_all();
        // Dropped outside the lock: a job's captures may do anything when dropped.
        drop(dropped);
        for thread in threads {
            let _ = thread.join();
        }
    }

    fn wake_or_grow(&self, state: &mut State) {
        if state.idle > state.notified {
            state.notified += 1;
            self.inner.work.notify_one();
        } else if state.threads.len() < self.inner.max_threads {
            self.spawn(state);
        }
    }

    fn spawn(&self, state: &mut State) {
        let inner = Arc::clone(&self.inner);
        let name = format!("deferreds-pool-{}", state.threads.len());
        match thread::Builder::new().name(name).spawn(move || inner.work_loop()) {
            Ok(handle) => state.threads.push(handle),
            // The work stays queued for the threads there are; with none, it waits
            // for the next submission to try again.
            Err(error) => {
                let _ = log_err(Failure::new(error));
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock, so a poisoned lock only means a panic in our own
        // few lines; the state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn work_loop(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                if let Err(payload) = catch_unwind(AssertUnwindSafe(job)) {
                    let _ = log_err(Failure::from_panic(payload));
                }
                state = self.lock();
            } else if state.stopped {
                return;
            } else {
                state.idle += 1;
                state = self.work.wait(state).unwrap_or_else(PoisonError::into_inner);
                state.idle -= 1;
                state.notified = state.notified.saturating_sub(1);
            }
        }
    }
}
