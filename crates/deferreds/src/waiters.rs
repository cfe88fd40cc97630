//! `Waiters`: a FIFO queue of Deferreds waiting for something (a semaphore token, a
//! queue item), each one leaving the queue when it is cancelled.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::errors::CancelledError;
use crate::{Deferred, Resolver};

/// Waiting resolvers, oldest first, each with the id its canceller finds it by.
type Queue<T> = RefCell<VecDeque<(u64, Resolver<T>)>>;

pub(crate) struct Waiters<T> {
    /// Shared weakly with the cancellers, so a waiter cancelled after its owner is gone
    /// finds nothing to remove.
    queue: Rc<Queue<T>>,
    next_id: Cell<u64>,
}

impl<T: 'static> Waiters<T> {
    pub(crate) fn new() -> Waiters<T> {
        Waiters { queue: Rc::new(RefCell::new(VecDeque::new())), next_id: Cell::new(0) }
    }

    /// Queues a new waiter. Cancelling its Deferred removes it from the queue and fails
    /// it with `CancelledError`.
    #[track_caller]
    pub(crate) fn wait(&self) -> Deferred<T> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let queue = Rc::downgrade(&self.queue);
        let (waiter, resolver) = Deferred::with_canceller(move |cancelling: Resolver<T>| {
            let queued = queue.upgrade().and_then(|queue| {
                let mut queue = queue.borrow_mut();
                let position = queue.iter().position(|(waiting, _)| *waiting == id)?;
                queue.remove(position)
            });
            cancelling.errback(CancelledError(()));
            // Settled by now, so dropping the queued resolver does nothing.
            drop(queued);
        });
        self.queue.borrow_mut().push_back((id, resolver));
        waiter
    }

    /// Takes the oldest waiter.
    pub(crate) fn pop(&self) -> Option<Resolver<T>> {
        self.queue.borrow_mut().pop_front().map(|(_, resolver)| resolver)
    }
}

impl<T> Waiters<T> {
    pub(crate) fn len(&self) -> usize {
        self.queue.borrow().len()
    }
}
